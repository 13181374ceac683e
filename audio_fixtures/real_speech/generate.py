"""Build the real-voice takes of this folder from their public sources.

    python audio_fixtures/real_speech/generate.py POCKETSPHINX_DIR FSDD_DIR

POCKETSPHINX_DIR is the unpacked source distribution of ``pocketsphinx`` 5.1.1
from PyPI (``pip download --no-deps --no-binary :all: pocketsphinx==5.1.1``,
then ``tar xzf``): its ``test/data`` holds LibriVox recordings (public domain)
and CMU Sphinx test utterances (BSD-style licence), and ``model/en-us`` the
CMU pronouncing dictionary used here to count syllables.  FSDD_DIR holds the
Free Spoken Digit Dataset's ``{digit}_{speaker}_{index}.wav`` files (CC BY-SA
4.0).  SOURCES.md says who made what, under which licence.

Every take is written twice: ``NAME.flac`` as recorded (16 kHz, or FSDD's
8 kHz) and ``NAME_phone.flac``, the same audio through a telephone channel:
band-pass 300–3400 Hz, 8 kHz, a GSM 06.10 round trip (sox).  ``manifest.toml``
lists every file with its words, its syllables (dictionary vowels; FSDD digits
have known counts: "seven" and "zero" two, the others one) and its source.

Deterministic: the gaps between joined utterances come from a fixed table, and
sox runs without dither (-D) in repeatable mode (-R).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}

#: fluent speech: (take, [(source file under test/data, words)], gap between them s)
FLUENT = (
    (
        "austen_a",
        "librivox/sense_and_sensibility_01_austen_64kb-{}.wav",
        ("0870", "0880", "0890"),
    ),
    ("austen_b", "librivox/sense_and_sensibility_01_austen_64kb-{}.wav", ("0920", "0930")),
)
#: CMU Sphinx test utterances, raw 16-bit 16 kHz: (file, words)
COMMANDS = (
    ("goforward.raw", "go forward ten meters"),
    ("something.raw", "go somewhere and do something"),
)
#: a 10-digit number per FSDD speaker, said twice in 3-3-4 groups (as a voicemail
#: gives it early and again at the end), other recordings of each digit the second time
NUMBERS = {"jackson": "4155550134", "nicolas": "9713850488", "yweweler": "6287703914"}
#: silence between the two tellings, seconds
REPEAT_GAP_S = 1.2
#: silence between digits within a group and between groups, seconds (cycled)
DIGIT_GAPS = (0.08, 0.15, 0.05, 0.12)
GROUP_GAPS = (0.45, 0.6)
LEAD_S, TAIL_S = 0.3, 0.5


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise SystemExit(f"{path}: expected 16-bit mono PCM")
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return data.astype(np.int16), w.getframerate()


def write_wav(path: Path, y: np.ndarray, sr: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(y.astype("<i2").tobytes())


def silence(seconds: float, sr: int) -> np.ndarray:
    return np.zeros(round(seconds * sr), dtype=np.int16)


def syllables(words: str, dictionary: dict[str, int]) -> int:
    total = 0
    for word in words.split():
        if word not in dictionary:
            raise SystemExit(f"{word!r} is not in the pronouncing dictionary")
        total += dictionary[word]
    return total


def load_dictionary(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and "(" not in parts[0]:  # the first pronunciation of each word
            counts[parts[0]] = sum(p in VOWELS for p in parts[1:])
    return counts


def sox(*args: str) -> None:
    subprocess.run(["sox", "-D", "-R", *args], check=True)


def build(pocketsphinx: Path, fsdd: Path, out: Path) -> list[dict[str, object]]:
    data = pocketsphinx / "test" / "data"
    dictionary = load_dictionary(pocketsphinx / "model" / "en-us" / "cmudict-en-us.dict")
    takes: list[dict[str, object]] = []

    for name, pattern, ids in FLUENT:
        parts, words = [], []
        for i in ids:
            y, sr = read_wav(data / pattern.format(i))
            parts.append(y)
            text = (data / pattern.format(i)).with_suffix(".txt").read_text().split()
            words.append(" ".join(text))
        text = " ".join(words)
        takes.append(
            {
                "name": name,
                "audio": np.concatenate(parts),
                "sr": sr,
                "speaker": "LibriVox reader, Sense and Sensibility ch. 1",
                "kind": "fluent",
                "source": "pocketsphinx 5.1.1 test/data/librivox, public domain (LibriVox)",
                "text": text,
                "syllables": syllables(text, dictionary),
            }
        )

    sr = 16_000
    parts, texts = [silence(LEAD_S, sr)], []
    for file, text in COMMANDS:
        raw = np.fromfile(data / file, dtype="<i2").astype(np.int16)
        parts += [raw, silence(0.4, sr)]
        texts.append(text)
    text = " ".join(texts)
    takes.append(
        {
            "name": "cmu_commands",
            "audio": np.concatenate(parts),
            "sr": sr,
            "speaker": "CMU Sphinx test speaker",
            "kind": "fluent",
            "source": "pocketsphinx 5.1.1 test/data, BSD-2-Clause-style (CMU)",
            "text": text,
            "syllables": syllables(text, dictionary),
        }
    )

    for speaker, number in NUMBERS.items():
        used: dict[str, int] = {}
        parts = []
        words = []
        for k, digit in enumerate(number + number):
            index = used.get(digit, 0)
            used[digit] = index + 1
            y, sr = read_wav(fsdd / f"{digit}_{speaker}_{index}.wav")
            if k == 0:
                parts.append(silence(LEAD_S, sr))
            elif k == len(number):
                parts.append(silence(REPEAT_GAP_S, sr))
            elif k % len(number) in (3, 6):
                parts.append(silence(GROUP_GAPS[k % 2], sr))
            else:
                parts.append(silence(DIGIT_GAPS[k % len(DIGIT_GAPS)], sr))
            parts.append(y)
            words.append(DIGIT_WORDS[int(digit)])
        text = " ".join(words)
        takes.append(
            {
                "name": f"fsdd_{speaker}",
                "audio": np.concatenate(parts),
                "sr": sr,
                "speaker": f"FSDD {speaker}",
                "kind": "digits",
                "source": "Free Spoken Digit Dataset (commit 26eb9aa), CC BY-SA 4.0",
                "text": text,
                "syllables": sum(2 if w in ("seven", "zero") else 1 for w in words),
            }
        )

    rows = []
    for take in takes:
        tail = silence(TAIL_S, int(take["sr"]))  # type: ignore[arg-type]
        y = np.concatenate([take["audio"], tail])  # type: ignore[list-item]
        wav = out / f"{take['name']}.wav"
        write_wav(wav, y, int(take["sr"]))  # type: ignore[arg-type]
        clean = out / f"{take['name']}.flac"
        phone = out / f"{take['name']}_phone.flac"
        gsm = out / f"{take['name']}.gsm"
        sox(str(wav), str(clean))
        # telephone channel: narrow band, 8 kHz, GSM full-rate codec and back
        sox(str(wav), "-r", "8000", "-c", "1", "-t", "gsm", str(gsm), "sinc", "300-3400")
        sox("-t", "gsm", "-r", "8000", str(gsm), "-b", "16", str(phone))
        wav.unlink()
        gsm.unlink()
        duration = round(y.size / int(take["sr"]), 2)  # type: ignore[arg-type]
        for file, quality in ((clean, "clean"), (phone, "phone")):
            rows.append(
                {
                    "file": file.name,
                    "take": take["name"],
                    "quality": quality,
                    "kind": take["kind"],
                    "speaker": take["speaker"],
                    "duration_s": duration,
                    "words": len(str(take["text"]).split()),
                    "syllables": take["syllables"],
                    "text": take["text"],
                    "source": take["source"],
                }
            )
    return rows


def toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + re.sub(r'(["\\])', r"\\\1", value) + '"'
    return repr(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pocketsphinx", type=Path, help="unpacked pocketsphinx-5.1.1 sdist")
    parser.add_argument("fsdd", type=Path, help="folder of FSDD {digit}_{speaker}_{index}.wav")
    args = parser.parse_args()
    if shutil.which("sox") is None:
        raise SystemExit("sox is needed: apt-get install sox libsox-fmt-all")
    with tempfile.TemporaryDirectory() as tmp:
        rows = build(args.pocketsphinx, args.fsdd, Path(tmp))
        for row in rows:
            shutil.move(str(Path(tmp) / str(row["file"])), HERE / str(row["file"]))
    lines = [
        "# Real-voice takes: what each file holds.  Written by generate.py; do not edit.",
        "# syllables: CMU dictionary vowels (fluent), known digit counts (FSDD).",
        "",
    ]
    for row in rows:
        lines.append("[[take]]")
        lines += [f"{key} = {toml_value(value)}" for key, value in row.items()]
        lines.append("")
    (HERE / "manifest.toml").write_text("\n".join(lines))
    print(f"wrote {len(rows)} files and manifest.toml to {HERE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
