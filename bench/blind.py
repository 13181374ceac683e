"""The blind corpus: the text rubric against labels written without reading the rules.

``tests/blind/`` holds 191 voicemail scripts labelled by someone who read only
the field guidance and SPEC (see its README), split at random into a dev half
(tune on it) and a frozen test half (report it, never tune on it).  This
section judges every case of both halves and of the old corpus
(``tests/corpus/scripts.toml``) with ``check_script``, as ``coach check``
does, and reports per check:

* **agreement**: the coach's status is the label (or one of the label's
  acceptable statuses when it is a list);
* **precision / recall**, where *positive* means "there is a problem": the
  label does not accept ``pass`` (or ``skip``), and the coach said ``warn`` or
  ``fail``.  Precision = of the cases the coach flagged, how many the label
  flags; recall = of the labelled problems, how many the coach flagged.

Disagreements are listed case by case for the dev half only: the test half
gets numbers, never details, so nobody tunes on it.  Text only (no model):
a second or two.

    python -m bench --only blind --out /tmp/blind.md   # as a section of the suite
    python -m bench.blind                              # the tables alone, nothing written
"""

from __future__ import annotations

import tempfile
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.lib import ROOT, Section, Table

BLIND = ROOT / "tests" / "blind"
OLD = ROOT / "tests" / "corpus" / "scripts.toml"
#: the ten checks a written script is judged on, in SPEC's order
CHECKS = (
    "identity",
    "purpose",
    "hook",
    "personalization",
    "callback_number",
    "number_placement",
    "touch_wording",
    "opening",
    "call_to_action",
    "length",
)
NOT_A_PROBLEM = frozenset({"pass", "skip"})


@dataclass(frozen=True)
class Verdict:
    """One label against the coach's status."""

    case: str
    check: str
    accepted: tuple[str, ...]  # the label: one status, or the acceptable ones
    got: str

    @property
    def agrees(self) -> bool:
        return self.got in self.accepted

    @property
    def labelled_problem(self) -> bool:
        return not NOT_A_PROBLEM.intersection(self.accepted)

    @property
    def flagged(self) -> bool:
        return self.got not in NOT_A_PROBLEM

    @property
    def expected(self) -> str:
        return " / ".join(self.accepted)


@dataclass(frozen=True)
class Corpus:
    name: str
    path: Path


def corpora() -> tuple[Corpus, ...]:
    return (
        Corpus("dev", BLIND / "dev.toml"),
        Corpus("dev 2", BLIND / "dev2.toml"),
        Corpus("dev 3", BLIND / "dev3.toml"),
        Corpus("dev 4", BLIND / "dev4.toml"),
        Corpus("dev 5", BLIND / "dev5.toml"),
        Corpus("dev 6", BLIND / "dev6.toml"),
        Corpus("dev 7", BLIND / "dev7.toml"),
        Corpus("dev 8", BLIND / "dev8.toml"),
        Corpus("test", BLIND / "test.toml"),
        Corpus("old corpus", OLD),
    )


def load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = tomllib.loads(path.read_text())
    return data["defaults"], data["case"]


def judge(path: Path) -> list[Verdict]:
    """Every label of the corpus at ``path`` against ``check_script``'s statuses."""
    from coach.context import Context, Offer, Prospect, Rep
    from coach.pipeline import check_script
    from coach.rubric.config import load_rubric

    defaults, cases = load(path)
    default_rubric = load_rubric()
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            context = Context(
                touch=case["touch"],
                rep=Rep(**case.get("rep", defaults["rep"])),
                prospect=Prospect(**case.get("prospect", defaults["prospect"])),
                offer=Offer(**case.get("offer", defaults["offer"])),
            )
            rubric = default_rubric
            if case.get("preferred_cta"):  # the old corpus: a team's preferred call to action
                team = Path(tmp) / f"{case['id']}.toml"
                team.write_text(f'[checks.call_to_action]\npreferred = "{case["preferred_cta"]}"\n')
                rubric = load_rubric(team)
            report = check_script(case["text"], source=case["id"], context=context, rubric=rubric)
            got = {c.id: c.status for c in report.checks}
            for check, want in case["expect"].items():
                accepted = tuple(want) if isinstance(want, list) else (want,)
                verdicts.append(Verdict(case["id"], check, accepted, got.get(check, "missing")))
    return verdicts


@dataclass(frozen=True)
class Scores:
    labels: int
    agree: int
    problems: int  # labelled problems
    flagged: int  # coach flagged
    both: int  # flagged and labelled

    @classmethod
    def of(cls, verdicts: Sequence[Verdict]) -> Scores:
        return cls(
            labels=len(verdicts),
            agree=sum(v.agrees for v in verdicts),
            problems=sum(v.labelled_problem for v in verdicts),
            flagged=sum(v.flagged for v in verdicts),
            both=sum(v.flagged and v.labelled_problem for v in verdicts),
        )

    @property
    def agreement(self) -> str:
        return _ratio(self.agree, self.labels)

    @property
    def precision(self) -> str:
        return _ratio(self.both, self.flagged)

    @property
    def recall(self) -> str:
        return _ratio(self.both, self.problems)


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.0%} ({part}/{whole})" if whole else "— (0/0)"


def per_check(verdicts: Sequence[Verdict]) -> dict[str, Scores]:
    checks = [c for c in CHECKS if any(v.check == c for v in verdicts)]
    checks += sorted({v.check for v in verdicts} - set(checks))
    return {c: Scores.of([v for v in verdicts if v.check == c]) for c in checks}


def scores_table(corpus: Corpus, verdicts: Sequence[Verdict], took_s: float) -> Table:
    cases = len({v.case for v in verdicts})
    table = Table(
        f"{corpus.name}: {cases} scripts, {len(verdicts)} labels",
        ["check", "agreement", "precision", "recall", "labelled problems", "coach flagged"],
    )
    for check, s in per_check(verdicts).items():
        table.add(check, s.agreement, s.precision, s.recall, str(s.problems), str(s.flagged))
    s = Scores.of(verdicts)
    table.add(
        "**all**",
        f"**{s.agreement}**",
        s.precision,
        s.recall,
        str(s.problems),
        str(s.flagged),
    )
    table.notes.append(
        f"`{corpus.path.relative_to(ROOT)}`; {took_s / cases * 1000:.1f} ms a script."
    )
    return table


def overview_table(results: dict[str, list[Verdict]]) -> Table:
    names = list(results)
    table = Table(
        "Agreement per check, side by side",
        ["check", *(f"{n} agree" for n in names), *(f"{n} P / R" for n in names)],
    )
    by = {n: per_check(vs) for n, vs in results.items()}
    for check in CHECKS:
        table.add(
            check,
            *(
                f"{by[n][check].agree / by[n][check].labels:.0%}" if check in by[n] else "—"
                for n in names
            ),
            *(_pr(by[n][check]) if check in by[n] else "—" for n in names),
        )
    totals = {n: Scores.of(vs) for n, vs in results.items()}
    table.add(
        "**all**",
        *(f"**{totals[n].agree / totals[n].labels:.1%}**" for n in names),
        *(_pr(totals[n]) for n in names),
    )
    table.notes.append(
        "P / R: precision / recall of the coach's warn-or-fail against the labelled problems "
        "(a label is a problem when it does not accept `pass`)."
    )
    return table


def _pr(s: Scores) -> str:
    p = f"{s.both / s.flagged:.0%}" if s.flagged else "—"
    r = f"{s.both / s.problems:.0%}" if s.problems else "—"
    return f"{p} / {r}"


def disagreements_table(verdicts: Sequence[Verdict]) -> Table:
    table = Table(
        "Disagreements on the dev files (never listed for the test half)",
        ["case", "check", "expected", "got"],
    )
    for v in verdicts:
        if not v.agrees:
            table.add(v.case, v.check, v.expected, v.got)
    if not table.rows:
        table.notes.append("None.")
    return table


def run() -> tuple[dict[str, list[Verdict]], dict[str, float]]:
    results: dict[str, list[Verdict]] = {}
    took: dict[str, float] = {}
    for corpus in corpora():
        began = time.perf_counter()
        results[corpus.name] = judge(corpus.path)
        took[corpus.name] = time.perf_counter() - began
    return results, took


def section() -> Section:
    s = Section(
        "Blind corpus: the text rubric against independently written labels",
        "`tests/blind/` (see its README): scripts labelled blind, from the field guidance "
        "and SPEC only; `dev` is for tuning, `test` is frozen and only reported. "
        "The old corpus (`tests/corpus/scripts.toml`) was labelled alongside the rubric, "
        "so it is shown for comparison. A list label agrees when the coach's status is in it.",
    )
    results, took = run()
    s.tables.append(overview_table(results))
    by_name = {c.name: c for c in corpora()}
    for name, verdicts in results.items():
        s.tables.append(scores_table(by_name[name], verdicts, took[name]))
    dev = [v for name, verdicts in results.items() if name.startswith("dev") for v in verdicts]
    s.tables.append(disagreements_table(dev))
    for name, verdicts in results.items():
        total = Scores.of(verdicts)
        s.summary.append(
            (
                f"text rubric on the blind corpus, {name}"
                if name != "old corpus"
                else "text rubric on the old corpus (same run)",
                f"agreement {total.agreement}; precision {total.precision}, recall {total.recall}",
                "—",
            )
        )
    return s


def main() -> int:
    for table in section().tables:
        table.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
