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


def test_default_store_is_in_coach_home(store: Store, coach_home: Path) -> None:
    assert store.path == coach_home / "coach.db"


def test_migrations_applied_once_and_recorded(coach_home: Path) -> None:
    with Store() as first:
        assert first.version() == MIGRATIONS[-1][0]
    with Store() as again:
        assert again.version() == MIGRATIONS[-1][0]
    db = sqlite3.connect(coach_home / "coach.db")
    rows = db.execute("SELECT version FROM migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == [n for n, _ in MIGRATIONS]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_report_json_round_trip() -> None:
    report = _report()
    rebuilt = report_from_json(json.loads(json.dumps(to_json(report))))
    assert to_json(rebuilt) == to_json(report)
    with pytest.raises(ValueError):
        report_from_json({"schema": "something/9"})


def test_save_show_delete_round_trip(store: Store) -> None:
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


def test_list_is_newest_first_and_filters(store: Store) -> None:
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


def test_concurrent_writers_all_land(coach_home: Path) -> None:
    Store().close()  # migrated once; the writers race on saves only
    report = _report()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            with Store() as own:  # a separate connection per writer
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
    with Store() as check:
        found = check.sessions()
    assert len(found) == 20
    assert len({s.id for s in found}) == 20
    assert all(s.audio is not None and s.audio.is_file() for s in found)


def _save_after(barrier: Any, home: str, n: int) -> None:
    """One writer process: open the store (racing the other on migrating it), then save."""
    os.environ["COACH_HOME"] = home
    with Store() as own:
        barrier.wait(timeout=60)  # a sibling that died must not leave this one waiting
        for _ in range(10):
            own.save(_report(), rep=f"process {n}", audio=_tone(0.2))


def test_two_processes_saving_at_once_both_land(coach_home: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    workers = [
        ctx.Process(target=_save_after, args=(barrier, str(coach_home), n), daemon=True)
        for n in range(2)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        if w.exitcode is None:  # hung: never leave a process for pytest's exit to wait on
            w.kill()
    assert [w.exitcode for w in workers] == [0, 0]
    with Store() as check:
        found = check.sessions()
        assert check.version() == MIGRATIONS[-1][0]
    assert sorted(s.rep for s in found) == ["process 0"] * 10 + ["process 1"] * 10
    assert len({s.uid for s in found}) == 20
    assert all(s.audio is not None and s.audio.is_file() for s in found)


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


def test_adopt_refuses_keys_that_are_not_columns(store: Store) -> None:
    fields = {"uid": "a" * 32, "created_at": "2026-11-01T00:00:00Z", "score": 50}
    with pytest.raises(ValueError, match="not columns of the store: evil"):
        store.adopt([Adoption({**fields, "evil": 1}, audio=None, comments=[], overrides=[])])
    with pytest.raises(ValueError, match="session_id"):
        store.adopt([Adoption(fields, audio=None, comments=[{"session_id": 9}], overrides=[])])
    assert store.sessions() == []
