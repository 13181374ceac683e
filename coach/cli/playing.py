"""``coach play``: hear a saved take; and the playing back ``rehearse`` and ``review`` share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coach.cli.common import _reading
from coach.cli.options import CoachCommand, StoreOpt
from coach.cli.output import err
from coach.errors import CoachError

if TYPE_CHECKING:
    from coach.team.store import Session

app = typer.Typer()


@app.command(cls=CoachCommand)
def play(
    session_id: Annotated[
        int,
        typer.Argument(
            metavar="ID", min=1, help="A session id from coach sessions.", show_default=False
        ),
    ],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="M:SS",
            help="Start at this moment of the take (m:ss or seconds, e.g. 0:12) "
            "[default: the start].",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Play a saved take on your speakers or headphones, from the start or --at a moment.

    It plays to the end of the take; Ctrl-C stops it and says where, so you
    can go on from there. The take is the session's audio in the practice
    store (coach sessions lists them; coach review ID --play-comment N plays
    it from a lead's comment).

    Example: coach play 12 --at 0:21
    """
    from coach.rubric.checks import clock
    from coach.team.review import parse_at

    start_s = 0.0 if at is None else parse_at(at)  # a typo is told before anything is opened
    with _reading(store) as opened:
        session = opened.get(session_id)
    stopped = play_take(
        session_audio(session),
        start_s=start_s,
        what=f"session {session.id}",
        at_option=None if at is None else f"--at {at}",
    )
    if stopped is not None:
        err.print(
            f"Stopped at {clock(stopped)} — coach play {session.id} --at {clock(stopped)} "
            "goes on from there.",
            markup=False,
            soft_wrap=True,
        )


def session_audio(session: Session) -> Path:
    """The saved take's audio file, or why there is none to play."""
    path = session.audio
    if path is None:
        raise CoachError(
            f"session {session.id} was saved without its audio — there is nothing to play"
        )
    if not path.is_file():
        raise CoachError(
            f"the audio of session {session.id} is gone ({path}) — it was moved or deleted; "
            "nothing to play"
        )
    return path


def play_take(
    path: Path, *, start_s: float, what: str, at_option: str | None = None, clamp: bool = False
) -> float | None:
    """Play ``path`` from ``start_s`` to its end; on Ctrl-C, stop and return where it stopped.

    ``what`` names the take in the line said before it plays ("session 12",
    "take 2"); ``at_option`` is the option the start came from, named when it
    is past the end; with ``clamp`` a start past the end plays the last
    second instead.  ``None`` when it played to the end.

    Raises
    ------
    CoachError
        Nothing to play from there, no output device, or the device failed.
    """
    from rich.live import Live

    from coach.practice.playback import PastTheEnd, Player, load_clip
    from coach.rubric.checks import clock
    from coach.views.live import playback_view

    try:
        clip = load_clip(path, start_s=start_s, clamp=clamp)
    except PastTheEnd as exc:
        if at_option is None:
            raise
        raise CoachError(
            f"{at_option} is past the end of the take ({exc.duration_s:.2f} s long)"
        ) from None
    start = f" from {clock(clip.start_s)}" if clip.start_s > 0 else ""
    with Player(clip) as player:  # no device: one error line, before anything is said
        err.print(
            f"Playing {what}{start} to the end ({clock(clip.duration_s)}) — Ctrl-C stops.",
            markup=False,
            soft_wrap=True,
        )
        try:
            if err.is_terminal:
                view = playback_view(player.position_s, clip.duration_s)
                with Live(view, console=err, refresh_per_second=12, transient=True) as shown:
                    player.wait(
                        tick=lambda p: shown.update(playback_view(p.position_s, clip.duration_s))
                    )
            else:
                player.wait()
        except KeyboardInterrupt:
            player.stop()
    return player.stopped_at
