"""Progress over time: periods, pass rates, trends, and ``coach progress`` on a real store.

The pure functions get hand-built entries with known answers; the command
gets a store of real reports (``check_script``) whose ``created_at`` the
test moves through the weeks with sqlite3, as the store itself never would.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.context import Context, Rep
from coach.pipeline import check_script
from coach.report import Report
from coach.rubric.checks import Status
from coach.rubric.config import load_rubric
from coach.team.progress import (
    MAX_PERIODS,
    Entry,
    Rate,
    iso_week,
    pass_rate,
    rate_trend,
    rep_progress,
    sparkline,
    split_periods,
    team_progress,
    to_json,
)
from coach.team.store import Store
from tests.scripts import GOOD, WEAK

runner = CliRunner()


MONDAY = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)  # ISO week 2025-W10


def entry(
    n: int,
    *,
    rep: str = "Chris",
    days: float = 0,
    score: int = 50,
    **statuses: Status,
) -> Entry:
    return Entry(
        session_id=n,
        rep=rep,
        at=MONDAY + timedelta(days=days),
        score=score,
        statuses=dict(statuses),
    )


# -- periods ---------------------------------------------------------------------


def test_iso_week_labels_sort_in_time_order_across_a_new_year() -> None:
    assert iso_week(datetime(2025, 3, 3, tzinfo=UTC)) == "2025-W10"
    # 2024-12-30 belongs to ISO week 1 of 2025, so labels still sort by time.
    assert iso_week(datetime(2024, 12, 30, tzinfo=UTC)) == "2025-W01"
    assert iso_week(datetime(2024, 12, 29, tzinfo=UTC)) == "2024-W52"


@pytest.mark.parametrize(
    ("days", "kind", "labels", "sizes"),
    [
        ([], "all", [], []),
        ([0], "all", ["all"], [1]),
        ([0, 1], "half", ["earlier", "recent"], [1, 1]),
        # two weeks are too few to read weekly: halves, the odd take to the recent half
        ([0, 1, 8, 9, 10], "half", ["earlier", "recent"], [2, 3]),
        ([0, 7, 8, 14], "week", ["2025-W10", "2025-W11", "2025-W12"], [1, 2, 1]),
    ],
)
def test_split_periods(days: list[int], kind: str, labels: list[str], sizes: list[int]) -> None:
    entries = [entry(i, days=d) for i, d in enumerate(days)]
    got_kind, periods = split_periods(entries)
    assert got_kind == kind
    assert [p.label for p in periods] == labels
    assert [p.sessions for p in periods] == sizes


def test_many_weeks_fold_the_oldest_into_the_first_period() -> None:
    entries = [entry(i, days=7 * i) for i in range(9)]  # W10 … W18, one take each
    kind, periods = split_periods(entries)
    assert kind == "week"
    assert len(periods) == MAX_PERIODS
    assert periods[0].label == "to 2025-W13"  # W10–W13 folded together
    assert periods[0].sessions == 4
    assert [p.label for p in periods[1:]] == [f"2025-W{w}" for w in range(14, 19)]
    assert sum(p.sessions for p in periods) == 9


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
    assert pass_rate(entries, "pace") == Rate(passed=0, judged=0)
    assert Rate(0, 0).rate is None


@pytest.mark.parametrize(
    ("rates", "trend"),
    [
        ([Rate(1, 2), Rate(2, 2)], "up"),
        ([Rate(2, 2), Rate(0, 2)], "down"),
        ([Rate(5, 10), Rate(6, 10)], "up"),  # exactly one step of RATE_STEADY moves
        ([Rate(10, 20), Rate(11, 20)], "flat"),  # 5 points is noise
        ([Rate(0, 0), Rate(1, 2), Rate(0, 0), Rate(2, 2)], "up"),  # unjudged periods skipped
        ([Rate(1, 2), Rate(0, 0)], None),  # only one period judged it
        ([Rate(1, 2)], None),
    ],
)
def test_rate_trend(rates: list[Rate], trend: str | None) -> None:
    assert rate_trend(rates) == trend


def test_rep_progress_headline_numbers_and_score_trend() -> None:
    entries = [
        entry(1, days=0, score=40),
        entry(2, days=1, score=60),
        entry(3, days=2, score=70),
        entry(4, days=3, score=90),
    ]
    rep = rep_progress(entries)
    assert (rep.sessions, rep.first_score, rep.latest_score) == (4, 40, 90)
    assert rep.average_score == 65.0 and rep.best_score == 90
    assert [p.average_score for p in rep.periods] == [50.0, 80.0]
    assert rep.score_trend == "up"
    steady = rep_progress([entry(1, score=70), entry(2, days=1, score=72)])
    assert steady.score_trend == "flat"
    assert rep_progress([entry(1, score=70)]).score_trend is None


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


def test_sparkline_is_on_the_absolute_scale_and_keeps_the_recent_end() -> None:
    assert sparkline([0, 12, 13, 50, 88, 100]) == "▁▁▂▄▇█"
    long = sparkline(list(range(45)))
    assert long.startswith("…") and len(long) == 41
    assert long.endswith(sparkline([44]))


def test_json_numbers() -> None:
    team = team_progress([entry(1, score=40, hook="fail"), entry(2, days=8, score=80, hook="pass")])
    data = to_json(team)
    assert data["schema"] == "coach.progress/1"
    rep = data["reps"][0]  # type: ignore[index]
    assert rep["scores"] == [
        {"session": 1, "at": "2025-03-03T09:30:00Z", "score": 40},
        {"session": 2, "at": "2025-03-11T09:30:00Z", "score": 80},
    ]
    assert rep["score_trend"] == "up" and rep["period_kind"] == "half"
    hook = rep["checks"][0]
    assert hook == {
        "id": "hook",
        "passed": 1,
        "judged": 2,
        "rate": 0.5,
        "trend": "up",
        "periods": [
            {"passed": 0, "judged": 1, "rate": 0.0},
            {"passed": 1, "judged": 1, "rate": 1.0},
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
    """Chris improves over three weeks; Pat stays weak; a lead passes one of Pat's hooks."""
    plan = [
        ("Chris Walker", WEAK, 0),
        ("Pat Lee", WEAK, 1),
        ("Chris Walker", WEAK, 7),
        ("Chris Walker", GOOD, 14),
        ("Pat Lee", WEAK, 15),
        ("Chris Walker", GOOD, 16),
    ]
    with Store() as store:
        for rep, text, days in plan:
            saved = store.save(_report(text), rep=rep, card_id="acme-t1")
            _move(store.path, saved.id, MONDAY + timedelta(days=days))
        store.add_override(5, "identity", "pass", "said it in the greeting", author="Lead")
        return store.path


def test_entries_use_the_report_as_reviewed(team_store: Path) -> None:
    with Store(team_store) as store:
        pat = store.get(5)
        machine = Entry.of(pat, pat.report)
        reviewed = Entry.of(pat, store.reviewed_report(pat))
    assert machine.statuses["identity"] == "fail"
    assert reviewed.statuses["identity"] == "pass"
    assert reviewed.at == MONDAY + timedelta(days=15)
    assert reviewed.score == pat.score > pat.report.score


def test_progress_json_reads_the_store(team_store: Path) -> None:
    result = runner.invoke(app, ["progress", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "coach.progress/1"
    assert data["store"] == str(team_store)
    assert data["sessions"] == 6
    chris, pat = data["reps"]
    assert chris["rep"] == "Chris Walker" and pat["rep"] == "Pat Lee"
    assert [s["session"] for s in chris["scores"]] == [1, 3, 4, 6]
    assert chris["period_kind"] == "week"  # W10, W11, W12
    assert [p["label"] for p in chris["periods"]] == ["2025-W10", "2025-W11", "2025-W12"]
    assert chris["first_score"] < chris["latest_score"] and chris["score_trend"] == "up"
    identity = next(c for c in chris["checks"] if c["id"] == "identity")
    assert [p["rate"] for p in identity["periods"]] == [0.0, 0.0, 1.0]
    assert identity["trend"] == "up"
    # Pat's second take counts as passing identity: the lead overrode it.
    pat_identity = next(c for c in pat["checks"] if c["id"] == "identity")
    assert (pat_identity["passed"], pat_identity["judged"]) == (1, 2)
    rates = {c["id"]: c["rate"] for c in data["team"]["checks"] if c["rate"] is not None}
    broken = data["team"]["most_broken"]
    assert len(broken) == 3
    assert all(rates[c] < 1 for c in broken)
    assert max(rates[c] for c in broken) <= min(r for c, r in rates.items() if c not in broken)


def test_progress_filters_by_rep_and_since(team_store: Path) -> None:
    result = runner.invoke(app, ["progress", "--json", "--rep", "pat lee", "--since", "2025-03-10"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["rep"] for r in data["reps"]] == ["Pat Lee"]
    assert [s["session"] for s in data["reps"][0]["scores"]] == [5]
    assert (data["rep"], data["since"]) == ("pat lee", "2025-03-10")


def test_progress_in_the_terminal(team_store: Path) -> None:
    result = runner.invoke(app, ["progress"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Progress: 6 takes by 2 reps" in text
    chris = next(line for line in text.splitlines() if line.startswith("Chris Walker"))
    assert "4 takes" in chris and "↑" in chris
    assert chris.endswith(sparkline([s.score for s in _entries(team_store, "Chris Walker")]))
    assert "2025-W10 (1)" in text and "2025-W12 (2)" in text
    assert "What the team keeps breaking" in text
    assert "Not judged in these takes: personalization, pace, pauses, delivery" in text


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
