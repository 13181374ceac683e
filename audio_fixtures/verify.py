"""Check the audio fixtures against fixtures.toml with a real Whisper model.

    python audio_fixtures/verify.py [-v] MODEL_DIR [NAME ...]

MODEL_DIR is a faster-whisper (CTranslate2) model folder, e.g. Whisper
``base``.  For every fixture (or the NAMEs given) this decodes the audio with
ffmpeg to 16 kHz mono, transcribes it (beam 5, word timestamps, English),
measures it and prints one row: duration, speaking time, words, pace, the
callback number Whisper heard, and the status of each audio-decidable check
next to the ``expect`` of the manifest.  Exit status 1 when a status differs
or the number was not heard.

Self-contained on purpose (numpy, faster-whisper and the ffmpeg binary): it
mirrors the coach's defaults rather than importing the package, so it checks
the fixtures, not the code under test.

* speaking time: 10 ms blocks louder than -45 dBFS (or the 5th-percentile
  block + 10 dB), gaps shorter than 0.3 s bridged, bursts under 50 ms dropped
  (coach.speech.acoustics defaults);
* words: the words of the script (a digit said is a word: "four one five" is 3);
  the pace is also printed from Whisper's own word count (``wpm_w``: a number
  written "415-555-0134" is one to three words) and from Whisper's words with
  each phone number counted as its digits (``wpm_d``);
* length: from the first to the last speech, pass <= 30 s, warn <= 45 s or < 8 s;
* pace: pass 130-170 wpm, warn within 15 wpm of the band, fail beyond;
* pauses: leading > 2 s warn, > 4 s fail; a pause > 2 s warn, > 3.5 s fail;
* callback_number: pass when the 10 digits are heard;
* number_placement: pass if said in the first 10 s, or at the end (last 10 s)
  of a message up to 30 s, or both early and again at the end; warn if only at
  the end of a longer message; fail if only in the middle of a message longer
  than 30 s; a pass becomes a warn when the slowest telling runs faster than
  3.5 digits a second.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SR = 16_000
DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
CHECKS = ("length", "pace", "pauses", "callback_number", "number_placement")


def decode(path: Path) -> np.ndarray:
    """Any format ffmpeg reads -> 16 kHz mono float32."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-ac", "1", "-ar", str(SR),
         "-f", "f32le", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.float32)


def speech_spans(y: np.ndarray, *, hop: int = 160) -> np.ndarray:
    """[start, end] seconds of each stretch of speech (coach.speech.acoustics defaults)."""
    starts = np.arange(0, y.size, hop)
    power = np.add.reduceat(np.square(y, dtype=np.float64), starts)
    power /= np.diff(np.append(starts, y.size))
    threshold = max(10 ** (-45 / 10), float(np.percentile(power, 5)) * 10 ** (10 / 10))
    edges = np.diff(np.concatenate(([0], (power > threshold).astype(np.int8), [0])))
    runs = np.stack((np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)), axis=1)
    spans = np.minimum(runs * hop, y.size)
    if not len(spans):
        return spans.astype(float)
    bridged = spans[1:, 0] - spans[:-1, 1] < 0.3 * SR
    merged = np.stack(
        (
            spans[np.concatenate(([True], ~bridged)), 0],
            spans[np.concatenate((~bridged, [True])), 1],
        ),
        axis=1,
    )
    return merged[merged[:, 1] - merged[:, 0] >= 0.05 * SR] / SR


def word_digits(text: str) -> str | None:
    """Digits a Whisper word carries ("415-555-0134." -> "4155550134", "five" -> "5")."""
    w = text.lower().strip(" .,!?;:")
    if w in DIGIT_WORDS:
        return DIGIT_WORDS[w]
    if w and re.fullmatch(r"[0-9()\-+.]+", w) and any(c.isdigit() for c in w):
        return re.sub(r"\D", "", w)
    return None


def phone_numbers(words: list) -> list[tuple[str, float, float, int]]:
    """(digits, start, end, number of words) of each run of 7+ digits in consecutive words."""
    found, run = [], None
    for w in words:
        d = word_digits(w.word)
        if d is None:
            if run and len(run[0]) >= 7:
                found.append(tuple(run))
            run = None
            continue
        run = [run[0] + d, run[1], w.end, run[3] + 1] if run else [d, w.start, w.end, 1]
        if w.word.rstrip().endswith((".", "?", "!")):  # a sentence ends the number
            if len(run[0]) >= 7:
                found.append(tuple(run))
            run = None
    if run and len(run[0]) >= 7:
        found.append(tuple(run))
    return found


def normalise(text: str) -> list[str]:
    """Words for comparing a script with a transcript: digits one by one."""
    text = text.lower().replace("two thousand", "2000").replace(",000", "000")
    out = []
    for tok in re.findall(r"[a-z0-9'@.\-]+", text):
        tok = tok.strip(".-'")
        if not tok:
            continue
        if tok in DIGIT_WORDS:
            out.append(DIGIT_WORDS[tok])
        elif re.fullmatch(r"[0-9\-.]+", tok) and len(re.sub(r"\D", "", tok)) >= 7:
            out.extend(re.sub(r"\D", "", tok))
        else:
            out.extend(t for t in re.split(r"[\-.@]", tok) if t)
    return out


def band(value: float, low: float, high: float, margin: float) -> str:
    if low <= value <= high:
        return "pass"
    return "warn" if low - margin <= value <= high + margin else "fail"


def judge(spans, words, numbers, duration, n_words, expected_digits):
    lead = float(spans[0, 0]) if len(spans) else duration
    gaps = spans[1:, 0] - spans[:-1, 1] if len(spans) > 1 else np.zeros(0)
    message = float(spans[-1, 1] - spans[0, 0]) if len(spans) else 0.0
    speech = float(np.sum(spans[:, 1] - spans[:, 0]))
    status = {}
    status["length"] = (
        "warn" if message < 8 else "pass" if message <= 30 else "warn" if message <= 45 else "fail"
    )
    status["pace"] = band(n_words / speech * 60, 130, 170, 15)
    pause = float(gaps.max()) if gaps.size else 0.0
    p = ["pass"]
    p.append("fail" if lead > 4 else "warn" if lead > 2 else "pass")
    p.append("fail" if pause > 3.5 else "warn" if pause > 2 else "pass")
    status["pauses"] = "fail" if "fail" in p else "warn" if "warn" in p else "pass"
    heard = [d for d, *_ in numbers]
    status["callback_number"] = (
        ("pass" if expected_digits in heard else "warn" if heard else "fail")
        if expected_digits
        else ("pass" if heard else "fail")
    )
    if not numbers:
        status["number_placement"] = "skip"
    else:
        begin, end = words[0].start, words[-1].end
        length = end - begin
        early = [n for n in numbers if n[1] - begin <= 10]
        at_end = [n for n in numbers if end - n[2] <= 10]
        if (early and at_end and (len(numbers) > 1 or length <= 10)) or early:
            s = "pass"
        elif at_end:
            s = "pass" if length <= 30 else "warn"
        else:
            s = "fail" if length > 30 else "warn"
        if s == "pass" and min(len(d) / max(b - a, 0.1) for d, a, b, _ in numbers) > 3.5:
            s = "warn"
        status["number_placement"] = s
    return status, dict(lead=lead, pause=pause, message=message, speech=speech)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    from faster_whisper import WhisperModel

    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    model = WhisperModel(argv[0], device="cpu", compute_type="int8")
    manifest = tomllib.loads((HERE / "fixtures.toml").read_text())
    names = argv[1:] or list(manifest)
    bad = 0
    head = ["dur", "msg", "speech", "words", "wpm", "wpm_w", "wpm_d", "lead", "pause", "sim"]
    widths = [6, 5, 6, 5, 4, 5, 5, 4, 5, 4]
    print(
        f"{'fixture':24} "
        + " ".join(f"{h:>{w}}" for h, w in zip(head, widths, strict=True))
        + "  number heard (digits/s)"
    )
    for name in names:
        fx = manifest[name]
        y = decode(HERE / fx["file"])
        script = (HERE / fx["script"]).read_text()
        n_words = len(script.split())
        segments, _ = model.transcribe(
            y, beam_size=5, word_timestamps=True, language="en", vad_filter=False
        )
        words = [w for s in segments for w in s.words]
        text = "".join(w.word for w in words).strip()
        numbers = phone_numbers(words)
        spans = speech_spans(y)
        status, m = judge(spans, words, numbers, y.size / SR, n_words, fx["callback_digits"])
        sim = difflib.SequenceMatcher(None, normalise(script), normalise(text)).ratio()
        said = "; ".join(
            f"{d} @{a:.1f}-{b:.1f}s ({len(d) / max(b - a, 0.1):.1f}/s)" for d, a, b, _ in numbers
        )
        # Whisper's words, a phone number counted as its digits ("415-555-0134" is 10)
        n_digits = len(words) + sum(len(d) - n for d, _, _, n in numbers)
        print(
            f"{name:24} {y.size / SR:6.2f} {m['message']:5.1f} {m['speech']:6.2f} {n_words:5d} "
            f"{n_words / m['speech'] * 60:4.0f} {len(words) / m['speech'] * 60:5.0f} "
            f"{n_digits / m['speech'] * 60:5.0f} {m['lead']:4.1f} {m['pause']:5.2f} {sim:4.2f}  "
            f"{said or '-'}"
        )
        diffs = [
            f"{c}: expect {fx['expect'][c]}, measured {status[c]}"
            for c in CHECKS
            if c in fx.get("expect", {}) and fx["expect"][c] != status[c]
        ]
        if fx["callback_digits"] and fx["callback_digits"] not in [d for d, *_ in numbers]:
            diffs.append(f"callback digits {fx['callback_digits']} not heard")
        for d in diffs:
            print(f"    MISMATCH {d}")
        if verbose or diffs:
            print(f"    heard: {text}")
        bad += bool(diffs)
    print(f"{len(names) - bad}/{len(names)} fixtures as expected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
