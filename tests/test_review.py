"""A lead's review: comments pinned to a moment, overrides that re-score, the queue."""

from __future__ import annotations

import json
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


def test_store_override_updates_the_listed_score(store: Store) -> None:
    weak = store.save(_report(WEAK), rep="Chris", weights=Weights.of(load_rubric(None)))
    store.add_override(weak.id, "purpose", "pass", "The reason is implied by the card")
    again = store.get(weak.id)
    assert again.score > weak.score
    assert again.report.score == weak.score  # the coach's own verdict is kept
    assert store.reviewed_report(again).score == again.score
    assert again.reviewed_at is not None
    assert [s.id for s in store.sessions(min_score=again.score)] == [weak.id]


def test_queue_lists_unreviewed_first(store: Store) -> None:
    ids = [store.save(_report(), rep=f"rep {n}").id for n in range(3)]
    store.add_comment(ids[2], "nice opener")  # the newest is reviewed
    queue = [s.id for s in store.review_queue()]
    assert queue == [ids[1], ids[0], ids[2]]


def test_comments_in_take_order_and_deleted_with_the_session(store: Store) -> None:
    sid = store.save(_report()).id
    store.add_comment(sid, "later", at_s=20.0, author="Lee")
    store.add_comment(sid, "overall good")
    store.add_comment(sid, "earlier", at_s=3.5)
    assert [c.text for c in store.comments(sid)] == ["overall good", "earlier", "later"]
    store.add_override(sid, "hook", "warn", "generic proof")
    store.delete(sid)
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT COUNT(*) FROM comments").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM overrides").fetchone()[0] == 0
    db.close()


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
    assert "Saved the review" in commented.stderr
    assert "Say why <b>first</b>" in commented.stdout and "0:02" in commented.stdout

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
