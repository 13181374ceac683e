"""The team server (coach serve) and the rep's sync, end to end on a real server.

The API runs under uvicorn on 127.0.0.1 in a thread, over a real store — a
SQLite file and a throwaway PostgreSQL database — and the rep's side goes
through the CLI (`coach users`, `coach profile set`, `coach sync`,
`coach sessions`) and through the one function every saved take passes
(`coach.cli.common._save`, which `score`, `record` and `rehearse` call).
No Whisper: the takes are written scripts judged as `coach check` judges
them, saved with a real fixture take's audio.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import socket
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import Result
from typer.testing import CliRunner

from coach.cli import app
from coach.cli.common import _save
from coach.context import Context, Rep
from coach.rubric.config import load_rubric
from coach.speech.codec import opus_seconds
from coach.team.accounts import password_matches
from coach.team.server import MAX_SESSION_BYTES
from coach.team.store import Session, Store
from coach.team.sync import session_item
from coach.views.web import make_site
from tests.scripts import GOOD, WEAK, script_report

#: a real uvicorn, accounts with argon2 passwords, takes pushed: not in the fast loop
pytestmark = pytest.mark.server

runner = CliRunner()
REP = "Chris Walker"
OTHER = "Pat Other"


def _cli(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def _error_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


# -- a real server -----------------------------------------------------------------------


@dataclass
class Team:
    """The server's store (a SQLite file or a PostgreSQL URL) and its audio folder."""

    backend: str
    location: str
    audio_dir: Path

    def open(self) -> Store:
        return Store(self.location, audio_dir=self.audio_dir)

    def add(self, name: str, role: str = "rep", team: str = "west") -> str:
        """A user made through the CLI; their token (printed once, on stdout)."""
        made = _cli("users", "add", name, "--role", role, "--team", team, "--store", self.location)
        assert made.exit_code == 0, made.output
        return made.stdout.strip()


@pytest.fixture(params=["sqlite", "postgresql"])
def team(request: pytest.FixtureRequest, tmp_path: Path) -> Team:
    if request.param == "sqlite":
        location = str(tmp_path / "server" / "team.db")
    else:
        location = request.getfixturevalue("pg_url")
    return Team(request.param, location, tmp_path / "team-audio")


class LiveServer:
    """uvicorn serving the app in a thread of this process, on 127.0.0.1."""

    def __init__(self, team: Team, port: int = 0) -> None:
        api = make_site(team.location, audio_dir=team.audio_dir)
        self.server = uvicorn.Server(
            uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn stopped while starting"
            assert time.monotonic() < deadline, "uvicorn did not start in 15 s"
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def server(team: Team) -> Iterator[LiveServer]:
    live = LiveServer(team)
    yield live
    live.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the rep's side ------------------------------------------------------------------------


@pytest.fixture
def rep_store(tmp_path: Path) -> Path:
    return tmp_path / "rep" / "coach.db"


def _profile(server_url: str, token: str) -> None:
    done = _cli("profile", "set", "--name", REP, "--server", server_url, "--token", token)
    assert done.exit_code == 0, done.output


def _take(
    store_path: Path, fixtures_dir: Path, text: str = GOOD, audio: str = "bench_10s.flac"
) -> tuple[Session, str]:
    """Save a take the way score/record/rehearse do; the session and what was said on stderr.

    Its audio is a short fixture (10 s) unless asked: every push encodes it to Opus.
    """
    report = script_report(text, source=str(fixtures_dir / audio))
    context = Context(rep=Rep(name=REP, company="Northwind Logistics"))
    with Store(store_path) as store:
        before = {s.id for s in store.sessions()}
        with contextlib.redirect_stderr(io.StringIO()) as said:
            _save(
                store,
                report,
                context,
                card_id="acme-t1",
                max_minutes=15.0,
                rubric=load_rubric(None),
            )
        (session,) = [s for s in store.sessions() if s.id not in before]
    return session, said.getvalue()


def _unpushed(store_path: Path) -> list[str]:
    with Store(store_path) as store:
        return [s.uid for s in store.unpushed()]


def _on_server(team: Team) -> list[Session]:
    with team.open() as store:
        return store.sessions()


def _put(url: str, token: str | None, path: str, **kwargs: Any) -> httpx.Response:
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.put(url + path, headers=headers, timeout=10, **kwargs)


# -- accounts ---------------------------------------------------------------------------------


def test_users_add_prints_a_token_once_and_keeps_only_its_sha256(
    team: Team, tmp_path: Path
) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("correct horse battery\n", encoding="utf-8")
    made = _cli(
        "users", "add", REP, "--role", "rep", "--team", "west",
        "--password-file", secret, "--store", team.location,
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert len(token) == 43 and "\n" not in token
    assert "shown only once" in made.stderr
    with team.open() as store:
        user = store.user(REP)
        assert user is not None and user.role == "rep" and user.team == "west"
        assert user.password_hash.startswith("$argon2id$")
        assert password_matches(user.password_hash, "correct horse battery")
        assert not password_matches(user.password_hash, "wrong")
        from coach.team.accounts import token_hash

        assert store.user_by_token(token_hash(token)) == user
    rows = _rows(team, "SELECT token_sha256 FROM tokens")
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert token not in json.dumps(_rows(team, "SELECT * FROM users") + rows)

    listed = _cli("users", "list", "--store", team.location)
    assert listed.exit_code == 0 and REP in listed.stdout and "rep" in listed.stdout

    another = _cli("users", "token", REP, "--store", team.location)
    assert another.exit_code == 0 and another.stdout.strip() != token
    one = _cli("users", "revoke", REP, "--token", token, "--store", team.location)
    assert one.exit_code == 0 and "Revoked 1 token" in one.stdout and "1 still valid" in one.stdout
    rest = _cli("users", "revoke", REP, "--store", team.location)
    assert (
        rest.exit_code == 0 and "Revoked 1 token" in rest.stdout and "0 still valid" in rest.stdout
    )


def _rows(team: Team, sql: str) -> list[tuple[Any, ...]]:
    from tests.pgcluster import StoreAt

    return StoreAt(team.backend, team.location).sql(sql)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--role", "boss", "--team", "west"], "is not a role"),
        (["--role", "rep", "--team", "we\x1bst"], "team must be one line"),
        (["--role", "rep", "--team", "west", "--password-file", "/nonexistent/pw"], "cannot read"),
    ],
)
def test_users_add_refuses_bad_input_in_one_line(
    tmp_path: Path, args: list[str], says: str
) -> None:
    db = tmp_path / "team.db"
    assert says in _error_line(_cli("users", "add", REP, *args, "--store", db))
    assert not db.exists() or not _cli("users", "list", "--store", db).stdout.count(REP)


def test_a_user_name_is_taken_once_and_an_unknown_user_is_named(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    assert _cli("users", "add", REP, "--role", "rep", "--team", "w", "--store", db).exit_code == 0
    again = _cli("users", "add", REP.upper(), "--role", "lead", "--team", "w", "--store", db)
    assert "already" in _error_line(again)
    assert "no user named" in _error_line(_cli("users", "revoke", "Nobody", "--store", db))
    assert "not an API token" in _error_line(
        _cli("users", "revoke", REP, "--token", "short", "--store", db)
    )


# -- the rep's profile ----------------------------------------------------------------------


def test_profile_takes_a_server_and_token_and_keeps_the_file_private(coach_home: Path) -> None:
    token = "A" * 43
    _profile("https://coach.example:8765/", token)
    path = coach_home / "profile.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert 'server = "https://coach.example:8765"' in text and token in text
    shown = _cli("profile", "show")
    assert "https://coach.example:8765" in shown.stdout
    assert token not in shown.stdout and "…AAAA" in shown.stdout
    # a later change keeps the server and token
    assert _cli("profile", "set", "--phone", "415-555-0134").exit_code == 0
    assert token in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--server", "ftp://coach.example", "not an http(s) URL"),
        ("--server", "coach.example:8765", "not an http(s) URL"),
        ("--token", "short", "not an API token"),
    ],
)
def test_profile_refuses_a_bad_server_or_token(flag: str, value: str, says: str) -> None:
    assert says in _error_line(_cli("profile", "set", flag, value))


# -- pushing and syncing ------------------------------------------------------------------------


def test_a_saved_take_is_pushed_with_opus_audio_and_never_twice(
    team: Team, server: LiveServer, rep_store: Path, fixtures_dir: Path
) -> None:
    token = team.add(REP)
    _profile(server.url, token)
    session, said = _take(rep_store, fixtures_dir, audio="t1_good_slt.flac")
    assert "not sent" not in said, said
    assert f"Sent to the team server {server.url}" in said
    assert _unpushed(rep_store) == []
    (kept,) = _on_server(team)
    assert kept.uid == session.uid and kept.rep == REP and kept.score == session.score
    assert kept.audio is not None and kept.audio.name == f"{kept.id}.ogg"
    ogg = kept.audio.read_bytes()
    assert 27 < opus_seconds(ogg, max_seconds=60) < 30
    assert session.audio is not None and len(ogg) * 4 < session.audio.stat().st_size

    # the same uid again, by hand: 200 and the server's view, nothing added
    again = _put(server.url, token, f"/api/v1/sessions/{session.uid}", json=session_item(session))
    assert again.status_code == 200, again.text
    assert again.json()["uid"] == session.uid and again.json()["audio"] is True
    audio = _put(
        server.url, token, f"/api/v1/sessions/{session.uid}/audio", content=ogg,
        headers={"Content-Type": "audio/ogg"},
    )  # fmt: skip
    assert audio.status_code == 200
    synced = _cli("sync", "--store", rep_store)
    assert synced.exit_code == 0, synced.output
    assert "sent 0, already there 0, reviews 0" in synced.stdout
    assert len(_on_server(team)) == 1


def test_server_down_keeps_the_take_here_and_sync_sends_it_later(
    team: Team, rep_store: Path, fixtures_dir: Path
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    token = team.add(REP)
    _profile(url, token)
    first, said = _take(rep_store, fixtures_dir)
    lines = [line for line in said.splitlines() if "team server" in line]
    assert len(lines) == 1, said
    assert "saved here; not sent to the team server (cannot reach" in lines[0]
    assert lines[0].endswith("coach sync sends it later")
    second, _ = _take(rep_store, fixtures_dir, WEAK)
    assert _unpushed(rep_store) == [first.uid, second.uid]

    offline = _cli("sync", "--store", rep_store)
    assert "nothing synced" in _error_line(offline)
    assert _unpushed(rep_store) == [first.uid, second.uid]

    live = LiveServer(team, port)
    try:
        synced = _cli("sync", "--store", rep_store)
        assert synced.exit_code == 0, synced.output
        assert "sent 2, already there 0, reviews 0" in synced.stdout
        assert _unpushed(rep_store) == []
        kept = _on_server(team)
        assert sorted(s.uid for s in kept) == sorted([first.uid, second.uid])
        assert all(s.audio is not None and s.audio.suffix == ".ogg" for s in kept)
        # oldest first: the server numbered them in the order they were made
        assert [s.uid for s in sorted(kept, key=lambda s: s.id)] == [first.uid, second.uid]
        assert "sent 0" in _cli("sync", "--store", rep_store).stdout
    finally:
        live.stop()


def test_sync_keeps_partial_progress(
    team: Team, server: LiveServer, rep_store: Path, fixtures_dir: Path
) -> None:
    """The first take goes; the server refuses the second (another rep's uid): one line, kept."""
    token = team.add(REP)
    theirs = team.add(OTHER)
    _profile(f"http://127.0.0.1:{_free_port()}", token)  # offline while saving
    first, _ = _take(rep_store, fixtures_dir)
    second, _ = _take(rep_store, fixtures_dir, WEAK)
    taken = _put(server.url, theirs, f"/api/v1/sessions/{second.uid}", json=session_item(second))
    assert taken.status_code == 201
    _profile(server.url, token)
    synced = _cli("sync", "--store", rep_store)
    assert synced.exit_code == 0, synced.output
    (line,) = synced.stderr.strip().splitlines()
    assert line.startswith("Synced in part with")
    assert "sent 1, already there 0" in line and "another rep's" in line
    assert line.endswith("1 left for the next coach sync")
    assert _unpushed(rep_store) == [second.uid]
    assert {s.uid: s.rep for s in _on_server(team)} == {first.uid: REP, second.uid: OTHER}


def test_a_revoked_token_gets_401_and_one_clear_line(
    team: Team, server: LiveServer, rep_store: Path, fixtures_dir: Path
) -> None:
    token = team.add(REP)
    _profile(server.url, token)
    assert _cli("users", "revoke", REP, "--store", team.location).exit_code == 0
    session, said = _take(rep_store, fixtures_dir)
    assert "not sent to the team server (the team server refused your token" in said
    answer = _put(server.url, token, f"/api/v1/sessions/{session.uid}", json=session_item(session))
    assert answer.status_code == 401
    assert answer.json() == {"error": "the API token is unknown or revoked — ask for a new one"}
    assert answer.headers["www-authenticate"] == "Bearer"
    line = _error_line(_cli("sync", "--store", rep_store))
    assert "refused your token" in line and "coach profile set --token" in line
    assert _on_server(team) == []
    nobody = _put(server.url, None, f"/api/v1/sessions/{session.uid}", json={})
    assert nobody.status_code == 401 and "no API token" in nobody.json()["error"]


def test_a_rep_pushes_only_as_themself_and_reads_only_their_reviews(
    team: Team, server: LiveServer, rep_store: Path, fixtures_dir: Path
) -> None:
    mine = team.add(REP)
    theirs = team.add(OTHER)
    lead = team.add("Lee Lead", role="lead")
    _profile(server.url, mine)
    session, _ = _take(rep_store, fixtures_dir)
    item = session_item(session)

    stolen = _put(server.url, theirs, f"/api/v1/sessions/{session.uid}", json=item)
    assert stolen.status_code == 403 and "another rep's" in stolen.json()["error"]
    by_lead = _put(server.url, lead, f"/api/v1/sessions/{session.uid}", json=item)
    assert by_lead.status_code == 403 and "only reps push" in by_lead.json()["error"]

    # a take claiming another rep's name is kept as the pushing user's
    other_report = script_report(WEAK, source="other.wav")
    with Store(rep_store.parent / "other.db") as other_store:
        forged = other_store.save(other_report, rep=REP)
    pushed = _put(server.url, theirs, f"/api/v1/sessions/{forged.uid}", json=session_item(forged))
    assert pushed.status_code == 201 and pushed.json()["rep"] == OTHER

    with team.open() as store:
        ours = store.by_uid(session.uid)
        assert ours is not None
        store.add_comment(ours.id, "Slow down on the number", at_s=21.0, author="Lee Lead")
    answer = httpx.get(
        server.url + "/api/v1/reviews", headers={"Authorization": f"Bearer {theirs}"}, timeout=10
    )
    assert answer.status_code == 200 and answer.json()["reviews"] == []
    answer = httpx.get(
        server.url + "/api/v1/reviews", headers={"Authorization": f"Bearer {mine}"}, timeout=10
    )
    (review,) = answer.json()["reviews"]
    assert (
        review["uid"] == session.uid and review["comments"][0]["text"] == "Slow down on the number"
    )


def test_a_leads_review_comes_back_by_sync_and_shows_in_sessions(
    team: Team, server: LiveServer, rep_store: Path, fixtures_dir: Path
) -> None:
    token = team.add(REP)
    _profile(server.url, token)
    session, _ = _take(rep_store, fixtures_dir)
    untouched, _ = _take(rep_store, fixtures_dir, WEAK)
    with team.open() as store:
        kept = store.by_uid(session.uid)
        assert kept is not None
        store.add_comment(kept.id, "Say the number slower", at_s=12.5, author="Lee Lead")
        store.add_override(kept.id, "hook", "fail", "no proof for Acme", author="Lee Lead")
        rescored = store.get(kept.id).score
    assert rescored < session.score

    synced = _cli("sync", "--store", rep_store)
    assert synced.exit_code == 0, synced.output
    assert "sent 0, already there 0, reviews 2" in synced.stdout
    with Store(rep_store) as store:
        here = store.get(session.id)
        assert here.reviewed_at is not None and here.score == rescored
        (comment,) = store.comments(session.id)
        assert (comment.text, comment.at_s, comment.author) == (
            "Say the number slower",
            12.5,
            "Lee Lead",
        )
        assert store.get(untouched.id).reviewed_at is None
    listed = _cli("sessions", "--store", rep_store, "--json")
    rows = {row["uid"]: row for row in json.loads(listed.stdout)["sessions"]}
    assert rows[session.uid]["comments"] == 1 and rows[session.uid]["reviewed_at"]
    assert rows[untouched.uid]["reviewed_at"] is None
    table = _cli("sessions", "--store", rep_store)
    assert "✔ 1" in table.stdout

    # a reviewed mark without a comment comes back too; nothing comes twice
    with team.open() as store:
        other = store.by_uid(untouched.uid)
        assert other is not None
        store.mark_reviewed(other.id)
    again = _cli("sync", "--store", rep_store)
    assert "reviews 0" in again.stdout
    with Store(rep_store) as store:
        assert store.get(untouched.id).reviewed_at is not None
        assert len(store.comments(session.id)) == 1


# -- what the API refuses -----------------------------------------------------------------------


def test_the_api_refuses_bodies_it_must_not_trust(
    team: Team, server: LiveServer, rep_store: Path, fixtures_dir: Path
) -> None:
    token = team.add(REP)
    _profile(f"http://127.0.0.1:{_free_port()}", token)  # keep the take local
    session, _ = _take(rep_store, fixtures_dir)
    path = f"/api/v1/sessions/{session.uid}"
    item = session_item(session)

    huge = _put(server.url, token, path, content=b"{" + b" " * MAX_SESSION_BYTES + b"}")
    assert huge.status_code == 413 and "over the" in huge.json()["error"]
    bad_json = _put(server.url, token, path, content=b"{not json")
    assert bad_json.status_code == 400
    wrong_uid = _put(server.url, token, "/api/v1/sessions/" + "0" * 32, json=item)
    assert wrong_uid.status_code == 422 and "the one in the path" in wrong_uid.json()["error"]
    out_of_range = _put(server.url, token, path, json={**item, "score": 101})
    assert out_of_range.status_code == 422 and "score" in out_of_range.json()["error"]
    unknown = _put(server.url, token, path, json={**item, "sql": "DROP TABLE sessions"})
    assert unknown.status_code == 422
    review = {
        "uid": "1" * 32, "at_s": None, "text": "great", "author": "Lee Lead",
        "created_at": "2026-01-01T00:00:00Z",
    }  # fmt: skip
    forged = _put(server.url, token, path, json={**item, "comments": [review]})
    assert forged.status_code == 422 and "not a review" in forged.json()["error"]
    assert _on_server(team) == []

    assert _put(server.url, token, path, json=item).status_code == 201
    not_opus = _put(
        server.url, token, path + "/audio", content=b"fLaC" + b"\0" * 100,
        headers={"Content-Type": "audio/ogg"},
    )  # fmt: skip
    assert not_opus.status_code == 415 and "Ogg Opus" in not_opus.json()["error"]
    (kept,) = _on_server(team)
    assert kept.audio is None
    missing = httpx.get(server.url + "/api/v1/nothing", timeout=10)
    assert missing.status_code == 404 and "error" in missing.json()
    since = httpx.get(
        server.url + "/api/v1/reviews",
        params={"since": "yesterday"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert since.status_code == 400 and "ISO time" in since.json()["error"]


def test_serve_refuses_a_store_it_cannot_open_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert "is a folder" in _error_line(_cli("serve", "--store", folder))


def test_sync_without_a_server_in_the_profile_says_how_to_set_one(rep_store: Path) -> None:
    assert "coach profile set --server" in _error_line(_cli("sync", "--store", rep_store))
    assert not os.path.exists(rep_store)


def test_coach_serve_listens_on_loopback_by_default(tmp_path: Path) -> None:
    """The real command in its own process: 127.0.0.1 unless --host says otherwise."""
    import subprocess
    import sys

    db = tmp_path / "team.db"
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "serve", "--store", str(db), "--port", str(port)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/reviews", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "coach serve did not answer in 30 s"
                time.sleep(0.1)
        assert answer.status_code == 401 and "no API token" in answer.json()["error"]
        login = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert login.status_code == 200 and 'action="/login"' in login.text
        assert "default-src 'none'" in login.headers["content-security-policy"]
        listening = [
            line.split()
            for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
            if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A"
        ]
        assert [row[1] for row in listening] == [f"0100007F:{port:04X}"]
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert proc.returncode is not None


def test_who_sees_which_sessions_and_reviews_since(
    team: Team, server: LiveServer, rep_store: Path, fixtures_dir: Path
) -> None:
    """A rep sees their own sessions, a lead their team's, an admin all; reviews since a time."""
    chris = team.add(REP, team="west")
    pat = team.add(OTHER, team="east")
    west_lead = team.add("Lee Lead", role="lead", team="west")
    admin = team.add("Ada Admin", role="admin", team="ops")
    _profile(f"http://127.0.0.1:{_free_port()}", chris)
    mine, _ = _take(rep_store, fixtures_dir)
    theirs, _ = _take(rep_store, fixtures_dir, WEAK)
    for token, session in ((chris, mine), (pat, theirs)):
        pushed = _put(
            server.url, token, f"/api/v1/sessions/{session.uid}", json=session_item(session)
        )
        assert pushed.status_code == 201, pushed.text

    def seen(token: str) -> set[str]:
        answer = httpx.get(
            server.url + "/api/v1/sessions",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return {s["uid"] for s in answer.json()["sessions"]}

    assert seen(chris) == {mine.uid}
    assert seen(pat) == {theirs.uid}
    assert seen(west_lead) == {mine.uid}
    assert seen(admin) == {mine.uid, theirs.uid}

    with team.open() as store:
        kept = store.by_uid(mine.uid)
        assert kept is not None
        store.add_comment(kept.id, "Good pace", author="Lee Lead")

    def reviews(since: str) -> list[str]:
        answer = httpx.get(
            server.url + "/api/v1/reviews",
            params={"since": since},
            headers={"Authorization": f"Bearer {chris}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return [r["uid"] for r in answer.json()["reviews"]]

    assert reviews("2000-01-01T00:00:00Z") == [mine.uid]
    assert reviews("2199-01-01T00:00:00+00:00") == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/sessions/" + "a" * 32, b'{"uid": "' + b"a" * 32),
        ("/login", b"name=Lee&password=se"),
    ],
    ids=["a push", "a form"],
)
def test_a_body_cut_off_midway_is_dropped_without_a_traceback(
    team: Team, server: LiveServer, path: str, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """A rep's Wi-Fi dropping mid-push leaves nothing behind and logs no error (found by
    bench.load: every cut connection printed "Exception in ASGI application")."""
    token = team.add(REP)
    method = "PUT" if path.startswith("/api") else "POST"
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(
            f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body) + 500}\r\n\r\n".encode()
            + body
        )
        time.sleep(0.3)
    time.sleep(0.5)  # the server notices the closed connection
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    assert _on_server(team) == []
    # and the server still answers
    assert httpx.get(server.url + "/login", timeout=10).status_code == 200
