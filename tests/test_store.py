"""The practice store: migrations, save/list/filter/show/delete, concurrency, corruption."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.report import report_from_json, to_json
from coach.speech.audio import load
from coach.team.store import MIGRATIONS, Adoption, Store, StoreError
from tests.pgcluster import Cluster, StoreAt
from tests.scripts import GOOD, WEAK, script_report

runner = CliRunner()
_report = script_report


def _tone(seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(16_000 * seconds)) / 16_000
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


@pytest.fixture
def store(coach_home: Path) -> Iterator[Store]:
    """A fresh store in this test's COACH_HOME."""
    with Store() as opened:
        yield opened


@pytest.fixture
def both(store_at: StoreAt) -> Iterator[Store]:
    """A fresh store on each back end: SQLite in COACH_HOME, a new PostgreSQL database."""
    with store_at.open() as opened:
        yield opened


def test_default_store_is_in_coach_home(store: Store, coach_home: Path) -> None:
    assert store.path == coach_home / "coach.db"


def test_migrations_applied_once_and_recorded(store_at: StoreAt) -> None:
    with store_at.open() as first:
        assert first.version() == MIGRATIONS[-1][0]
    with store_at.open() as again:
        assert again.version() == MIGRATIONS[-1][0]
    rows = store_at.sql("SELECT version FROM migrations ORDER BY version")
    assert [r[0] for r in rows] == [n for n, _ in MIGRATIONS]
    if store_at.backend == "sqlite":
        assert store_at.sql("PRAGMA journal_mode")[0][0] == "wal"


def test_report_json_round_trip() -> None:
    report = _report()
    rebuilt = report_from_json(json.loads(json.dumps(to_json(report))))
    assert to_json(rebuilt) == to_json(report)
    with pytest.raises(ValueError):
        report_from_json({"schema": "something/9"})


def test_save_show_delete_round_trip(both: Store) -> None:
    store = both
    report = _report()
    saved = store.save(report, rep="Chris Walker", card_id="acme-t1", audio=_tone())
    assert saved.id == 1
    assert saved.rep == "Chris Walker" and saved.card_id == "acme-t1"
    assert saved.touch == 1 and saved.score == report.score and saved.source == "take.wav"
    assert saved.created_at.endswith("Z")
    assert saved.audio == store.folder / "audio" / "1.flac"
    heard = load(saved.audio)
    assert heard.duration_s == pytest.approx(1.0, abs=0.01)
    assert to_json(saved.report) == to_json(report)
    assert saved.top_fix == (report.fixes[0] if report.fixes else "")

    gone = store.delete(saved.id)
    assert gone.id == saved.id
    assert not saved.audio.exists()
    assert store.sessions() == []
    with pytest.raises(StoreError, match="no session 1"):
        store.get(1)


def test_list_is_newest_first_and_filters(both: Store) -> None:
    store = both
    a = store.save(_report(GOOD, touch=1), rep="Chris Walker")
    b = store.save(_report(WEAK, touch=2), rep="Dana Reyes")
    c = store.save(_report(GOOD, touch=2), rep="chris walker")
    assert [s.id for s in store.sessions()] == [c.id, b.id, a.id]
    assert [s.id for s in store.sessions(rep="Chris Walker")] == [c.id, a.id]
    assert [s.id for s in store.sessions(touch=2)] == [c.id, b.id]
    assert b.score < a.score
    above_weak = [x.id for x in (c, b, a) if x.score > b.score]
    assert a.id in above_weak
    assert [s.id for s in store.sessions(min_score=b.score + 1)] == above_weak
    assert store.sessions(since=date.today()) != []
    assert store.sessions(since=date(2999, 1, 1)) == []
    assert a.audio is None


def test_concurrent_writers_all_land(store_at: StoreAt) -> None:
    store_at.open().close()  # migrated once; the writers race on saves only
    report = _report()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            with store_at.open() as own:  # a separate connection per writer
                start.wait()
                for _ in range(5):
                    own.save(report, rep=f"rep {n}", audio=_tone(0.2))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with store_at.open() as check:
        found = check.sessions()
    assert len(found) == 20
    assert len({s.id for s in found}) == 20
    assert all(s.audio is not None and s.audio.is_file() for s in found)


def _save_after(barrier: Any, home: str, location: str, n: int) -> None:
    """One writer process: open the store (racing the other on migrating it), then save."""
    os.environ["COACH_HOME"] = home
    with Store(location) as own:
        barrier.wait(timeout=60)  # a sibling that died must not leave this one waiting
        for _ in range(10):
            own.save(_report(), rep=f"process {n}", audio=_tone(0.2))


def test_two_processes_saving_at_once_both_land(store_at: StoreAt, coach_home: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    where = str(store_at.location)
    workers = [
        ctx.Process(target=_save_after, args=(barrier, str(coach_home), where, n), daemon=True)
        for n in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        if w.exitcode is None:  # hung: never leave a process for pytest's exit to wait on
            w.kill()
    assert [w.exitcode for w in workers] == [0, 0]
    with store_at.open() as check:
        found = check.sessions()
        assert check.version() == MIGRATIONS[-1][0]
    assert sorted(s.rep for s in found) == ["process 0"] * 10 + ["process 1"] * 10
    assert len({s.uid for s in found}) == 20
    assert all(s.audio is not None and s.audio.is_file() for s in found)


def _open_after(barrier: Any, home: str, location: str) -> None:
    """One process opening a new store the moment its siblings do."""
    os.environ["COACH_HOME"] = home
    barrier.wait(timeout=60)
    Store(location).close()


def test_processes_opening_a_new_store_at_once_migrate_it_once(
    store_at: StoreAt, coach_home: Path
) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    workers = [
        ctx.Process(
            target=_open_after, args=(barrier, str(coach_home), str(store_at.location)), daemon=True
        )
        for _ in range(4)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        if w.exitcode is None:
            w.kill()
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    rows = store_at.sql("SELECT version FROM migrations ORDER BY version")
    assert [r[0] for r in rows] == [n for n, _ in MIGRATIONS]


@pytest.mark.model
def test_two_coach_score_processes_at_once_both_land(fixtures_dir: Path, coach_home: Path) -> None:
    takes = [fixtures_dir / "t1_good_slt.flac", fixtures_dir / "t1_good_kal.flac"]
    env = {**os.environ, "COACH_HOME": str(coach_home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "coach", "score", str(t), "--model", "tiny.en", "--json"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for t in takes
    ]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_, stderr) in zip(procs, results, strict=True):
        assert p.returncode == 0, stderr
        assert "Saved session" in stderr
    with Store() as check:
        found = check.sessions()
    assert sorted(s.source for s in found) == sorted(str(t) for t in takes)
    assert all(s.audio is not None and s.audio.is_file() for s in found)


def test_corrupted_store_is_refused_and_untouched(coach_home: Path) -> None:
    coach_home.mkdir(parents=True, exist_ok=True)
    db = coach_home / "coach.db"
    garbage = bytes(range(256)) * 64
    db.write_bytes(garbage)
    with pytest.raises(StoreError, match="is not a Voice Coach database"):
        Store()
    assert db.read_bytes() == garbage

    result = runner.invoke(app, ["sessions"])
    assert result.exit_code == 2
    assert "coach.db is not a Voice Coach database (file is not a database)" in result.stderr
    assert "move it aside; it was not changed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == garbage
    assert sorted(p.name for p in coach_home.iterdir()) == ["coach.db"]


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes (x)")
    con.commit()
    con.close()
    before = other.read_bytes()
    with pytest.raises(StoreError, match="not a Voice Coach database"):
        Store(other)
    assert other.read_bytes() == before


def test_a_lead_reviews_on_the_team_store_by_its_url(store_at: StoreAt) -> None:
    """--store takes a postgresql:// URL as it takes a file: sessions, review, report (#17)."""
    with store_at.open() as team:
        team.save(_report(), rep="Chris Walker", card_id="acme-t1", audio=_tone())
    where = str(store_at.location)

    listed = runner.invoke(app, ["sessions", "--store", where])
    assert listed.exit_code == 0, listed.output
    assert "acme-t1" in listed.stdout
    commented = runner.invoke(
        app, ["review", "1", "--store", where, "--comment", "Slower on the number", "--at", "0:12"]
    )
    assert commented.exit_code == 0, commented.output
    with store_at.open() as team:
        (comment,) = team.comments(1)
        assert comment.text == "Slower on the number" and comment.at_s == 12.0
        assert team.get(1).reviewed_at is not None
    shown = runner.invoke(app, ["sessions", "show", "1", "--store", where, "--json"])
    assert json.loads(shown.stdout)["comments"][0]["text"] == "Slower on the number"


def test_sessions_cli_lists_shows_and_deletes(store: Store, tmp_path: Path) -> None:
    report = _report()
    store.save(report, rep="Chris Walker", card_id="acme-t1", audio=_tone())
    store.save(_report(WEAK, touch=2), rep="Dana Reyes")

    listed = runner.invoke(app, ["sessions"])
    assert listed.exit_code == 0, listed.output
    assert "acme-t1" in listed.stdout and "Dana Reyes" in listed.stdout

    as_json = runner.invoke(app, ["sessions", "--rep", "dana reyes", "--json"])
    assert as_json.exit_code == 0
    payload = json.loads(as_json.stdout)
    assert payload["schema"] == "coach.sessions/1"
    assert [s["id"] for s in payload["sessions"]] == [2]
    assert payload["sessions"][0]["touch"] == 2

    filtered = runner.invoke(app, ["sessions", "--touch", "3"])
    assert "No sessions match" in filtered.stdout

    shown = runner.invoke(app, ["sessions", "show", "1"])
    assert shown.exit_code == 0, shown.output
    assert f"{report.score}/100" in shown.stdout
    assert "Session 1" in shown.stdout

    shown_json = runner.invoke(app, ["sessions", "show", "1", "--json"])
    shown_data = json.loads(shown_json.stdout)
    assert shown_data["session"]["id"] == 1 and shown_data["comments"] == []
    del shown_data["session"], shown_data["comments"]
    assert shown_data == to_json(report)

    unknown = runner.invoke(app, ["sessions", "show", "99"])
    assert unknown.exit_code == 2
    assert unknown.stderr.strip().splitlines() == [
        f"Error: no session 99 in {store.path} — run coach sessions to list them"
    ]

    deleted = runner.invoke(app, ["sessions", "delete", "1"])
    assert deleted.exit_code == 0
    assert not (store.folder / "audio" / "1.flac").exists()
    again = runner.invoke(app, ["sessions", "delete", "1"])
    assert again.exit_code == 2


def test_sessions_bad_since() -> None:
    result = runner.invoke(app, ["sessions", "--since", "last tuesday"])
    assert result.exit_code == 2
    assert "--since 'last tuesday' is not a date" in result.stderr


def test_store_option_moves_the_store(tmp_path: Path, coach_home: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "practice.db"
    with Store(elsewhere) as opened:
        opened.save(_report(), rep="Chris Walker", audio=_tone())
    assert (elsewhere.parent / "audio" / "1.flac").is_file()
    result = runner.invoke(app, ["sessions", "--store", str(elsewhere), "--json"])
    assert [s["id"] for s in json.loads(result.stdout)["sessions"]] == [1]
    shown = runner.invoke(app, ["sessions", "--store", str(elsewhere), "show", "1"])
    assert shown.exit_code == 0, shown.output
    assert not (coach_home / "coach.db").exists()


@pytest.mark.model
def test_no_save_saves_nothing(fixtures_dir: Path, coach_home: Path) -> None:
    take = str(fixtures_dir / "t1_good_slt.flac")
    result = runner.invoke(
        app, ["score", take, "--no-save", "--model", "tiny.en", "--beam-size", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "Saved session" not in result.stderr
    assert not (coach_home / "coach.db").exists()
    assert not (coach_home / "audio").exists()


@pytest.mark.model
def test_score_saves_one_session_with_its_flac(fixtures_dir: Path, coach_home: Path) -> None:
    take = fixtures_dir / "t1_good_slt.flac"
    result = runner.invoke(
        app,
        ["score", str(take), "--touch", "1", "--rep-name", "Chris Walker", "--model", "tiny.en"],
    )
    assert result.exit_code == 0, result.output
    assert "Saved session 1" in result.stderr
    with Store() as opened:
        (session,) = opened.sessions()
    assert session.rep == "Chris Walker" and session.touch == 1 and session.model == "tiny.en"
    assert session.source == str(take)
    assert session.audio == coach_home / "audio" / "1.flac"
    assert load(session.audio).duration_s == pytest.approx(load(take).duration_s, abs=0.05)


def test_adopt_refuses_keys_that_are_not_columns(both: Store) -> None:
    store = both
    fields = {"uid": "a" * 32, "created_at": "2026-11-01T00:00:00Z", "score": 50}
    with pytest.raises(ValueError, match="not columns of the store: evil"):
        store.adopt([Adoption({**fields, "evil": 1}, audio=None, comments=[], overrides=[])])
    with pytest.raises(ValueError, match="session_id"):
        store.adopt([Adoption(fields, audio=None, comments=[{"session_id": 9}], overrides=[])])
    assert store.sessions() == []


def test_adopting_a_session_twice_adds_it_once(both: Store) -> None:
    """A session's uid is its identity: a second import adds nothing, not even its review."""
    store = both
    fields = {
        "uid": "b" * 32,
        "created_at": "2026-11-01T09:00:00Z",
        "rep": "Chris Walker",
        "score": 61,
        "source": "take.wav",
        "report_json": json.dumps(to_json(_report(WEAK))),
    }
    comment = {
        "uid": "c" * 32,
        "at_s": 2.5,
        "text": "slower",
        "author": "Lee",
        "created_at": "2026-11-02T09:00:00Z",
    }
    item = Adoption(fields, audio=None, comments=[comment], overrides=[])
    assert store.adopt([item]) == [(True, 1)]
    assert store.adopt([item]) == [(False, 0)]
    (session,) = store.sessions()
    assert session.uid == "b" * 32 and session.reviewed_at is not None
    assert [c.text for c in store.comments(session.id)] == ["slower"]


def test_a_session_uid_is_unique_in_the_database(both: Store, store_at: StoreAt) -> None:
    saved = both.save(_report(), rep="Chris Walker")
    with pytest.raises(Exception, match=r"(?i)unique"):
        store_at.sql(
            "INSERT INTO sessions (created_at, score, source, report_json, uid)"
            " VALUES ('2026-11-01T00:00:00Z', 50, 'x.wav', '{}', ?)",
            [saved.uid],
        )


def test_deleting_a_session_row_deletes_its_review(both: Store, store_at: StoreAt) -> None:
    """The foreign keys cascade, on SQLite (foreign_keys = ON) as on PostgreSQL."""
    store = both
    sid = store.save(_report()).id
    store.add_comment(sid, "slower", at_s=3.0)
    store.add_override(sid, "hook", "warn", "generic proof")
    keep = store.save(_report()).id
    store.add_comment(keep, "fine")
    # Through the store's own connection, so its foreign-key setting is the one in force.
    with store._write() as db:
        db.execute("DELETE FROM sessions WHERE id = ?", (sid,))
    assert store_at.sql("SELECT session_id FROM comments") == [(keep,)]
    assert store_at.sql("SELECT COUNT(*) FROM overrides") == [(0,)]


def test_a_writer_waits_for_the_other_writer(store_at: StoreAt) -> None:
    """A write transaction takes the store's lock up front; the next writer waits for it."""
    with store_at.open() as holder, store_at.open() as other:
        landed = threading.Event()
        errors: list[BaseException] = []

        def save() -> None:
            try:
                other.save(_report(), rep="second")
                landed.set()
            except BaseException as exc:  # reported below
                errors.append(exc)

        with holder._write() as db:
            db.execute("UPDATE sessions SET rep = rep")  # a write, inside the lock
            writer = threading.Thread(target=save)
            writer.start()
            assert not landed.wait(0.5), "the second writer did not wait for the lock"
        writer.join(timeout=30)
        assert errors == [] and landed.is_set()
        assert [s.rep for s in holder.sessions()] == ["second"]


def test_a_writer_that_waits_too_long_gets_one_line(
    store_at: StoreAt, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coach.team import store as store_module

    with store_at.open() as holder:
        monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)
        with (
            store_at.open() as impatient,
            holder._write(),
            pytest.raises(StoreError) as caught,
        ):
            impatient.save(_report(), rep="late")
        message = str(caught.value)
        assert "is locked by another program" in message and "try again" in message
        assert len(message.splitlines()) == 1
        assert holder.sessions() == []


def test_a_store_written_by_a_newer_coach_is_refused(store_at: StoreAt) -> None:
    store_at.open().close()
    store_at.sql("INSERT INTO migrations (version, applied_at) VALUES (99, '2030-01-01T00:00:00Z')")
    with pytest.raises(StoreError, match="was written by a newer coach \\(schema 99"):
        store_at.open()


# -- PostgreSQL only ---------------------------------------------------------------


def _catalog(url: str) -> list[tuple[Any, ...]]:
    return StoreAt("postgresql", url).sql(
        "SELECT c.relname, c.relkind::text, c.relnatts FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' ORDER BY c.relname"
    )


def test_a_postgresql_database_of_another_program_is_refused_unchanged(
    pg_url: str, coach_home: Path
) -> None:
    other = StoreAt("postgresql", pg_url)
    other.sql("CREATE TABLE notes (id serial PRIMARY KEY, body text)")
    other.sql("INSERT INTO notes (body) VALUES ('keep me')")
    other.sql("CREATE VIEW recent AS SELECT body FROM notes")
    before = _catalog(pg_url)
    with pytest.raises(StoreError) as caught:
        Store(pg_url)
    assert str(caught.value) == (
        f"{pg_url} is not a Voice Coach database (it has other tables or views and no "
        "migrations table) — give another database; it was not changed"
    )
    assert _catalog(pg_url) == before
    assert other.sql("SELECT body FROM notes") == [("keep me",)]
    assert not (coach_home / "team-audio").exists()


def test_a_postgresql_database_holding_only_a_view_is_refused(pg_url: str) -> None:
    StoreAt("postgresql", pg_url).sql("CREATE VIEW one AS SELECT 1 AS x")
    before = _catalog(pg_url)
    with pytest.raises(StoreError, match="is not a Voice Coach database"):
        Store(pg_url)
    assert _catalog(pg_url) == before


def test_a_server_that_is_down_is_named_in_one_line(tmp_path: Path) -> None:
    url = f"postgresql://coach:s3cret@/coach?host={tmp_path}"
    with pytest.raises(StoreError) as caught:
        Store(url)
    message = str(caught.value)
    assert message.startswith(
        f"cannot reach the PostgreSQL server of postgresql://coach@/coach?host={tmp_path} ("
    )
    assert "No such file or directory" in message
    assert message.endswith("— check that it is running and that the URL is right")
    assert "s3cret" not in message and len(message.splitlines()) == 1


def test_a_database_that_does_not_exist_is_named_in_one_line(pg_cluster: Cluster) -> None:
    url = pg_cluster.url("no_such_database")
    with pytest.raises(StoreError) as caught:
        Store(url)
    assert str(caught.value) == (
        f'there is no such database at {url} (FATAL: database "no_such_database" does not '
        "exist) — create it (createdb) or give another URL"
    )


def test_an_unknown_role_cannot_log_in(pg_cluster: Cluster) -> None:
    url = pg_cluster.url().replace("user=coach", "user=nobody_here")
    with pytest.raises(
        StoreError, match=r"^cannot log in to .*role \"nobody_here\" does not exist"
    ):
        Store(url)


def test_postgres_scheme_and_an_audio_folder_of_its_own(pg_url: str, tmp_path: Path) -> None:
    url = pg_url.replace("postgresql://", "postgres://", 1)
    audio = tmp_path / "shared-takes"
    with Store(url, audio_dir=audio) as store:
        saved = store.save(_report(), rep="Chris Walker", audio=_tone())
        assert store.folder == audio and store.path is None and store.where == url
    assert saved.audio == audio / "audio" / f"{saved.id}.flac"
    assert load(saved.audio).duration_s == pytest.approx(1.0, abs=0.01)


def test_postgresql_audio_defaults_to_team_audio_and_is_swept(
    pg_url: str, coach_home: Path
) -> None:
    with Store(pg_url) as store:
        saved = store.save(_report(), audio=_tone(0.2))
    assert saved.audio == coach_home / "team-audio" / "audio" / f"{saved.id}.flac"
    left = coach_home / "team-audio" / "audio" / f".saving-999999999-{'0' * 32}.flac"
    left.write_bytes(b"half a flac")
    with Store(pg_url) as again:
        assert [s.id for s in again.sessions()] == [saved.id]
    assert not left.exists() and saved.audio.is_file()


def test_a_value_postgresql_cannot_hold_is_one_line_and_saves_nothing(
    pg_url: str, coach_home: Path
) -> None:
    with Store(pg_url) as store:
        with pytest.raises(StoreError) as caught:
            store.save(_report(), rep="nul\x00byte", audio=_tone(0.2))
        assert str(caught.value) == (
            f"cannot save the session to {pg_url}: "
            "PostgreSQL text fields cannot contain NUL (0x00) bytes"
        )
        assert store.sessions() == []
    assert list((coach_home / "team-audio" / "audio").iterdir()) == []


def test_a_postgresql_schema_1_store_is_migrated_with_uids(pg_url: str) -> None:
    """Migration 2 run on PostgreSQL over rows migration 1 made: the one history on both."""
    from coach.team.store_pg import translate

    raw = StoreAt("postgresql", pg_url)
    raw.sql("CREATE TABLE migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
    raw.sql("INSERT INTO migrations VALUES (1, '2026-01-01T00:00:00Z')")
    for statement in MIGRATIONS[0][1].split(";"):
        if statement.strip():
            raw.sql(translate(statement).replace("%s", "?"))
    for _ in range(2):
        raw.sql(
            "INSERT INTO sessions (created_at, rep, score, source, report_json)"
            " VALUES ('2026-01-02T00:00:00Z', 'Chris', ?, 'old.wav', ?)",
            [_report(WEAK).score, json.dumps(to_json(_report(WEAK)))],
        )
    with Store(pg_url) as opened:
        assert opened.version() == MIGRATIONS[-1][0]
        old = opened.sessions()
        assert len(old) == 2 and all(len(s.uid) == 32 for s in old)
        assert old[0].uid != old[1].uid
        added = opened.save(_report(), rep="new")
        assert added.id == 3  # the identity column carries on after the rows it did not make


def test_without_postgresql_the_tests_skip_but_fail_under_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests import pgcluster

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(pgcluster.glob, "glob", lambda pattern: [])
    assert pgcluster.binaries() is None
    reason = pgcluster.missing()
    assert reason is not None and "apt install postgresql" in reason
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt install postgresql"):
        pgcluster.up()
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="must run under CI"):
        pgcluster.up()
