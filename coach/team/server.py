"""The team server's HTTP API (``coach serve``): reps push saved takes, reviews go back.

The lead's review pages (log in, the queue, a take, a rep, the team) are
routes of the same app, given as ``pages`` (:func:`coach.views.web.make_site`);
every answer carries :data:`HEADERS`.

A Starlette app over one store (a PostgreSQL URL for a team; a SQLite file
works too), JSON in and out, version-prefixed:

``PUT /api/v1/sessions/{uid}``
    A rep pushes one saved session: its bundle entry (``coach.bundle/1``'s
    session object, checked by the same schemas as an imported bundle) with
    ``audio`` null, no comments, no overrides and ``reviewed_at`` null.  The
    server sets ``rep`` to the pushing user's name.  201 when new, 200 with
    the server's view when the uid is there already (nothing is added twice).
``PUT /api/v1/sessions/{uid}/audio``
    Its audio, as the body: Ogg Opus (``audio/ogg``), decoded through before it
    is kept as ``audio/<id>.ogg``.  201 when kept, 200 when the session had audio.
``GET /api/v1/sessions``
    What the caller may see of the sessions: a rep their own, a lead their
    team's reps', an admin all (the server's view of each, no report).
``GET /api/v1/reviews?since=ISO``
    The reviews (``reviewed_at``, comments, overrides) of the caller's own
    sessions reviewed or commented since then; ``until`` is the server's time
    to ask from next.

Every request carries ``Authorization: Bearer <token>``.  401 without a
token, or with one unknown or revoked; 403 for what the role may not do (only
reps push, and only as themselves); 413 for a body over its cap.  Errors are
``{"error": "one line"}``.  The store is opened per request (the store's
connection is not shared between threads), and the work runs in Starlette's
thread pool, off the event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.errors import AudioError, CoachError
from coach.team import bundle_format as fmt
from coach.team import schema
from coach.team.accounts import token_hash

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import BaseRoute
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from coach.team.store import Session, Store, User

#: API version prefix
PREFIX = "/api/v1"
#: the biggest session body, bytes (a report is ~10–30 kB; a long transcript more)
MAX_SESSION_BYTES = 4 * 2**20
#: the biggest audio body, bytes: 15 minutes of Opus at 20 kbit/s is ~2.3 MB
MAX_AUDIO_BYTES = 16 * 2**20
#: the longest take kept, seconds (coach record and score cap takes well below this)
MAX_AUDIO_SECONDS = 3600.0
#: only this origin's script, style and media; no frames, no plugins, forms post here only
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; media-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
#: on every answer of the server (pages, static files, the API)
HEADERS = {
    "content-security-policy": POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


class ApiError(Exception):
    """An answer other than success: its HTTP status and one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def make_app(
    location: str | Path,
    *,
    audio_dir: str | Path | None = None,
    pages: Callable[[Callable[[], Store]], list[BaseRoute]] | None = None,
) -> Starlette:
    """The API over the store at ``location`` (opened per request; checked once here).

    ``pages`` makes more routes over the same store (the review pages).

    Raises
    ------
    StoreError
        The store cannot be opened (it is opened once here, so ``coach serve``
        fails at start rather than on the first request).
    """
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from coach.team.store import Store

    Store(location, audio_dir=audio_dir).close()

    def store() -> Store:
        return Store(location, audio_dir=audio_dir)

    def endpoint(
        work: Callable[[Request], Awaitable[tuple[int, Any]]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            try:
                status, body = await work(request)
            except ApiError as exc:
                return _error(exc.status, exc.message)
            except CoachError as exc:  # the store: unreachable, full, locked
                return _error(503, str(exc))
            return JSONResponse(body, status_code=status)

        return handle

    async def put_session(request: Request) -> tuple[int, Any]:
        from starlette.concurrency import run_in_threadpool

        token = _bearer(request)
        raw = await _body(request, MAX_SESSION_BYTES, "session")
        uid = request.path_params["uid"]
        return await run_in_threadpool(_put_session, store, token, uid, raw)

    async def put_audio(request: Request) -> tuple[int, Any]:
        from starlette.concurrency import run_in_threadpool

        token = _bearer(request)
        raw = await _body(request, MAX_AUDIO_BYTES, "audio")
        uid = request.path_params["uid"]
        return await run_in_threadpool(_put_audio, store, token, uid, raw)

    async def get_reviews(request: Request) -> tuple[int, Any]:
        from starlette.concurrency import run_in_threadpool

        token = _bearer(request)
        since = request.query_params.get("since")
        return await run_in_threadpool(_get_reviews, store, token, since)

    async def get_sessions(request: Request) -> tuple[int, Any]:
        from starlette.concurrency import run_in_threadpool

        token = _bearer(request)
        return await run_in_threadpool(_get_sessions, store, token)

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "server error"
        return _error(status, f"{detail}: {request.method} {request.url.path}")

    routes: list[BaseRoute] = [
        Route(f"{PREFIX}/sessions/{{uid}}", endpoint(put_session), methods=["PUT"]),
        Route(f"{PREFIX}/sessions/{{uid}}/audio", endpoint(put_audio), methods=["PUT"]),
        Route(f"{PREFIX}/reviews", endpoint(get_reviews), methods=["GET"]),
        Route(f"{PREFIX}/sessions", endpoint(get_sessions), methods=["GET"]),
    ]
    from starlette.middleware import Middleware

    if pages is not None:
        routes += pages(store)
    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: not_found},
        middleware=[Middleware(SecurityHeaders)],
    )


class SecurityHeaders:
    """ASGI middleware: :data:`HEADERS` on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in names
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error(status: int, message: str) -> Response:
    from starlette.responses import JSONResponse

    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": " ".join(message.split())}, status_code=status, headers=headers)


def _bearer(request: Request) -> str:
    """The request's token (not checked yet: that needs the store)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "no API token — send Authorization: Bearer <token>")
    return token.strip()


async def _body(request: Request, cap: int, what: str) -> bytes:
    """The request body, refusing more than ``cap`` bytes whatever Content-Length says."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise ApiError(413, f"the {what} is {declared} bytes, over the {cap} allowed")
    from starlette.requests import ClientDisconnect

    chunks = []
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > cap:
                raise ApiError(413, f"the {what} is over the {cap} bytes allowed")
            chunks.append(chunk)
    except ClientDisconnect:
        # The connection dropped mid-body (a laptop's Wi-Fi): nothing is kept, the rep's
        # coach sync sends it again; no answer reaches anyone, and no traceback is logged.
        raise ApiError(400, f"the {what} did not arrive whole") from None
    return b"".join(chunks)


def _user(store: Store, token: str) -> User:
    user = store.user_by_token(token_hash(token))
    if user is None:
        raise ApiError(401, "the API token is unknown or revoked — ask for a new one")
    return user


def _pusher(store: Store, token: str) -> User:
    user = _user(store, token)
    if user.role != "rep":
        raise ApiError(403, f"{user.name} is a {user.role}: only reps push takes")
    return user


def _own(store: Store, user: User, uid: str) -> Session:
    session = store.by_uid(uid)
    if session is None:
        raise ApiError(404, f"no session {uid} on the server — push the session first")
    if session.rep != user.name:
        raise ApiError(403, f"session {uid} is another rep's")
    return session


def _view(session: Session) -> dict[str, Any]:
    """What the server holds of a session."""
    return {
        "uid": session.uid,
        "rep": session.rep,
        "created_at": session.created_at,
        "score": session.score,
        "audio": session.audio_path is not None,
    }


def _put_session(opener: Callable[[], Store], token: str, uid: str, raw: bytes) -> tuple[int, Any]:
    from coach.team.store import Adoption

    try:
        body = fmt.parse_manifest(raw)
    except fmt.Problem as exc:
        raise ApiError(400, str(exc).replace(fmt.MANIFEST, "the body")) from None
    if not isinstance(body, dict):
        raise ApiError(422, "the body is not a session object (coach.bundle/1's session entry)")
    if body.get("uid") != uid:
        raise ApiError(422, f"the body's uid is not {uid!r}, the one in the path")
    if body.get("comments") or body.get("overrides") or body.get("reviewed_at") is not None:
        raise ApiError(422, "a rep pushes a take, not a review: comments and overrides empty")
    if body.get("audio") is not None:
        raise ApiError(422, "audio goes in its own request: PUT …/audio; give audio null")
    try:
        entry = fmt.check_session(body, "the session")
    except fmt.Problem as exc:
        raise ApiError(422, str(exc)) from None
    with opener() as store:
        user = _pusher(store, token)
        fields = {**entry.fields, "rep": user.name, "reviewed_at": None}
        # adopt adds nothing twice, also when two pushes of one uid race: it says which added it
        [(new, _)] = store.adopt([Adoption(fields=fields, audio=None, comments=[], overrides=[])])
        session = _own(store, user, uid)
        return (201 if new else 200), _view(session)


def _put_audio(opener: Callable[[], Store], token: str, uid: str, raw: bytes) -> tuple[int, Any]:
    from coach.speech.codec import opus_seconds

    with opener() as store:
        user = _pusher(store, token)
        session = _own(store, user, uid)
        if session.audio_path is not None:
            return 200, _view(session)
        try:
            opus_seconds(raw, max_seconds=MAX_AUDIO_SECONDS)
        except AudioError as exc:
            raise ApiError(415, f"{exc} — send the take as Ogg Opus") from None

        def write(path: Path) -> None:
            path.write_bytes(raw)

        added = store.attach_audio(session.id, write, ext="ogg")
        return (201 if added else 200), _view(store.get(session.id))


def _get_reviews(opener: Callable[[], Store], token: str, since: str | None) -> tuple[int, Any]:
    after: str | None = None
    if since is not None:
        try:
            when = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, f"since={since!r} is not an ISO time") from None
        if when.tzinfo is None:
            raise ApiError(400, f"since={since!r} has no time zone — e.g. 2026-03-01T09:00:00Z")
        after = schema.iso(when)
    with opener() as store:
        user = _user(store, token)
        # Taken before reading: whatever is added meanwhile comes next time.
        until = schema.iso(datetime.now(UTC).replace(microsecond=0))
        reviews = store.reviews_of(user.name, since=after)
    return 200, {"schema": "coach.reviews/1", "until": until, "reviews": reviews}


def _get_sessions(opener: Callable[[], Store], token: str) -> tuple[int, Any]:
    """The sessions the caller may see (a rep their own, a lead their team's, an admin all)."""
    with opener() as store:
        user = _user(store, token)
        sessions = store.visible_to(user)
    return 200, {"schema": "coach.team-sessions/1", "sessions": [_view(s) for s in sessions]}
