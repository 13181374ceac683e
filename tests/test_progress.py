"""Progress over time: halves, pass rates, trends, and ``coach progress`` on a real store.

The pure functions get hand-built entries with known answers; the command
gets a store of real reports (``check_script``) whose ``created_at`` the
test moves through the weeks with sqlite3, as the store itself never would.
Two rules are tested from every side: the arrow and the numbers beside it are
one comparison (the earlier half against the recent half), and nothing is a
rate, an average or a trend from fewer than ``MIN_TAKES`` takes.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from coach.cli import app
from coach.context import Context, Rep
from coach.pipeline import check_script
from coach.report import Report
from coach.rubric.checks import Status
from coach.rubric.config import load_rubric
from coach.team.progress import (
    MIN_TAKES,
    TREND,
    Entry,
    Rate,
    pass_rate,
    rate_trend,
    rep_progress,
    sparkline,
    split_halves,
    team_progress,
    to_json,
    trend,
)
from coach.team.store import Store
from coach.views.team import progress_view, rep_view
from tests.scripts import GOOD, WEAK

runner = CliRunner()


MONDAY = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)  # ISO week 2025-W10


def entry(
    n: int,
    *,
    rep: str = "Chris",
    days: float = 0,
    score: int = 50,
    sent: bool = False,
    **statuses: Status,
) -> Entry:
    return Entry(
        session_id=n,
        rep=rep,
        at=MONDAY + timedelta(days=days),
        score=score,
        statuses=dict(statuses),
        sent=sent,
    )


def rendered(renderable: object) -> str:
    console = Console(width=140, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


# -- halves ----------------------------------------------------------------------


def test_the_minimum_is_three_takes_and_the_readme_says_so() -> None:
    # README and the views state it as 3; a change must be a decision, not an accident.
    assert MIN_TAKES == 3
    assert "recent half" in TREND and "earlier half" in TREND and "3 takes" in TREND
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    leads = " ".join(readme.split("### Team leads", 1)[1].split("\n### ", 1)[0].split())
    assert "**The trend** is the recent half of a rep's takes" in leads
    assert "**Three takes** (`MIN_TAKES`)" in leads
    assert "coach.progress/2" in leads


@pytest.mark.parametrize(
    ("count", "labels", "sizes"),
    [
        (0, [], []),
        (1, ["all"], [1]),
        (5, ["all"], [5]),  # a half of 2 could give no trend: no halves at all
        (6, ["earlier", "recent"], [3, 3]),
        (7, ["earlier", "recent"], [3, 4]),  # the odd take to the recent half
    ],
)
def test_split_halves(count: int, labels: list[str], sizes: list[int]) -> None:
    periods = split_halves([entry(i, days=i) for i in range(count)])
    assert [p.label for p in periods] == labels
    assert [p.sessions for p in periods] == sizes
    if count:
        assert [e.session_id for p in periods for e in p.entries] == list(range(count))


# -- rates and trends ------------------------------------------------------------


def test_pass_rate_counts_only_takes_that_judged_the_check() -> None:
    entries = [
        entry(1, hook="pass"),
        entry(2, hook="fail"),
        entry(3, hook="warn"),
        entry(4, hook="skip"),
        entry(5),  # an older report without the check
    ]
    assert pass_rate(entries, "hook") == Rate(passed=1, judged=3)
    assert pass_rate(entries, "hook").rate == pytest.approx(1 / 3)
    assert pass_rate(entries, "pace") == Rate(passed=0, judged=0)


@pytest.mark.parametrize(
    ("rate", "value"),
    [(Rate(0, 0), None), (Rate(1, 1), None), (Rate(1, 2), None), (Rate(2, 3), 2 / 3)],
)
def test_no_rate_from_fewer_than_the_minimum(rate: Rate, value: float | None) -> None:
    assert rate.rate == (None if value is None else pytest.approx(value))


@pytest.mark.parametrize(
    ("earlier", "recent", "steady", "expected"),
    [
        (50.0, 80.0, 3.0, "up"),
        (80.0, 50.0, 3.0, "down"),
        (70.0, 72.0, 3.0, "flat"),
        (0.5, 0.6, 0.1, "up"),  # exactly one step moves
        (None, 80.0, 3.0, None),  # a half with too few takes: no trend
        (50.0, None, 3.0, None),
    ],
)
def test_trend(
    earlier: float | None, recent: float | None, steady: float, expected: str | None
) -> None:
    assert trend(earlier, recent, steady=steady) == expected


@pytest.mark.parametrize(
    ("rates", "expected"),
    [
        ([Rate(1, 3), Rate(3, 3)], "up"),
        ([Rate(3, 3), Rate(0, 3)], "down"),
        ([Rate(5, 10), Rate(6, 10)], "up"),  # exactly one step of RATE_STEADY moves
        ([Rate(10, 20), Rate(11, 20)], "flat"),  # 5 points is noise
        ([Rate(0, 2), Rate(3, 3)], None),  # the earlier half judged it twice: no rate, no arrow
        ([Rate(1, 3)], None),  # no halves
    ],
)
def test_rate_trend(rates: list[Rate], expected: str | None) -> None:
    assert rate_trend(rates) == expected


@pytest.mark.parametrize("count", [1, 2, MIN_TAKES, 2 * MIN_TAKES - 1, 2 * MIN_TAKES])
def test_counts_below_the_minimum_rates_from_it_and_arrows_from_two_halves_of_it(
    count: int,
) -> None:
    """1 and 2 takes: counts and the scores themselves; 3: rates; 6 (3 a half): the arrow."""
    scores = [40, 90, 60, 70, 80, 95][:count]
    statuses: list[Status] = ["fail", "pass", "pass", "pass", "pass", "pass"]
    entries = [entry(i, days=i, score=s, hook=statuses[i]) for i, s in enumerate(scores)]
    rep = rep_progress(entries)
    hook = rep.checks[0]
    view = rendered(rep_view(rep))
    line, trend_line = view.splitlines()[:2]
    data = to_json(team_progress(entries))["reps"][0]  # type: ignore[index]
    assert f"{count} take{'s' if count > 1 else ''}" in line
    if count < MIN_TAKES:
        assert rep.average_score is None and hook.overall.rate is None
        assert "scores " + ", ".join(map(str, scores)) in line and "avg" not in line
        assert f"hook {hook.overall.passed} of {count}" in " ".join(view.split())
        assert "%" not in view
        assert data["average_score"] is None and data["checks"][0]["rate"] is None
        assert (data["checks"][0]["passed"], data["checks"][0]["judged"]) == (count - 1, count)
    else:
        assert rep.average_score == round(sum(scores) / count, 1)
        assert f"avg {rep.average_score:.0f}" in line
        assert f"hook {hook.overall.rate:.0%}" in " ".join(view.split())
        assert data["average_score"] == rep.average_score
        assert data["checks"][0]["rate"] == round(hook.overall.rate or 0, 3)
    if count < 2 * MIN_TAKES:
        assert rep.score_trend is None and hook.trend is None and rep.halves is None
        assert not any(mark in view for mark in "↑↓→")
        assert trend_line == f" score trend  shown from {2 * MIN_TAKES} takes ({MIN_TAKES} a half)"
        assert data["score_trend"] is None and data["checks"][0]["trend"] is None
        assert [p["label"] for p in data["periods"]] == ["all"]
    else:
        assert rep.score_trend == "up" and hook.trend == "up"  # 63 → 82; 67% → 100%
        assert trend_line == " score trend  earlier 63 → recent 82 ↑"
        assert "hook 83% 67% 100% ↑" in " ".join(view.split())  # all, earlier, recent, arrow
        assert [p["average_score"] for p in data["periods"]] == [63.3, 81.7]
        assert data["score_trend"] == "up" and data["checks"][0]["trend"] == "up"


SCORES = [40, 90, 90, 60, 60, 50]


def test_the_arrow_compares_the_numbers_shown_beside_it() -> None:
    """First 40 → latest 50 went up; the halves went down (73 → 57): one trend, told once.

    The old line said "40 → 50 ↓": the numbers were the first and latest takes,
    the arrow compared periods.
    """
    rep = rep_progress([entry(i, days=i, score=s) for i, s in enumerate(SCORES)])
    assert rep.points[0].score < rep.points[-1].score  # first → latest: up
    assert rep.score_trend == "down"
    view = rendered(rep_view(rep))
    assert view.splitlines()[1] == " score trend  earlier 73 → recent 57 ↓"
    assert "40 → 50" not in view
    data = to_json(team_progress([entry(i, days=i, score=s) for i, s in enumerate(SCORES)]))
    rep_json = data["reps"][0]  # type: ignore[index]
    assert [(p["label"], p["average_score"]) for p in rep_json["periods"]] == [
        ("earlier", 73.3),
        ("recent", 56.7),
    ]
    assert rep_json["score_trend"] == "down"
    assert "first_score" not in rep_json and "latest_score" not in rep_json


def test_team_groups_reps_ignoring_case_and_finds_what_it_keeps_breaking() -> None:
    entries = [
        entry(1, rep="chris walker", days=0, hook="fail", identity="pass", fillers="pass"),
        entry(2, rep="Pat Lee", days=1, hook="fail", identity="fail", fillers="pass"),
        entry(3, rep="Chris Walker", days=2, hook="pass", identity="pass", fillers="pass"),
        entry(4, rep="Pat Lee", days=3, hook="fail", identity="pass", fillers="skip"),
    ]
    team = team_progress(list(reversed(entries)))  # any order in, time order out
    assert [r.rep for r in team.reps] == ["Chris Walker", "Pat Lee"]  # the latest spelling
    assert [p.session_id for p in team.reps[0].points] == [1, 3]
    assert team.sessions == 4
    assert [c.check_id for c in team.most_broken] == ["hook", "identity"]  # 25%, then 75%
    assert team.most_broken[0].overall == Rate(1, 4)
    assert "fillers" not in [c.check_id for c in team.most_broken]  # never failed
    assert team.whose == "the team"
    assert team_progress(entries[1::2]).whose == "Pat Lee"


def test_what_the_team_keeps_breaking_needs_the_minimum_too() -> None:
    """A check failed in 1 of 2 takes is not ranked, nor said to have passed."""
    few = team_progress([entry(1, hook="fail"), entry(2, days=1, hook="pass")])
    assert few.most_broken == ()
    text = rendered(progress_view(few, heading="Progress"))
    assert "Too few takes to say what Chris keeps breaking: a pass rate needs 3." in text
    assert "Every check passed" not in text
    clean = team_progress([entry(1, hook="pass"), entry(2, days=1, hook="pass")])
    assert "Every check passed in every judged take." in rendered(progress_view(clean, heading=""))


def test_most_broken_shows_the_rates_its_arrow_compares() -> None:
    statuses: list[Status] = ["fail", "fail", "fail", "pass", "fail", "pass"]
    team = team_progress([entry(i, days=i, hook=s) for i, s in enumerate(statuses)])
    text = rendered(progress_view(team, heading="Progress"))
    assert "hook              33% passed (2 of 6 takes)  earlier 0% → recent 67% ↑" in text
    assert f"Trend: {TREND}." in text


def test_sparkline_is_on_the_absolute_scale_and_keeps_the_recent_end() -> None:
    assert sparkline([0, 12, 13, 50, 88, 100]) == "▁▁▂▄▇█"
    long = sparkline(list(range(45)))
    assert long.startswith("…") and len(long) == 41
    assert long.endswith(sparkline([44]))


def test_json_numbers() -> None:
    team = team_progress(
        [
            entry(i, days=i, score=40 + 10 * i, sent=i == 4, hook="fail" if i < 2 else "pass")
            for i in range(6)
        ]
    )
    data = to_json(team)
    assert data["schema"] == "coach.progress/2"
    assert (data["min_takes"], data["trend"]) == (MIN_TAKES, TREND)
    rep = data["reps"][0]  # type: ignore[index]
    assert rep["scores"][:2] == [
        {"session": 0, "at": "2025-03-03T09:30:00Z", "score": 40, "sent": False},
        {"session": 1, "at": "2025-03-04T09:30:00Z", "score": 50, "sent": False},
    ]
    assert rep["scores"][4]["sent"] is True and rep["sent"] == 1
    assert rep["score_trend"] == "up"
    assert rep["periods"] == [
        {"label": "earlier", "sessions": 3, "average_score": 50.0},
        {"label": "recent", "sessions": 3, "average_score": 80.0},
    ]
    assert rep["checks"][0] == {
        "id": "hook",
        "passed": 4,
        "judged": 6,
        "rate": 0.667,
        "trend": "up",
        "periods": [
            {"passed": 1, "judged": 3, "rate": 0.333},
            {"passed": 3, "judged": 3, "rate": 1.0},
        ],
    }


# -- the store and coach progress ---------------------------------------------------


def _report(text: str) -> Report:
    context = Context(rep=Rep(name="Chris Walker", company="Northwind Logistics")).with_touch(1)
    return check_script(text, source="take.wav", context=context, rubric=load_rubric(None))


def _move(db: Path, session_id: int, when: datetime) -> None:
    """Set when a session was saved (the store stamps "now"; trends need the past)."""
    con = sqlite3.connect(db)
    with con:
        con.execute(
            "UPDATE sessions SET created_at = ? WHERE id = ?",
            (when.isoformat().replace("+00:00", "Z"), session_id),
        )
    con.close()


@pytest.fixture
def team_store(coach_home: Path) -> Path:
    """Chris improves over three weeks (one take sent); Pat has two weak takes, one overridden."""
    plan = [
        ("Chris Walker", WEAK, 0),
        ("Pat Lee", WEAK, 1),
        ("Chris Walker", WEAK, 2),
        ("Chris Walker", WEAK, 7),
        ("Chris Walker", GOOD, 8),
        ("Chris Walker", GOOD, 14),
        ("Pat Lee", WEAK, 15),
        ("Chris Walker", GOOD, 16),
    ]
    with Store() as store:
        for rep, text, days in plan:
            when = MONDAY + timedelta(days=days)
            sent = when.isoformat() if days == 14 else None
            saved = store.save(_report(text), rep=rep, card_id="acme-t1", sent_at=sent)
            _move(store.path, saved.id, when)
        store.add_override(7, "identity", "pass", "said it in the greeting", author="Lead")
        return store.path


def test_entries_use_the_report_as_reviewed(team_store: Path) -> None:
    with Store(team_store) as store:
        pat = store.get(7)
        machine = Entry.of(pat, pat.report)
        reviewed = Entry.of(pat, store.reviewed_report(pat))
        sent = Entry.of(store.get(6), store.get(6).report)
    assert machine.statuses["identity"] == "fail"
    assert reviewed.statuses["identity"] == "pass"
    assert reviewed.at == MONDAY + timedelta(days=15)
    assert reviewed.score == pat.score > pat.report.score
    assert sent.sent and not reviewed.sent


def test_progress_json_reads_the_store(team_store: Path) -> None:
    result = runner.invoke(app, ["progress", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "coach.progress/2"
    assert data["store"] == str(team_store)
    assert data["sessions"] == 8
    chris, pat = data["reps"]
    assert chris["rep"] == "Chris Walker" and pat["rep"] == "Pat Lee"
    assert [s["session"] for s in chris["scores"]] == [1, 3, 4, 5, 6, 8]
    assert [s["sent"] for s in chris["scores"]] == [False, False, False, False, True, False]
    assert chris["sent"] == 1
    assert [(p["label"], p["sessions"]) for p in chris["periods"]] == [
        ("earlier", 3),
        ("recent", 3),
    ]
    earlier, recent = (p["average_score"] for p in chris["periods"])
    assert earlier < recent and chris["score_trend"] == "up"
    identity = next(c for c in chris["checks"] if c["id"] == "identity")
    assert [p["rate"] for p in identity["periods"]] == [0.0, 1.0]
    assert identity["trend"] == "up"
    # Pat: two takes, so counts and no rate; the second counts as passing identity
    # because the lead overrode it.
    assert (pat["average_score"], pat["score_trend"]) == (None, None)
    pat_identity = next(c for c in pat["checks"] if c["id"] == "identity")
    assert (pat_identity["passed"], pat_identity["judged"], pat_identity["rate"]) == (1, 2, None)
    rates = {c["id"]: c["rate"] for c in data["team"]["checks"] if c["rate"] is not None}
    broken = data["team"]["most_broken"]
    assert len(broken) == 3
    assert all(rates[c] < 1 for c in broken)
    assert max(rates[c] for c in broken) <= min(r for c, r in rates.items() if c not in broken)


def test_progress_text_and_json_tell_the_same_numbers(team_store: Path) -> None:
    text = runner.invoke(app, ["progress"]).stdout
    data = json.loads(runner.invoke(app, ["progress", "--json"]).stdout)
    lines = text.splitlines()
    for rep in data["reps"]:
        at = next(i for i, line in enumerate(lines) if line.startswith(rep["rep"]))
        line, trend_line = lines[at], lines[at + 1]
        assert f"  {rep['sessions']} takes" in line
        assert (f"({rep['sent']} sent)" in line) == bool(rep["sent"])
        if rep["average_score"] is None:
            assert "scores " + ", ".join(str(s["score"]) for s in rep["scores"]) in line
        else:
            assert f"avg {rep['average_score']:.0f}  best {rep['best_score']}" in line
        if rep["score_trend"] is None:
            assert trend_line == " score trend  shown from 6 takes (3 a half)"
        else:
            earlier, recent = (f"{p['average_score']:.0f}" for p in rep["periods"])
            mark = {"up": "↑", "down": "↓", "flat": "→"}[rep["score_trend"]]
            assert trend_line == f" score trend  earlier {earlier} → recent {recent} {mark}"
    for check in data["team"]["checks"]:
        if check["id"] in data["team"]["most_broken"]:
            shown = f"{check['rate']:.0%} passed ({check['passed']} of {check['judged']} takes)"
            assert shown in text


def test_progress_in_the_terminal(team_store: Path) -> None:
    result = runner.invoke(app, ["progress"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Progress: 8 takes by 2 reps" in text
    chris = next(line for line in text.splitlines() if line.startswith("Chris Walker"))
    assert "6 takes (1 sent)  avg" in chris
    assert chris.endswith(sparkline([s.score for s in _entries(team_store, "Chris Walker")]))
    assert re.search(r"\n score trend  earlier \d+ → recent \d+ ↑\n", text)
    assert "all (6)  earlier (3)  recent (3)  trend" in text
    pat = next(line for line in text.splitlines() if line.startswith("Pat Lee"))
    assert "2 takes  scores" in pat
    assert "What the team keeps breaking" in text
    assert "Not judged in these takes: personalization, pace, pauses, delivery" in text
    assert "Trend: the recent half of the takes against the earlier half" in " ".join(text.split())


def _entries(db: Path, rep: str) -> list[Entry]:
    with Store(db) as store:
        sessions = sorted(store.sessions(rep=rep), key=lambda s: s.created_at)
        return [Entry.of(s, store.reviewed_report(s)) for s in sessions]


def test_progress_prints_rep_names_as_typed(coach_home: Path) -> None:
    with Store() as store:
        store.save(_report(GOOD), rep="[bold]Chris[/bold]")
    result = runner.invoke(app, ["progress"])
    assert result.exit_code == 0, result.output
    assert "[bold]Chris[/bold]" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "No saved sessions yet in {store}. Score a take: coach score take.m4a"),
        (["--rep", "nobody"], "No sessions match in {store}."),
    ],
)
def test_progress_with_nothing_to_show(args: list[str], expected: str, coach_home: Path) -> None:
    result = runner.invoke(app, ["progress", *args])
    assert result.exit_code == 0
    assert result.stdout.strip() == expected.format(store=coach_home / "coach.db")


def test_progress_json_with_nothing_to_show(coach_home: Path) -> None:
    result = runner.invoke(app, ["progress", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["sessions"], data["reps"], data["team"]["checks"]) == (0, [], [])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--since", "last week"], "Error: --since 'last week' is not a date — use YYYY-MM-DD"),
        (["--since", "2025-02-30"], "Error: --since '2025-02-30' is not a date"),
        (["--store", "."], "is a folder — give --store a database file path"),
    ],
)
def test_progress_bad_input(args: list[str], expected: str) -> None:
    result = runner.invoke(app, ["progress", *args])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Traceback" not in result.output
