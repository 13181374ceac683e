"""Build the real-voice number takes of this folder from the Free Spoken Digit Dataset.

    python audio_fixtures/real/make_takes.py PATH/TO/fsdd  # holds {digit}_{speaker}_{i}.wav

Each take is a short synthetic carrier sentence (espeak-ng: "You can reach me
at", ...) followed by a 10-digit US number whose digits are **real
recordings** (FSDD, CC BY-SA 4.0, see ATTRIBUTION.md), spoken digit by digit
in 3-3-4 groups with natural gaps: 0.10-0.25 s between digits, 0.40-0.70 s
between groups.  Every take exists twice: ``clean`` (FSDD's own 8 kHz) and
``phone`` (band-passed 300-3400 Hz and round-tripped through GSM 06.10 with sox).

The split is by recording index, so no recording is in both: ``dev`` takes use
indices 0-24, ``test`` takes 25-49.  The test takes are frozen: only their
totals are reported, never tuned on.  ``long`` is one take over 30 s (the same
number said twice, far apart, ending just before 30 s) for the check that
nothing is invented past the speech.

Output: 8 kHz mono FLAC files (11 significant bits, see ``_write``) and
``takes.toml`` (true number, speaker,
quality, split per take).  The random choices are seeded, so a rebuild gives
the same recordings and gaps (espeak-ng's and sox's versions may change the
carrier and GSM bytes slightly).  Needs: numpy, soundfile, sox, espeak-ng.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
SR = 8000
SPEAKERS = ("jackson", "yweweler", "nicolas")
SPLITS = {"dev": range(0, 25), "test": range(25, 50)}
#: the numbers each speaker says, per split: repeated digits (555, 000, 88) in every
#: kind of place, and the README's 415-555-0134 in both
NUMBERS = {
    "dev": (
        "4155550134",
        "3125550188",
        "6178820007",
        "2069000455",
        "7185553320",
        "5038884126",
        "9722005590",
        "8605551000",
    ),
    "test": (
        "4155550134",
        "3035550812",
        "2138800064",
        "6469005552",
        "7755558800",
        "4047000316",
        "9168851120",
        "5124440009",
    ),
}
CARRIERS = ("You can reach me at", "Call me back at", "My number is")
DIGIT_GAP = (0.10, 0.25)
GROUP_GAP = (0.40, 0.70)
#: every digit recording is scaled to this RMS (yweweler's are ~15 dB quieter)
LEVEL_RMS = 0.08
SEED = 15
#: sample step of the stored 16-bit values: 11 significant bits
STEP = 32


def _trim(x: np.ndarray, *, top_db: float = 30.0) -> np.ndarray:
    """``x`` without the leading and trailing quiet (20 ms frames below peak - top_db)."""
    frame = SR // 50
    n = len(x) // frame
    energy = np.array([np.sqrt(np.mean(x[i * frame : (i + 1) * frame] ** 2)) for i in range(n)])
    loud = np.flatnonzero(20 * np.log10(energy / energy.max() + 1e-12) > -top_db)
    return x[loud[0] * frame : (loud[-1] + 1) * frame]


def _digit(fsdd: Path, digit: str, speaker: str, index: int) -> np.ndarray:
    x, sr = sf.read(fsdd / f"{digit}_{speaker}_{index}.wav", dtype="float32")
    if sr != SR or x.ndim != 1:
        raise SystemExit(f"{digit}_{speaker}_{index}.wav: expected 8 kHz mono, got {sr} Hz")
    x = _trim(x)
    fade = np.ones_like(x)
    ramp = np.linspace(0.0, 1.0, 40)  # 5 ms fades: no clicks at the cuts
    fade[:40], fade[-40:] = ramp, ramp[::-1]
    return np.asarray(x * fade * (LEVEL_RMS / np.sqrt(np.mean(x**2))), dtype=np.float32)


def _carrier(text: str, tmp: Path) -> np.ndarray:
    raw, out = tmp / "carrier.wav", tmp / "carrier8k.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "165", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", str(SR), "-b", "16", str(out)], check=True)
    x, _ = sf.read(out, dtype="float32")
    x = _trim(x)
    return np.asarray(x * (LEVEL_RMS / np.sqrt(np.mean(x**2))), dtype=np.float32)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * SR), dtype=np.float32)


def _number(
    fsdd: Path, digits: str, speaker: str, indices: range, rng: random.Random
) -> tuple[list[np.ndarray], list[str]]:
    """The number's pieces (digits and gaps) and the recordings used."""
    pieces: list[np.ndarray] = []
    used: list[str] = []
    taken: set[tuple[str, int]] = set()
    for n, d in enumerate(digits):
        if n:
            gap = GROUP_GAP if n in (3, 6) else DIGIT_GAP
            pieces.append(_silence(rng.uniform(*gap)))
        # a repeated digit is said again, not copied: a different recording each time
        index = rng.choice([i for i in indices if (d, i) not in taken])
        taken.add((d, index))
        pieces.append(_digit(fsdd, d, speaker, index))
        used.append(f"{d}_{speaker}_{index}")
    return pieces, used


def _phone(clean: Path, out: Path, tmp: Path) -> None:
    gsm = tmp / "take.gsm"
    subprocess.run(["sox", str(clean), "-r", str(SR), str(gsm), "sinc", "300-3400"], check=True)
    wav = tmp / "phone.wav"
    subprocess.run(["sox", str(gsm), "-b", "16", str(wav)], check=True)
    _write(out, sf.read(wav, dtype="float32")[0])


def _write(path: Path, x: np.ndarray) -> None:
    """16-bit FLAC holding 11 significant bits: FLAC stores the 5 zero bits for free.

    11 bits give ~50 dB SNR at these levels (a telephone line's 8-bit mu-law ~38 dB)
    and keep the folder about a third smaller.
    """
    peak = float(np.abs(x).max())
    if peak > 0.95:
        x = x * (0.95 / peak)
    samples = np.round(x * 32768 / STEP).clip(-32768 // STEP, 32767 // STEP) * STEP
    sf.write(path, samples.astype(np.int16), SR, subtype="PCM_16", format="FLAC")


def build(fsdd: Path, out: Path) -> list[dict[str, object]]:
    rng = random.Random(SEED)
    takes: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        carriers = {text: _carrier(text, tmp) for text in CARRIERS}
        for split, indices in SPLITS.items():
            for speaker in SPEAKERS:
                for n, digits in enumerate(NUMBERS[split]):
                    carrier = CARRIERS[(n + SPEAKERS.index(speaker)) % len(CARRIERS)]
                    pieces, used = _number(fsdd, digits, speaker, indices, rng)
                    audio = np.concatenate(
                        [
                            _silence(0.3),
                            carriers[carrier],
                            _silence(rng.uniform(0.25, 0.45)),
                            *pieces,
                            _silence(0.6),
                        ]
                    )
                    name = f"{split}_{speaker}_{n + 1}"
                    clean, phone = out / f"{name}_clean.flac", out / f"{name}_phone.flac"
                    _write(clean, audio)
                    _phone(clean, phone, tmp)
                    for quality, path in (("clean", clean), ("phone", phone)):
                        takes.append(
                            {
                                "name": f"{name}_{quality}",
                                "file": path.name,
                                "split": split,
                                "speaker": speaker,
                                "quality": quality,
                                "digits": digits,
                                "carrier": carrier,
                                "recordings": used,
                            }
                        )
        # Over 30 s: the number early and again ending just before 30 s, silence between,
        # so Whisper's second 30 s window holds only the take's last breath of silence.
        first, used1 = _number(fsdd, "4155550134", "jackson", SPLITS["dev"], rng)
        again, used2 = _number(fsdd, "4155550134", "jackson", SPLITS["dev"], rng)
        head = np.concatenate([_silence(0.3), carriers[CARRIERS[0]], _silence(0.35), *first])
        tail = np.concatenate([carriers[CARRIERS[1]], _silence(0.35), *again])
        middle = _silence(29.85 - (len(head) + len(tail)) / SR)
        audio = np.concatenate([head, middle, tail, _silence(0.45)])
        _write(out / "long_jackson_clean.flac", audio)
        takes.append(
            {
                "name": "long_jackson_clean",
                "file": "long_jackson_clean.flac",
                "split": "long",
                "speaker": "jackson",
                "quality": "clean",
                "digits": "4155550134",
                "carrier": CARRIERS[0],
                "recordings": used1 + used2,
                "duration_s": round(len(audio) / SR, 2),
            }
        )
    return takes


def _toml(takes: list[dict[str, object]]) -> str:
    lines = [
        "# Written by make_takes.py: the real-voice number takes (see ATTRIBUTION.md).",
        "# digits: the number the take says; recordings: the FSDD files of its digits.",
        "",
    ]
    for take in takes:
        lines.append(f"[{take['name']}]")
        for key, value in take.items():
            if key == "name":
                continue
            if isinstance(value, list):
                lines.append(f"{key} = {json.dumps(value)}")  # a JSON list of strings is TOML
            elif isinstance(value, str):
                lines.append(f'{key} = "{value}"')
            else:
                lines.append(f"{key} = {value}")
        lines.append("")
    return "\n".join(lines)


def main(
    argv: list[str] | None = None, *, build: Any = None, toml: Any = None, doc: str | None = None
) -> int:
    """Build the takes from FSDD recordings (``build``, ``toml``, ``doc``: another folder's)."""
    build = build or globals()["build"]
    toml = toml or _toml
    parser = argparse.ArgumentParser(description=(doc or __doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "fsdd", type=Path, help="folder of FSDD recordings ({digit}_{speaker}_{i}.wav)"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: here)")
    args = parser.parse_args(argv)
    if not (args.fsdd / "0_jackson_0.wav").is_file():
        print(f"Error: {args.fsdd} holds no FSDD recordings (0_jackson_0.wav)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    takes = build(args.fsdd, args.out)
    (args.out / "takes.toml").write_text(toml(takes))
    print(f"wrote {len(takes)} takes to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
