"""coach sessions: the saved practice takes — list, show, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from coach.cli.common import _emit, _reading, _since_day
from coach.cli.options import (
    CoachCommand,
    CoachGroup,
    MinScoreOpt,
    RepFilterOpt,
    SessionJsonOpt,
    SinceOpt,
    StoreOpt,
    TouchFilterOpt,
)
from coach.cli.output import out, write_json

if TYPE_CHECKING:
    from rich.table import Table

    from coach.team.store import Session, Store


app = typer.Typer(cls=CoachGroup, invoke_without_command=True)

SessionIdArg = Annotated[
    int, typer.Argument(metavar="ID", help="A session id from coach sessions.", show_default=False)
]


@app.callback()
def sessions_cmd(
    ctx: typer.Context,
    rep: RepFilterOpt = None,
    touch: TouchFilterOpt = None,
    since: SinceOpt = None,
    min_score: MinScoreOpt = None,
    prospect: Annotated[
        str | None,
        typer.Option("--prospect", help="Only takes for this prospect (any case)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print coach.sessions/1 JSON instead.")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """List your saved practice takes, newest first: when, rep, card, touch, score, top fix.

    Every take coach score, record and rehearse score is saved (unless
    --no-save) in COACH_HOME/coach.db, with a FLAC copy of its audio beside
    it. Without a subcommand, lists them.

    Example: coach sessions --touch 1 --since 2025-03-01 --min-score 70
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = store
        return

    day = _since_day(since)
    with _reading(store) as opened:
        found = opened.sessions(
            rep=rep, touch=touch, since=day, min_score=min_score, prospect=prospect
        )
        path = opened.path
    if as_json:
        payload = {
            "schema": "coach.sessions/1",
            "store": str(path),
            "sessions": [s.summary() for s in found],
        }
        write_json(payload)
        return
    if not found:
        filtered = any(v is not None for v in (rep, touch, since, min_score, prospect))
        out.print(
            f"No sessions match in {path}."
            if filtered
            else f"No saved sessions yet in {path}. Score a take: coach score take.m4a",
            markup=False,
            soft_wrap=True,
        )
        return
    out.print(sessions_table(found, f"Practice sessions ({len(found)})"))
    out.print("Show one: coach sessions show ID; remove one: coach sessions delete ID")


def sessions_table(sessions: list[Session], title: str, *, reviewed: bool = False) -> Table:
    """Saved takes, one row each; ``reviewed`` adds when a lead reviewed each."""
    from rich.table import Table
    from rich.text import Text

    from coach.views.terminal import score_style

    table = Table(title=title)
    table.add_column("Id", justify="right", no_wrap=True)
    table.add_column("When", no_wrap=True)
    table.add_column("Rep")
    table.add_column("Card")
    table.add_column("Touch", justify="right", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    if reviewed:
        table.add_column("Reviewed", no_wrap=True)
    table.add_column("Top fix", ratio=1)
    for s in sessions:
        touch = "—" if s.touch is None else str(s.touch) + (" sent" if s.sent_at else "")
        row: list[str | Text] = [
            str(s.id),
            _local_time(s.created_at),
            s.rep or "—",
            s.card_id or "—",
            touch,
            Text(str(s.score), style=score_style(s.score)),
        ]
        if reviewed:
            row.append("—" if s.reviewed_at is None else "✔ " + _local_time(s.reviewed_at)[:10])
        fix = s.top_fix if len(s.top_fix) <= 60 else s.top_fix[:59].rstrip() + "…"
        table.add_row(*row, fix or "—")
    return table


def _local_time(created_at: str) -> str:
    """A stored UTC time (``2025-03-01T09:30:00Z``) as local ``2025-03-01 10:30``."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(created_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except (ValueError, OverflowError):  # a time at the calendar's edge: shown as stored
        return created_at


@app.command(cls=CoachCommand, name="show")
def sessions_show(
    ctx: typer.Context,
    session_id: SessionIdArg,
    as_json: SessionJsonOpt = False,
    store: StoreOpt = None,
) -> None:
    """Show a saved take's report, as coach score printed it.

    Example: coach sessions show 12
    """

    with _reading(store or ctx.obj) as opened:
        show_session(opened, opened.get(session_id), as_json=as_json)


def show_session(store: Store, session: Session, *, as_json: bool) -> None:
    """A saved take's report as reviewed (overrides applied), with the lead's comments."""
    from coach.report import to_json
    from coach.views.terminal import comments_view

    report = store.reviewed_report(session)
    comments = store.comments(session.id)
    if as_json:
        payload = to_json(report)
        payload["session"] = session.summary()
        payload["comments"] = [
            {"at_s": c.at_s, "text": c.text, "author": c.author, "created_at": c.created_at}
            for c in comments
        ]
        write_json(payload)
        return
    who = ", ".join(
        v
        for v in (
            session.rep,
            f"card {session.card_id}" if session.card_id else "",
            f"for {session.prospect}" if session.prospect else "",
            f"left {_local_time(session.sent_at)}" if session.sent_at else "",
        )
        if v
    )
    out.print(
        f"Session {session.id} — {_local_time(session.created_at)}" + (f" — {who}" if who else ""),
        markup=False,
        soft_wrap=True,
    )
    if session.audio is not None:
        out.print(f"Audio: {session.audio}", markup=False, soft_wrap=True)
    if report.overrides:
        out.print(
            f"Reviewed score {report.score} (the coach gave {session.report.score})",
            markup=False,
        )
    _emit([report], as_json=False, many=False, details=True)
    if comments:
        out.print(comments_view(comments))


@app.command(cls=CoachCommand, name="delete")
def sessions_delete(
    ctx: typer.Context,
    session_id: SessionIdArg,
    store: StoreOpt = None,
) -> None:
    """Remove a saved take and its audio copy (the original file is left alone).

    Example: coach sessions delete 12
    """
    from coach.team.store import Store

    with Store(store or ctx.obj) as opened:
        session = opened.delete(session_id)
    out.print(f"Deleted session {session.id} ({session.source})", markup=False, soft_wrap=True)
