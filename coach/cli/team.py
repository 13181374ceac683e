"""Commands for a team lead: progress over time in the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from coach.cli import StoreOpt, _since_day, app, out

RepOpt = Annotated[
    str | None, typer.Option("--rep", help="Only this rep's takes (any case).", show_default=False)
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="YYYY-MM-DD",
        help="Only takes from this day on (UTC).",
        show_default=False,
    ),
]


@app.command()
def progress(
    rep: RepOpt = None,
    since: SinceOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print coach.progress/1 JSON instead.")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Show each rep's score trend and how often each check passes, over time.

    Per rep: takes, first → latest score, a sparkline of every score in time
    order, and each check's pass rate by ISO week (or earlier vs. recent half
    when the takes span fewer than three weeks) with an arrow for the trend.
    Then the checks the team passes least. Scores and checks are as reviewed:
    a lead's overrides count.

    Example: coach progress --rep "Chris Walker" --since 2025-03-01
    """
    from coach.progress import Entry, team_progress, to_json
    from coach.render_team import progress_view
    from coach.store import Store

    day = _since_day(since)
    with Store(store) as opened:
        sessions = opened.sessions(rep=rep, since=day)
        entries = [Entry.of(s, opened.reviewed_report(s)) for s in sessions]
        path = opened.path
    team = team_progress(entries)
    if as_json:
        payload = {**to_json(team), "store": str(path), "rep": rep, "since": since}
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return
    if not entries:
        out.print(_nothing(path, rep=rep, since=since), markup=False, soft_wrap=True)
        return
    heading = f"Progress: {_scope(team.sessions, len(team.reps), rep=rep, since=since)}"
    out.print(progress_view(team, heading=heading))


def _filters(*, rep: str | None, since: str | None) -> str:
    return " ".join(
        p for p in (f"rep {rep}" if rep else "", f"since {since}" if since else "") if p
    )


def _scope(takes: int, reps: int, *, rep: str | None, since: str | None) -> str:
    counts = f"{takes} take{'s' if takes != 1 else ''} by {reps} rep{'s' if reps != 1 else ''}"
    filters = _filters(rep=rep, since=since)
    return f"{counts} ({filters})" if filters else counts


def _nothing(path: Path, *, rep: str | None, since: str | None) -> str:
    if rep is not None or since is not None:
        return f"No sessions match in {path}."
    return f"No saved sessions yet in {path}. Score a take: coach score take.m4a"
