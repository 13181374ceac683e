"""Commands for a team lead: progress over time in the terminal, and the HTML team report."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coach.cli.common import _reading, _since_day
from coach.cli.options import RepFilterOpt, SinceOpt, StoreOpt
from coach.cli.output import err, out, write_json
from coach.errors import CoachError

if TYPE_CHECKING:
    from coach.team.store import Session, Store
    from coach.views.html import TakeView

app = typer.Typer()


@app.command()
def progress(
    rep: RepFilterOpt = None,
    since: SinceOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print coach.progress/2 JSON instead.")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Show each rep's score trend and how often each check passes, over time.

    Per rep: takes, average and best score, the trend, a sparkline of every
    score in time order, and each check's pass rate. The trend is the recent
    half of the takes against the earlier half, the two numbers shown beside
    its arrow. No rate or average comes from fewer than 3 takes (the counts
    are shown instead), and no trend unless each half has 3. Then the checks
    the team passes least. Scores and checks are as reviewed: a lead's
    overrides count.

    Example: coach progress --rep "Chris Walker" --since 2025-03-01
    """
    from coach.team.progress import Entry, team_progress, to_json
    from coach.views.team import progress_view

    day = _since_day(since)
    with _reading(store) as opened:
        sessions = opened.sessions(rep=rep, since=day)
        entries = [Entry.of(s, opened.reviewed_report(s)) for s in sessions]
        path = opened.where
    team = team_progress(entries)
    if as_json:
        payload = {**to_json(team), "store": str(path), "rep": rep, "since": since}
        write_json(payload)
        return
    if not entries:
        out.print(_nothing(path, rep=rep, since=since), markup=False, soft_wrap=True)
        return
    heading = f"Progress: {_scope(team.sessions, len(team.reps), rep=rep, since=since)}"
    out.print(progress_view(team, heading=heading))


@app.command()
def report(
    rep: RepFilterOpt = None,
    since: SinceOpt = None,
    out_path: Annotated[
        Path,
        typer.Option("--out", "-o", metavar="FILE.html", help="The HTML file to write."),
    ] = Path("team-report.html"),
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out even if it is not an earlier report.")
    ] = False,
    no_audio: Annotated[
        bool,
        typer.Option("--no-audio", help="Leave the audio out: a few kB a take instead of ~85 kB."),
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Write the team report: one HTML file to open in any browser, offline.

    A team summary (takes per rep, average score, a chart of scores over time,
    check pass rates overall and per rep), then every take: a player with the
    audio embedded (Opus, about 85 kB for 30 s), the transcript with each
    finding marked where it was said (click a word to hear it), the checks
    with any override, and the review comments. Nothing on the page loads
    from the network, so it can be mailed or archived whole, and no path of
    this machine is written in it.

    Example: coach report --since 2025-03-01 --out team.html
    """
    from coach.team.progress import Entry, team_progress
    from coach.views.html import build_html

    day = _since_day(since)
    target = _output(out_path, force=force)
    with _reading(store) as opened:
        takes = [
            _take_view(opened, s, audio=not no_audio) for s in opened.sessions(rep=rep, since=day)
        ]
        path = opened.where
    if not takes:
        out.print(
            _nothing(path, rep=rep, since=since) + " No report written.",
            markup=False,
            soft_wrap=True,
        )
        return
    team = team_progress([Entry.of(t.session, t.report) for t in takes])
    html = build_html(
        team,
        takes,
        generated=datetime.now(UTC),
        scope=_filters(rep=rep, since=since),
    )
    size = _write(target, html)
    out.print(
        f"Wrote {target} ({_size(size)}): "
        f"{_scope(team.sessions, len(team.reps), rep=rep, since=since)}. Open it in a browser.",
        markup=False,
        soft_wrap=True,
    )


def _take_view(store: Store, session: Session, *, audio: bool = True) -> TakeView:
    """A take as the report shows it: reviewed report, comments and its audio as Opus."""
    from coach.views.html import TakeView

    data, note = _audio_opus(session) if audio else (None, NO_AUDIO_NOTE)
    return TakeView(
        session=session,
        report=store.reviewed_report(session),
        comments=tuple(store.comments(session.id)),
        audio=data,
        audio_note=note,
    )


#: what the page says in place of a player with --no-audio
NO_AUDIO_NOTE = "Audio left out of this report (coach report --no-audio)."


def _audio_opus(session: Session) -> tuple[bytes | None, str]:
    """The take's stored audio as Ogg Opus, or ``None`` and what the page says instead.

    The page never names the file (a path of this machine); a missing or
    unreadable one is named here, on stderr, for the one who can fix it.
    """
    from coach.speech.codec import opus_from_file

    if session.audio is None:
        return None, "No audio was kept for this take."
    try:
        return opus_from_file(session.audio), ""
    except FileNotFoundError:
        problem, note = "is missing", "The audio file of this take is missing from the store."
    except (OSError, CoachError) as exc:
        problem, note = f"cannot be read ({exc})", "The audio file of this take cannot be read."
    err.print(
        f"Warning: take {session.id}: the audio file {session.audio} {problem}",
        markup=False,
        soft_wrap=True,
    )
    return None, note


#: how an earlier team report starts: one is replaced without --force, any other file is not
REPORT_MARK = b"<title>Voicemail Coach \xe2\x80\x94 team report</title>"


def _output(path: Path, *, force: bool = False) -> Path:
    """Refuse an --out that cannot be a new file (or an earlier report) before any work is done.

    An earlier report is replaced, so refreshing one is one command; any other
    file (``--out notes.txt``) needs ``--force``, as ``coach export`` does.
    """
    path = path.expanduser()
    if path.exists() and not path.is_dir() and not force and not _earlier_report(path):
        raise CoachError(
            f"--out {path} already exists and is not a team report — give --force to replace it"
        )
    if path.is_dir():
        raise CoachError(f"--out {path} is a folder — give a file name, e.g. {path / 'team.html'}")
    if not path.parent.is_dir():
        raise CoachError(
            f"--out {path}: the folder {path.parent} does not exist — create it or choose another"
        )
    return path


def _earlier_report(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return REPORT_MARK in fh.read(4096)
    except OSError:
        return False


def _write(path: Path, text: str) -> int:
    """Write the page next to its final name, then rename: a reader never sees half a report."""
    data = text.encode("utf-8")
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CoachError(
            f"cannot write --out {path}: {exc.strerror or exc} — choose a file you can write"
        ) from None
    return len(data)


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    return f"{max(1, round(n / 1000))} kB"


def _filters(*, rep: str | None, since: str | None) -> str:
    return " ".join(
        p for p in (f"rep {rep}" if rep else "", f"since {since}" if since else "") if p
    )


def _scope(takes: int, reps: int, *, rep: str | None, since: str | None) -> str:
    counts = f"{takes} take{'s' if takes != 1 else ''} by {reps} rep{'s' if reps != 1 else ''}"
    filters = _filters(rep=rep, since=since)
    return f"{counts} ({filters})" if filters else counts


def _nothing(path: str, *, rep: str | None, since: str | None) -> str:
    if rep is not None or since is not None:
        return f"No sessions match in {path}."
    return f"No saved sessions yet in {path}. Score a take: coach score take.m4a"
