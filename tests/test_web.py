"""The lead's review pages in coach serve, as a person uses them, on a real server.

uvicorn serves the app in a thread over a SQLite file and a throwaway
PostgreSQL database (tests/test_server.py's ``team`` and ``server``); the
tests log in with an httpx client that keeps cookies, as a browser does, and
one test drives Debian's Chromium through Playwright: a lead logs in, plays a
take, comments at 0:12, overrides a check, marks it reviewed — and the rep's
``coach sync`` brings it back.
"""

# ruff: noqa: F811 - the fixtures of tests/test_server.py, imported, are parameters here

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from coach.team.accounts import password_matches
from coach.team.sync import session_item
from tests.scripts import GOOD
from tests.test_report_html import _chromium
from tests.test_server import (
    OTHER,
    REP,
    LiveServer,
    Team,
    _cli,
    _error_line,
    _free_port,
    _profile,
    _put,
    _take,
    rep_store,  # noqa: F401 - a fixture
    server,  # noqa: F401 - a fixture
    team,  # noqa: F401 - a fixture
)

#: a real uvicorn, accounts with argon2 passwords, takes pushed: not in the fast loop
pytestmark = pytest.mark.server

LEAD = "Lee Lead"
EAST_LEAD = "Eve East"
ADMIN = "Ada Admin"
PASSWORD = "correct horse battery"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_URL = "javascript:alert(1)"
HOSTILE_NAME = f"{IMG} {SCRIPT} {JS_URL}"
HOSTILE_TEXT = f"{GOOD} {SCRIPT} {IMG} {JS_URL}"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def _passwd(team: Team, name: str, tmp_path: Path, password: str = PASSWORD) -> None:
    secret = tmp_path / f"pw-{abs(hash(name))}.txt"
    secret.write_text(password + "\n", encoding="utf-8")
    done = _cli("users", "passwd", name, "--password-file", secret, "--store", team.location)
    assert done.exit_code == 0, done.output


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def _client(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, follow_redirects=False, timeout=15)


def _login(server: LiveServer, name: str, password: str = PASSWORD) -> httpx.Client:
    client = _client(server)
    form = client.get("/login")
    assert form.status_code == 200
    done = client.post(
        "/login", data={"name": name, "password": password, "csrf": _csrf(form.text)}
    )
    assert done.status_code == 303 and done.headers["location"] == "/", done.text
    return client


def _post(client: httpx.Client, page: str, action: str, **data: str) -> httpx.Response:
    """A form on ``page`` sent as the browser sends it, with that page's CSRF token."""
    token = _csrf(client.get(page).text)
    return client.post(action, data={**data, "csrf": token})


def _take_id(team: Team, uid: str) -> int:
    with team.open() as store:
        kept = store.by_uid(uid)
        assert kept is not None
        return kept.id


class World:
    """Two teams on one server: west (Chris, his lead Lee), east (Pat, lead Eve), an admin."""

    def __init__(
        self, team: Team, server: LiveServer, rep_store: Path, fixtures_dir: Path, tmp: Path
    ) -> None:
        self.team, self.server = team, server
        chris = team.add(REP, team="west")
        pat = team.add(OTHER, team="east")
        team.add(LEAD, role="lead", team="west")
        team.add(EAST_LEAD, role="lead", team="east")
        team.add(ADMIN, role="admin", team="ops")
        for name in (REP, OTHER, LEAD, EAST_LEAD, ADMIN):
            _passwd(team, name, tmp)
        # Chris's take is pushed as it is saved, with its Opus audio; Pat's through the API
        _profile(server.url, chris)
        mine, _ = _take(rep_store, fixtures_dir)
        _profile(f"http://127.0.0.1:{_free_port()}", chris)
        theirs, _ = _take(rep_store, fixtures_dir)
        pushed = _put(server.url, pat, f"/api/v1/sessions/{theirs.uid}", json=session_item(theirs))
        assert pushed.status_code == 201, pushed.text
        self.mine = _take_id(team, mine.uid)
        self.theirs = _take_id(team, theirs.uid)


@pytest.fixture
def world(
    team: Team,
    server: LiveServer,
    rep_store: Path,
    fixtures_dir: Path,
    tmp_path: Path,
) -> World:
    return World(team, server, rep_store, fixtures_dir, tmp_path)


# -- logging in ---------------------------------------------------------------------------


def test_login_sets_a_signed_httponly_cookie_and_logout_ends_it(
    world: World,
    server: LiveServer,
) -> None:
    anonymous = _client(server)
    page = anonymous.get("/")
    assert page.status_code == 303 and page.headers["location"] == "/login"

    form = anonymous.get("/login")
    wrong = anonymous.post(
        "/login", data={"name": LEAD, "password": "nope", "csrf": _csrf(form.text)}
    )
    assert wrong.status_code == 401 and "wrong name or password" in wrong.text
    assert anonymous.get("/").status_code == 303

    done = anonymous.post(
        "/login", data={"name": LEAD, "password": PASSWORD, "csrf": _csrf(form.text)}
    )
    assert done.status_code == 303
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    queue = anonymous.get("/")
    assert queue.status_code == 200 and f"Take {world.mine}" in queue.text

    # a forged or edited cookie is no login
    forged = _client(server)
    forged.cookies.set("coach_session", anonymous.cookies["coach_session"][:-2] + "xx")
    assert forged.get("/").status_code == 303

    out = _post(anonymous, "/", "/logout")
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert anonymous.get("/").status_code == 303

    # over TLS (a reverse proxy on this machine says so) the cookie is Secure
    tls = _client(server)
    form = tls.get("/login", headers={"x-forwarded-proto": "https"})
    assert "secure" in form.headers["set-cookie"].lower()


def test_a_new_password_ends_old_logins_and_no_password_cannot_log_in(
    world: World,
    server: LiveServer,
    team: Team,
    tmp_path: Path,
) -> None:
    lead = _login(server, LEAD)
    _passwd(team, LEAD, tmp_path, "another one entirely")
    assert lead.get("/").status_code == 303
    with team.open() as store:
        user = store.user(LEAD)
        assert user is not None and password_matches(user.password_hash, "another one entirely")

    team.add("No Password", role="lead", team="west")
    client = _client(server)
    form = client.get("/login")
    answer = client.post(
        "/login", data={"name": "No Password", "password": "", "csrf": _csrf(form.text)}
    )
    assert answer.status_code == 401
    assert "coach users passwd &#39;No Password&#39; --password-file FILE" in answer.text


def test_users_passwd_refuses_an_unknown_user_or_an_empty_file(
    team: Team,
    tmp_path: Path,
) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("x\n", encoding="utf-8")
    line = _error_line(
        _cli("users", "passwd", "Nobody", "--password-file", secret, "--store", team.location)
    )
    assert "no user named 'Nobody'" in line
    team.add(REP)
    secret.write_text("", encoding="utf-8")
    line = _error_line(
        _cli("users", "passwd", REP, "--password-file", secret, "--store", team.location)
    )
    assert "is empty" in line


def test_five_failed_logins_in_a_row_get_429(world: World, server: LiveServer) -> None:
    client = _client(server)
    token = _csrf(client.get("/login").text)
    for _ in range(5):
        bad = client.post("/login", data={"name": LEAD, "password": "guess", "csrf": token})
        assert bad.status_code == 401
    blocked = client.post("/login", data={"name": LEAD, "password": PASSWORD, "csrf": token})
    assert blocked.status_code == 429 and "too many failed logins" in blocked.text
    # another name from the same address is not locked out
    _login(server, ADMIN)


def test_every_post_without_its_csrf_token_is_403(world: World, server: LiveServer) -> None:
    client = _client(server)
    client.get("/login")
    no_token = client.post("/login", data={"name": LEAD, "password": PASSWORD})
    assert no_token.status_code == 403 and "security token" in no_token.text

    lead = _login(server, LEAD)
    take = f"/takes/{world.mine}"
    for action, data in (
        ("/comment", {"text": "sneaky", "at": "3"}),
        ("/override", {"check": "hook", "status": "pass", "reason": "sneaky"}),
        ("/reviewed", {}),
    ):
        for token in (None, "forged"):
            form = dict(data) if token is None else {**data, "csrf": token}
            assert lead.post(take + action, data=form).status_code == 403
    assert lead.post("/logout", data={}).status_code == 403
    with world.team.open() as store:
        assert store.comments(world.mine) == [] and store.overrides(world.mine) == []
        assert store.get(world.mine).reviewed_at is None


# -- who sees what ----------------------------------------------------------------------------


def test_a_rep_sees_only_their_own_takes_and_audio(world: World, server: LiveServer) -> None:
    chris = _login(server, REP)
    assert chris.get(f"/takes/{world.theirs}").status_code == 403
    assert chris.get(f"/takes/{world.theirs}/audio").status_code == 403
    assert chris.get(f"/reps/{OTHER}").status_code == 403
    assert chris.get("/team").status_code == 403
    own = chris.get(f"/takes/{world.mine}")
    assert own.status_code == 200 and "comment-form" not in own.text
    audio = chris.get(f"/takes/{world.mine}/audio")
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/ogg"
    assert audio.content[:4] == b"OggS"
    queue = chris.get("/").text
    assert f"Take {world.mine}<" in queue and f"Take {world.theirs}<" not in queue
    # a rep does not review, even their own take
    refused = _post(chris, f"/takes/{world.mine}", f"/takes/{world.mine}/reviewed")
    assert refused.status_code == 403
    assert chris.get(f"/reps/{REP}").status_code == 200
    assert chris.get("/takes/999999").status_code == 404


def test_a_lead_sees_their_team_and_an_admin_everyone(world: World, server: LiveServer) -> None:
    lee = _login(server, LEAD)
    queue = lee.get("/").text
    assert f"Take {world.mine}<" in queue and f"Take {world.theirs}<" not in queue
    assert lee.get(f"/takes/{world.theirs}").status_code == 403
    assert lee.get(f"/takes/{world.theirs}/audio").status_code == 403
    assert lee.get(f"/reps/{OTHER}").status_code == 403
    rep_page = lee.get(f"/reps/{REP}")
    assert rep_page.status_code == 200 and "Check pass rates" in rep_page.text
    assert '<svg class="chart"' in rep_page.text
    team_page = lee.get("/team").text
    assert REP in team_page and OTHER not in team_page

    eve = _login(server, EAST_LEAD)
    assert eve.get(f"/takes/{world.mine}").status_code == 403
    assert eve.get(f"/takes/{world.theirs}").status_code == 200

    ada = _login(server, ADMIN)
    queue = ada.get("/").text
    assert f"Take {world.mine}<" in queue and f"Take {world.theirs}<" in queue
    team_page = ada.get("/team").text
    assert REP in team_page and OTHER in team_page


def test_a_leads_review_through_the_pages_is_kept_with_the_lead_as_author(
    world: World,
    server: LiveServer,
) -> None:
    lee = _login(server, LEAD)
    take = f"/takes/{world.mine}"
    bad_time = _post(lee, take, take + "/comment", text="Too late", at="99:00")
    assert bad_time.status_code == 400 and "past the end" in bad_time.text
    unknown = _post(lee, take, take + "/override", check="nope", status="pass", reason="x")
    assert unknown.status_code == 400 and "no check &#39;nope&#39;" in unknown.text
    no_reason = _post(lee, take, take + "/override", check="hook", status="pass", reason=" ")
    assert no_reason.status_code == 400
    control = _post(lee, take, take + "/comment", text="beep\x07", at="")
    assert control.status_code == 400 and "control character" in control.text
    with world.team.open() as store:
        assert store.get(world.mine).reviewed_at is None

    said = _post(lee, take, take + "/comment", text="Slow down\r\non the number", at="12")
    assert said.status_code == 303
    judged = _post(lee, take, take + "/override", check="hook", status="fail", reason="Vague")
    assert judged.status_code == 303
    with world.team.open() as store:
        (comment,) = store.comments(world.mine)
        assert (comment.text, comment.at_s, comment.author) == (
            "Slow down\non the number",
            12.0,
            LEAD,
        )
        (verdict,) = store.overrides(world.mine)
        assert (verdict.check_id, verdict.status, verdict.author) == ("hook", "fail", LEAD)
        assert store.get(world.mine).reviewed_at is not None
    page = lee.get(take).text
    assert "0:12" in page and "Override by Lee Lead" in page
    assert f"Take {world.mine}<" not in lee.get("/").text  # reviewed: off the queue


# -- escaping and headers -------------------------------------------------------------------


def test_every_page_shows_injected_markup_as_text(
    team: Team,
    server: LiveServer,
    rep_store: Path,
    fixtures_dir: Path,
    tmp_path: Path,
) -> None:
    hostile = team.add(HOSTILE_NAME, team="west")
    team.add(LEAD, role="lead", team="west")
    _passwd(team, LEAD, tmp_path)
    _profile(f"http://127.0.0.1:{_free_port()}", hostile)
    session, _ = _take(rep_store, fixtures_dir, HOSTILE_TEXT)
    pushed = _put(
        server.url, hostile, f"/api/v1/sessions/{session.uid}", json=session_item(session)
    )
    assert pushed.status_code == 201, pushed.text
    take_id = _take_id(team, session.uid)
    lee = _login(server, LEAD)
    take = f"/takes/{take_id}"
    queue = lee.get("/")  # before the review: the take is on it
    assert f"Take {take_id}<" in queue.text
    said = _post(lee, take, take + "/comment", text=f"{SCRIPT} {IMG} {JS_URL}")
    assert said.status_code == 303
    judged = _post(lee, take, take + "/override", check="hook", status="pass", reason=IMG)
    assert judged.status_code == 303
    from urllib.parse import quote

    pages = {
        "queue": queue,
        "take": lee.get(take),
        "rep": lee.get("/reps/" + quote(HOSTILE_NAME, safe="")),
        "team": lee.get("/team"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, (name, page.text)
        html = page.text
        assert "<script>alert" not in html and "<img src=x" not in html, name
        assert "onerror=alert(1)>" not in html, name
        assert 'href="javascript:' not in html and 'src="javascript:' not in html, name
    take_html = pages["take"].text
    # the rep's name, the transcript's words and the comment, all as text
    assert "&lt;img src=x onerror=alert(1)&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in take_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;" in take_html
    assert ">&lt;script&gt;alert(1)&lt;/script&gt;</span>" in take_html  # a transcript word
    assert JS_URL in take_html
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["team"].text
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["queue"].text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["rep"].text


def test_every_answer_carries_the_security_headers(world: World, server: LiveServer) -> None:
    lee = _login(server, LEAD)
    answers = [
        _client(server).get("/login"),
        lee.get("/"),
        lee.get(f"/takes/{world.mine}"),
        lee.get(f"/takes/{world.mine}/audio"),
        lee.get("/static/coach.js"),
        lee.get("/static/coach.css"),
        lee.get(f"/takes/{world.theirs}"),  # a 403 page
        httpx.get(server.url + "/api/v1/sessions", timeout=10),  # the API's 401
    ]
    for answer in answers:
        csp = answer.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value, (answer.url, name)
    page = lee.get(f"/takes/{world.mine}").text
    assert "<script>" not in page and "<style>" not in page and " style=" not in page
    assert '<script src="/static/coach.js" defer></script>' in page
    assert "http://" not in page and "https://" not in page  # nothing from elsewhere


# -- in a real browser ------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("team", ["sqlite"], indirect=True)
def test_a_lead_reviews_a_take_in_chromium_and_the_rep_syncs_it(
    team: Team,
    server: LiveServer,
    rep_store: Path,
    fixtures_dir: Path,
    tmp_path: Path,
) -> None:
    chris = team.add(REP, team="west")
    team.add(LEAD, role="lead", team="west")
    _passwd(team, LEAD, tmp_path)
    _profile(server.url, chris)
    mine, _ = _take(rep_store, fixtures_dir, audio="bench_30s.flac")  # pushed as it is saved
    take_id = _take_id(team, mine.uid)
    shots = tmp_path / "shots"
    shots.mkdir()

    with _chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(server.url + "/")
        assert page.url.endswith("/login")
        page.fill("input[name=name]", LEAD)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/")
        page.click(f"text=Take {take_id}")
        page.wait_for_url(f"{server.url}/takes/{take_id}")

        # it plays: the promise resolves and the time moves on (after a click on the page,
        # as a person's, which lets a page play sound)
        page.click("h1")
        played = page.evaluate(
            "() => document.querySelector('audio').play().then(() => true, e => String(e))"
        )
        assert played is True, played
        page.wait_for_function("() => document.querySelector('audio').currentTime > 0.3")
        page.evaluate("document.querySelector('audio').pause()")

        # a click on a word seeks there
        word = page.locator(".transcript .w").nth(10)
        start = float(word.get_attribute("data-t") or "nan")
        assert start > 1.5  # far from where the player stopped: a jump, not drift
        word.click()
        page.wait_for_function(
            f"() => Math.abs(document.querySelector('audio').currentTime - {start}) < 0.5"
        )

        # comment at 0:12: the player at 12 s, paused; the form takes the player's time
        page.evaluate(
            "() => { const a = document.querySelector('audio'); a.pause(); a.currentTime = 12; }"
        )
        page.wait_for_function("() => !document.querySelector('audio').seeking")
        page.click("#now")
        assert page.input_value("#at") == "12.0"
        page.fill("#comment-form textarea", "Slow down on the number")
        page.click("#comment-form button[type=submit]")
        page.wait_for_url(f"{server.url}/takes/{take_id}#comments")
        assert page.locator(".comments a.seek").first.inner_text() == "0:12"

        page.select_option("#override-form select[name=check]", "hook")
        page.select_option("#override-form select[name=status]", "fail")
        page.fill("#override-form input[name=reason]", "No proof for Acme")
        page.click("#override-form button[type=submit]")
        page.wait_for_url(f"{server.url}/takes/{take_id}#checks")
        assert "Override by Lee Lead" in page.content()

        page.click("#reviewed-form button")
        page.wait_for_load_state()
        assert page.inner_text("#reviewed").startswith("reviewed ")

        wide = shots / "take-1280.png"
        page.screenshot(path=str(wide), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        narrow = shots / "take-390.png"
        page.screenshot(path=str(narrow), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
        assert problems == [], problems
        context.close()
    assert wide.stat().st_size > 10_000 and narrow.stat().st_size > 10_000

    synced = _cli("sync", "--store", rep_store)
    assert synced.exit_code == 0 and "reviews 2" in synced.stdout, synced.output
    listed = json.loads(_cli("sessions", "--store", rep_store, "--json").stdout)
    (row,) = [r for r in listed["sessions"] if r["uid"] == mine.uid]
    assert row["reviewed_at"] and row["comments"] == 1


def test_the_login_limiter_forgets_failures_after_its_window() -> None:
    from coach.views.web import LOGIN_FAILURES, LOGIN_WINDOW_S, LoginLimiter

    limiter = LoginLimiter()
    key = ("lee lead", "10.0.0.7")
    for i in range(LOGIN_FAILURES):
        assert not limiter.blocked(key, 100.0 + i)
        limiter.fail(key, 100.0 + i)
    assert limiter.blocked(key, 110.0)
    assert not limiter.blocked(("lee lead", "10.0.0.8"), 110.0)  # another address
    assert limiter.blocked(key, 100.0 + LOGIN_WINDOW_S - 1)
    assert not limiter.blocked(key, 104.0 + LOGIN_WINDOW_S)  # every failure now older
    limiter.fail(key, 1000.0)
    limiter.clear(key)
    assert not limiter.blocked(key, 1000.0) and limiter.failures == {}
