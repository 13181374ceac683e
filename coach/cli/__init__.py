"""The ``coach`` command line: parse, call the library, render.

Only this package prints.  Each command group is a module with its own
``typer.Typer()``, joined here with ``add_typer``: :mod:`~coach.cli.scoring`
(score, check, models), :mod:`~coach.cli.practice` (devices, record,
rehearse), :mod:`~coach.cli.profile`, :mod:`~coach.cli.cards` (prompts),
:mod:`~coach.cli.sessions`, :mod:`~coach.cli.playing` (play),
:mod:`~coach.cli.reviewing` (review),
:mod:`~coach.cli.share` (export, import), :mod:`~coach.cli.team` (progress,
report), :mod:`~coach.cli.server` (serve, sync) and :mod:`~coach.cli.users`.
Options several commands share are defined once in :mod:`~coach.cli.options`;
what they do with them once parsed is
:mod:`~coach.cli.common`.  Every :class:`~coach.errors.CoachError` and every usage
error is caught once, in :class:`~coach.cli.options.CoachGroup`, and becomes
one ``Error: …`` line with exit 2.
Heavy imports (faster-whisper, librosa, sounddevice) stay inside the commands,
so ``coach --help`` is instant.
"""

from __future__ import annotations

import errno
import os
import sys

import typer

from coach.cli import (
    cards,
    playing,
    practice,
    profile,
    reviewing,
    scoring,
    server,
    sessions,
    share,
    team,
    users,
)
from coach.cli.options import CoachGroup

app = typer.Typer(
    cls=CoachGroup,
    help="Voicemail Coach: practise sales voicemails that get called back. Offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
# Commands at the top level, in the order coach --help lists them.
app.add_typer(scoring.app)
app.add_typer(practice.app)
app.add_typer(profile.app, name="profile")
app.add_typer(cards.app, name="prompts")
app.add_typer(sessions.app, name="sessions")
app.add_typer(playing.app)
app.add_typer(reviewing.app)
app.add_typer(share.app)
app.add_typer(team.app)
app.add_typer(server.app)
app.add_typer(users.app, name="users")


def _version(asked: bool) -> None:
    if asked:
        from coach import __version__

        typer.echo(f"coach {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Voicemail Coach: practise sales voicemails that get called back. Offline."""


def _output_failed(exc: OSError) -> None:
    """stdout is a full disk or gone: one line on stderr (if it can take one), exit 2 now.

    ``os._exit``: Python's own exit would flush stdout again and print a traceback.
    """
    try:
        sys.stderr.write(
            f"Error: cannot write the output ({exc.strerror or exc}) — "
            "write it to a disk with space, or to the terminal\n"
        )
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(2)


def main() -> None:
    """Console-script entry point."""
    for stream in (sys.stdout, sys.stderr):
        # PYTHONIOENCODING=ascii or a C locale: show what cannot be encoded escaped, not crash.
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        app()
        sys.stdout.flush()
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EPIPE):
            _output_failed(exc)
        raise
    except SystemExit as done:
        try:
            sys.stdout.flush()
        except OSError as exc:
            _output_failed(exc)
        record = sys.modules.get("coach.practice.record")
        if record is not None and record.audio_wedged():
            # PortAudio's exit handler would block on the stream that would not
            # stop; everything the rep needs is written, so leave without it.
            pipeline = sys.modules.get("coach.pipeline")
            if pipeline is not None:
                pipeline.stop_workers()  # a forked worker would outlive us otherwise
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(done.code if isinstance(done.code, int) else 1)
        raise
