"""The team server and the rep's side of it: coach serve, coach sync."""

from __future__ import annotations

from typing import Annotated

import typer

from coach.cli.options import CoachCommand, StoreOpt
from coach.cli.output import err, out
from coach.cli.users import TeamStoreOpt
from coach.errors import CoachError

app = typer.Typer()

#: hosts that only this machine reaches
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command(cls=CoachCommand, name="serve")
def serve_cmd(
    store: TeamStoreOpt = None,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="The address to listen on; 0.0.0.0 for every interface of the machine."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="The TCP port.")] = 8765,
    audio_dir: Annotated[
        str | None,
        typer.Option(
            "--audio-dir",
            metavar="FOLDER",
            help="Where a PostgreSQL store keeps the takes' Opus audio [default: "
            "COACH_HOME/team-audio].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the team server: reps push their saved takes to it; leads review them in a browser.

    A JSON API under /api/v1 with per-user tokens (coach users add), and the
    lead's review pages at / (log in with a password: coach users passwd). It
    listens on 127.0.0.1 unless --host says otherwise; on a network, put it
    behind TLS (a reverse proxy), as tokens and login cookies travel in each
    request.

    Example: coach serve --store postgresql://coach@db.internal/coach --host 0.0.0.0
    """
    import uvicorn

    from coach.team.server import PREFIX
    from coach.views.web import make_site

    api = make_site(store or _default_store(), audio_dir=audio_dir)
    if host not in LOOPBACK:
        err.print(
            f"Warning: listening on {host}: every machine that reaches it can call the API — "
            "serve it through TLS (a reverse proxy), tokens travel in each request",
            markup=False,
            soft_wrap=True,
        )
    err.print(
        f"Team server on http://{host}:{port}/ (review pages; the API under {PREFIX}/) — "
        "Ctrl-C stops",
        markup=False,
        soft_wrap=True,
    )
    try:
        uvicorn.run(api, host=host, port=port, log_level="warning", server_header=False)
    except OSError as exc:
        raise CoachError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _default_store() -> str:
    from coach.team.store import store_path

    return str(store_path())


@app.command(cls=CoachCommand, name="sync")
def sync_cmd(store: StoreOpt = None) -> None:
    """Send your unsent takes to the team server, then bring your lead's reviews back.

    Uses the server and token of your profile (coach profile set --server URL
    --token TOKEN). Takes go oldest first; a take the server has already is
    not sent twice. If the server cannot be reached, what was done is kept
    and the rest waits for the next coach sync.

    Example: coach sync
    """
    from coach.practice.profile import load_profile
    from coach.team.store import Store
    from coach.team.sync import sync

    profile = load_profile()
    if not profile.server or not profile.token:
        raise CoachError(
            "no team server in your profile — coach profile set --server URL --token TOKEN"
        )
    with Store(store) as opened:
        done = sync(opened, profile.server, profile.token)
    summary = f"sent {done.sent}, already there {done.already}, reviews {done.reviews}"
    if done.problem is None:
        out.print(f"Synced with {profile.server}: {summary}", markup=False, soft_wrap=True)
        return
    if done.sent == 0 and done.already == 0:
        raise CoachError(
            f"nothing synced — {done.problem}; your takes stay here, run coach sync again later"
        )
    err.print(
        f"Synced in part with {profile.server}: {summary}; stopped: {done.problem} — "
        f"{done.left} left for the next coach sync",
        markup=False,
        soft_wrap=True,
    )
