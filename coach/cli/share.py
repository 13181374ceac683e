"""Commands that move sessions between machines without a server: export and import."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coach.cli.common import _reading, _since_day
from coach.cli.options import (
    CoachCommand,
    MinScoreOpt,
    RepFilterOpt,
    SinceOpt,
    StoreOpt,
    TouchFilterOpt,
)
from coach.cli.output import err, out
from coach.errors import CoachError

if TYPE_CHECKING:
    from coach.team.store import Session, Store

app = typer.Typer()


@app.command(cls=CoachCommand, name="export")
def export_cmd(
    bundle: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="The bundle to write, e.g. takes.zip.",
            show_default=False,
        ),
    ],
    ids: Annotated[
        list[int] | None,
        typer.Argument(
            metavar="ID…",
            help="Session ids from coach sessions [default: every session the filters match].",
            show_default=False,
        ),
    ] = None,
    rep: RepFilterOpt = None,
    touch: TouchFilterOpt = None,
    since: SinceOpt = None,
    min_score: MinScoreOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    store: StoreOpt = None,
) -> None:
    """Write saved sessions, their audio and their reviews to one zip to share.

    Give session ids, or filters as for coach sessions (none: every session).
    The other side runs coach import on the file; a lead's comments and
    overrides come back the same way, and importing again adds only what is
    new. A take whose audio file is gone is exported without it, with a warning.

    Example: coach export --rep "Chris Walker" --since 2025-03-01 --out chris.zip
    """
    from coach.team.bundle import export_bundle

    filters = {"--rep": rep, "--touch": touch, "--since": since, "--min-score": min_score}
    if ids and any(v is not None for v in filters.values()):
        given = ", ".join(k for k, v in filters.items() if v is not None)
        raise CoachError(f"give session ids or filters, not both (ids and {given})")
    day = _since_day(since)
    with _reading(store) as opened:
        if ids:
            chosen = _by_id(opened, ids)
        else:
            chosen = opened.sessions(rep=rep, touch=touch, since=day, min_score=min_score)
        if not chosen:
            filtered = any(v is not None for v in filters.values())
            raise CoachError(
                f"no sessions match in {opened.where} — nothing exported; see coach sessions"
                if filtered
                else f"no saved sessions in {opened.where} — nothing to export"
            )
        done = export_bundle(opened, chosen, bundle, force=force)
    for warning in done.warnings:
        err.print(f"Warning: {warning}", soft_wrap=True)
    out.print(
        f"Exported {_count(done.sessions, 'session')} ({done.with_audio} with audio, "
        f"{_count(done.review_items, 'review item')}), {_size(done.size)}, to {done.path}",
        markup=False,
        soft_wrap=True,
    )


def _by_id(store: Store, ids: list[int]) -> list[Session]:
    """The sessions named, each once, in the order given (an unknown id is an error)."""
    return [store.get(i) for i in dict.fromkeys(ids)]


@app.command(cls=CoachCommand, name="import")
def import_cmd(
    bundle: Annotated[
        Path,
        typer.Argument(metavar="BUNDLE", help="A bundle made by coach export.", show_default=False),
    ],
    store: StoreOpt = None,
) -> None:
    """Add the sessions, audio and reviews of a bundle from coach export to your store.

    The whole bundle is checked before anything is written: a malformed or
    unsafe one (paths leaving the folder, links, not FLAC, a bad report) is
    refused with one line and nothing imported. Sessions already here are not
    added twice, but review items they lack are, so a lead's review comes back.

    Example: coach import chris.zip
    """
    from coach.team.bundle import open_bundle
    from coach.team.store import Store

    # Checked before the store is opened: a bad bundle must not even create a store.
    with open_bundle(bundle) as opened_bundle, Store(store) as opened:
        done = opened_bundle.import_into(opened)
        path = opened.where
    out.print(
        f"Imported {_count(done.new, 'new session')} ({done.sessions - done.new} of "
        f"{done.sessions} already here), {_count(done.review_items, 'review item')}, "
        f"from {bundle} into {path}",
        markup=False,
        soft_wrap=True,
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _size(n: int) -> str:
    """Bytes for people: 912 bytes, 48 kB, 3.1 MB."""
    if n < 1000:
        return f"{n} bytes"
    if n < 1_000_000:
        return f"{n / 1000:.0f} kB"
    return f"{n / 1_000_000:.1f} MB"
