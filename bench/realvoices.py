"""The callback number on real voices: exact-number rate per speaker, quality and split.

    python -m bench.realvoices                      # every setting, dev and test
    python -m bench.realvoices --split dev --models base --beams 5

The takes are ``audio_fixtures/real/`` (real FSDD digits, 3-3-4 groups, clean
and telephone quality; see its README).  Each take is scored by the library as
``coach score`` scores it (:func:`coach.pipeline.score_file`, the rep's number
set to the take's number), and a take counts as **exact** when every number the
coach reports is the take's number, digit for digit, and there is at least one.
``callback_number`` shows how the check judged the misses: a miss the coach
was unsure of should warn, never fail.

``--wrong`` scores every take again with the rep's number set to a near miss
of what the take says (:func:`near_miss`: two digits of the last group
swapped, the commonest slip): the coach must never pass those — a pass there
is a wrong number let through (the rep's number is weighed against what was
heard, :mod:`coach.speech.verify`, and must not win when it was not said).

The ``test`` split is frozen: it is reported in totals only; per-take results
are printed for ``dev`` alone (``--misses``), the split one may tune on.
"""

from __future__ import annotations

import argparse
import tomllib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.lib import FIXTURES, Section, Table

REAL = FIXTURES / "real"
SPEAKERS = ("jackson", "yweweler", "nicolas")
QUALITIES = ("clean", "phone")
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class RealSetting:
    model: str
    beam_size: int

    @property
    def label(self) -> str:
        return f"`{self.model}` beam {self.beam_size}"


SETTINGS = tuple(RealSetting(m, b) for m in ("base", "tiny.en") for b in (1, 5))


@dataclass(frozen=True)
class RealResult:
    name: str
    split: str
    speaker: str
    quality: str
    digits: str
    heard: tuple[str, ...]
    status: str  # the callback_number check
    message: str
    transcript: str
    transcribe_s: float
    seconds: float
    rep_digits: str = ""

    @property
    def exact(self) -> bool:
        return bool(self.heard) and all(h == self.digits for h in self.heard)


def near_miss(digits: str) -> str:
    """``digits`` with the first two different neighbours of its last group swapped.

    ``"4155550134"`` -> ``"4155551034"``; the last digit changed when the
    group has no two different neighbours (``"0000"``).
    """
    for i in range(len(digits) - 4, len(digits) - 1):
        if digits[i] != digits[i + 1]:
            return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
    return digits[:-1] + str((int(digits[-1]) + 5) % 10)


def manifest() -> dict[str, dict[str, Any]]:
    return tomllib.loads((REAL / "takes.toml").read_text())


def score(
    setting: RealSetting, transcriber: Any, names: Sequence[str], *, wrong: bool = False
) -> list[RealResult]:
    from coach.context import Context, Rep
    from coach.pipeline import score_file
    from coach.rubric.config import load_rubric
    from coach.speech.transcribe import DecodeOptions

    rubric = load_rubric()
    takes = manifest()
    results = []
    for name in names:
        entry = takes[name]
        mine = near_miss(entry["digits"]) if wrong else entry["digits"]
        report = score_file(
            REAL / entry["file"],
            transcriber=transcriber,
            context=Context(touch=1, rep=Rep(phone=mine)),
            rubric=rubric,
            max_minutes=15,
            options=DecodeOptions(beam_size=setting.beam_size),
        )
        check = next(c for c in report.checks if c.id == "callback_number")
        results.append(
            RealResult(
                name=name,
                split=entry["split"],
                speaker=entry["speaker"],
                quality=entry["quality"],
                digits=entry["digits"],
                heard=tuple(n.digits for n in report.metrics.phone_numbers),
                status=check.status,
                message=check.message,
                transcript=report.transcript.text,
                transcribe_s=report.timings.get("transcribe", 0.0),
                seconds=report.metrics.duration_s,
                rep_digits=mine,
            )
        )
    return results


def run(
    settings: Sequence[RealSetting], splits: Sequence[str] = SPLITS, *, wrong: bool = False
) -> dict[RealSetting, list[RealResult]]:
    from coach.speech import models
    from coach.speech.transcribe import Transcriber

    names = [n for n, e in manifest().items() if e["split"] in splits]
    loaded: dict[str, Transcriber] = {}
    out = {}
    for setting in settings:
        if setting.model not in loaded:
            loaded[setting.model] = Transcriber(
                str(models.resolve(setting.model)), name=setting.model
            )
        out[setting] = score(setting, loaded[setting.model], names, wrong=wrong)
        rs = out[setting]
        if wrong:
            passed = sum(r.status == "pass" for r in rs)
            print(f"{setting.label}, wrong numbers: {passed}/{len(rs)} passed", flush=True)
        else:
            print(f"{setting.label}: {sum(r.exact for r in rs)}/{len(rs)} exact", flush=True)
    return out


def _rate(rs: Sequence[RealResult]) -> str:
    if not rs:
        return "—"
    exact = sum(r.exact for r in rs)
    return f"{exact}/{len(rs)} ({exact / len(rs):.0%})"


def rates_table(results: dict[RealSetting, list[RealResult]], split: str) -> Table:
    cells = [(s, q) for s in SPEAKERS for q in QUALITIES]
    table = Table(
        f"Exact callback number on real voices, {split} takes",
        ["setting", *(f"{s} {q}" for s, q in cells), "**all**", "callback_number pass/warn/fail",
         "s a take (transcribe)"],
    )  # fmt: skip
    for setting, everything in results.items():
        rs = [r for r in everything if r.split == split]
        if not rs:
            continue
        statuses = Counter(r.status for r in rs)
        table.add(
            setting.label,
            *(_rate([r for r in rs if r.speaker == s and r.quality == q]) for s, q in cells),
            f"**{_rate(rs)}**",
            "/".join(str(statuses[k]) for k in ("pass", "warn", "fail")),
            f"{sum(r.transcribe_s for r in rs) / len(rs):.2f}",
        )
    table.notes.append(
        "Exact: every number the coach reported is the take's number, and there is one. "
        "Time: the coach's transcription timer per take (first decode, tail recovery and "
        "the number's second hearing), model loaded once, in this process."
    )
    return table


def wrong_table(results: dict[RealSetting, list[RealResult]], splits: Sequence[str]) -> Table:
    table = Table(
        "A near miss of the take's number as the rep's: judged pass (must be 0)",
        ["setting", *(f"{split}" for split in splits), "callback_number pass/warn/fail"],
    )
    for setting, rs in results.items():
        statuses = Counter(r.status for r in rs)
        table.add(
            setting.label,
            *(
                f"{sum(r.status == 'pass' for r in rs if r.split == split)}"
                f"/{sum(r.split == split for r in rs)}"
                for split in splits
            ),
            "/".join(str(statuses[k]) for k in ("pass", "warn", "fail")),
        )
    table.notes.append(
        "The rep's number is the take's with two digits of its last group swapped "
        "(`near_miss`); a pass lets a number the rep did not say through."
    )
    return table


def misses_table(setting: RealSetting, rs: Sequence[RealResult]) -> Table:
    table = Table(
        f"Dev misses, {setting.label}", ["take", "number", "heard", "check", "transcript"]
    )
    for r in rs:
        if r.split == "dev" and not r.exact:
            table.add(r.name, r.digits, ", ".join(r.heard) or "none", r.status, r.transcript)
    return table


def section(settings: Sequence[RealSetting] = SETTINGS, splits: Sequence[str] = SPLITS) -> Section:
    s = Section(
        "Real voices: the callback number",
        "Issue 15, items 1 and 6: real FSDD digits in 3-3-4 groups behind a synthetic carrier "
        "sentence, clean and telephone quality (`audio_fixtures/real/`); dev takes use recording "
        "indices 0-24, the frozen test takes 25-49.",
    )
    results = run(settings, splits)
    for split in splits:
        s.tables.append(rates_table(results, split))
    wrong = run(settings[:1], splits, wrong=True)
    s.tables.append(wrong_table(wrong, splits))
    for setting, rs in wrong.items():
        s.summary.append(
            (
                f"real-voice wrong number passed, {setting.label}",
                f"{sum(r.status == 'pass' for r in rs)}/{len(rs)}",
                "0",
            )
        )
        for setting, rs in results.items():
            s.summary.append(
                (
                    f"real-voice number exact, {split}, {setting.label}",
                    _rate([r for r in rs if r.split == split]),
                    "≥ 95 %",
                )
            )
    return s


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realvoices", description=__doc__)
    parser.add_argument("--models", nargs="+", default=["base", "tiny.en"])
    parser.add_argument("--beams", nargs="+", type=int, default=[1, 5])
    parser.add_argument("--split", nargs="+", choices=[*SPLITS, "long"], default=list(SPLITS))
    parser.add_argument("--misses", action="store_true", help="list the dev takes missed")
    parser.add_argument(
        "--wrong", action="store_true", help="the rep's number a near miss of the take's"
    )
    args = parser.parse_args(argv)
    settings = [RealSetting(m, b) for m in args.models for b in args.beams]
    if args.wrong:
        wrong_table(run(settings, args.split, wrong=True), args.split).show()
        return 0
    results = run(settings, args.split)
    for split in args.split:
        rates_table(results, split).show()
    if args.misses:
        by_setting: dict[RealSetting, list[RealResult]] = defaultdict(list, results)
        for setting in settings:
            misses_table(setting, by_setting[setting]).show()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
