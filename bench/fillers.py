"""Fillers on real voices: what a verbatim prompt makes Whisper write; the filled-pause detector.

    python -m bench.fillers                 # both tables, dev and test
    python -m bench --only fillers --out /tmp/fillers.md

The filler takes are ``audio_fixtures/fillers/`` (real FSDD digits with two
filled pauses spliced into each; the pauses are the speaker's own voice,
derived, or espeak-ng's: see its README).  Each take is heard as ``coach
score`` hears it (:func:`coach.speech.hearing.hear`, Whisper ``base`` beam 5,
the take's number as the rep's) and measured (:func:`coach.speech.acoustics.measure`).

A filler is *found* when a filler word is written there or the detector
(:mod:`coach.speech.fillers`) marks a filled pause there: overlapping the
true pause or within 0.15 s of it.  Precision is found / marked, recall is
true pauses found / true pauses.  The detector was tuned on ``dev``; ``test``
is frozen.  False alarms are counted on takes with no filled pauses: the
real-voice number takes (``audio_fixtures/real/``, clean and telephone) and
the synthetic fixtures (``audio_fixtures/*.flac``).

The prompt table decodes the filler takes again with a verbatim-style
``initial_prompt`` and compares: fillers written at a true pause, WER of the
other words (against "my number is" and the digits), and exact numbers.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bench.lib import FIXTURES, Section, Table

if TYPE_CHECKING:
    from coach.speech.transcribe import Transcriber

FILLERS = FIXTURES / "fillers"
REAL = FIXTURES / "real"
SPLITS = ("dev", "test")
#: seconds either side of a true pause within which a mark counts as finding it
TOLERANCE_S = 0.15
PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."


@dataclass(frozen=True)
class Heard:
    """One take, heard and measured: what was written, marked and said."""

    name: str
    split: str
    source: str
    truth: tuple[tuple[float, float], ...]
    written: tuple[tuple[float, float], ...]  # filler words in the transcript
    marked: tuple[tuple[float, float], ...]  # filled pauses heard only
    wer: float
    exact: bool
    seconds: float


def _near(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] - TOLERANCE_S < b[1] and b[0] - TOLERANCE_S < a[1]


def _hear(
    model: Transcriber,
    path: Path,
    *,
    digits: str,
    prompt: str | None,
    truth: Sequence[tuple[float, float]] = (),
    name: str = "",
    split: str = "",
    source: str = "",
) -> Heard:
    from bench.wer import wer
    from coach.context import Context
    from coach.rubric.checks import Take
    from coach.rubric.config import load_rubric
    from coach.rubric.rules.delivery import filler_matches, heard_only
    from coach.speech.acoustics import measure
    from coach.speech.audio import load
    from coach.speech.hearing import hear
    from coach.speech.numbers import find_phone_numbers
    from coach.speech.transcribe import DecodeOptions

    cfg = load_rubric().config("fillers")
    audio = load(path)
    extra = {"initial_prompt": prompt} if prompt else {}
    transcript = hear(model, audio.samples, options=DecodeOptions(callback=digits, extra=extra))
    numbers = tuple(find_phone_numbers(transcript.words))
    take = Take(transcript, measure(audio.samples, sr=16_000), numbers, Context())
    written = tuple((m.start, m.evidence.end or m.start) for m in filler_matches(take, cfg))
    # WER of the other words: the written fillers left out of the hypothesis
    fill_words = {i for m in filler_matches(take, cfg) for i in range(m.first, m.last + 1)}
    others = " ".join(w.text for i, w in enumerate(transcript.words) if i not in fill_words)
    reference = "my number is " + " ".join(digits)
    return Heard(
        name=name or path.stem,
        split=split,
        source=source,
        truth=tuple(truth),
        written=written,
        marked=tuple((p.start, p.end) for p in heard_only(take, cfg)),
        wer=wer(reference, others).wer if digits else 0.0,
        exact=bool(numbers) and all(n.digits == digits for n in numbers),
        seconds=audio.duration_s,
    )


def _filler_takes() -> dict[str, dict]:  # type: ignore[type-arg]
    return tomllib.loads((FILLERS / "takes.toml").read_text(encoding="utf-8"))


def hear_filler_takes(
    model: Transcriber, *, prompt: str | None, splits: Sequence[str]
) -> list[Heard]:
    out = []
    for name, t in _filler_takes().items():
        if t["split"] not in splits:
            continue
        truth = tuple((f["start"], f["end"]) for f in t["fillers"])
        out.append(
            _hear(
                model,
                FILLERS / t["file"],
                digits=t["digits"],
                prompt=prompt,
                truth=truth,
                name=name,
                split=t["split"],
                source=t["source"],
            )
        )
    return out


def score(heard: Sequence[Heard], *, audio_only: bool = False) -> tuple[int, int, int, int]:
    """(true pauses found, true pauses, marks that found one, marks)."""
    found = total = hits = marks = 0
    for h in heard:
        marked = h.marked if audio_only else h.marked + h.written
        total += len(h.truth)
        found += sum(any(_near(t, m) for m in marked) for t in h.truth)
        marks += len(marked)
        hits += sum(any(_near(t, m) for t in h.truth) for m in marked)
    return found, total, hits, marks


def _ratio(a: int, b: int) -> str:
    return "—" if b == 0 else f"{a}/{b} ({a / b:.0%})"


def section(splits: Sequence[str] = SPLITS) -> Section:
    from coach.speech import models
    from coach.speech.transcribe import Transcriber

    model = Transcriber(str(models.resolve("base")), name="base")
    plain = hear_filler_takes(model, prompt=None, splits=splits)
    primed = hear_filler_takes(model, prompt=PROMPT, splits=splits)

    s = Section("Fillers on real voices (issue 15)", __doc__.split("\n\n")[1].replace("\n", " "))
    prompt_table = Table(
        "A verbatim prompt: what Whisper `base` writes on takes with filled pauses",
        (
            "split",
            "prompt",
            "fillers written at a pause",
            "fillers written elsewhere",
            "WER of the other words",
            "exact numbers",
        ),
    )
    for split in splits:
        for label, heard in (("none", plain), ("verbatim", primed)):
            rows = [h for h in heard if h.split == split]
            written = [replace(h, marked=()) for h in rows]
            found, total, hits, marks = score(written)
            wer = sum(h.wer for h in rows) / len(rows)
            prompt_table.add(
                split,
                label,
                _ratio(found, total),
                str(marks - hits),
                f"{wer:.1%}",
                _ratio(sum(h.exact for h in rows), len(rows)),
            )
    prompt_table.notes.append(f"The verbatim prompt: “{PROMPT}”")
    s.tables.append(prompt_table)

    detector = Table(
        "Filled pauses found: filler words written, and the detector's marks",
        (
            "split",
            "filler source",
            "recall: written only",
            "recall: written + detector",
            "precision: detector",
            "precision: all",
        ),
    )
    for split in splits:
        for source in ("voice", "synthetic", "all"):
            rows = [h for h in plain if h.split == split and source in (h.source, "all")]
            written_only = score([replace(h, marked=()) for h in rows])
            both = score(rows)
            audio = score(rows, audio_only=True)
            detector.add(
                split,
                source,
                _ratio(written_only[0], written_only[1]),
                _ratio(both[0], both[1]),
                _ratio(audio[2], audio[3]),
                _ratio(both[2], both[3]),
            )
    s.tables.append(detector)

    alarms = Table(
        "False alarms on takes with no filled pauses (detector marks)",
        ("takes", "count", "minutes", "marks", "takes with a mark"),
    )
    sets = {
        "real-voice numbers, dev": sorted(REAL.glob("dev_*.flac")),
        "real-voice numbers, test": sorted(REAL.glob("test_*.flac")),
        "synthetic fixtures": sorted(FIXTURES.glob("*.flac")),
    }
    real_digits = tomllib.loads((REAL / "takes.toml").read_text(encoding="utf-8"))
    for label, paths in sets.items():
        heard = [
            _hear(
                model,
                p,
                digits=real_digits.get(p.stem, {}).get("digits", "4155550134"),
                prompt=None,
            )
            for p in paths
        ]
        marks = sum(len(h.marked) for h in heard)
        minutes = sum(h.seconds for h in heard) / 60
        alarms.add(
            label,
            str(len(heard)),
            f"{minutes:.1f}",
            str(marks),
            str(sum(bool(h.marked) for h in heard)),
        )
        for h in heard:
            for m in h.marked:
                alarms.notes.append(f"{h.name}: a mark at {m[0]:.2f}–{m[1]:.2f} s")
    s.tables.append(alarms)
    test = [h for h in plain if h.split == "test"]
    if test:
        found, total, hits, marks = score(test)
        s.summary.append(
            ("filled pauses found (test)", _ratio(found, total), "more than Whisper writes")
        )
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=SPLITS, action="append", help="default: both")
    args = parser.parse_args(argv)
    s = section(tuple(args.split or SPLITS))
    for table in s.tables:
        print(table.markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
