"""Build the filled-pause takes of this folder: real digit speech with "um"/"uh" spliced in.

    .venv/bin/python audio_fixtures/fillers/make_takes.py PATH/TO/fsdd  # {digit}_{speaker}_{i}.wav

No package on PyPI or Debian ships real speech with its filled pauses marked
under a licence that allows redistribution (see README.md), so these takes
are *made*: a short synthetic carrier sentence (espeak-ng) and a 10-digit
number whose digits are **real recordings** of three speakers of the Free
Spoken Digit Dataset (FSDD, CC BY-SA 4.0), as in ``../real/make_takes.py``,
with two filled pauses spliced into each take where a rep hesitates: before
the carrier, between the carrier and the number, or between the number's groups.

The filled pauses are of two kinds, named in ``takes.toml`` (``source``):

``voice``
    The speaker's **own real voice**, not a recorded filled pause: the vowel
    and nasal of one of their FSDD "one" recordings (/ʌn/, its /w/ onset cut
    off: an "um"), or the vowel alone (/ʌ/: an "uh"), slowed with sox
    ``tempo -s`` (WSOLA: pitch and timbre kept) to 0.3-0.8 s.  A real voiced
    sound with the steady pitch and spectrum of a hesitation, but derived.
``synthetic``
    espeak-ng saying "um" or "uh", stretched the same way.  **Synthetic.**

``dev`` takes use FSDD indices 0-24 (the detector is tuned on these), ``test``
takes indices 25-49 (frozen: reported, never tuned on), like ``../real/``.

Output: Ogg Opus (20 kbit/s, 16 kHz, the codec of ``coach report``) and
``takes.toml`` with each filled pause's start and end, seconds.  Seeded, so a
rebuild gives the same recordings, fillers and gaps.  Needs numpy, soundfile,
PyAV (the coach's), sox and espeak-ng.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
_spec = importlib.util.spec_from_file_location("real_takes", HERE.parent / "real" / "make_takes.py")
assert _spec is not None and _spec.loader is not None
real = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(real)

SR = real.SR
SPEAKERS = real.SPEAKERS
SPLITS = real.SPLITS
#: the takes of each speaker per split: (number, filler source, the two filler places)
#: places: "start" before the carrier, "before" between carrier and number, 1 / 2 after
#: the number's first / second group
TAKES = {
    "dev": (
        ("4155550134", "voice", ("before", 2)),
        ("3125550188", "voice", ("start", 1)),
        ("6178820007", "voice", (1, 2)),
        ("2069000455", "synthetic", ("before", 1)),
    ),
    "test": (
        ("4155550134", "voice", ("before", 1)),
        ("3035550812", "voice", ("start", 2)),
        ("2138800064", "voice", (1, 2)),
        ("6469005552", "synthetic", ("before", 2)),
    ),
}
#: how long a filled pause lasts, seconds (the detector looks for 0.2-1.0 s)
FILLER_S = (0.3, 0.8)
#: silence either side of a filled pause, seconds (a hesitation often runs into the word)
FILLER_GAP = (0.05, 0.35)
SEED = 1515
#: bits a second of the stored Opus: speech stays clear, 24 takes fit in ~400 kB
OPUS_BIT_RATE = 16_000


def _stretch(x: np.ndarray, seconds: float, tmp: Path) -> np.ndarray:
    """``x`` slowed (or sped) to ``seconds`` with sox ``tempo -s``: pitch and timbre kept."""
    src, out = tmp / "piece.wav", tmp / "stretched.wav"
    sf.write(src, x, SR, subtype="FLOAT")
    # sox's tempo takes factors down to 0.1: a 60 ms vowel slowed to 0.8 s goes in two steps,
    # with 25 ms segments (a vowel this short holds few of the default 82 ms ones)
    step = f"{math.sqrt((len(x) / SR) / seconds):.4f}"
    tempo = ["tempo", step, "25", "10", "8"]
    subprocess.run(["sox", "-R", "-D", "-V1", str(src), str(out), *tempo, *tempo], check=True)
    y, _ = sf.read(out, dtype="float32")
    fade = np.ones_like(y)
    ramp = np.linspace(0.0, 1.0, 160)  # 20 ms fades: a hesitation fades in and out
    fade[:160], fade[-160:] = ramp, ramp[::-1]
    return np.asarray(y * fade * (real.LEVEL_RMS / np.sqrt(np.mean(y**2))), dtype=np.float32)


def _voice_filler(
    fsdd: Path, speaker: str, index: int, kind: str, seconds: float, tmp: Path
) -> np.ndarray:
    """An "uh" from the steady middle of the speaker's "one" (/ʌ/), an "um" with its /n/ after.

    The /w/ glide into the vowel (about the first third) is left out, or the
    sound is heard as "one"; so is the vowel's slide into the nasal.
    """
    one = real._digit(fsdd, "1", speaker, index)
    n = len(one)
    vowel = one[(35 * n) // 100 : (60 * n) // 100]
    if kind == "uh":
        return _stretch(vowel, seconds, tmp)
    nasal = one[(80 * n) // 100 :]
    head = _stretch(vowel, 0.7 * seconds, tmp)
    tail = _stretch(nasal, 0.3 * seconds, tmp) * 0.6
    return np.concatenate([head, tail]).astype(np.float32)


def _synthetic_filler(kind: str, seconds: float, tmp: Path) -> np.ndarray:
    raw, out = tmp / "filler.wav", tmp / "filler8k.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "120", "-w", str(raw), kind], check=True)
    subprocess.run(["sox", str(raw), "-r", str(SR), "-b", "16", str(out)], check=True)
    x, _ = sf.read(out, dtype="float32")
    return _stretch(real._trim(x), seconds, tmp)


def _opus(flac: Path, out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from coach.speech.codec import opus_from_file

    out.write_bytes(opus_from_file(flac, bit_rate=OPUS_BIT_RATE))


def _put(
    timeline: list[np.ndarray],
    marks: list[dict[str, object]],
    fillers: dict[object, tuple[np.ndarray, str]],
    place: object,
    rng: random.Random,
) -> None:
    """Append the filled pause for ``place`` (if the take has one there) and note its times."""
    if place not in fillers:
        return
    sound, kind = fillers[place]
    timeline.append(real._silence(rng.uniform(*FILLER_GAP)))
    at = sum(len(p) for p in timeline) / SR
    timeline.append(sound)
    end = at + len(sound) / SR
    marks.append({"kind": kind, "start": round(at, 3), "end": round(end, 3)})
    timeline.append(real._silence(rng.uniform(*FILLER_GAP)))


def build(fsdd: Path, out: Path) -> list[dict[str, object]]:
    rng = random.Random(SEED)
    takes: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        carrier = real._carrier("My number is", tmp)
        for split, indices in SPLITS.items():
            for speaker in SPEAKERS:
                for n, (digits, source, places) in enumerate(TAKES[split]):
                    pieces, used = real._number(fsdd, digits, speaker, indices, rng)
                    # pieces: d, gap, d, gap, d, GAP, d ... the group gaps follow digits 3 and 6
                    groups = [pieces[0:5], pieces[6:11], pieces[12:]]
                    gaps = [pieces[5], pieces[11]]
                    fillers: dict[object, tuple[np.ndarray, str]] = {}
                    for place in places:
                        kind = rng.choice(("um", "uh"))
                        seconds = rng.uniform(*FILLER_S)
                        if source == "voice":
                            index = rng.choice(list(indices))
                            sound = _voice_filler(fsdd, speaker, index, kind, seconds, tmp)
                            used.append(f"1_{speaker}_{index}")
                        else:
                            sound = _synthetic_filler(kind, seconds, tmp)
                        fillers[place] = (sound, kind)
                    timeline: list[np.ndarray] = [real._silence(0.3)]
                    marks: list[dict[str, object]] = []

                    _put(timeline, marks, fillers, "start", rng)
                    timeline += [carrier, real._silence(rng.uniform(0.25, 0.45))]
                    _put(timeline, marks, fillers, "before", rng)
                    for g, group in enumerate(groups):
                        timeline += group
                        if g < 2:
                            timeline.append(gaps[g])
                            _put(timeline, marks, fillers, g + 1, rng)
                    timeline.append(real._silence(0.6))
                    name = f"{split}_{speaker}_{n + 1}"
                    flac, opus = tmp / f"{name}.flac", out / f"{name}.opus"
                    real._write(flac, np.concatenate(timeline))
                    _opus(flac, opus)
                    takes.append(
                        {
                            "name": name,
                            "file": opus.name,
                            "split": split,
                            "speaker": speaker,
                            "source": source,
                            "digits": digits,
                            "fillers": marks,
                            "recordings": used,
                        }
                    )
    return takes


def _toml(takes: list[dict[str, object]]) -> str:
    lines = [
        "# Written by make_takes.py: real digit speech with filled pauses spliced in",
        "# (README.md, ATTRIBUTION.md).  fillers: each filled pause, seconds into the take;",
        '# source: "voice" (the speaker\'s own "one", slowed: real voice, derived) or',
        '# "synthetic" (espeak-ng).  recordings: the FSDD files used.',
        "",
    ]
    for take in takes:
        lines.append(f"[{take['name']}]")
        for key, value in take.items():
            if key in ("name", "fillers"):
                continue
            if isinstance(value, list):
                lines.append(f"{key} = {json.dumps(value)}")
            else:
                lines.append(f'{key} = "{value}"')
        fillers = take["fillers"]
        assert isinstance(fillers, list)
        inline = ", ".join(
            f'{{ kind = "{f["kind"]}", start = {f["start"]}, end = {f["end"]} }}' for f in fillers
        )
        lines.append(f"fillers = [{inline}]")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return int(real.main(argv, build=build, toml=_toml, doc=__doc__))


if __name__ == "__main__":
    raise SystemExit(main())
