"""The store's files beside its database: temporary FLACs, and what SQLite says of the disk.

A save or an import writes its FLAC under a hidden temporary name carrying the
writer's pid and renames it inside its transaction; a ``kill -9`` leaves that
file behind, and :func:`sweep_temp_audio` removes it the next time the store is
opened.  :func:`diagnosis` turns a SQLite error into what it says about the
file or the disk (read-only, full, locked), so a good store is never called
"not a Voice Coach database".  No SQL here (that is :mod:`coach.team.store`).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterable
from pathlib import Path


def diagnosis(path: Path, exc: sqlite3.Error) -> str | None:
    """What a SQLite error says about the store's file or disk, or ``None`` if nothing.

    A read-only folder, a full disk or a file SQLite cannot open are not
    "a database that is not ours": moving a good store aside would be the
    wrong advice.
    """
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_FULL") or "database or disk is full" in str(exc):
        return f"the disk holding {path} is full — free some space and run it again"
    if name.startswith("SQLITE_IOERR") and disk_full(path):
        # A full disk often fails first at the WAL index SQLite creates on open,
        # which it reports as an I/O error, not as SQLITE_FULL.
        return f"the disk holding {path} is full — free some space and run it again"
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH")):
        return (
            f"{path} cannot be written ({exc}) — check that you may write to it and its "
            f"folder {path.parent}, or give another --store"
        )
    if name.startswith("SQLITE_IOERR"):
        return f"cannot read or write {path} ({exc}) — check its disk"
    if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED"):
        return f"{path} is locked by another program ({exc}) — try again when it is done"
    return None


#: a temporary FLAC older than this is stale whoever made it, seconds
STALE_TEMP_S = 3600.0
_TEMP = re.compile(r"^\.(?:saving|importing|receiving)-(?:(\d+)-)?[0-9a-f]{32}\.(?:flac|ogg)$")


def temp_name(kind: str, ext: str = "flac") -> str:
    """Audio being written: hidden, and named with the writer's pid so a sweep knows its owner."""
    return f".{kind}-{os.getpid()}-{uuid.uuid4().hex}.{ext}"


def sweep_temp_audio(audio_dir: Path, *, now: float | None = None) -> list[Path]:
    """Remove FLACs a killed save or import left half written; returns what was removed.

    One is stale when the process named in it is gone, or when it is older
    than :data:`STALE_TEMP_S` (a pid reused, a store shared between machines).
    A live writer's file is left alone.
    """
    now = time.time() if now is None else now
    removed = []
    try:
        candidates = list(audio_dir.iterdir())
    except OSError:
        return []
    for path in candidates:
        m = _TEMP.match(path.name)
        if m is None:
            continue
        try:
            old = now - path.stat().st_mtime > STALE_TEMP_S
        except OSError:
            continue
        if old or (m.group(1) is not None and not _alive(int(m.group(1)))):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process: assume it is still writing
    return True


def remove(paths: Iterable[Path]) -> None:
    for path in list(paths):
        path.unlink(missing_ok=True)


def is_own_audio(relative: str) -> bool:
    """A stored audio path the store itself made: ``audio/<id>.flac`` (a rep's store) or
    ``audio/<id>.ogg`` (the team server's Opus), nothing outside."""
    return re.fullmatch(r"audio/[0-9]+\.(?:flac|ogg)", relative) is not None


#: less free space than this on the store's disk is a full disk, bytes (a WAL index is 32 kB)
FULL_BELOW = 1 << 20


def disk_full(path: Path) -> bool:
    """Whether the disk holding ``path`` has (next to) no space left for this user."""
    try:
        return shutil.disk_usage(path.parent).free < FULL_BELOW
    except OSError:
        return False


def writable(path: Path) -> bool:
    """Whether SQLite could write the store: the file and its folder (for the journal)."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
