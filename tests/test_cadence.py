"""Cadence per prospect: voicemails actually left decide the touch and the gap."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.context import Context, Rep
from coach.errors import CoachError
from coach.pipeline import check_script
from coach.rubric.checks import Check
from coach.rubric.config import load_rubric
from coach.team.cadence import Cadence, iso, parse_when
from coach.team.store import Store
from tests.pgcluster import StoreAt

runner = CliRunner()

FOLLOW_UP = (
    "Hi Dana, Chris Walker from Northwind Logistics again. Since my last message we saw "
    "something new: Globex cut late shipments by a third in one quarter. Worth a quick chat "
    "on Thursday? Call me at 415-555-0134, that's 415-555-0134."
)


def _touch_wording(touch: int, days: float | None, text: str = FOLLOW_UP) -> Check:
    context = replace(
        Context(rep=Rep(name="Chris Walker", company="Northwind Logistics")).with_touch(touch),
        days_since_previous=days,
    )
    report = check_script(text, source="take.wav", context=context, rubric=load_rubric(None))
    return next(c for c in report.checks if c.id == "touch_wording")


def test_parse_when_and_iso() -> None:
    assert parse_when("2026-11-20") == datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert parse_when("2026-11-20T08:30:00Z") == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert iso(datetime(2026, 11, 20, 8, 30, tzinfo=UTC)) == "2026-11-20T08:30:00Z"
    with pytest.raises(CoachError, match="not a date"):
        parse_when("next tuesday")


def test_history_gives_the_next_touch_and_the_gap_in_calendar_days() -> None:
    history = Cadence.of("Dana", ["2026-11-12T17:00:00Z", "2026-11-05T09:00:00Z"])
    assert history.next_touch == 3
    # Thursday evening to Monday morning is four calendar days, not 3.6.
    assert history.days_since_last(datetime(2026, 11, 16, 8, tzinfo=UTC)) == 4
    judged = history.apply(
        Context().with_touch(1), when=datetime(2026, 11, 16, tzinfo=UTC), touch_given=False
    )
    assert judged.touch == 3 and judged.days_since_previous == 4
    kept = history.apply(
        Context().with_touch(1), when=datetime(2026, 11, 16, tzinfo=UTC), touch_given=True
    )
    assert kept.touch == 1
    assert Cadence.of("Dana", []).apply(Context(), when=datetime.now(UTC), touch_given=False) == (
        Context()
    )


@pytest.mark.parametrize(
    ("days", "status", "says"),
    [
        (None, "pass", "brings something new"),
        (4, "pass", "brings something new"),
        (7, "pass", "brings something new"),
        (2, "warn", "only 2 days after #1: too soon"),
        (12, "warn", "12 days after #1: the thread has gone cold"),
    ],
)
def test_follow_up_gap_is_four_to_seven_days(days: int | None, status: str, says: str) -> None:
    check = _touch_wording(2, days)
    assert check.status == status
    assert says in check.message


def test_a_late_follow_up_says_what_to_do_now() -> None:
    check = _touch_wording(2, 12)
    assert "Leave this voicemail all the same" in check.advice and "fresh reason" in check.advice


def test_no_save_reads_the_history_without_making_a_store(coach_home: Path) -> None:
    from coach.cli.common import _history

    with _history(None, None) as history:
        assert history is None
    assert not (coach_home / "coach.db").exists()

    with Store() as made:
        rubric = load_rubric(None)
        report = check_script(FOLLOW_UP, source="t.wav", context=Context(), rubric=rubric)
        made.save(report, prospect="Dana Reyes", sent_at="2026-11-10T12:00:00Z")
    with _history(None, None) as history:
        assert history is not None
        assert [s.prospect for s in history.sent_to("Dana Reyes", "")] == ["Dana Reyes"]


def test_wording_failure_is_not_softened_by_the_gap() -> None:
    check = _touch_wording(2, 2, "Hi Dana, just checking in. Call me at 415-555-0134.")
    assert check.status == "fail"


def test_a_fourth_voicemail_fails() -> None:
    check = _touch_wording(4, 5)
    assert check.status == "fail" and "#4" in check.message


def test_sent_to_matches_the_prospect_by_name_and_company(store_at: StoreAt) -> None:
    with store_at.open() as store:
        _sent_to_matches(store)


def _sent_to_matches(store: Store) -> None:
    report = check_script(FOLLOW_UP, source="t.wav", context=Context(), rubric=load_rubric(None))
    store.save(
        report, prospect="Dana Reyes", prospect_company="Acme", sent_at="2026-11-02T12:00:00Z"
    )
    store.save(report, prospect="dana reyes", prospect_company="", sent_at="2026-11-09T12:00:00Z")
    store.save(
        report, prospect="Dana Reyes", prospect_company="Initech", sent_at="2026-11-10T12:00:00Z"
    )
    store.save(report, prospect="Dana Reyes", prospect_company="Acme")  # practice, not sent
    found = store.sent_to("Dana Reyes", "ACME")
    assert [s.sent_at for s in found] == ["2026-11-02T12:00:00Z", "2026-11-09T12:00:00Z"]
    assert len(store.sent_to("Dana Reyes")) == 3


def _score(take: Path, *args: str) -> tuple[int, dict[str, object], str]:
    result = runner.invoke(
        app, ["score", str(take), "--json", "--model", "tiny.en", "--beam-size", "1", *args]
    )
    data = json.loads(result.stdout) if result.exit_code == 0 else {}
    return result.exit_code, data, result.stderr


def _status(data: dict[str, object], check_id: str) -> tuple[str, str]:
    checks = data["checks"]
    assert isinstance(checks, list)
    check = next(c for c in checks if c["id"] == check_id)
    return check["status"], check["message"]


@pytest.mark.model
def test_cadence_through_coach_score(fixtures_dir: Path, coach_home: Path) -> None:
    first = fixtures_dir / "t1_good_slt.flac"
    second = fixtures_dir / "t2_good_espeak.flac"

    code, data, stderr = _score(first, "--scenario", "acme-t1", "--sent-on", "2026-11-10")
    assert code == 0, stderr
    assert data["touch"] == 1 and "logged as voicemail #1 to Dana Reyes" in stderr

    # The card says touch 2, and the history agrees; only two days later is too soon.
    code, data, stderr = _score(second, "--scenario", "acme-t2", "--sent-on", "2026-11-12")
    assert code == 0, stderr
    assert "1 voicemail left for Dana Reyes" in stderr and "this is #2" in stderr
    status, message = _status(data, "touch_wording")
    assert data["touch"] == 2 and status == "warn" and "too soon" in message

    # The touch-1 card for the same prospect: history makes it #3.
    code, data, stderr = _score(first, "--scenario", "acme-t1")
    assert code == 0, stderr
    assert data["touch"] == 3 and "this is #3" in stderr

    # --touch still wins, and says so.
    code, data, stderr = _score(first, "--scenario", "acme-t1", "--touch", "1", "--no-save")
    assert code == 0, stderr
    assert data["touch"] == 1

    with Store() as opened:
        sent = opened.sent_to("Dana Reyes", "Acme")
        assert [s.touch for s in sent] == [1, 2]
        for when in ("2026-11-17", "2026-11-18"):  # #3 and then one more
            opened.save(opened.get(sent[0].id).report, prospect="Dana Reyes", sent_at=when)

    code, data, stderr = _score(first, "--scenario", "acme-t1")
    assert code == 0, stderr
    status, message = _status(data, "touch_wording")
    assert data["touch"] == 5 and status == "fail" and "don't call more than 3" in message

    # --no-save skips saving, not the history: still the 5th, still a fail, nothing saved.
    code, data, stderr = _score(first, "--scenario", "acme-t1", "--no-save")
    assert code == 0, stderr
    status, message = _status(data, "touch_wording")
    assert data["touch"] == 5 and status == "fail" and "this is #5" in stderr
    assert data["score"] < 85 and data["band"] != "green"

    listed = runner.invoke(app, ["sessions", "--prospect", "dana reyes", "--json"])
    rows = json.loads(listed.stdout)["sessions"]
    assert len(rows) == 6
    assert sum(r["sent_at"] is not None for r in rows) == 4
    assert runner.invoke(app, ["sessions"]).stdout.count(" sent ") == 4


def test_sent_needs_a_prospect_and_the_store(fixtures_dir: Path, coach_home: Path) -> None:
    take = str(fixtures_dir / "t1_good_slt.flac")
    no_prospect = runner.invoke(app, ["score", take, "--sent", "--model", "tiny.en"])
    assert no_prospect.exit_code == 2 and "--sent needs the prospect" in no_prospect.stderr
    no_store = runner.invoke(app, ["score", take, "--sent", "--no-save", "--prospect", "Dana"])
    assert no_store.exit_code == 2 and "drop --no-save" in no_store.stderr
    bad_date = runner.invoke(app, ["score", take, "--sent-on", "soon", "--prospect", "Dana"])
    assert bad_date.exit_code == 2 and "not a date" in bad_date.stderr
    assert not (coach_home / "coach.db").exists()
