"""What the prospect sees: the callback number through a phone's transcript (``--phone-line``).

    python -m bench.phoneline                  # dev, then the frozen test split, then fixtures
    python -m bench.phoneline --split dev --no-fixtures

Every take is scored as ``coach score --phone-line`` scores it
(:func:`coach.pipeline.score_file` with ``phone_line=True``, ``base``, beam 5,
the rep's number set to the take's): the coach's own hearing, then the take
through the telephone channel (8 kHz, 300-3400 Hz, AMR-NB 12.2 kbit/s) heard
again with no hotwords and no callback number, as a visual-voicemail service.

* **phone exact**: the phone's transcript has the take's number, digit for
  digit, and no other number — what a prospect reading it could dial.
* **survives** (``phone_line.number_survives``): true / false / not compared
  (the coach did not hear the number in the take itself, so there is
  nothing to survive; the ``callback_number`` check speaks to that).

The real-voice takes are ``audio_fixtures/real/`` (real FSDD digits; ``phone``
takes are already band-limited and GSM-coded, so they cross a second codec);
the ``test`` split is frozen: totals only, reported once.  The synthetic
fixtures with a number (``audio_fixtures/fixtures.toml``) are scored with
their card's rep name, company and prospect, so the name is compared too.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.lib import FIXTURES, Section, Table
from bench.realvoices import QUALITIES, REAL, SPEAKERS, SPLITS, manifest

MODEL = "base"
BEAM = 5


@dataclass(frozen=True)
class PhoneResult:
    name: str
    split: str
    speaker: str
    quality: str
    digits: str
    heard: tuple[str, ...]
    shown: tuple[str, ...]
    number_survives: bool | None
    name_survives: bool | None
    transcribe_s: float
    phone_s: float
    seconds: float
    phone_text: str

    @property
    def coach_exact(self) -> bool:
        return bool(self.heard) and all(h == self.digits for h in self.heard)

    @property
    def phone_exact(self) -> bool:
        return bool(self.shown) and all(s == self.digits for s in self.shown)


def _score(transcriber: Any, path: Any, context: Any) -> Any:
    from coach.pipeline import score_file
    from coach.rubric.config import load_rubric
    from coach.speech.transcribe import DecodeOptions

    return score_file(
        path,
        transcriber=transcriber,
        context=context,
        rubric=load_rubric(),
        max_minutes=15,
        options=DecodeOptions(beam_size=BEAM),
        phone_line=True,
    )


def _result(name: str, entry: dict[str, Any], digits: str, report: Any) -> PhoneResult:
    phone = report.phone_line
    return PhoneResult(
        name=name,
        split=entry.get("split", "fixture"),
        speaker=entry.get("speaker", entry.get("voice", "")),
        quality=entry.get("quality", ""),
        digits=digits,
        heard=tuple(n.digits for n in report.metrics.phone_numbers),
        shown=phone.numbers,
        number_survives=phone.number_survives,
        name_survives=phone.name_survives,
        transcribe_s=report.timings.get("transcribe", 0.0),
        phone_s=report.timings.get("phone_line", 0.0),
        seconds=report.metrics.duration_s,
        phone_text=phone.transcript,
    )


def real_takes(transcriber: Any, splits: Sequence[str]) -> list[PhoneResult]:
    from coach.context import Context, Rep

    out = []
    for name, entry in manifest().items():
        if entry["split"] not in splits:
            continue
        context = Context(touch=1, rep=Rep(phone=entry["digits"]))
        report = _score(transcriber, REAL / entry["file"], context)
        out.append(_result(name, entry, entry["digits"], report))
    return out


def fixture_takes(transcriber: Any) -> list[PhoneResult]:
    import tomllib

    from coach.context import Context, Prospect, Rep

    fixtures = tomllib.loads((FIXTURES / "fixtures.toml").read_text())
    out = []
    for name, entry in fixtures.items():
        if not entry.get("callback_digits") or name.startswith("bench_"):
            continue
        context = Context(
            touch=entry.get("touch"),
            rep=Rep(
                name=entry.get("rep_name", ""),
                company=entry.get("rep_company", ""),
                phone=entry["callback_digits"],
            ),
            prospect=Prospect(
                name=entry.get("prospect_name", ""), company=entry.get("prospect_company", "")
            ),
        )
        report = _score(transcriber, FIXTURES / entry["file"], context)
        out.append(_result(name, entry, entry["callback_digits"], report))
    return out


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.0%})" if total else "—"


def _survives(rs: Sequence[PhoneResult]) -> str:
    t = sum(r.number_survives is True for r in rs)
    f = sum(r.number_survives is False for r in rs)
    n = sum(r.number_survives is None for r in rs)
    return f"{t}/{f}/{n}"


def real_table(results: Sequence[PhoneResult], split: str) -> Table:
    table = Table(
        f"The number through a phone's transcript, real voices, {split} takes "
        f"(`{MODEL}` beam {BEAM})",
        ["speaker", "quality", "coach heard it exact", "**phone shows it exact**",
         "survives true/false/not compared"],
    )  # fmt: skip
    rs = [r for r in results if r.split == split]
    for speaker in SPEAKERS:
        for quality in QUALITIES:
            cell = [r for r in rs if r.speaker == speaker and r.quality == quality]
            table.add(
                speaker,
                quality,
                _rate(sum(r.coach_exact for r in cell), len(cell)),
                f"**{_rate(sum(r.phone_exact for r in cell), len(cell))}**",
                _survives(cell),
            )
    table.add(
        "**all**",
        "",
        _rate(sum(r.coach_exact for r in rs), len(rs)),
        f"**{_rate(sum(r.phone_exact for r in rs), len(rs))}**",
        _survives(rs),
    )
    return table


def fixture_table(results: Sequence[PhoneResult]) -> Table:
    table = Table(
        f"Synthetic fixture takes with a number, through the phone line (`{MODEL}` beam {BEAM})",
        ["take", "coach heard", "phone shows", "number survives", "name survives"],
    )
    for r in results:
        table.add(
            r.name,
            ", ".join(r.heard) or "none",
            ", ".join(r.shown) or "none",
            str(r.number_survives).lower() if r.number_survives is not None else "—",
            str(r.name_survives).lower() if r.name_survives is not None else "—",
        )
    return table


def cost_table(results: Sequence[PhoneResult]) -> Table:
    table = Table(
        "What `--phone-line` costs: the extra decode (2 cores, model loaded once)",
        ["takes", "audio s (median)", "coach's hearing s (median)", "phone line s (median)",
         "phone line ÷ hearing (median)"],
    )  # fmt: skip
    for label, rs in (
        ("real voices", [r for r in results if r.split != "fixture"]),
        ("fixtures", [r for r in results if r.split == "fixture"]),
    ):
        if not rs:
            continue
        table.add(
            f"{label} ({len(rs)})",
            f"{statistics.median(r.seconds for r in rs):.1f}",
            f"{statistics.median(r.transcribe_s for r in rs):.2f}",
            f"{statistics.median(r.phone_s for r in rs):.2f}",
            f"{statistics.median(r.phone_s / r.transcribe_s for r in rs if r.transcribe_s):.2f}",
        )
    table.notes.append(
        "The phone line's time includes the channel (resampling, band-pass, AMR-NB both ways, "
        "~0.3 s for 28 s of audio) and one decode with no hotwords (plus a tail decode when "
        "Whisper stops early); the coach's hearing includes its tail recovery and the number's "
        "second hearing and weighing."
    )
    return table


def misses_table(results: Sequence[PhoneResult]) -> Table:
    table = Table(
        "Dev takes whose number the phone does not show exactly",
        ["take", "number", "coach heard", "phone shows", "phone transcript"],
    )
    for r in results:
        if r.split == "dev" and not r.phone_exact:
            table.add(
                r.name, r.digits, ", ".join(r.heard) or "none", ", ".join(r.shown) or "none",
                r.phone_text,
            )  # fmt: skip
    return table


def run(splits: Sequence[str], *, fixtures: bool) -> list[PhoneResult]:
    from coach.speech import models
    from coach.speech.transcribe import Transcriber

    transcriber = Transcriber(str(models.resolve(MODEL)), name=MODEL)
    results: list[PhoneResult] = []
    for split in splits:
        rs = real_takes(transcriber, [split])
        print(f"{split}: phone shows the number in {sum(r.phone_exact for r in rs)}/{len(rs)}",
              flush=True)  # fmt: skip
        results.extend(rs)
    if fixtures:
        results.extend(fixture_takes(transcriber))
    return results


def section(splits: Sequence[str] = SPLITS) -> Section:
    s = Section(
        "What the prospect sees: the number through a phone's transcript",
        "Issue 15, item 7: `coach score --phone-line` on the real-voice takes and the fixtures.",
    )
    results = run(splits, fixtures=True)
    for split in splits:
        s.tables.append(real_table(results, split))
        rs = [r for r in results if r.split == split]
        s.summary.append(
            (f"phone line shows the number, real voices, {split}",
             _rate(sum(r.phone_exact for r in rs), len(rs)), "—")
        )  # fmt: skip
    s.tables.append(fixture_table([r for r in results if r.split == "fixture"]))
    s.tables.append(cost_table(results))
    return s


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.phoneline", description=__doc__)
    parser.add_argument("--split", nargs="+", choices=list(SPLITS), default=list(SPLITS))
    parser.add_argument("--no-fixtures", action="store_true", help="real-voice takes only")
    parser.add_argument("--misses", action="store_true", help="list the dev takes missed")
    args = parser.parse_args(argv)
    results = run(args.split, fixtures=not args.no_fixtures)
    for split in args.split:
        real_table(results, split).show()
    if not args.no_fixtures:
        fixture_table([r for r in results if r.split == "fixture"]).show()
    cost_table(results).show()
    if args.misses:
        misses_table(results).show()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
