"""Bundles: saved sessions with their audio and reviews, in one zip to share without a server.

``coach export`` writes one; ``coach import`` reads it into another store, so a
rep hands takes to a team lead and the lead's review comes back the same way.
The format and its checks are :mod:`coach.team.bundle_format`; this module writes
and reads the files and talks to the store (through its API: no SQL here).

Sessions, comments and overrides keep their ``uid``: importing twice adds
nothing twice, and a bundle sent back adds only the review items that are new.
:func:`open_bundle` checks all of a bundle — every member's name and kind,
every field, every audio member's size, CRC and magic — before
:meth:`Bundle.import_into` writes anything.  Members are never extracted by
their names: the audio goes through :meth:`Store.adopt`, which names its file.
"""

from __future__ import annotations

import json
import os
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.errors import CoachError
from coach.team import bundle_format as fmt

if TYPE_CHECKING:
    from coach.team.store import Session, Store


class BundleError(CoachError):
    """A bundle cannot be written, or one given to import is missing, malformed or unsafe."""


# -- exporting -------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    """What :func:`export_bundle` wrote: counts, size in bytes, and what it left out."""

    path: Path
    sessions: int
    with_audio: int
    review_items: int
    size: int
    warnings: tuple[str, ...]


def export_bundle(
    store: Store, sessions: Sequence[Session], out: Path, *, force: bool = False
) -> Exported:
    """Write ``sessions`` with their audio and reviews to the bundle ``out``.

    The zip is written to a temporary name beside ``out`` and renamed when
    complete, so an interrupted export never leaves a half bundle under the
    name.  A session whose FLAC is gone (or is not one) goes without audio, with
    a warning, rather than stopping the export.  Each entry is checked with the
    rules import uses, so no bundle is written that import would refuse.

    Raises
    ------
    BundleError
        ``out`` exists (without ``force``), is a folder, or cannot be written;
        ``sessions`` is empty; or a session would not pass import's checks.
    """
    _check_out(out, force=force)
    if not sessions:
        raise BundleError("no sessions to export")
    warnings: list[str] = []
    audio: dict[str, Path] = {}
    entries = []
    # Oldest first: the importing store then numbers them in the order they were made.
    for session in sorted(sessions, key=lambda s: (s.created_at, s.id)):
        flac, problem = _exportable_audio(session)
        if problem:
            warnings.append(f"session {session.id}: {problem} — exported without audio")
        if flac is not None:
            audio[fmt.audio_name(session.uid)] = flac
        entries.append(_entry(store, session, with_audio=flac is not None))
    manifest = {
        "schema": fmt.SCHEMA,
        "created_at": _now(),
        "coach_version": _version(),
        "sessions": entries,
    }
    _write_zip(out, manifest, audio)
    return Exported(
        path=out,
        sessions=len(entries),
        with_audio=len(audio),
        review_items=sum(len(e["comments"]) + len(e["overrides"]) for e in entries),
        size=out.stat().st_size,
        warnings=tuple(warnings),
    )


def _check_out(out: Path, *, force: bool) -> None:
    if out.is_dir():
        raise BundleError(f"--out {out} is a folder — give a file name, e.g. {out / 'takes.zip'}")
    if out.exists() and not force:
        raise BundleError(f"--out {out} already exists — give --force to replace it")
    if not out.parent.is_dir():
        raise BundleError(f"--out {out}: the folder {out.parent} does not exist — create it first")


def _exportable_audio(session: Session) -> tuple[Path | None, str]:
    """The session's FLAC if a bundle can carry it, else why not ("" when it has none)."""
    path = session.audio
    if path is None:
        return None, ""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(fmt.FLAC_HEAD_BYTES)
    except OSError:
        return None, f"its audio {path} is missing"
    if fmt.flac_problem(head):
        return None, f"its audio {path} is not a FLAC file"
    if size > fmt.MAX_AUDIO_BYTES:
        return None, f"its audio {path} is {size} bytes, over the {fmt.MAX_AUDIO_BYTES} allowed"
    return path, ""


def _entry(store: Store, session: Session, *, with_audio: bool) -> dict[str, Any]:
    """A session as its manifest object, checked as import will check it."""
    entry: dict[str, Any] = {name: getattr(session, name) for name in fmt.PLAIN_COLUMNS}
    entry["report"] = json.loads(session.report_json)
    entry["weights"] = None if session.weights_json is None else json.loads(session.weights_json)
    entry["audio"] = fmt.audio_name(session.uid) if with_audio else None
    entry["comments"] = [_part(asdict(c)) for c in store.comments(session.id)]
    entry["overrides"] = [_part(asdict(o)) for o in store.overrides(session.id)]
    try:
        fmt.check_session(entry, f"session {session.id}")
    except fmt.Problem as exc:
        raise BundleError(
            f"cannot export {exc} — import would refuse it; leave it out (give session ids)"
        ) from None
    return entry


def _part(row: dict[str, Any]) -> dict[str, Any]:
    """A comment or override without the ids that only mean something in one store."""
    return {k: v for k, v in row.items() if k not in ("id", "session_id")}


def _write_zip(out: Path, manifest: dict[str, Any], audio: dict[str, Path]) -> None:
    # Beside out, so the final rename is atomic; hidden, so nobody picks it up early.
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex}.part"
    try:
        with zipfile.ZipFile(tmp, "w") as zf:
            text = json.dumps(manifest, ensure_ascii=False, indent=1)
            zf.writestr(fmt.MANIFEST, text, compress_type=zipfile.ZIP_DEFLATED)
            for name, path in audio.items():
                # FLAC is compressed already: deflating it again only costs time.
                zf.write(path, name, compress_type=zipfile.ZIP_STORED)
        os.replace(tmp, out)
    except OSError as exc:
        raise BundleError(f"cannot write the bundle {out}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


# -- importing -------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """What :meth:`Bundle.import_into` did: sessions seen, how many were new, items added."""

    sessions: int
    new: int
    review_items: int


@dataclass(frozen=True)
class Bundle:
    """An open bundle whose every part has been checked (see :func:`open_bundle`)."""

    path: Path
    created_at: str
    coach_version: str
    entries: tuple[fmt.Entry, ...]
    zf: zipfile.ZipFile

    def import_into(self, store: Store) -> Imported:
        """Adopt every session in one transaction (see :meth:`Store.adopt`): all or nothing.

        Everything was checked when the bundle was opened, re-scoring
        included, so a refusal here is the store's (a full disk, say) and
        leaves it as it was.
        """
        from coach.team.store import Adoption

        items = [
            Adoption(
                fields=entry.fields,
                audio=None if entry.audio is None else self._writer(entry.audio),
                comments=entry.comments,
                overrides=entry.overrides,
            )
            for entry in self.entries
        ]
        done = store.adopt(items)
        return Imported(
            sessions=len(self.entries),
            new=sum(new for new, _ in done),
            review_items=sum(added for _, added in done),
        )

    def _writer(self, name: str) -> Callable[[Path], None]:
        """Copy a member to a file, piece by piece (the store names the file)."""

        def write(path: Path) -> None:
            try:
                with path.open("wb") as fh:
                    for chunk in fmt.read_chunks(
                        self.zf, self.zf.getinfo(name), fmt.MAX_AUDIO_BYTES
                    ):
                        fh.write(chunk)
            except fmt.Problem as exc:  # checked already: only a file changed meanwhile gets here
                raise BundleError(f"{self.path}: {exc} — nothing was imported") from None

        return write


@contextmanager
def open_bundle(path: Path) -> Iterator[Bundle]:
    """Open and check a bundle, all of it, before anything is written anywhere.

    Raises
    ------
    BundleError
        The file is missing, empty or not a zip, or any part of it is unsafe
        or malformed: one line naming the part and what is wrong.
    """
    _check_file(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _refused(path, f"is not a zip file ({exc})") from None
    with zf:
        try:
            bundle = _checked(zf, path)
        except fmt.Problem as exc:
            raise _refused(path, str(exc)) from None
        yield bundle


def _check_file(path: Path) -> None:
    if not path.exists():
        raise BundleError(f"{path}: no such file — give a bundle made by coach export")
    if path.is_dir():
        raise BundleError(f"{path} is a folder — give a bundle file made by coach export")
    if path.stat().st_size == 0:
        raise _refused(path, "is empty")


def _refused(path: Path, problem: str) -> BundleError:
    return BundleError(f"{path}: {problem} — nothing was imported")


def _checked(zf: zipfile.ZipFile, path: Path) -> Bundle:
    """Every check, names first: an unsafe name is the most telling complaint."""
    infos = zf.infolist()
    fmt.check_members(infos)
    names = {i.filename: i for i in infos}
    if fmt.MANIFEST not in names:
        raise fmt.Problem(f"no {fmt.MANIFEST} — not a bundle made by coach export")
    raw = fmt.read_member(zf, names[fmt.MANIFEST], fmt.MAX_MANIFEST_BYTES)
    manifest = fmt.parse_manifest(raw)
    entries = fmt.check_manifest(manifest)
    fmt.check_names(infos, entries)
    for entry in entries:
        if entry.audio is not None:
            fmt.check_audio(zf, names[entry.audio])
    return Bundle(
        path=path,
        created_at=manifest["created_at"],
        coach_version=manifest["coach_version"],
        entries=tuple(entries),
        zf=zf,
    )


def _version() -> str:
    from coach import __version__

    return __version__


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
