"""Pace on real voices: the words the transcript holds against the syllables the audio holds.

    python -m bench.pace                 # dev per take, test in totals, fluent readers
    python -m bench.pace --split dev

Every real-voice take is scored as ``coach score`` scores it
(:func:`coach.pipeline.score_file`, ``base`` beam 5, the rep's number the
take's). Its *true* pace is the words it really says — the carrier sentence
and the ten digits of ``audio_fixtures/real/``, the manifest's words of
``audio_fixtures/real_speech/`` — over the speaking time the coach measured;
the true verdict is that pace against the rubric's band. The pace check is
compared with it twice: judged by the transcript's words alone (as before the
syllable check) and as the coach judges now (by the syllables where the
words cannot be right). A pace *failed* where the true pace passes or warns is
the model's slip blamed on the rep.

The ``test`` split of the number takes is frozen: totals only.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass

from bench.lib import FIXTURES, Section, Table
from bench.realvoices import REAL, SPLITS

FLUENT = FIXTURES / "real_speech"


@dataclass(frozen=True)
class PaceResult:
    name: str
    group: str
    true_wpm: float
    words_wpm: float | None
    true: str
    by_words: str
    now: str
    message: str


def _status(wpm: float | None, words: int, band: tuple[float, float, float, float]) -> str:
    """The pace check's verdict on a rate alone (min_wpm, max_wpm, margin, min_words)."""
    low, high, margin, min_words = band
    if wpm is None or words < min_words:
        return "skip"
    if low <= wpm <= high:
        return "pass"
    return "warn" if low - margin <= wpm <= high + margin else "fail"


def _takes(splits: Sequence[str]) -> list[tuple[str, str, object, int, str]]:
    """(name, group, file, true words, rep digits) of every take to score."""
    takes: list[tuple[str, str, object, int, str]] = []
    numbers = tomllib.loads((REAL / "takes.toml").read_text())
    for name, entry in numbers.items():
        if entry["split"] in splits:
            words = len(entry["carrier"].split()) + len(entry["digits"])
            takes.append((name, entry["split"], REAL / entry["file"], words, entry["digits"]))
    fluent = tomllib.loads((FLUENT / "manifest.toml").read_text())["take"]
    for entry in fluent:
        if entry["kind"] == "fluent":
            group = f"fluent ({entry['quality']})"
            takes.append((entry["file"], group, FLUENT / entry["file"], entry["words"], ""))
    return takes


def run(splits: Sequence[str] = SPLITS) -> list[PaceResult]:
    from coach.context import Context, Rep
    from coach.pipeline import score_file
    from coach.rubric.config import load_rubric
    from coach.speech import models
    from coach.speech.transcribe import DecodeOptions, Transcriber

    rubric = load_rubric()
    cfg = rubric.config("pace")
    band = (cfg.num("min_wpm"), cfg.num("max_wpm"), cfg.num("margin_wpm"), cfg.num("min_words"))
    transcriber = Transcriber(str(models.resolve("base")), name="base")
    results = []
    for name, group, path, true_words, digits in _takes(splits):
        report = score_file(
            path,  # type: ignore[arg-type]
            transcriber=transcriber,
            context=Context(touch=1, rep=Rep(phone=digits)),
            rubric=rubric,
            max_minutes=15,
            options=DecodeOptions(beam_size=5),
        )
        m = report.metrics
        speech = m.speech_s or 0.0
        true_wpm = true_words / speech * 60 if speech > 0 else 0.0
        check = next(c for c in report.checks if c.id == "pace")
        heard = round((m.wpm or 0.0) * speech / 60)  # the words metrics.wpm counts
        results.append(
            PaceResult(
                name=name,
                group=group,
                true_wpm=true_wpm,
                words_wpm=m.wpm,
                true=_status(true_wpm, true_words, band),
                by_words=_status(m.wpm, heard, band),
                now=check.status,
                message=check.message,
            )
        )
    return results


def _rate(hits: int, n: int) -> str:
    return f"{hits}/{n}" if n else "—"


def section(splits: Sequence[str] = SPLITS) -> Section:
    results = run(splits)
    s = Section("Pace on real voices: words against syllables (#15)", __doc__.split("\n\n")[2])
    totals = Table(
        "The pace check against the true pace",
        (
            "takes",
            "n",
            "agrees, by words → now",
            "the rep failed, true pass/warn: by words → now",
            "judged by syllables",
        ),
    )
    groups = sorted({r.group for r in results}, key=lambda g: (g not in SPLITS, g))
    for group in groups:
        rs = [r for r in results if r.group == group and r.true != "skip"]
        wronged = [r for r in rs if r.true in ("pass", "warn")]
        totals.add(
            group,
            str(len(rs)),
            f"{_rate(sum(r.by_words == r.true for r in rs), len(rs))} → "
            f"{_rate(sum(r.now == r.true for r in rs), len(rs))}",
            f"{sum(r.by_words == 'fail' for r in wronged)} → "
            f"{sum(r.now == 'fail' for r in wronged)}",
            str(sum("syllables" in r.message for r in rs)),
        )
    s.tables.append(totals)
    shown = [r for r in results if r.group != "test" and (r.by_words != r.now or r.now != r.true)]
    if shown:
        changed = Table(
            "Takes where the verdict moved or differs from the true pace (dev and fluent only)",
            ("take", "true wpm", "words wpm", "true", "by words", "now", "message"),
        )
        for r in shown:
            changed.add(
                r.name,
                f"{r.true_wpm:.0f}",
                "—" if r.words_wpm is None else f"{r.words_wpm:.0f}",
                r.true,
                r.by_words,
                r.now,
                r.message,
            )
        s.tables.append(changed)
    return s


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=SPLITS, action="append")
    args = parser.parse_args(argv)
    for table in section(args.split or SPLITS).tables:
        print(table.markdown())
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
