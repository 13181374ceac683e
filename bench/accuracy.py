"""Accuracy on the fixtures, per model and decoding setting, and the rubric on the corpus.

For every recorded fixture take (``audio_fixtures/fixtures.toml``, benchmark
inputs left out: they repeat other takes) and every setting, the library
scores the take in this process, with the model loaded once per model:

* **WER** against the take's script, both sides normalised alike
  (:mod:`bench.wer`: numbers, punctuation, case), per voice;
* **callback number**: how many of the times the script says the number the
  coach heard it digit for digit (its ``phone_numbers``), and how many takes
  had a wrong number among them;
* **audio rubric agreement**: the statuses of the audio-decidable checks
  against the manifest's ``expect``;
* **time**: the transcription timer, summed, and as a real-time factor.

The written-script rubric (``coach check``) does not depend on the model; its
agreement with the 77 labelled scripts of ``tests/corpus/scripts.toml`` is
measured once.
"""

from __future__ import annotations

import tempfile
import time
import tomllib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import takes as tk
from bench.lib import FIXTURES, ROOT, Section, Table
from bench.wer import NO_ERRORS, Errors, wer

CORPUS = ROOT / "tests" / "corpus" / "scripts.toml"
VOICES = {"festival cmu_us_slt_arctic_hts": "slt", "festival kal_diphone": "kal",
          "espeak-ng en-us+klatt": "espeak"}  # fmt: skip


@dataclass(frozen=True)
class Setting:
    model: str
    beam_size: int
    hotwords: bool
    #: condition each 30 s window on the previous one's text (faster-whisper's default)
    condition: bool = True

    @property
    def label(self) -> str:
        return (
            f"`{self.model}` beam {self.beam_size}"
            + (", hotwords" if self.hotwords else "")
            + ("" if self.condition else ", no conditioning")
        )

    @property
    def is_default(self) -> bool:
        """The coach's own decoding settings (with a profile or card giving the names)."""
        from bench.speed import default_beam

        return self.beam_size == default_beam() and self.hotwords and self.condition


@dataclass(frozen=True)
class TakeResult:
    name: str
    voice: str
    seconds: float
    errors: Errors
    digits: str  # the callback number the script says
    said: int  # times the script says it
    exact: int  # of those, heard digit for digit
    heard: tuple[str, ...]  # every number heard
    agree: int
    checks: int
    disagreements: tuple[str, ...]
    transcribe_s: float


def _context(entry: dict[str, Any]) -> Any:
    from coach.context import Context, Prospect, Rep

    return Context(
        touch=entry.get("touch"),
        rep=Rep(
            name=entry["rep_name"], company=entry["rep_company"], phone=entry["callback_digits"]
        ),
        prospect=Prospect(name=entry["prospect_name"], company=entry["prospect_company"]),
    )


def _times_said(script: str, digits: str) -> int:
    from coach.speech.numbers import find_phone_numbers
    from coach.speech.transcribe import Transcript

    return sum(n.digits == digits for n in find_phone_numbers(Transcript.from_text(script).words))


def score_takes(setting: Setting, transcriber: Any, names: Sequence[str]) -> list[TakeResult]:
    from coach.pipeline import score_file
    from coach.rubric.config import load_rubric
    from coach.speech.transcribe import DecodeOptions

    rubric = load_rubric()
    manifest = tk.manifest()
    # "" keeps the coach from filling in the context's names (None means "derive them")
    options = DecodeOptions(
        beam_size=setting.beam_size,
        hotwords=None if setting.hotwords else "",
        extra={} if setting.condition else {"condition_on_previous_text": False},
    )
    results = []
    for name in names:
        entry = manifest[name]
        script = " ".join((FIXTURES / entry["script"]).read_text().split())
        report = score_file(
            FIXTURES / entry["file"],
            transcriber=transcriber,
            context=_context(entry),
            rubric=rubric,
            max_minutes=15,
            options=options,
        )
        digits = entry["callback_digits"]
        heard = tuple(n.digits for n in report.metrics.phone_numbers)
        said = _times_said(script, digits)
        got = {c.id: c.status for c in report.checks}
        wrong = tuple(
            f"{check}: {got[check]} (expected {want})"
            for check, want in entry["expect"].items()
            if got[check] != want
        )
        results.append(
            TakeResult(
                name=name,
                voice=VOICES.get(entry["voice"], entry["voice"]),
                seconds=float(entry["duration_s"]),
                errors=wer(script, report.transcript.text),
                digits=digits,
                said=said,
                exact=min(said, heard.count(digits)),
                heard=heard,
                agree=len(entry["expect"]) - len(wrong),
                checks=len(entry["expect"]),
                disagreements=wrong,
                transcribe_s=report.timings.get("transcribe", 0.0),
            )
        )
    return results


def run_settings(
    settings: Sequence[Setting], names: Sequence[str] = ()
) -> dict[Setting, list[TakeResult]]:
    """Score ``names`` (default: every recorded fixture take) with each setting."""
    from coach.speech import models
    from coach.speech.transcribe import Transcriber

    names = names or [n for n in tk.manifest() if not n.startswith("bench_")]
    out: dict[Setting, list[TakeResult]] = {}
    loaded: dict[str, Transcriber] = {}
    for setting in settings:
        if setting.model not in loaded:
            loaded[setting.model] = Transcriber(
                str(models.resolve(setting.model)), name=setting.model
            )
        out[setting] = score_takes(setting, loaded[setting.model], names)
    return out


def _pct(errors: Errors) -> str:
    return f"{errors.wer:.1%}"


def settings_table(results: dict[Setting, list[TakeResult]]) -> Table:
    voices = sorted({r.voice for rs in results.values() for r in rs})
    table = Table(
        "Accuracy on the fixture takes, per model and decoding setting",
        ["setting", *(f"WER {v}" for v in voices), "**WER all**", "callback number exact",
         "takes with a wrong number", "audio rubric agreement", "transcribe (Σ)", "× real time"],
    )  # fmt: skip
    for setting, rs in results.items():
        per_voice: dict[str, Errors] = defaultdict(lambda: NO_ERRORS)
        for r in rs:
            per_voice[r.voice] += r.errors
        total = sum((r.errors for r in rs), NO_ERRORS)
        said, exact = sum(r.said for r in rs), sum(r.exact for r in rs)
        agree, checks = sum(r.agree for r in rs), sum(r.checks for r in rs)
        busy = sum(r.transcribe_s for r in rs)
        audio = sum(r.seconds for r in rs)
        table.add(
            setting.label + (" (default)" if setting.is_default else ""),
            *(_pct(per_voice[v]) for v in voices),
            f"**{_pct(total)}**",
            f"{exact}/{said} ({exact / said:.0%})",
            str(sum(any(h != r.digits for h in r.heard) for r in rs)),
            f"{agree}/{checks} ({agree / checks:.0%})",
            f"{busy:.1f} s",
            f"{busy / audio:.3f}",
        )
    n = len(next(iter(results.values())))
    counts = Counter(r.voice for r in next(iter(results.values())))
    table.notes.append(
        f"{n} takes ({', '.join(f'{v}: {c}' for v, c in sorted(counts.items()))}; derived "
        "takes — telephone band, tempo, lossy formats, 8 kHz, stereo — count under their "
        "source's voice). Hotwords: the rep's and prospect's names and companies, as the "
        "coach derives them from the profile or card (never digits). "
        "WER = (substitutions + deletions + insertions) ÷ reference words, "
        "both sides normalised alike (`bench/wer.py`). "
        "Callback number: times the script says it vs. times the coach heard "
        "all ten digits right. "
        "Audio rubric: length, pace, pauses, callback_number and number_placement "
        "against `fixtures.toml`. "
        "`× real time`: transcription seconds per audio second "
        "(model loaded once; in this process)."
    )
    return table


def takes_table(setting: Setting, rs: Sequence[TakeResult]) -> Table:
    table = Table(
        f"Per take, {setting.label}",
        ["take", "voice", "WER", "S / D / I", "numbers heard", "rubric disagreements"],
    )
    for r in rs:
        e = r.errors
        table.add(
            r.name,
            r.voice,
            _pct(e),
            f"{e.substitutions} / {e.deletions} / {e.insertions}",
            ", ".join(r.heard) or "none",
            "; ".join(r.disagreements) or "—",
        )
    return table


def corpus_table() -> Table:
    """Agreement of ``coach check`` with the labelled corpus, per check (model-free)."""
    from coach.context import Context, Offer, Prospect, Rep
    from coach.pipeline import check_script
    from coach.rubric.config import load_rubric

    data = tomllib.loads(CORPUS.read_text())
    defaults, cases = data["defaults"], data["case"]
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            context = Context(
                touch=case["touch"],
                rep=Rep(**case.get("rep", defaults["rep"])),
                prospect=Prospect(**case.get("prospect", defaults["prospect"])),
                offer=Offer(**case.get("offer", defaults["offer"])),
            )
            rubric = load_rubric()
            if case.get("preferred_cta"):
                team = Path(tmp) / f"{case['id']}.toml"
                team.write_text(f'[checks.call_to_action]\npreferred = "{case["preferred_cta"]}"\n')
                rubric = load_rubric(team)
            report = check_script(case["text"], source=case["id"], context=context, rubric=rubric)
            got = {c.id: c.status for c in report.checks}
            for check, want in case["expect"].items():
                total[check] += 1
                agree[check] += got[check] == want
    took = time.perf_counter() - began
    table = Table(
        f"Text rubric (`coach check`) on the labelled corpus: {len(cases)} scripts",
        ["check", "agree", "labels", "agreement"],
    )
    for check in sorted(total):
        table.add(check, str(agree[check]), str(total[check]), f"{agree[check] / total[check]:.0%}")
    a, t = sum(agree.values()), sum(total.values())
    table.add("all", str(a), str(t), f"{a / t:.1%}")
    table.notes.append(
        f"`tests/corpus/scripts.toml`, judged as in `tests/test_corpus.py` "
        f"({took / len(cases) * 1000:.1f} ms a script)."
    )
    return table


def section(settings: Sequence[Setting], names: Sequence[str] = ()) -> Section:
    s = Section(
        "Accuracy: WER, callback numbers, rubric agreement",
        "Issue 7, item 5: per model and decoding setting, so the default is chosen by measurement.",
    )
    results = run_settings(settings, names)
    s.tables.append(settings_table(results))
    for setting, rs in results.items():
        total = sum((r.errors for r in rs), NO_ERRORS)
        said, exact = sum(r.said for r in rs), sum(r.exact for r in rs)
        busy = sum(r.transcribe_s for r in rs) / sum(r.seconds for r in rs)
        s.summary.append(
            (
                f"accuracy, {setting.label}",
                f"WER {_pct(total)}, number exact {exact}/{said}, {busy:.3f}× real time",
                "—",
            )
        )
    for setting, rs in results.items():
        if setting.is_default:
            s.tables.append(takes_table(setting, rs))
    corpus = corpus_table()
    s.tables.append(corpus)
    every = corpus.rows[-1]
    s.summary.append(
        ("text rubric agreement on the labelled corpus", f"{every[1]}/{every[2]} ({every[3]})", "—")
    )
    return s
