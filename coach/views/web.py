"""The lead's review pages in ``coach serve``: log in, the queue, a take, a rep, the team.

Server-rendered HTML from Jinja2 templates (autoescaped) shipped in the package,
beside one small script and one stylesheet served from ``/static`` — nothing
loads from elsewhere, and the Content-Security-Policy allows only this origin.
The HTML report's pieces are reused as they are (:mod:`coach.views.html`: the
transcript with its findings marked, the checks, the comments, the score chart
and pass rates), they escape every string that came from a person.

Who sees what is the API's rule (:meth:`Store.visible_to`): a rep their own
takes, a lead their team's reps', an admin all; a lead or an admin reviews
(comment, override, mark reviewed) through the store's own methods, so the
rep's ``coach sync`` brings the review back as it brings the CLI's.

Security:

* the login cookie is signed (itsdangerous) with a key made once and kept in
  the store (restarts keep logins), expires after :data:`MAX_AGE_S`, is
  HttpOnly, SameSite=Lax, and Secure when the request came over https; it
  carries a fingerprint of the password hash, so a new password logs out the
  old cookies;
* every form carries the session's CSRF token; a POST without it is a 403;
* :data:`LOGIN_FAILURES` failed logins for one name from one address within
  :data:`LOGIN_WINDOW_S` seconds: 429 until the window passes;
* every answer carries :data:`coach.team.server.HEADERS` (CSP, nosniff, no
  referrer, no frames).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from coach.errors import CoachError

if TYPE_CHECKING:
    from pathlib import Path

    from jinja2 import Environment
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute

    from coach.team.store import Session, Store, User

#: the login cookie's name
COOKIE = "coach_session"
#: how long a login lasts, seconds
MAX_AGE_S = 12 * 3600
#: failed logins for one name from one address …
LOGIN_FAILURES = 5
#: … within this many seconds: further tries get 429 until the oldest failure is this old
LOGIN_WINDOW_S = 300.0
#: (name, address) pairs with recent failures past which the stale ones are swept
MAX_TRACKED = 10_000
#: the biggest form body, bytes
MAX_FORM_BYTES = 64 * 1024
#: the longest comment or reason, characters
MAX_TEXT = 4000
#: the audio files a store keeps, by extension
AUDIO_TYPES = {".ogg": "audio/ogg", ".flac": "audio/flac"}
#: roles that review takes
REVIEWERS = ("lead", "admin")


class Page(Exception):
    """An answer other than the page asked for: its status and one line for the person."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class LoginLimiter:
    """Failed logins per (name, address), forgotten after :data:`LOGIN_WINDOW_S`."""

    failures: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        kept = [t for t in self.failures.get(key, []) if now - t < LOGIN_WINDOW_S]
        if kept:
            self.failures[key] = kept
        else:
            self.failures.pop(key, None)
        return kept

    def blocked(self, key: tuple[str, str], now: float) -> bool:
        with self.lock:
            return len(self._recent(key, now)) >= LOGIN_FAILURES

    def fail(self, key: tuple[str, str], now: float) -> None:
        with self.lock:
            if len(self.failures) >= MAX_TRACKED:  # many names tried: forget the stale ones
                for stale in list(self.failures):
                    self._recent(stale, now)
            self.failures[key] = [*self._recent(key, now), now]

    def clear(self, key: tuple[str, str]) -> None:
        with self.lock:
            self.failures.pop(key, None)


@dataclass
class Visit:
    """One request's login state: the signed cookie's contents and the user it names."""

    data: dict[str, Any]
    user: User | None = None
    changed: bool = False

    @property
    def csrf(self) -> str:
        return str(self.data["csrf"])

    def log_in(self, user: User) -> None:
        # a fresh token at login: a token seen before it is worth nothing after
        self.data = {"csrf": secrets.token_urlsafe(32), "user": user.name, "pw": _print(user)}
        self.user = user
        self.changed = True

    def log_out(self) -> None:
        self.data = {"csrf": secrets.token_urlsafe(32)}
        self.user = None
        self.changed = True


def _print(user: User) -> str:
    """A fingerprint of the user's password hash: a new password ends the old logins."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def asset(name: str) -> str:
    """A file shipped in ``coach/views/static``."""
    return resources.files("coach.views").joinpath("static", name).read_text(encoding="utf-8")


def templates() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("coach.views", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    env.filters["path"] = lambda text: quote(str(text), safe="")
    return env


def make_site(location: str | Path, *, audio_dir: str | Path | None = None) -> Starlette:
    """The team server with its pages: the API (:func:`coach.team.server.make_app`) and these."""
    from coach.team.server import make_app

    return make_app(location, audio_dir=audio_dir, pages=web_routes)


def web_routes(opener: Callable[[], Store]) -> list[BaseRoute]:
    """The pages' routes over the store ``opener`` opens (the key is made here, once)."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer
    from markupsafe import Markup
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import HTMLResponse, RedirectResponse
    from starlette.responses import Response as PlainResponse
    from starlette.routing import Route

    from coach.views.html import CSS

    with opener() as store:
        key = store.server_key("session", lambda: secrets.token_urlsafe(48))
    signer = URLSafeTimedSerializer(key, salt="coach.session")
    env = templates()
    limiter = LoginLimiter()
    script = asset("coach.js")
    style = CSS + asset("web.css")

    def visit_of(request: Request, store: Store) -> Visit:
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = signer.loads(raw, max_age=MAX_AGE_S)
            except BadSignature:
                data = None
            if isinstance(data, dict) and isinstance(data.get("csrf"), str):
                visit = Visit(data)
                name = data.get("user")
                if isinstance(name, str):
                    user = store.user(name)
                    if (
                        user is not None
                        and user.password_hash
                        and hmac.compare_digest(str(data.get("pw", "")), _print(user))
                    ):
                        visit.user = user
                    else:
                        visit.log_out()
                return visit
        return Visit({"csrf": secrets.token_urlsafe(32)}, changed=True)

    def render(visit: Visit, template: str, code: int = 200, **context: Any) -> Response:
        page = env.get_template(template).render(user=visit.user, csrf=visit.csrf, **context)
        return HTMLResponse(page, status_code=code)

    Handler = Callable[["Request", "Store", Visit, dict[str, str]], "Response"]

    def page(work: Handler, *, login: bool = True) -> Callable[[Request], Awaitable[Response]]:
        """A route: reads the form of a POST, checks its CSRF token, runs ``work`` off the loop."""

        async def handle(request: Request) -> Response:
            form: dict[str, str] = {}
            if request.method == "POST":
                from starlette.requests import ClientDisconnect

                body = b""
                try:
                    async for chunk in request.stream():
                        body += chunk
                        if len(body) > MAX_FORM_BYTES:
                            return _plain(413, "the form is too big")
                except ClientDisconnect:  # the browser went away mid-form: nothing to answer
                    return _plain(400, "the form did not arrive whole")
                form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            return await run_in_threadpool(run, request, form)

        def run(request: Request, form: dict[str, str]) -> Response:
            try:
                with opener() as store:
                    visit = visit_of(request, store)
                    try:
                        if request.method == "POST" and not hmac.compare_digest(
                            form.get("csrf", "").encode(), visit.csrf.encode()
                        ):
                            raise Page(
                                403,
                                "this form's security token is missing or stale — "
                                "reload the page and send it again",
                            )
                        if login and visit.user is None:
                            response: Response = RedirectResponse("/login", status_code=303)
                        else:
                            response = work(request, store, visit, form)
                    except Page as exc:
                        response = render(
                            visit, "error.html", exc.status, status=exc.status, message=exc.message
                        )
            except CoachError as exc:  # the store: unreachable, locked, full
                return _plain(503, str(exc))
            if visit.changed:
                response.set_cookie(
                    COOKIE,
                    signer.dumps(visit.data),
                    max_age=MAX_AGE_S,
                    path="/",
                    httponly=True,
                    samesite="lax",
                    secure=request.url.scheme == "https",
                )
            response.headers["cache-control"] = "no-store"
            return response

        return handle

    # -- logging in and out ----------------------------------------------------------

    def login_form(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        if visit.user is not None:
            return RedirectResponse("/", status_code=303)
        return render(visit, "login.html", name="", message="")

    def login(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        name = form.get("name", "").strip()
        password = form.get("password", "")
        address = request.client.host if request.client else ""
        key = (name.casefold(), address)
        now = time.monotonic()
        if limiter.blocked(key, now):
            minutes = round(LOGIN_WINDOW_S / 60)
            raise Page(
                429,
                f"too many failed logins for this name from your address — "
                f"wait {minutes} minutes and try again",
            )
        from coach.team.accounts import password_matches

        user = store.user(name) if name else None
        if user is not None and not user.password_hash:
            return render(
                visit,
                "login.html",
                401,
                name=name,
                message=f"{user.name} has no password yet — an admin sets one: "
                f"coach users passwd {user.name!r} --password-file FILE",
            )
        if user is None or not password_matches(user.password_hash, password):
            limiter.fail(key, now)
            return render(visit, "login.html", 401, name=name, message="wrong name or password")
        limiter.clear(key)
        visit.log_in(user)
        return RedirectResponse("/", status_code=303)

    def logout(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        visit.log_out()
        return RedirectResponse("/login", status_code=303)

    # -- pages -------------------------------------------------------------------------

    def queue(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        assert visit.user is not None
        sessions = [s for s in store.visible_to(visit.user) if s.reviewed_at is None]
        return render(visit, "queue.html", sessions=sessions, day=_day)

    def take(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        from coach.views.html import checks_html, comments_html, transcript_html

        # Markup: html.py's pieces escape every string that came from a person
        session = _visible_take(store, visit, request)
        report = store.reviewed_report(session)
        comments = store.comments(session.id)
        return render(
            visit,
            "take.html",
            session=session,
            report=report,
            day=_day,
            reviewer=visit.user is not None and visit.user.role in REVIEWERS,
            transcript=Markup(transcript_html(report)),
            checks=Markup(checks_html(report)),
            comments=Markup(comments_html(comments, take_id=session.id)),
        )

    def audio(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        from starlette.responses import FileResponse

        session = _visible_take(store, visit, request)
        path = session.audio
        if path is None or not path.is_file():
            raise Page(404, f"take {session.id} has no audio on the server")
        return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix, "audio/ogg"))

    def comment(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        from coach.team.review import ReviewError, parse_at

        session = _reviewed_take(store, visit, request)
        text = _text(form, "text", "the comment")
        at = form.get("at", "").strip()
        at_s: float | None = None
        if at:
            try:
                at_s = parse_at(at)
            except ReviewError:
                raise Page(400, f"{at!r} is not a time in the take — e.g. 12 or 0:12") from None
            duration = session.report.metrics.duration_s
            if at_s > duration + 0.5:
                raise Page(400, f"{at} is past the end of the take ({duration:.0f} s long)")
        assert visit.user is not None
        store.add_comment(session.id, text, at_s=at_s, author=visit.user.name)
        return RedirectResponse(f"/takes/{session.id}#comments", status_code=303)

    def override(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        from coach.team.review import ReviewError, parse_override

        session = _reviewed_take(store, visit, request)
        known = [c.id for c in session.report.checks]
        try:
            check_id, status = parse_override(
                f"{form.get('check', '')}={form.get('status', '')}", known
            )
        except ReviewError as exc:
            raise Page(400, str(exc).replace("--override ", "the override ")) from None
        reason = _text(form, "reason", "the reason")
        assert visit.user is not None
        store.add_override(session.id, check_id, status, reason, author=visit.user.name)
        return RedirectResponse(f"/takes/{session.id}#checks", status_code=303)

    def reviewed(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        session = _reviewed_take(store, visit, request)
        store.mark_reviewed(session.id)
        return RedirectResponse(f"/takes/{session.id}", status_code=303)

    def rep_page(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        from coach.team.progress import Entry, team_progress
        from coach.views.html import rep_check_table, score_chart, score_trend_html

        assert visit.user is not None
        name = request.path_params["name"]
        rep = store.user(name)
        if rep is None or rep.role != "rep" or not _may_see_rep(visit.user, rep):
            raise Page(403, "that rep is not one you may see")
        sessions = [s for s in store.visible_to(visit.user) if s.rep == rep.name]
        entries = [Entry.of(s, store.reviewed_report(s)) for s in sessions]
        progress = team_progress(entries) if entries else None
        return render(
            visit,
            "rep.html",
            rep=rep,
            sessions=sessions,
            day=_day,
            trend=Markup(score_trend_html(progress.reps[0])) if progress else "",
            chart=Markup(score_chart(progress.reps)) if progress else "",
            rates=Markup(rep_check_table(progress)) if progress else "",
        )

    def team_page(request: Request, store: Store, visit: Visit, form: dict[str, str]) -> Response:
        user = visit.user
        assert user is not None
        if user.role not in REVIEWERS:
            raise Page(403, "the team page is for leads — your takes are on the queue page")
        reps = [u for u in store.users() if u.role == "rep" and _may_see_rep(user, u)]
        sessions = store.visible_to(user)
        rows = []
        for rep in reps:
            theirs = [s for s in sessions if s.rep == rep.name]
            rows.append(
                {
                    "rep": rep,
                    "takes": len(theirs),
                    "unreviewed": sum(s.reviewed_at is None for s in theirs),
                    "latest": _day(theirs[0].created_at) if theirs else "",
                }
            )
        return render(visit, "team.html", rows=rows)

    async def static_js(request: Request) -> Response:
        return PlainResponse(script, media_type="text/javascript")

    async def static_css(request: Request) -> Response:
        return PlainResponse(style, media_type="text/css")

    return [
        Route("/login", page(login_form, login=False), methods=["GET"]),
        Route("/login", page(login, login=False), methods=["POST"]),
        Route("/logout", page(logout, login=False), methods=["POST"]),
        Route("/", page(queue), methods=["GET"]),
        Route("/takes/{id:int}", page(take), methods=["GET"]),
        Route("/takes/{id:int}/audio", page(audio), methods=["GET"]),
        Route("/takes/{id:int}/comment", page(comment), methods=["POST"]),
        Route("/takes/{id:int}/override", page(override), methods=["POST"]),
        Route("/takes/{id:int}/reviewed", page(reviewed), methods=["POST"]),
        Route("/reps/{name:path}", page(rep_page), methods=["GET"]),
        Route("/team", page(team_page), methods=["GET"]),
        Route("/static/coach.js", static_js, methods=["GET"]),
        Route("/static/coach.css", static_css, methods=["GET"]),
    ]


def _plain(status: int, message: str) -> Response:
    from starlette.responses import PlainTextResponse

    return PlainTextResponse(" ".join(message.split()) + "\n", status_code=status)


def _day(created_at: str) -> str:
    from coach.team.progress import parse_time

    return parse_time(created_at).strftime("%Y-%m-%d %H:%M UTC")


def _may_see_rep(user: User, rep: User) -> bool:
    """The rule of :meth:`Store.visible_to`: a rep themself, a lead their team's reps, an admin."""
    if user.role == "admin":
        return True
    if user.role == "lead":
        return rep.role == "rep" and rep.team == user.team
    return rep.name == user.name


def _visible_take(store: Store, visit: Visit, request: Request) -> Session:
    from coach.team.store import StoreError

    assert visit.user is not None
    take_id = int(request.path_params["id"])
    try:
        session = store.get(take_id)
    except StoreError:
        raise Page(404, f"no take {take_id} on this server") from None
    rep = store.user(session.rep)
    may = (
        visit.user.role == "admin"
        if rep is None or rep.name != session.rep
        else _may_see_rep(visit.user, rep)
    )
    if not may:
        raise Page(403, f"take {take_id} is not one you may see")
    return session


def _reviewed_take(store: Store, visit: Visit, request: Request) -> Session:
    session = _visible_take(store, visit, request)
    assert visit.user is not None
    if visit.user.role not in REVIEWERS:
        raise Page(403, "only a lead or an admin reviews takes")
    return session


def _text(form: dict[str, str], name: str, what: str) -> str:
    from coach.team.schema import CONTROL

    text = form.get(name, "").replace("\r\n", "\n").strip()
    if not text:
        raise Page(400, f"{what} is empty — write one")
    if len(text) > MAX_TEXT:
        raise Page(400, f"{what} is over {MAX_TEXT} characters")
    if CONTROL.search(text.replace("\n", "").replace("\t", "")):
        raise Page(400, f"{what} has a control character — type it as plain text")
    return text
