"""coach sessions: the saved practice takes — list, show, delete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from coach.cli.common import _emit, _reading, _since_day
from coach.cli.options import (
    FILTERS,
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
    from rich.text import Text

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
        typer.Option(
            "--prospect", help="Only takes for this prospect (any case).", rich_help_panel=FILTERS
        ),
    ] = None,
    reviewed: Annotated[
        bool | None,
        typer.Option(
            "--reviewed/--unreviewed",
            help="Only the takes a lead reviewed, or only those not reviewed yet.",
            rich_help_panel=FILTERS,
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print coach.sessions/1 JSON instead.")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """List your saved practice takes, newest first: when, rep, card, touch, score,
    whether a lead reviewed it and how many comments they left, top fix.

    Every take coach score, record and rehearse score is saved (unless
    --no-save) in COACH_HOME/coach.db, with a FLAC copy of its audio beside
    it. Without a subcommand, lists them.

    Example: coach sessions --touch 1 --since 2025-03-01 --min-score 70

    Example: coach sessions --reviewed
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj = store
        return

    day = _since_day(since)
    with _reading(store) as opened:
        found = opened.sessions(
            rep=rep,
            touch=touch,
            since=day,
            min_score=min_score,
            prospect=prospect,
            reviewed=reviewed,
        )
        comments = opened.comment_counts()
        path = opened.where
    if as_json:
        payload = {
            "schema": "coach.sessions/1",
            "store": str(path),
            # "comments" added in #16: how many comments a lead left on the take
            "sessions": [{**s.summary(), "comments": comments.get(s.id, 0)} for s in found],
        }
        write_json(payload)
        return
    if not found:
        filtered = any(v is not None for v in (rep, touch, since, min_score, prospect, reviewed))
        out.print(
            f"No sessions match in {path}."
            if filtered
            else f"No saved sessions yet in {path}. Score a take: coach score take.m4a",
            markup=False,
            soft_wrap=True,
        )
        return
    out.print(sessions_table(found, f"Practice sessions ({len(found)})", comments=comments))
    out.print("Review: ✔ reviewed by a lead; ✔ 2 reviewed, with two comments", markup=False)
    out.print("Show one: coach sessions show ID; remove one: coach sessions delete ID")


def sessions_table(
    sessions: list[Session],
    title: str,
    *,
    reviewed: bool = False,
    comments: Mapping[int, int] | None = None,
) -> Table:
    """Saved takes, one line each at any width (long cells end in "…").

    ``comments`` (comments per session id) adds whether a lead reviewed each
    take and how many comments they left; ``reviewed`` instead adds the day
    each was reviewed (the lead's queue).
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from coach.views.terminal import score_style

    def cut(text: str) -> Text:
        # Kept to one line: the column may shrink, the text then ends in "…".
        return Text(text, no_wrap=True, overflow="ellipsis")

    # One rep's takes (the rep's own store, or --rep): the name once, in the title.
    reps = {s.rep for s in sessions}
    one_rep = len(reps) == 1
    if one_rep and (rep := reps.pop()):
        title = f"{title} — {rep}"
    # No borders but the header's, two spaces between columns: room for the top fix at 80.
    table = Table(
        title=Text(title, style="italic"),
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
        show_edge=False,
    )
    table.add_column("Id", justify="right", no_wrap=True)
    table.add_column("When", no_wrap=True)
    # Wrappable as far as rich knows (so these are the columns that give way when
    # the screen is narrow), but every cell is cut rather than wrapped.
    if not one_rep:
        table.add_column("Rep", min_width=6, max_width=14)
    table.add_column("Card", min_width=6, max_width=12)
    table.add_column("Touch", justify="right", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    if comments is not None:
        table.add_column("Review", no_wrap=True)
    elif reviewed:
        table.add_column("Reviewed", no_wrap=True)
    table.add_column("Top fix", min_width=12)
    this_year = str(datetime.now().astimezone().year)
    for s in sessions:
        touch = "—" if s.touch is None else str(s.touch) + (" sent" if s.sent_at else "")
        row: list[str | Text] = [str(s.id), _short_time(s.created_at, this_year)]
        if not one_rep:
            row.append(cut(s.rep or "—"))
        row += [
            cut(s.card_id or "—"),
            touch,
            Text(str(s.score), style=score_style(s.score)),
        ]
        if comments is not None:
            row.append(_review_cell(s, comments.get(s.id, 0)))
        elif reviewed:
            row.append("—" if s.reviewed_at is None else "✔ " + _local_time(s.reviewed_at)[:10])
        table.add_row(*row, cut(s.top_fix or "—"))
    return table


def _review_cell(session: Session, comments: int) -> Text:
    """``—`` not reviewed; ``✔`` reviewed; ``✔ 2`` reviewed with two comments."""
    from rich.text import Text

    if session.reviewed_at is None and not comments:
        return Text("—", style="dim")
    return Text("✔" + (f" {comments}" if comments else ""), style="cyan")


def _local_time(created_at: str) -> str:
    """A stored UTC time (``2025-03-01T09:30:00Z``) as local ``2025-03-01 10:30``."""
    try:
        return datetime.fromisoformat(created_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except (ValueError, OverflowError):  # a time at the calendar's edge: shown as stored
        return created_at


def _short_time(created_at: str, this_year: str) -> str:
    """``03-01 10:30`` this year, ``2024-03-01`` before (as ``ls -l`` dates files)."""
    local = _local_time(created_at)
    if local[:4] == this_year and local[4:5] == "-":
        return local[5:]
    return local[:10]


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
