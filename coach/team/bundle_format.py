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
import math
import re
import stat
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coach.report import report_from_json
from coach.rubric.checks import STATUSES

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


# -- field kinds -----------------------------------------------------------------

_UID = re.compile(r"^[0-9a-f]{32}$")


def _is_text(v: Any) -> bool:
    return isinstance(v, str)


def _is_text_or_null(v: Any) -> bool:
    return v is None or isinstance(v, str)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_uid(v: Any) -> bool:
    return isinstance(v, str) and bool(_UID.match(v))


def _is_time(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


def _is_time_or_null(v: Any) -> bool:
    return v is None or _is_time(v)


def _is_touch(v: Any) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 1)


def _is_score(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100


def _is_seconds_or_null(v: Any) -> bool:
    return v is None or (_is_number(v) and v >= 0)


def _is_verdict(v: Any) -> bool:
    return v in STATUSES and v != "skip"


def _is_number_table(v: Any) -> bool:
    return isinstance(v, dict) and all(_is_text(k) and _is_number(x) for k, x in v.items())


def _is_weights(v: Any) -> bool:
    return v is None or (
        isinstance(v, dict)
        and set(v) == {"weights", "points"}
        and all(_is_number_table(t) for t in v.values())
    )


def _is_object(v: Any) -> bool:
    return isinstance(v, dict)


def _is_list(v: Any) -> bool:
    return isinstance(v, list)


#: field -> (is it of the right kind, what it should be, for the error line)
Spec = dict[str, tuple[Callable[[Any], bool], str]]

_UID_KIND = (_is_uid, "32 lowercase hex digits")
_TIME_KIND = (_is_time, "an ISO time")
_TEXT_KIND = (_is_text, "text")

#: a session entry: the Session columns but id, audio_path and folder, plus its parts
SESSION_FIELDS: Spec = {
    "uid": _UID_KIND,
    "created_at": _TIME_KIND,
    "rep": _TEXT_KIND,
    "card_id": _TEXT_KIND,
    "touch": (_is_touch, "a touch number (1 or more) or null"),
    "prospect": _TEXT_KIND,
    "prospect_company": _TEXT_KIND,
    "model": (_is_text_or_null, "text or null"),
    "score": (_is_score, "a whole number from 0 to 100"),
    "source": _TEXT_KIND,
    "sent_at": (_is_time_or_null, "an ISO time or null"),
    "reviewed_at": (_is_time_or_null, "an ISO time or null"),
    "report": (_is_object, "a coach.report/1 object"),
    "weights": (_is_weights, 'null or {"weights": {...}, "points": {...}} of numbers'),
    "audio": (_is_text_or_null, "a member name or null"),
    "comments": (_is_list, "a list"),
    "overrides": (_is_list, "a list"),
}
#: entry fields the store keeps as JSON text, and the columns they go to
JSON_COLUMNS = {"report": "report_json", "weights": "weights_json"}
#: entry fields that are not session columns
PARTS = ("audio", "comments", "overrides")
#: the entry fields that are plain session columns
PLAIN_COLUMNS = tuple(k for k in SESSION_FIELDS if k not in JSON_COLUMNS and k not in PARTS)

COMMENT_FIELDS: Spec = {
    "uid": _UID_KIND,
    "at_s": (_is_seconds_or_null, "seconds (0 or more) or null"),
    "text": _TEXT_KIND,
    "author": _TEXT_KIND,
    "created_at": _TIME_KIND,
}
OVERRIDE_FIELDS: Spec = {
    "uid": _UID_KIND,
    "check_id": (_is_text, "a check id"),
    "status": (_is_verdict, "pass, warn or fail"),
    "reason": _TEXT_KIND,
    "author": _TEXT_KIND,
    "created_at": _TIME_KIND,
}
MANIFEST_FIELDS: Spec = {
    "schema": (_is_text, SCHEMA),
    "created_at": _TIME_KIND,
    "coach_version": _TEXT_KIND,
    "sessions": (_is_list, "a list"),
}


def _check_fields(obj: Any, spec: Spec, where: str) -> dict[str, Any]:
    """``obj`` as a dict with exactly ``spec``'s keys, each of its kind.

    Exact keys, not "at least": the keys of comments and overrides become the
    store's column names, so nothing unexpected may reach it.
    """
    if not isinstance(obj, dict):
        raise Problem(f"{where} is not a JSON object")
    missing = [k for k in spec if k not in obj]
    if missing:
        raise Problem(f"{where} lacks {', '.join(missing)}")
    unknown = sorted(k for k in obj if k not in spec)
    if unknown:
        raise Problem(f"{where} has unknown field {', '.join(repr(k) for k in unknown)}")
    for key, (ok, expected) in spec.items():
        if not ok(obj[key]):
            raise Problem(f"{where}: {key} is {_shown(obj[key])}, not {expected}")
    return obj


def _shown(value: Any) -> str:
    """A value for an error line: its JSON, cut short."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


# -- the manifest ------------------------------------------------------------------


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
    """The manifest's sessions, each checked field by field."""
    schema = manifest.get("schema") if isinstance(manifest, dict) else None
    if schema != SCHEMA:
        if isinstance(schema, str) and schema.startswith("coach.bundle/"):
            raise Problem(f"{MANIFEST} is {schema}, this coach reads {SCHEMA} — upgrade coach")
        raise Problem(f"{MANIFEST} is not a {SCHEMA} manifest (schema {_shown(schema)})")
    _check_fields(manifest, MANIFEST_FIELDS, MANIFEST)
    entries = [
        check_session(s, f"session {n} of {MANIFEST}")
        for n, s in enumerate(manifest["sessions"], 1)
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
    """One session entry: its fields, report, audio name, comments and overrides."""
    s = _check_fields(obj, SESSION_FIELDS, where)
    where = f"{where} (uid {s['uid']})"
    problem = _report_problem(s["report"])
    if problem:
        raise Problem(f"{where}: its report {problem}")
    if s["audio"] is not None and s["audio"] != audio_name(s["uid"]):
        raise Problem(f"{where}: audio is {_shown(s['audio'])}, not {audio_name(s['uid'])!r}")
    comments = [
        _check_fields(c, COMMENT_FIELDS, f"{where}: comment {i}")
        for i, c in enumerate(s["comments"], 1)
    ]
    checks = {c["id"] for c in s["report"]["checks"]}
    overrides = []
    for i, o in enumerate(s["overrides"], 1):
        override = _check_fields(o, OVERRIDE_FIELDS, f"{where}: override {i}")
        if override["check_id"] not in checks:
            raise Problem(
                f"{where}: override {i} is for {override['check_id']!r}, not a check in the report"
            )
        overrides.append(override)
    return Entry(fields=_columns(s), audio=s["audio"], comments=comments, overrides=overrides)


def _report_problem(data: dict[str, Any]) -> str | None:
    """Why a report object cannot be shown or re-scored, or ``None`` when it can."""
    try:
        report = report_from_json(data)
    except ValueError as exc:
        return f"is {exc}"
    except KeyError as exc:
        return f"lacks {exc}"
    except (TypeError, AttributeError) as exc:
        return f"is malformed ({exc})"
    if not _is_score(report.score):
        return f"has score {_shown(report.score)}, not a whole number from 0 to 100"
    for check in report.checks:
        if not _is_text(check.id) or check.status not in STATUSES:
            return f"has a check {_shown(check.id)} with status {_shown(check.status)}"
    if not all(_is_number(w.start) and _is_number(w.end) for w in report.transcript.words):
        return "has a word without start and end times in seconds"
    return None


def _columns(entry: dict[str, Any]) -> dict[str, Any]:
    """A checked entry as the session columns the store writes."""
    fields = {k: entry[k] for k in PLAIN_COLUMNS}
    fields["report_json"] = json.dumps(entry["report"], ensure_ascii=False)
    weights = entry["weights"]
    fields["weights_json"] = None if weights is None else json.dumps(weights)
    return fields


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
    if info.file_size > cap:
        raise Problem(f"entry {info.filename!r} is {info.file_size} bytes, over the {cap} allowed")
    chunks = []
    total = 0
    for chunk in _chunks(zf, info):
        total += len(chunk)
        if total > cap:
            raise Problem(f"entry {info.filename!r} unpacks to more than the {cap} bytes allowed")
        chunks.append(chunk)
    return b"".join(chunks)


def check_audio(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """The member is at most :data:`MAX_AUDIO_BYTES`, reads with a good CRC, and is FLAC.

    Read through without being kept, so checking a big bundle costs no memory.
    """
    if info.file_size > MAX_AUDIO_BYTES:
        raise Problem(
            f"entry {info.filename!r} is {info.file_size} bytes, over the {MAX_AUDIO_BYTES} allowed"
        )
    head = b""
    total = 0
    for chunk in _chunks(zf, info):
        head = head or chunk[: len(FLAC_MAGIC)]
        total += len(chunk)
        if total > MAX_AUDIO_BYTES:
            raise Problem(
                f"entry {info.filename!r} unpacks to more than the {MAX_AUDIO_BYTES} bytes allowed"
            )
    if head != FLAC_MAGIC:
        raise Problem(f"entry {info.filename!r} is not FLAC audio")


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Unpack a member piece by piece; reaching its end also checks its CRC."""
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error) as exc:
        raise Problem(f"entry {info.filename!r} cannot be read ({exc})") from None
