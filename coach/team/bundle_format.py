"""The ``coach.bundle/1`` format: its names, fields and limits, and the checks a bundle must pass.

A bundle is a zip holding

- ``manifest.json``: ``{"schema": "coach.bundle/1", "created_at", "coach_version",
  "sessions": [...]}``, one object per session with its stored fields (the
  report as a ``coach.report/1`` object and the weights as an object, not JSON
  strings, so ``jq`` reads them), its ``comments`` and ``overrides`` (their
  columns but the store-local ids), and ``audio``: ``"audio/<uid>.flac"`` or
  ``null``;
- ``audio/<uid>.flac``: the FLAC of each session that has one; nothing else.

A bundle to import comes from another machine, so everything here assumes it
was made to attack: member names that would leave a folder if extracted,
links, zip bombs, wrong types, keys that would reach SQL.  Each check raises
:class:`Problem` with the part it is about and what is wrong; :mod:`coach.team.bundle`
turns that into the one error line.  No files and no store here.
"""

from __future__ import annotations

import json
import re
import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from coach.team import schema

SCHEMA = "coach.bundle/1"
MANIFEST = "manifest.json"
FLAC_MAGIC = b"fLaC"
#: the biggest manifest read, bytes (one session's report is ~10–30 kB)
MAX_MANIFEST_BYTES = 64 * 2**20
#: the biggest audio member, bytes: two hours of 16 kHz 16-bit mono FLAC is ~150 MB
MAX_AUDIO_BYTES = 256 * 2**20
#: how much of a member is unpacked at a time, bytes
CHUNK = 2**20


class Problem(Exception):
    """One thing wrong with a bundle, naming the part (entry, session, field)."""


def audio_name(uid: str) -> str:
    """The member holding a session's FLAC."""
    return f"audio/{uid}.flac"


# -- the manifest ------------------------------------------------------------------

#: a session entry's fields (the Session columns but id, audio_path and folder, plus its parts)
SESSION_FIELDS = tuple(schema.SessionDoc.__struct_fields__)
#: entry fields the store keeps as JSON text, and the columns they go to
JSON_COLUMNS = {"report": "report_json", "weights": "weights_json"}
#: entry fields that are not session columns
PARTS = ("audio", "comments", "overrides")
#: the entry fields that are plain session columns
PLAIN_COLUMNS = tuple(k for k in SESSION_FIELDS if k not in JSON_COLUMNS and k not in PARTS)
COMMENT_FIELDS = tuple(schema.CommentDoc.__struct_fields__)
OVERRIDE_FIELDS = tuple(schema.OverrideDoc.__struct_fields__)
_TIMES = ("created_at", "sent_at", "reviewed_at")


def _shown(value: Any) -> str:
    """A value for an error line: its JSON, cut short."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Entry:
    """One checked session, in the shape :meth:`coach.team.store.Store.adopt` takes."""

    fields: dict[str, Any]
    audio: str | None
    comments: list[dict[str, Any]]
    overrides: list[dict[str, Any]]


def parse_manifest(data: bytes) -> Any:
    """The manifest's JSON (NaN and Infinity refused: they are not JSON)."""

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(data.decode("utf-8"), parse_constant=no_constants)
    except (ValueError, RecursionError) as exc:
        raise Problem(f"{MANIFEST} is not JSON ({exc})") from None


def check_manifest(manifest: Any) -> list[Entry]:
    """The manifest's sessions, checked against the schema and re-scored.

    The schema (:mod:`coach.team.schema`) checks every type, range and field;
    then what a schema cannot say: uids are unique, overrides name checks of
    their report, audio is named after its session, and re-scoring each
    session with its weights and overrides gives a score from 0 to 100.
    """
    schema_name = manifest.get("schema") if isinstance(manifest, dict) else None
    if schema_name != SCHEMA:
        if isinstance(schema_name, str) and schema_name.startswith("coach.bundle/"):
            raise Problem(f"{MANIFEST} is {schema_name}, this coach reads {SCHEMA} — upgrade coach")
        raise Problem(f"{MANIFEST} is not a {SCHEMA} manifest (schema {_shown(schema_name)})")
    try:
        doc = schema.convert(manifest, schema.ManifestDoc)
    except schema.SchemaError as exc:
        raise Problem(f"{MANIFEST}: {exc}") from None
    entries = [
        _entry(raw, s, f"session {n} of {MANIFEST}")
        for n, (raw, s) in enumerate(zip(manifest["sessions"], doc.sessions, strict=True), 1)
    ]
    uids = Counter(
        uid
        for e in entries
        for uid in (e.fields["uid"], *(c["uid"] for c in e.comments + e.overrides))
    )
    twice = [uid for uid, n in uids.items() if n > 1]
    if twice:
        raise Problem(f"{MANIFEST}: uid {twice[0]} is used twice")
    return entries


def check_session(obj: Any, where: str) -> Entry:
    """One session entry, checked as in a manifest (export checks what it writes this way)."""
    try:
        doc = schema.convert(obj, schema.SessionDoc)
    except schema.SchemaError as exc:
        raise Problem(f"{where}: {exc}") from None
    return _entry(obj, doc, where)


def _entry(raw: dict[str, Any], doc: schema.SessionDoc, where: str) -> Entry:
    """A schema-checked session: the checks across its fields, then its columns."""
    where = f"{where} (uid {doc.uid})"
    if doc.audio is not None and doc.audio != audio_name(doc.uid):
        raise Problem(f"{where}: audio is {_shown(doc.audio)}, not {audio_name(doc.uid)!r}")
    checks = {c.id for c in doc.report.checks}
    for i, o in enumerate(doc.overrides, 1):
        if o.check_id not in checks:
            raise Problem(f"{where}: override {i} is for {o.check_id!r}, not a check in the report")
    comments = [
        _with_times(c, raw_c) for c, raw_c in zip(doc.comments, raw["comments"], strict=True)
    ]
    overrides = [
        _with_times(o, raw_o) for o, raw_o in zip(doc.overrides, raw["overrides"], strict=True)
    ]
    fields = {k: raw[k] for k in PLAIN_COLUMNS}
    fields.update(_with_times(doc, {k: raw[k] for k in _TIMES}))
    fields["report_json"] = json.dumps(raw["report"], ensure_ascii=False)
    fields["weights_json"] = None if raw["weights"] is None else json.dumps(raw["weights"])
    fields["score"] = _rescored(raw, overrides, where)
    return Entry(fields=fields, audio=doc.audio, comments=comments, overrides=overrides)


def _with_times(doc: Any, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with its times in the store's form (UTC, ``Z``), so text order is time order."""
    out = dict(raw)
    for key in _TIMES:
        when = getattr(doc, key, None)
        if key in raw:
            out[key] = None if when is None else schema.iso(when)
    return out


def _rescored(raw: dict[str, Any], overrides: list[dict[str, Any]], where: str) -> int:
    """The score the session will have once imported: its report re-scored as reviewed.

    Part of the check, so a bundle whose weights or points cannot score it is
    refused before anything is written rather than failing halfway through.
    """
    from coach.report import report_from_json
    from coach.rubric.config import load_rubric
    from coach.team.review import Override, Weights, apply_overrides

    try:
        report = report_from_json(raw["report"])
        w = raw["weights"]
        weights = Weights.of(load_rubric(None)) if w is None else Weights(w["weights"], w["points"])
        items = [Override(0, session_id=0, **o) for o in overrides]
        score = apply_overrides(report, items, weights).score
    except (ArithmeticError, ValueError, TypeError, KeyError) as exc:
        raise Problem(f"{where}: cannot be re-scored ({exc!r})") from None
    if not 0 <= score <= 100:
        raise Problem(f"{where}: re-scores to {score}, not a score from 0 to 100")
    return score


# -- the zip's members ---------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:")


def check_members(infos: list[zipfile.ZipInfo]) -> None:
    """Every member's name and kind is safe, and no name is there twice.

    Two members of one name are refused before anything is read: which of
    them counts depends on the reader, a way to show one tool one manifest
    and another tool another.
    """
    for info in infos:
        _check_member(info)
    twice = [name for name, n in Counter(i.orig_filename for i in infos).items() if n > 1]
    if twice:
        raise Problem(f"entry {twice[0]!r} appears twice")


def _check_member(info: zipfile.ZipInfo) -> None:
    """Refuse a member whose name or kind could reach outside a folder if extracted.

    Nothing is extracted by name, but such a member means the zip was not
    made by coach export, and possibly made to attack an extractor.
    """
    name = info.orig_filename  # before zipfile cuts it at a NUL
    problem = _unsafe_name(name)
    if problem is None:
        mode = info.external_attr >> 16  # Unix mode; 0 from zips made on Windows
        if stat.S_ISLNK(mode):
            problem = "is a symbolic link"
        elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            problem = "is not a regular file"
        elif info.flag_bits & 0x1:
            problem = "is encrypted"
    if problem is not None:
        raise Problem(f"entry {name!r} {problem}")


def _unsafe_name(name: str) -> str | None:
    if not name:
        return "has no name"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "has a control character in its name"
    if "\\" in name:
        return "has a backslash in its name (a Windows path)"
    if name.startswith("/"):
        return "is an absolute path"
    if _DRIVE.match(name):
        return "names a drive"
    if name.endswith("/"):
        return "is a folder entry"
    parts = name.split("/")
    if ".." in parts:
        return "climbs out of the folder with '..'"
    if any(p in ("", ".") for p in parts):
        return "has an empty or '.' path component"
    return None


def check_names(infos: list[zipfile.ZipInfo], entries: list[Entry]) -> None:
    """The zip holds the manifest and the audio its sessions name, and no more."""
    wanted = {MANIFEST} | {e.audio for e in entries if e.audio is not None}
    present = {i.filename for i in infos}
    for name in sorted(present - wanted):
        raise Problem(f"unexpected entry {name!r} (a bundle holds {MANIFEST} and audio/UID.flac)")
    for name in sorted(wanted - present):
        raise Problem(f"entry {name!r} is in the manifest but not in the bundle")


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """The member's bytes, refusing more than ``cap`` whatever its header claims."""
    return b"".join(read_chunks(zf, info, cap))


def read_chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> Iterator[bytes]:
    """The member piece by piece, refusing more than ``cap`` bytes whatever its header claims."""
    if info.file_size > cap:
        raise Problem(f"entry {info.filename!r} is {info.file_size} bytes, over the {cap} allowed")
    total = 0
    for chunk in _chunks(zf, info):
        total += len(chunk)
        if total > cap:
            raise Problem(f"entry {info.filename!r} unpacks to more than the {cap} bytes allowed")
        yield chunk


def check_audio(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """The member is at most :data:`MAX_AUDIO_BYTES`, reads with a good CRC, and is FLAC.

    FLAC by its structure, not its first four bytes: a STREAMINFO block, the
    metadata blocks' lengths adding up, then a frame's sync code (so ``fLaC``
    in front of a WAV, or alone, is refused).  Read through without being
    kept, so checking a big bundle costs no memory.
    """
    if info.file_size > MAX_AUDIO_BYTES:
        raise Problem(
            f"entry {info.filename!r} is {info.file_size} bytes, over the {MAX_AUDIO_BYTES} allowed"
        )
    head = b""
    total = 0
    for chunk in _chunks(zf, info):
        if len(head) < FLAC_HEAD_BYTES:
            head += chunk[: FLAC_HEAD_BYTES - len(head)]
        total += len(chunk)
        if total > MAX_AUDIO_BYTES:
            raise Problem(
                f"entry {info.filename!r} unpacks to more than the {MAX_AUDIO_BYTES} bytes allowed"
            )
    problem = flac_problem(head)
    if problem:
        raise Problem(f"entry {info.filename!r} is not FLAC audio ({problem})")


#: how much of a FLAC's start is kept to check its structure, bytes (its metadata must fit)
FLAC_HEAD_BYTES = 2**20
_STREAMINFO, _LAST = 0, 0x80


def flac_problem(head: bytes) -> str | None:
    """Why the start of a file is not a FLAC stream, or ``None`` when it is one.

    ``head`` is the file's first bytes: the magic, the metadata blocks (the
    first a 34-byte STREAMINFO with a sample rate and 1–8 channels) and the
    first audio frame's sync code right after the last block.
    """
    if head[: len(FLAC_MAGIC)] != FLAC_MAGIC:
        return "no fLaC magic"
    at = len(FLAC_MAGIC)
    first = True
    while True:
        if len(head) < at + 4:
            return "its metadata is cut short"
        kind, size = head[at] & 0x7F, int.from_bytes(head[at + 1 : at + 4], "big")
        last = bool(head[at] & _LAST)
        at += 4
        if first:
            if kind != _STREAMINFO or size != 34 or len(head) < at + 34:
                return "no STREAMINFO block"
            rate = int.from_bytes(head[at + 10 : at + 13], "big") >> 4
            channels = ((head[at + 12] >> 1) & 0x07) + 1
            if rate == 0 or channels > 8:
                return "a STREAMINFO without a sample rate"
            first = False
        elif kind == 127:
            return "an invalid metadata block"
        at += size
        if last:
            break
    if len(head) < at + 2 or head[at] != 0xFF or head[at + 1] & 0xFE != 0xF8:
        return "no audio frame after its metadata"
    return None


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Unpack a member piece by piece; reaching its end also checks its CRC."""
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error) as exc:
        raise Problem(f"entry {info.filename!r} cannot be read ({exc})") from None
