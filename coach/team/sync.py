"""The rep's side of the team server: push saved takes, pull the reviews of them.

A rep never holds database credentials: their profile names the server's URL
and their API token (``coach profile set --server … --token …``).  Each saved
take is pushed right after it is saved (:func:`push`); one that could not be
is sent by ``coach sync`` (:func:`sync`) later, oldest first.  A session's
``uid`` is its identity on both sides, so pushing twice adds nothing; which
sessions the server has is kept in the rep's store (``pushed_at``).

The audio travels as Ogg Opus at 20 kbit/s (:func:`coach.speech.codec.opus_from_file`
from the stored FLAC: ~50–60 kB for 30 s instead of ~0.35–0.4 MB).  Reviews come
back as the bundle's review items, checked by the same schemas as an
imported bundle before they reach the store.  httpx is the HTTP client,
imported only when a server is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from coach.errors import AudioError, CoachError
from coach.team import bundle_format as fmt
from coach.team import schema

if TYPE_CHECKING:
    import httpx

    from coach.team.store import Session, Store

#: seconds to wait for the server to connect and answer (a take is never held up for long)
TIMEOUT_S = 5.0
#: reviews are asked for from this long before the last pull (idempotent: nothing twice)
OVERLAP = timedelta(minutes=5)
#: the biggest reviews answer read, bytes
MAX_REVIEWS_BYTES = 64 * 2**20


class SyncError(CoachError):
    """The team server cannot be reached, refused the request, or answered nonsense."""


@dataclass(frozen=True)
class Synced:
    """What :func:`sync` did: sessions sent (new there), already there, review items added."""

    sent: int
    already: int
    reviews: int
    left: int
    problem: str | None


def check_server(url: str) -> str:
    """The server's base URL, if it is an http(s) URL with a host (no trailing slash)."""
    from urllib.parse import urlsplit

    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise SyncError(
            f"--server {url!r} is not an http(s) URL of a server — e.g. https://coach.example:8765"
        )
    return url.rstrip("/")


def client(server: str, token: str, *, timeout: float = TIMEOUT_S) -> httpx.Client:
    import httpx

    return httpx.Client(
        base_url=server,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
    )


def session_item(session: Session) -> dict[str, Any]:
    """A session as the server takes it: its bundle entry, without audio or review."""
    item: dict[str, Any] = {name: getattr(session, name) for name in fmt.PLAIN_COLUMNS}
    item["reviewed_at"] = None
    item["report"] = schema_json(session.report_json)
    item["weights"] = None if session.weights_json is None else schema_json(session.weights_json)
    item["audio"] = None
    item["comments"] = []
    item["overrides"] = []
    return item


def schema_json(text: str) -> Any:
    import json

    return json.loads(text)


def push(store: Store, session: Session, http: httpx.Client) -> bool:
    """Send one session and its audio; True when the server did not have it before.

    The session is noted as sent in ``store`` only once the server has it and
    its audio.

    Raises
    ------
    SyncError
        The server cannot be reached or refused it (the line says why).
    """
    from coach.speech.codec import opus_from_file

    opus = None
    if session.audio is not None and session.audio.exists():
        try:
            opus = opus_from_file(session.audio)
        except (AudioError, OSError):
            opus = None  # the server gets the take without audio rather than never
    answer = _call(http, "PUT", f"/api/v1/sessions/{session.uid}", json=session_item(session))
    new = answer.status_code == 201
    view = _json(answer)
    if opus is not None and not view.get("audio"):
        _call(
            http,
            "PUT",
            f"/api/v1/sessions/{session.uid}/audio",
            content=opus,
            headers={"Content-Type": "audio/ogg"},
        )
    store.mark_pushed(session.id)
    return new


def pull_reviews(store: Store, http: httpx.Client, server: str) -> int:
    """Adopt the reviews of this rep's sessions since the last pull; items added."""
    last = store.reviews_until(server)
    params = {}
    if last is not None:
        since = datetime.fromisoformat(last.replace("Z", "+00:00")) - OVERLAP
        params["since"] = schema.iso(since)
    answer = _json(_call(http, "GET", "/api/v1/reviews", params=params))
    reviews, until = _checked_reviews(store, answer)
    added = store.adopt_reviews(reviews)
    store.set_reviews_until(server, until)
    return added


def _checked_reviews(store: Store, answer: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The answer's reviews in the store's shape, each item checked by the bundle's schemas."""
    if answer.get("schema") != "coach.reviews/1" or not isinstance(answer.get("reviews"), list):
        raise SyncError("the team server's reviews are not coach.reviews/1 — upgrade coach")
    try:
        until = schema.iso(schema.convert(answer.get("until"), schema.Time))
    except schema.SchemaError as exc:
        raise SyncError(f"the team server's reviews have a bad 'until' ({exc})") from None
    out = []
    for n, raw in enumerate(answer["reviews"], 1):
        where = f"review {n} from the team server"
        if not isinstance(raw, dict) or set(raw) != {"uid", "reviewed_at", "comments", "overrides"}:
            raise SyncError(f"{where} is not a review object")
        try:
            uid = schema.convert(raw["uid"], schema.Uid)
            reviewed = (
                None
                if raw["reviewed_at"] is None
                else schema.convert(raw["reviewed_at"], schema.Time)
            )
            comments = [schema.convert(c, schema.CommentDoc) for c in raw["comments"]]
            overrides = [schema.convert(o, schema.OverrideDoc) for o in raw["overrides"]]
        except (schema.SchemaError, TypeError) as exc:
            raise SyncError(f"{where}: {exc}") from None
        session = store.by_uid(uid)
        if session is None:
            continue  # deleted here since: its review has nowhere to go
        checks = {c.id for c in session.report.checks}
        for o in overrides:
            if o.check_id not in checks:
                raise SyncError(f"{where}: an override of {o.check_id!r}, not a check of the take")
        out.append(
            {
                "uid": uid,
                "reviewed_at": None if reviewed is None else schema.iso(reviewed),
                "comments": [
                    _times(c, raw_c) for c, raw_c in zip(comments, raw["comments"], strict=True)
                ],
                "overrides": [
                    _times(o, raw_o) for o, raw_o in zip(overrides, raw["overrides"], strict=True)
                ],
            }
        )
    return out, until


def _times(doc: Any, raw: dict[str, Any]) -> dict[str, Any]:
    return {**raw, "created_at": schema.iso(doc.created_at)}


def sync(store: Store, server: str, token: str) -> Synced:
    """Push every unsent session (oldest first), then pull reviews.

    Progress is kept as it goes: a session sent stays sent if a later one
    fails.  A failure stops the run and is returned as ``problem``.
    """
    sent = already = reviews = 0
    pending = store.unpushed()
    problem = None
    with client(server, token) as http:
        try:
            for session in pending:
                if push(store, session, http):
                    sent += 1
                else:
                    already += 1
            reviews = pull_reviews(store, http, server)
        except SyncError as exc:
            problem = str(exc)
    return Synced(
        sent=sent,
        already=already,
        reviews=reviews,
        left=len(pending) - sent - already,
        problem=problem,
    )


def _call(http: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    import httpx

    try:
        answer = http.request(method, path, **kwargs)
    except httpx.TimeoutException:
        raise SyncError(f"{http.base_url} did not answer in {TIMEOUT_S:g} s") from None
    except httpx.TransportError as exc:
        raise SyncError(f"cannot reach {http.base_url}: {exc or type(exc).__name__}") from None
    if answer.status_code in (200, 201):
        return answer
    said = _said(answer)
    if answer.status_code == 401:
        raise SyncError(
            f"the team server refused your token ({said}) — ask your lead for a new one, "
            "then coach profile set --token …"
        )
    raise SyncError(f"the team server answered {answer.status_code}: {said}")


def _said(answer: httpx.Response) -> str:
    """The server's one-line error, or the start of whatever it sent."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        text = body["error"]
    else:
        text = answer.text[:120] or answer.reason_phrase
    return " ".join(schema.CONTROL.sub(" ", text).split())


def _json(answer: httpx.Response) -> dict[str, Any]:
    if len(answer.content) > MAX_REVIEWS_BYTES:
        raise SyncError("the team server's answer is too big")
    try:
        body = answer.json()
    except ValueError:
        raise SyncError(f"the team server's answer is not JSON ({answer.text[:60]!r})") from None
    if not isinstance(body, dict):
        raise SyncError("the team server's answer is not a JSON object")
    return body
