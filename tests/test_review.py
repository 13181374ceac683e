"""A lead's review: comments pinned to a moment, overrides that re-score, the queue."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.report import Report, report_from_json, to_json
from coach.rubric.config import load_rubric
from coach.team.review import (
    Override,
    ReviewError,
    Weights,
    apply_overrides,
    parse_at,
    parse_override,
)
from coach.team.store import MIGRATIONS, Store
from tests.pgcluster import StoreAt
from tests.scripts import GOOD, WEAK, script_report

runner = CliRunner()


def _report(text: str = GOOD, touch: int = 1) -> Report:
    return script_report(text, touch=touch)


def _override(check_id: str, status: str, n: int = 1, reason: str = "lead says so") -> Override:
    return Override(n, f"u{n}", 1, check_id, status, reason, "Lee", f"2026-11-2{n}T10:00:00Z")  # type: ignore[arg-type]


@pytest.fixture
def store(coach_home: Path) -> Iterator[Store]:
    with Store() as opened:
        yield opened


@pytest.fixture
def both(store_at: StoreAt) -> Iterator[Store]:
    """A fresh store on each back end (SQLite, PostgreSQL): for tests without the CLI."""
    with store_at.open() as opened:
        yield opened


@pytest.mark.parametrize(
    ("text", "seconds"), [("0:12", 12.0), ("12", 12.0), ("1:02.5", 62.5), (" 2:00 ", 120.0)]
)
def test_parse_at(text: str, seconds: float) -> None:
    assert parse_at(text) == seconds


@pytest.mark.parametrize("text", ["", "twelve", "0:75", "-3", "1:2:3"])
def test_parse_at_refuses_what_is_not_a_time(text: str) -> None:
    with pytest.raises(ReviewError, match="not a time"):
        parse_at(text)


def test_parse_override() -> None:
    known = ["hook", "pace"]
    assert parse_override("hook=pass", known) == ("hook", "pass")
    assert parse_override(" pace = fail ", known) == ("pace", "fail")
    for bad, why in [
        ("hook", "CHECK=STATUS"),
        ("tone=pass", "no check 'tone'"),
        ("hook=great", "pass, warn or fail"),
        ("hook=skip", "pass, warn or fail"),
    ]:
        with pytest.raises(ReviewError, match=why):
            parse_override(bad, known)


def test_override_rescores_and_reranks_the_fixes() -> None:
    rubric = load_rubric(None)
    weak = _report(WEAK)
    failed = [c.id for c in weak.checks if c.status == "fail"]
    assert "purpose" in failed
    reviewed = apply_overrides(weak, [_override("purpose", "pass")], Weights.of(rubric))
    assert reviewed.score > weak.score
    assert next(c for c in reviewed.checks if c.id == "purpose").status == "pass"
    assert reviewed.override_of("purpose") is not None
    assert reviewed.override_of("purpose").original == "fail"  # type: ignore[union-attr]
    purpose_advice = next(c for c in weak.checks if c.id == "purpose").advice
    assert purpose_advice not in reviewed.fixes
    # Passed by the lead: nothing left to act on, so no advice on it either (#16).
    assert next(c for c in reviewed.checks if c.id == "purpose").advice == ""
    # Passing every failed check by hand lifts the score accordingly.
    everything = [_override(cid, "pass", n) for n, cid in enumerate(failed, 1)]
    assert apply_overrides(weak, everything, Weights.of(rubric)).score > reviewed.score


def test_latest_override_of_a_check_wins() -> None:
    weights = Weights.of(load_rubric(None))
    good = _report()
    assert next(c for c in good.checks if c.id == "hook").status != "fail"
    first, second = _override("hook", "pass", 1), _override("hook", "fail", 2, "softer")
    reviewed = apply_overrides(good, [second, first], weights)
    hook = next(c for c in reviewed.checks if c.id == "hook")
    assert hook.status == "fail"
    assert hook.advice == "softer"  # marked down: the lead's reason is the advice
    assert reviewed.score < good.score


def test_override_is_in_the_json_and_round_trips() -> None:
    reviewed = apply_overrides(
        _report(WEAK), [_override("purpose", "pass")], Weights.of(load_rubric(None))
    )
    data = to_json(reviewed)
    (purpose,) = [c for c in data["checks"] if c["id"] == "purpose"]
    assert purpose["status"] == "pass"
    assert purpose["override"] == {"from": "fail", "reason": "lead says so", "by": "Lee"}
    assert all("override" not in c for c in data["checks"] if c["id"] != "purpose")
    rebuilt = report_from_json(json.loads(json.dumps(data)))
    assert rebuilt.overrides == reviewed.overrides
    assert to_json(rebuilt) == data


def test_store_override_updates_the_listed_score(both: Store) -> None:
    store = both
    weak = store.save(_report(WEAK), rep="Chris", weights=Weights.of(load_rubric(None)))
    store.add_override(weak.id, "purpose", "pass", "The reason is implied by the card")
    again = store.get(weak.id)
    assert again.score > weak.score
    assert again.report.score == weak.score  # the coach's own verdict is kept
    assert store.reviewed_report(again).score == again.score
    assert again.reviewed_at is not None
    assert [s.id for s in store.sessions(min_score=again.score)] == [weak.id]


def test_queue_lists_unreviewed_first(both: Store) -> None:
    store = both
    ids = [store.save(_report(), rep=f"rep {n}").id for n in range(3)]
    store.add_comment(ids[2], "nice opener")  # the newest is reviewed
    queue = [s.id for s in store.review_queue()]
    assert queue == [ids[1], ids[0], ids[2]]


def test_comments_in_take_order_and_deleted_with_the_session(
    both: Store, store_at: StoreAt
) -> None:
    store = both
    sid = store.save(_report()).id
    store.add_comment(sid, "later", at_s=20.0, author="Lee")
    store.add_comment(sid, "overall good")
    store.add_comment(sid, "earlier", at_s=3.5)
    assert [c.text for c in store.comments(sid)] == ["overall good", "earlier", "later"]
    store.add_override(sid, "hook", "warn", "generic proof")
    store.delete(sid)
    assert store_at.sql("SELECT COUNT(*) FROM comments") == [(0,)]
    assert store_at.sql("SELECT COUNT(*) FROM overrides") == [(0,)]


def test_schema_1_store_is_migrated_with_uids(coach_home: Path) -> None:
    path = coach_home / "coach.db"
    path.parent.mkdir(parents=True)
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);"
        "INSERT INTO migrations VALUES (1, '2026-01-01T00:00:00Z');" + MIGRATIONS[0][1]
    )
    db.execute(
        "INSERT INTO sessions (created_at, rep, score, source, report_json)"
        " VALUES ('2026-01-02T00:00:00Z', 'Chris', ?, 'old.wav', ?)",
        (_report(WEAK).score, json.dumps(to_json(_report(WEAK)))),
    )
    db.commit()
    db.close()
    with Store() as opened:
        (old,) = opened.sessions()
        assert len(old.uid) == 32 and old.weights is None
        # No weights kept: re-scored with the shipped rubric's.
        opened.add_override(old.id, "purpose", "pass", "fine")
        assert opened.get(old.id).score > old.score


def test_review_cli_comment_override_and_queue(store: Store) -> None:
    sid = store.save(_report(WEAK), rep="Chris", weights=Weights.of(load_rubric(None))).id
    other = store.save(_report(), rep="Sam").id

    queue = runner.invoke(app, ["review"])
    assert queue.exit_code == 0, queue.output
    assert "2 of 2 not reviewed" in queue.stdout

    commented = runner.invoke(
        app,
        ["review", str(sid), "--comment", "Say why <b>first</b>", "--at", "0:02", "--by", "Lee"],
    )
    assert commented.exit_code == 0, commented.output
    # One line, not the whole report again (#16).
    assert (
        commented.stdout == f"Saved comment 1 on session {sid}, at 0:02: “Say why <b>first</b>”\n"
    )
    assert commented.stderr == ""
    shown = runner.invoke(app, ["review", str(sid)])
    assert "Say why <b>first</b>" in shown.stdout and "0:02" in shown.stdout

    before = store.get(sid).score
    overridden = runner.invoke(
        app, ["review", str(sid), "--override", "purpose=pass", "--reason", "Implied by the card"]
    )
    assert overridden.exit_code == 0, overridden.output
    assert f"the coach gave {before}" in overridden.stdout
    assert "Overridden" in overridden.stdout and "Implied by the card" in overridden.stdout

    shown = runner.invoke(app, ["sessions", "show", str(sid), "--json"])
    data = json.loads(shown.stdout)
    assert data["score"] == store.get(sid).score > before
    assert data["comments"][0]["text"] == "Say why <b>first</b>"
    assert data["comments"][0]["at_s"] == 2.0 and data["comments"][0]["author"] == "Lee"

    queue = runner.invoke(app, ["review", "--json"])
    order = [s["id"] for s in json.loads(queue.stdout)["sessions"]]
    assert order == [other, sid]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--override", "purpose=pass"], "needs --reason"),
        (["--override", "nope=pass", "--reason", "x"], "no check 'nope'"),
        (["--reason", "x"], "--reason goes with --override"),
        (["--at", "0:03"], "give --comment too"),
        (["--comment", "x", "--at", "9:00"], "past the end of the take"),
        (["--comment", "x", "--at", "soon"], "not a time"),
        (["--comment", "  "], "--comment is empty"),
    ],
)
def test_review_cli_refuses_bad_reviews(store: Store, args: list[str], expected: str) -> None:
    sid = store.save(_report(WEAK)).id
    result = runner.invoke(app, ["review", str(sid), *args])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and expected in result.stderr
    assert store.comments(sid) == [] and store.overrides(sid) == []
    assert store.get(sid).reviewed_at is None


def test_review_unknown_session_and_missing_id(store: Store) -> None:
    unknown = runner.invoke(app, ["review", "42"])
    assert unknown.exit_code == 2 and "no session 42" in unknown.stderr
    no_id = runner.invoke(app, ["review", "--comment", "hi"])
    assert no_id.exit_code == 2 and "say which session" in no_id.stderr


def test_review_done_marks_reviewed(store: Store) -> None:
    sid = store.save(_report()).id
    result = runner.invoke(app, ["review", str(sid), "--done"])
    assert result.exit_code == 0, result.output
    assert store.get(sid).reviewed_at is not None


# -- the round trip, as the rep sees it (#16) ----------------------------------------------


def _reviewed_store(store: Store) -> tuple[int, int, int]:
    """Three takes: one not reviewed, one marked done, one with two comments."""
    waiting = store.save(_report(WEAK), rep="Chris Walker", card_id="acme-t1").id
    done = store.save(_report(), rep="Chris Walker", card_id="acme-t2").id
    commented = store.save(_report(WEAK, touch=2), rep="Chris Walker", card_id="acme-t3").id
    store.mark_reviewed(done)
    store.add_comment(commented, "Say why first", at_s=1.0, author="Lee")
    store.add_comment(commented, "Good close", author="Lee")
    return waiting, done, commented


def _rows(stdout: str) -> dict[str, str]:
    """The table's rows by session id (the lines that start with one)."""
    return {line.split()[0]: line for line in stdout.splitlines() if line[:5].strip().isdigit()}


def test_sessions_show_whether_a_lead_reviewed_each_take_and_how_many_comments(
    store: Store,
) -> None:
    waiting, done, commented = _reviewed_store(store)
    listed = runner.invoke(app, ["sessions"], env={"COLUMNS": "80"})
    assert listed.exit_code == 0, listed.output
    rows = _rows(listed.stdout)
    assert set(rows) == {str(waiting), str(done), str(commented)}
    header = next(line for line in listed.stdout.splitlines() if "Review" in line.split())
    column = header.index("Review")
    assert rows[str(waiting)][column:].split()[0] == "—"
    assert rows[str(done)][column:].split()[0] == "✔"
    assert rows[str(commented)][column:].split()[:2] == ["✔", "2"]
    data = json.loads(runner.invoke(app, ["sessions", "--json"]).stdout)
    counts = {s["id"]: (s["reviewed_at"] is not None, s["comments"]) for s in data["sessions"]}
    assert counts == {waiting: (False, 0), done: (True, 0), commented: (True, 2)}


@pytest.mark.parametrize(
    ("flag", "expected"), [("--reviewed", {1, 2}), ("--unreviewed", {0}), (None, {0, 1, 2})]
)
def test_sessions_filter_reviewed_and_unreviewed(
    store: Store, flag: str | None, expected: set[int]
) -> None:
    ids = _reviewed_store(store)
    args = ["sessions", "--json"] + ([flag] if flag else [])
    listed = runner.invoke(app, args)
    assert listed.exit_code == 0, listed.output
    assert {s["id"] for s in json.loads(listed.stdout)["sessions"]} == {ids[i] for i in expected}
    assert {s.id for s in store.sessions(reviewed=flag == "--reviewed" if flag else None)} == {
        ids[i] for i in expected
    }
    shown = runner.invoke(app, ["sessions"] + ([flag] if flag else []))
    assert set(_rows(shown.stdout)) == {str(ids[i]) for i in expected}


def test_no_reviewed_takes_yet_says_none_match(store: Store) -> None:
    store.save(_report())
    listed = runner.invoke(app, ["sessions", "--reviewed"])
    assert listed.exit_code == 0 and "No sessions match" in listed.stdout


@pytest.mark.parametrize("columns", [80, 120])
def test_sessions_stay_one_line_a_row(store: Store, columns: int) -> None:
    """At 80 columns the top fix wrapped each row onto up to 8 lines: now cut with "…"."""
    long_name = "Alexandra Montgomery-Smith of the Northwind Logistics Group"
    for rep, card in ((long_name, "globex-t2-an-unusually-long-card-id"), ("Sam", "acme-t1")):
        sid = store.save(_report(WEAK), rep=rep, card_id=card, sent_at="2026-11-20").id
        store.add_comment(sid, "Slow down", author="Lee")
    listed = runner.invoke(app, ["sessions"], env={"COLUMNS": str(columns)})
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns
    rows = _rows(listed.stdout)
    assert len(rows) == 2
    # every row whole on its line: the id, the time, the rep, the card, the touch, the
    # score, the review, and the top fix cut short
    row = rows["1"]
    assert re.match(r" +1  \d\d-\d\d \d\d:\d\d  Alexandra", row), row
    assert "1 sent" in row and "✔ 1" in row
    assert row.rstrip().endswith("…") and "Alexandra" in row and "globex-t2" in row
    assert len(lines) == len(rows) + 5  # title, header, rule, the rows, two lines of legend


def test_one_reps_takes_name_the_rep_once(store: Store) -> None:
    store.save(_report(), rep="Chris Walker", card_id="acme-t1")
    store.save(_report(WEAK), rep="Chris Walker", card_id="acme-t2")
    listed = runner.invoke(app, ["sessions"], env={"COLUMNS": "80"})
    assert "Practice sessions (2) — Chris Walker" in listed.stdout
    assert "Rep" not in listed.stdout.split() and len(_rows(listed.stdout)) == 2


def test_a_comment_is_confirmed_in_one_line(store: Store) -> None:
    """coach review 6 --comment … --at 0:01 reprinted the whole report per comment."""
    sid = store.save(_report(WEAK), rep="Chris Walker").id
    first = runner.invoke(app, ["review", str(sid), "--comment", "Say why", "--at", "0:01"])
    assert first.exit_code == 0, first.output
    assert first.stdout == f"Saved comment 1 on session {sid}, at 0:01: “Say why”\n"
    long = "Slow down on the number, and say the company before your name next time " * 3
    second = runner.invoke(app, ["review", str(sid), "--comment", long], env={"COLUMNS": "80"})
    assert second.exit_code == 0, second.output
    (line,) = second.stdout.splitlines()
    assert line.startswith(f"Saved comment 2 on session {sid}, on the whole take: “Slow down")
    assert line.endswith("…") and len(line) == 80
    assert [c.text for c in store.comments(sid)] == [long.strip(), "Say why"]
    # An override still shows the take re-scored, as before.
    overridden = runner.invoke(
        app, ["review", str(sid), "--override", "purpose=pass", "--reason", "Implied"]
    )
    assert "Overridden" in overridden.stdout


def test_when_a_take_was_made_this_year_or_before() -> None:
    from coach.cli.sessions import _short_time

    assert _short_time("2024-03-01T12:00:00Z", "2026") == "2024-03-01"
    assert _short_time("2026-03-01T12:00:00Z", "2026").startswith("03-01 ")
    assert _short_time("9999-12-31T23:59:59+14:00", "2026") == "9999-12-31"  # the calendar's edge
