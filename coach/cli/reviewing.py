"""``coach review``: a team lead's pass over the team's saved takes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from coach.cli.common import _reading
from coach.cli.options import CoachCommand, RepFilterOpt, ReviewJsonOpt, StoreOpt
from coach.cli.output import err, out, write_json
from coach.cli.sessions import sessions_table, show_session
from coach.errors import CoachError

if TYPE_CHECKING:
    from pathlib import Path

    from coach.team.store import Session, Store

app = typer.Typer()


@app.command(cls=CoachCommand)
def review(
    session_id: Annotated[
        int | None,
        typer.Argument(
            help="The session to review; without one, lists the queue.", min=1, metavar="ID"
        ),
    ] = None,
    comment: Annotated[
        str | None, typer.Option("--comment", "-c", help="A comment on the take.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="M:SS",
            help="Pin the comment to a moment in the take (m:ss, e.g. 0:12).",
        ),
    ] = None,
    override: Annotated[
        list[str] | None,
        typer.Option(
            "--override",
            metavar="CHECK=STATUS",
            help="Your verdict on a check, CHECK=pass|warn|fail (repeatable); needs --reason.",
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why you overrode the coach.")
    ] = None,
    done: Annotated[
        bool, typer.Option("--done", help="Mark the take reviewed without a comment.")
    ] = False,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Your name on the review [default: your profile's name]."),
    ] = None,
    play: Annotated[
        bool,
        typer.Option("--play", help="Then play the take from the start (Ctrl-C stops)."),
    ] = False,
    play_comment: Annotated[
        int | None,
        typer.Option(
            "--play-comment",
            min=1,
            metavar="N",
            help="Then play the take from comment N's moment (1: the first comment listed).",
        ),
    ] = None,
    rep: RepFilterOpt = None,
    as_json: ReviewJsonOpt = False,
    store: StoreOpt = None,
) -> None:
    """Review the team's saved takes: comments pinned to a moment, and overrides.

    Without an id, lists sessions with the unreviewed ones first. With an id
    and nothing else, shows the take as reviewed so far. An override replaces
    a check's status and the score is recomputed with it; the report shows it
    as an override, with your reason.

    Example: coach review 12 --comment "Slow down on the number" --at 0:21

    Example: coach review 12 --override hook=pass --reason "The peer name is the hook here"

    To listen, --play plays the take after showing it, --play-comment N from
    the moment of comment N (as listed, 1 the first); Ctrl-C stops.

    Example: coach review 12 --play-comment 1
    """
    changing = bool(comment or at or override or reason or done)
    listen = play or play_comment is not None
    _check_listening(play, play_comment, changing=changing, session_id=session_id)
    with _reading(store, write=changing) as opened:
        if session_id is None:
            if comment or at or override or reason or done:
                raise CoachError("say which session: coach review ID --comment …")
            _queue(opened, rep=rep, as_json=as_json)
            return
        session = opened.get(session_id)
        listening = _listening(opened, session, comment=play_comment) if listen else None
        changed = _record(
            opened,
            session,
            comment=comment,
            at=at,
            override=override or [],
            reason=reason,
            done=done,
            author=by if by is not None else _profile_name(),
        )
        if changed and not as_json and comment is not None and not (override or done):
            # A comment is confirmed in one line: the lead has the take in mind already.
            _confirm_comment(opened, session_id, comment.strip(), at)
            return
        if changed and not as_json:
            err.print(f"Saved the review of session {session_id}.", markup=False)
        show_session(opened, opened.get(session_id), as_json=as_json)
    if listening is not None:
        _play(*listening)


def _confirm_comment(store: Store, session_id: int, text: str, at: str | None) -> None:
    """One line, the comment cut short: ``Saved comment 2 on session 6, at 0:01: “Slow…”``."""
    from rich.text import Text

    from coach.rubric.checks import clock
    from coach.team.review import parse_at

    count = len(store.comments(session_id))
    where = "on the whole take" if at is None else f"at {clock(parse_at(at))}"
    line = Text(
        f"Saved comment {count} on session {session_id}, {where}: “{' '.join(text.split())}”"
    )
    # Given to print, not to the Text: print joins top-level Texts and drops their own.
    out.print(line, no_wrap=True, overflow="ellipsis")


def _record(
    store: Store,
    session: Session,
    *,
    comment: str | None,
    at: str | None,
    override: list[str],
    reason: str | None,
    done: bool,
    author: str,
) -> bool:
    """Validate every part of the review first, then save it; True when something was saved."""
    from coach.cli.common import _user_text
    from coach.team.review import parse_at, parse_override

    _user_text("--comment", comment, name=False)
    _user_text("--reason", reason, name=False)
    _user_text("--by", author)
    if at is not None and comment is None:
        raise CoachError("--at pins a comment: give --comment too")
    at_s = None if at is None else parse_at(at)
    duration = session.report.metrics.duration_s
    if at_s is not None and at_s > duration + 0.5:
        raise CoachError(f"--at {at} is past the end of the take ({duration:.0f} s long)")
    if comment is not None and not comment.strip():
        raise CoachError("--comment is empty")
    known = [c.id for c in session.report.checks]
    verdicts = [parse_override(text, known) for text in override]
    if verdicts and not (reason and reason.strip()):
        raise CoachError("an override needs --reason: say why, for the rep")
    if reason is not None and not verdicts:
        raise CoachError("--reason goes with --override CHECK=STATUS")
    for check_id, status in verdicts:
        store.add_override(session.id, check_id, status, (reason or "").strip(), author=author)
    if comment is not None:
        store.add_comment(session.id, comment.strip(), at_s=at_s, author=author)
    if done and not (verdicts or comment):
        store.mark_reviewed(session.id)
    return bool(verdicts or comment or done)


def _profile_name() -> str:
    from coach.practice.profile import load_profile

    return load_profile().name


def _queue(store: Store, *, rep: str | None, as_json: bool) -> None:
    queue = store.review_queue(rep=rep)
    if as_json:
        payload = {
            "schema": "coach.review-queue/1",
            "store": str(store.where),
            "sessions": [s.summary() for s in queue],
        }
        write_json(payload)
        return
    if not queue:
        out.print(f"Nothing to review in {store.where}.", markup=False, soft_wrap=True)
        return
    waiting = sum(s.reviewed_at is None for s in queue)
    title = f"Review queue — {waiting} of {len(queue)} not reviewed yet"
    out.print(sessions_table(queue, title, reviewed=True))
    out.print(
        'Review one: coach review ID --comment "…" --at 0:12, '
        'or --override CHECK=pass --reason "…"',
        markup=False,
        soft_wrap=True,
    )


# -- listening: --play and --play-comment N ----------------------------------


def _check_listening(
    play: bool, play_comment: int | None, *, changing: bool, session_id: int | None
) -> None:
    if not (play or play_comment is not None):
        return
    if play and play_comment is not None:
        raise CoachError("--play plays from the start, --play-comment N from a comment: give one")
    if session_id is None:
        raise CoachError("say which session: coach review ID --play")
    if changing:
        raise CoachError("--play and --play-comment go alone: review first, then listen")


def _listening(store: Store, session: Session, *, comment: int | None) -> tuple[Path, float, str]:
    """What to play (checked before anything is shown): the audio, from where, and what it is."""
    from coach.cli.playing import session_audio

    audio = session_audio(session)
    if comment is None:
        return audio, 0.0, f"session {session.id}"
    comments = store.comments(session.id)
    if comment > len(comments):
        have = (
            "no comments"
            if not comments
            else f"{len(comments)} comment" + "s" * (len(comments) > 1)
        )
        raise CoachError(
            f"--play-comment {comment}: session {session.id} has {have} — see coach review "
            f"{session.id}"
        )
    chosen = comments[comment - 1]
    start_s = chosen.at_s or 0.0  # a whole-take comment: from the start
    text = " ".join(chosen.text.split())
    about = text if len(text) <= 60 else text[:59].rstrip() + "…"
    return audio, start_s, f"session {session.id} (comment {comment}: {about})"


def _play(audio: Path, start_s: float, what: str) -> None:
    from coach.cli.playing import play_take
    from coach.rubric.checks import clock

    # clamp: a comment may be pinned up to 0.5 s past the end; its last second plays then
    stopped = play_take(audio, start_s=start_s, what=what, clamp=True)
    if stopped is not None:
        err.print(f"Stopped at {clock(stopped)}.", markup=False)
