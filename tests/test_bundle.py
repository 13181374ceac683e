"""Bundles: coach export / coach import between two stores, and every bundle import refuses."""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import json
import sqlite3
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import Result
from typer.testing import CliRunner

from coach.cli import app
from coach.report import to_json
from coach.rubric.config import load_rubric
from coach.speech.audio import load
from coach.team import bundle_format
from coach.team.bundle import Imported, export_bundle, open_bundle
from coach.team.bundle_format import (
    COMMENT_FIELDS,
    JSON_COLUMNS,
    OVERRIDE_FIELDS,
    PLAIN_COLUMNS,
)
from coach.team.review import Comment, Override, Weights
from coach.team.store import Session, Store
from tests.scripts import GOOD, WEAK, script_report

runner = CliRunner()


_report = script_report


def _tone(seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(16_000 * seconds)) / 16_000
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _cli(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def _error_line(result: Result) -> str:
    """The one line a refused command prints, after checking it is exit 2 and no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.fixture
def store_a(tmp_path: Path, fixtures_dir: Path) -> Iterator[Store]:
    """Three sessions: a reviewed take with real audio, a weak one with a tone, one without."""
    with _store_a(tmp_path / "a" / "coach.db", fixtures_dir) as a:
        yield a


@contextmanager
def _store_a(path: Path, fixtures_dir: Path) -> Iterator[Store]:
    with Store(path) as a:
        take = a.save(
            _report(GOOD, touch=1),
            rep="Chris Walker",
            card_id="acme-t1",
            prospect="Dana Reyes",
            prospect_company="Acme",
            audio=load(fixtures_dir / "t1_good_slt.flac").samples,
            sent_at="2025-03-03T10:00:00Z",
            weights=Weights.of(load_rubric(None)),
        )
        a.add_comment(take.id, "Say the number slower", at_s=12.5, author="Lee")
        a.add_override(take.id, "hook", "fail", "no proof for this prospect", author="Lee")
        a.save(_report(WEAK, touch=2), rep="Dana Reyes", audio=_tone())
        a.save(_report(GOOD, touch=3), rep="Chris Walker")
        yield a


def _export(store: Store, out: Path, *args: object) -> Path:
    result = _cli("export", *args, "--store", store.path, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def _portable(store: Store, session: Session) -> dict[str, Any]:
    """Everything a session is, but what only means something in one store (ids, paths)."""
    kept = {f.name: getattr(session, f.name) for f in fields(Session)}
    for local in ("id", "audio_path", "folder"):
        del kept[local]
    kept["audio"] = None if session.audio is None else session.audio.read_bytes()
    kept["comments"] = [_part(c) for c in store.comments(session.id)]
    kept["overrides"] = [_part(o) for o in store.overrides(session.id)]
    kept["reviewed_report"] = to_json(store.reviewed_report(session))
    return kept


def _part(item: Comment | Override) -> dict[str, Any]:
    return {
        f.name: getattr(item, f.name) for f in fields(item) if f.name not in ("id", "session_id")
    }


def test_bundle_carries_every_session_comment_and_override_column() -> None:
    carried = set(PLAIN_COLUMNS) | set(JSON_COLUMNS.values())
    assert carried == {f.name for f in fields(Session)} - {"id", "audio_path", "folder"}
    assert set(COMMENT_FIELDS) == {f.name for f in fields(Comment)} - {"id", "session_id"}
    assert set(OVERRIDE_FIELDS) == {f.name for f in fields(Override)} - {"id", "session_id"}


def test_round_trip_carries_sessions_audio_and_reviews(store_a: Store, tmp_path: Path) -> None:
    a_sessions = store_a.sessions()
    take = store_a.get(1)
    assert take.score != take.report.score  # the override re-scored it: a score worth carrying
    bundle = tmp_path / "share" / "takes.zip"
    bundle.parent.mkdir()

    exported = _cli("export", "--store", store_a.path, "--out", bundle)
    assert exported.exit_code == 0, exported.output
    size_kb = bundle.stat().st_size / 1000
    assert exported.stdout.strip() == (
        f"Exported 3 sessions (2 with audio, 2 review items), {size_kb:.0f} kB, to {bundle}"
    )
    assert exported.stderr == ""
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = zf.namelist()
    assert manifest["schema"] == "coach.bundle/1"
    assert [s["uid"] for s in manifest["sessions"]] == [s.uid for s in reversed(a_sessions)]
    assert manifest["sessions"][0]["report"]["schema"] == "coach.report/1"
    assert names == ["manifest.json", f"audio/{take.uid}.flac", f"audio/{store_a.get(2).uid}.flac"]

    b_path = tmp_path / "b" / "coach.db"
    imported = _cli("import", bundle, "--store", b_path)
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.strip() == (
        "Imported 3 new sessions (0 of 3 already here), 2 review items, "
        f"from {bundle} into {b_path}"
    )
    with Store(b_path) as b:
        assert len(b.sessions()) == 3
        for a_session in a_sessions:
            b_session = b.by_uid(a_session.uid)
            assert b_session is not None
            assert _portable(b, b_session) == _portable(store_a, a_session)
            if b_session.audio is not None:
                assert b_session.audio == b.folder / "audio" / f"{b_session.id}.flac"
        carried = b.by_uid(take.uid)
        assert carried is not None and carried.score == take.score
        assert carried.audio is not None
        assert load(carried.audio).duration_s == pytest.approx(load(take.audio).duration_s)


def test_import_twice_adds_nothing_twice(store_a: Store, tmp_path: Path) -> None:
    bundle = _export(store_a, tmp_path / "takes.zip")
    b_path = tmp_path / "b" / "coach.db"
    assert _cli("import", bundle, "--store", b_path).exit_code == 0
    again = _cli("import", bundle, "--store", b_path)
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == (
        "Imported 0 new sessions (3 of 3 already here), 0 review items, "
        f"from {bundle} into {b_path}"
    )
    with Store(b_path) as b:
        sessions = b.sessions()
        assert len(sessions) == 3
        assert sum(len(b.comments(s.id)) for s in sessions) == 1
        assert sum(len(b.overrides(s.id)) for s in sessions) == 1
    assert sorted(p.name for p in (b_path.parent / "audio").iterdir()) == ["1.flac", "2.flac"]


def test_review_made_elsewhere_comes_back_as_just_the_new_items(
    store_a: Store, tmp_path: Path
) -> None:
    b_path = tmp_path / "b" / "coach.db"
    assert _cli("import", _export(store_a, tmp_path / "to-b.zip"), "--store", b_path).exit_code == 0
    weak_uid = store_a.get(2).uid
    with Store(b_path) as b:
        weak_b = b.by_uid(weak_uid)
        assert weak_b is not None
        note = b.add_comment(weak_b.id, "Lead with the reason", at_s=0.5, author="Lee")

    back = _export_from(b_path, tmp_path / "back.zip")
    result = _cli("import", back, "--store", store_a.path)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "Imported 0 new sessions (3 of 3 already here), 1 review item, "
        f"from {back} into {store_a.path}"
    )
    assert len(store_a.sessions()) == 3
    assert [c.uid for c in store_a.comments(2)] == [note.uid]
    assert store_a.comments(2)[0].text == "Lead with the reason"
    assert len(store_a.comments(1)) == 1 and len(store_a.overrides(1)) == 1
    assert store_a.get(2).reviewed_at is not None

    # An override made there re-scores the take here too.
    before = store_a.get(2).score
    with Store(b_path) as b:
        weak_b = b.by_uid(weak_uid)
        assert weak_b is not None
        b.add_override(weak_b.id, "opening", "pass", "a warm lead", author="Lee")
        rescored = b.get(weak_b.id).score
    assert rescored != before
    again = _cli("import", _export_from(b_path, tmp_path / "back2.zip"), "--store", store_a.path)
    assert "1 review item," in again.stdout
    assert store_a.get(2).score == rescored


def _export_from(store_path: Path, out: Path) -> Path:
    result = _cli("export", "--store", store_path, "--out", out)
    assert result.exit_code == 0, result.output
    return out


def _uids_in(bundle: Path) -> list[str]:
    with zipfile.ZipFile(bundle) as zf:
        return [s["uid"] for s in json.loads(zf.read("manifest.json"))["sessions"]]


def test_export_selects_by_ids_or_by_filters(store_a: Store, tmp_path: Path) -> None:
    uid = {s.id: s.uid for s in store_a.sessions()}
    by_ids = _export(store_a, tmp_path / "ids.zip", 3, 1, 1)
    assert _uids_in(by_ids) == [uid[1], uid[3]]  # each once, oldest first
    by_rep = _export(store_a, tmp_path / "rep.zip", "--rep", "chris walker")
    assert _uids_in(by_rep) == [uid[1], uid[3]]
    by_touch = _export(store_a, tmp_path / "touch.zip", "--touch", "2")
    assert _uids_in(by_touch) == [uid[2]]

    out = tmp_path / "none.zip"
    nothing = _cli("export", "--since", "2999-01-01", "--store", store_a.path, "--out", out)
    assert _error_line(nothing) == (
        f"Error: no sessions match in {store_a.path} — nothing exported; see coach sessions"
    )
    both = _cli("export", "3", "--rep", "Dana Reyes", "--store", store_a.path, "--out", out)
    assert _error_line(both) == "Error: give session ids or filters, not both (ids and --rep)"
    unknown = _cli("export", "99", "--store", store_a.path, "--out", out)
    assert _error_line(unknown) == (
        f"Error: no session 99 in {store_a.path} — run coach sessions to list them"
    )
    bad_day = _cli("export", "--since", "yesterday", "--store", store_a.path, "--out", out)
    assert _error_line(bad_day) == (
        "Error: --since 'yesterday' is not a date — use YYYY-MM-DD, e.g. 2025-03-01"
    )
    assert not out.exists()


def test_export_from_an_empty_store_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty" / "coach.db"
    result = _cli("export", "--store", empty, "--out", tmp_path / "x.zip")
    assert _error_line(result) == f"Error: no saved sessions in {empty} — nothing to export"
    assert not (tmp_path / "x.zip").exists()


def test_export_never_clobbers_or_leaves_half_bundles(
    store_a: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "takes.zip"
    out.write_bytes(b"someone's file")
    refused = _cli("export", "--store", store_a.path, "--out", out)
    assert _error_line(refused) == f"Error: --out {out} already exists — give --force to replace it"
    assert out.read_bytes() == b"someone's file"
    forced = _cli("export", "--store", store_a.path, "--out", out, "--force")
    assert forced.exit_code == 0, forced.output
    assert _uids_in(out) == [s.uid for s in reversed(store_a.sessions())]

    folder = _cli("export", "--store", store_a.path, "--out", tmp_path)
    assert "is a folder — give a file name" in _error_line(folder)
    nowhere = tmp_path / "nope" / "takes.zip"
    missing = _cli("export", "--store", store_a.path, "--out", nowhere)
    assert _error_line(missing) == (
        f"Error: --out {nowhere}: the folder {nowhere.parent} does not exist — create it first"
    )

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "write", full_disk)
    cut = tmp_path / "cut.zip"
    failed = _cli("export", "--store", store_a.path, "--out", cut)
    assert _error_line(failed) == (
        f"Error: cannot write the bundle {cut}: [Errno 28] No space left on device"
    )
    assert not cut.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_session_whose_audio_is_gone_is_exported_without_it(store_a: Store, tmp_path: Path) -> None:
    gone = store_a.get(2).audio
    assert gone is not None
    gone.unlink()
    result = _cli("export", "--store", store_a.path, "--out", tmp_path / "takes.zip")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().splitlines() == [
        f"Warning: session 2: its audio {gone} is missing — exported without audio"
    ]
    assert "(1 with audio, 2 review items)" in result.stdout

    b_path = tmp_path / "b" / "coach.db"
    assert _cli("import", tmp_path / "takes.zip", "--store", b_path).exit_code == 0
    with Store(b_path) as b:
        carried = b.by_uid(store_a.get(2).uid)
        assert carried is not None and carried.audio is None


def test_export_leaves_out_a_row_that_cannot_be_read(store_a: Store, tmp_path: Path) -> None:
    db = sqlite3.connect(store_a.path)
    db.execute("UPDATE sessions SET report_json = ? WHERE id = 3", ('{"schema": "x/1"}',))
    db.commit()
    db.close()
    out = tmp_path / "takes.zip"
    named = _cli("export", 3, "--store", store_a.path, "--out", out)
    assert _error_line(named) == (
        f"Error: session 3 in {store_a.path} cannot be read (Invalid enum value 'x/1' - at "
        "`$.schema`) — coach sessions delete 3 removes it"
    )
    assert not out.exists()
    # Without ids the rotten row is left out, named on stderr, and the rest goes.
    result = _cli("export", "--store", store_a.path, "--out", out)
    assert result.exit_code == 0, result.output
    assert "Warning: session 3 in " in result.stderr
    assert _uids_in(out) == [store_a.get(1).uid, store_a.get(2).uid]


# -- bundles import must refuse ------------------------------------------------------


@dataclass(frozen=True)
class Good:
    """A real bundle's parts, to craft bad ones from."""

    manifest: dict[str, Any]
    audio: dict[str, bytes]

    @property
    def uid(self) -> str:
        return str(self.manifest["sessions"][0]["uid"])

    @property
    def audio_name(self) -> str:
        return f"audio/{self.uid}.flac"

    def members(self, manifest: dict[str, Any] | None = None) -> list[tuple[Any, bytes]]:
        text = json.dumps(self.manifest if manifest is None else manifest)
        return [("manifest.json", text.encode()), *self.audio.items()]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory, fixtures_dir: Path) -> Good:
    """Built once a module: every case deep-copies what it changes (see :func:`_changed`)."""
    folder = tmp_path_factory.mktemp("good")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COACH_HOME", str(folder / "coach-home"))
        with _store_a(folder / "a" / "coach.db", fixtures_dir) as store:
            bundle = _export(store, folder / "good.zip")
    with zipfile.ZipFile(bundle) as zf:
        audio = {n: zf.read(n) for n in zf.namelist() if n.startswith("audio/")}
        manifest = json.loads(zf.read("manifest.json"))
    return Good(manifest, audio)


def _zip(path: Path, members: list[tuple[Any, bytes]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": one case is about exactly that
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in members:
                zf.writestr(name, data)


Build = Callable[[Good, Path], None]


def _plus(name: str, data: bytes = b"fLaC evil") -> Build:
    return lambda good, path: _zip(path, [*good.members(), (name, data)])


def _changed(change: Callable[[dict[str, Any]], None]) -> Build:
    def build(good: Good, path: Path) -> None:
        manifest = copy.deepcopy(good.manifest)
        change(manifest)
        _zip(path, good.members(manifest))

    return build


def _first(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    return lambda manifest: change(manifest["sessions"][0])


def _raw(data: bytes) -> Build:
    return lambda good, path: path.write_bytes(data)


def _symlink(good: Good, path: Path) -> None:
    link = zipfile.ZipInfo(good.audio_name)
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    members = [m for m in good.members() if m[0] != good.audio_name]
    _zip(path, [*members, (link, b"/etc/passwd")])


def _replace_audio(data: bytes | None) -> Build:
    def build(good: Good, path: Path) -> None:
        members = [m for m in good.members() if m[0] != good.audio_name]
        _zip(path, members + ([] if data is None else [(good.audio_name, data)]))

    return build


def _bad_crc(good: Good, path: Path) -> None:
    _zip(path, good.members())
    raw = bytearray(path.read_bytes())
    at = raw.find(good.audio[good.audio_name][1000:1040])
    assert at > 0  # stored, not deflated: the FLAC's bytes are in the zip as they are
    raw[at + 10] ^= 0xFF
    path.write_bytes(bytes(raw))


def _uid_twice(manifest: dict[str, Any]) -> None:
    manifest["sessions"][2]["uid"] = manifest["sessions"][0]["uid"]


def _sql_key(session: dict[str, Any]) -> None:
    session["comments"][0]["text) VALUES (1); DROP TABLE sessions; --"] = "x"


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda obj: obj.__setitem__(key, value)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda obj: obj.__delitem__(key)


def _last(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """Spoil the last session: before #14 the ones before it were imported by then."""
    return lambda manifest: change(manifest["sessions"][-1])


def _reviewed_with(weights: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """The last session gets an override (a copy of the first's, new uid) and these weights."""

    def change(manifest: dict[str, Any]) -> None:
        override = dict(manifest["sessions"][0]["overrides"][0], uid="e" * 32)
        manifest["sessions"][-1]["overrides"] = [override]
        manifest["sessions"][-1]["weights"] = weights

    return change


def _report_at(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(session: dict[str, Any]) -> None:
        obj = session["report"]
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = value

    return change


def _first_evidence(value: Any) -> Callable[[dict[str, Any]], None]:
    def change(session: dict[str, Any]) -> None:
        check = next(c for c in session["report"]["checks"] if c["evidence"])
        check["evidence"][0]["start"] = value

    return change


_WEIGHTS = {c: 10.0 for c in load_rubric(None).weights()}
_POINTS = {"pass": 1.0, "warn": 0.5, "fail": 0.0}
_WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00" + b"\x00" * 64
_AT = "manifest.json: * - at `$.sessions"


# (build, the error after "Error: <bundle>: ", with {uid} and {audio}; * matches anything)
REFUSED: dict[str, tuple[Build, str]] = {
    "dot-dot": (_plus("../evil.flac"), "entry '../evil.flac' climbs out of the folder with '..'"),
    "absolute": (_plus("/etc/evil"), "entry '/etc/evil' is an absolute path"),
    "dot-dot-inside": (_plus("audio/../../x"), "entry 'audio/../../x' climbs out of the folder *"),
    "drive": (_plus("C:/evil.flac"), "entry 'C:/evil.flac' names a drive"),
    "backslash": (
        _plus("audio\\..\\..\\evil.flac"),
        "entry 'audio\\\\..\\\\..\\\\evil.flac' has a backslash in its name (a Windows path)",
    ),
    "symlink": (_symlink, "entry '{audio}' is a symbolic link"),
    "folder-entry": (_plus("audio/"), "entry 'audio/' is a folder entry"),
    "unexpected": (
        _plus("notes.txt", b"hi"),
        "unexpected entry 'notes.txt' (a bundle holds manifest.json and audio/UID.flac)",
    ),
    "twice": (_plus("manifest.json", b"{}"), "entry 'manifest.json' appears twice"),
    "no-manifest": (
        lambda good, path: _zip(path, list(good.audio.items())),
        "no manifest.json — not a bundle made by coach export",
    ),
    "not-json": (
        lambda good, path: _zip(path, [("manifest.json", b"{not json"), *good.audio.items()]),
        "manifest.json is not JSON (Expecting property name enclosed in double quotes: *)",
    ),
    "newer-schema": (
        _changed(_set("schema", "coach.bundle/2")),
        "manifest.json is coach.bundle/2, this coach reads coach.bundle/1 — upgrade coach",
    ),
    "other-schema": (
        _changed(_set("schema", "epub/3")),
        'manifest.json is not a coach.bundle/1 manifest (schema "epub/3")',
    ),
    "missing-field": (
        _changed(_first(_drop("score"))),
        "manifest.json: Object missing required field `score` - at `$.sessions[0]`",
    ),
    "wrong-type": (
        _changed(_first(_set("touch", "one"))),
        "manifest.json: Expected `int | null`, got `str` - at `$.sessions[0].touch`",
    ),
    "bad-uid": (
        _changed(_first(_set("uid", "../../etc/passwd"))),
        "manifest.json: Expected `str` matching regex * - at `$.sessions[0].uid`",
    ),
    "report-schema": (
        _changed(_first(lambda s: s["report"].__setitem__("schema", "coach.report/9"))),
        "manifest.json: Invalid enum value 'coach.report/9' - at `$.sessions[0].report.schema`",
    ),
    "report-truncated": (
        _changed(_first(lambda s: s["report"].__delitem__("checks"))),
        "manifest.json: Object missing required field `checks` - at `$.sessions[0].report`",
    ),
    "key-into-sql": (
        _changed(_first(_sql_key)),
        "manifest.json: Object contains unknown field `text) VALUES *` - at "
        "`$.sessions[0].comments[0]`",
    ),
    "override-unknown-check": (
        _changed(_first(lambda s: s["overrides"][0].__setitem__("check_id", "charisma"))),
        "session 1 of manifest.json (uid {uid}): override 1 is for 'charisma', "
        "not a check in the report",
    ),
    "audio-renamed": (
        _changed(_first(_set("audio", "audio/../../x.flac"))),
        "session 1 of manifest.json (uid {uid}): audio is \"audio/../../x.flac\", not '{audio}'",
    ),
    "uid-twice": (_changed(_uid_twice), "manifest.json: uid {uid} is used twice"),
    "audio-missing": (
        _replace_audio(None),
        "entry '{audio}' is in the manifest but not in the bundle",
    ),
    "audio-not-flac": (
        _replace_audio(b"RIFF\x24\x00\x00\x00WAVEfmt "),
        "entry '{audio}' is not FLAC audio (no fLaC magic)",
    ),
    "audio-bad-crc": (_bad_crc, "entry '{audio}' cannot be read (Bad CRC-32 for file *)"),
    "not-a-zip": (_raw(b"Dear lead, here are my takes.\n"), "is not a zip file (*)"),
    "empty": (_raw(b""), "is empty"),
    # -- #14: bundles that passed the old checks and then crashed or spoiled the store --
    "points-missing-with-override": (
        _changed(_reviewed_with({"weights": _WEIGHTS, "points": {"warn": 0.5, "fail": 0.0}})),
        _AT + "[2].weights.points`",
    ),
    "points-1000": (
        _changed(_reviewed_with({"weights": _WEIGHTS, "points": {**_POINTS, "pass": 1000}})),
        _AT + "[2].weights.points.pass`",
    ),
    "weights-1e308": (
        _changed(_reviewed_with({"weights": {**_WEIGHTS, "hook": 1e308}, "points": _POINTS})),
        _AT + "[2].weights.weights[...]`",
    ),
    "touch-10**30": (_changed(_last(_set("touch", 10**30))), _AT + "[2].touch`"),
    "score-10**30": (_changed(_last(_set("score", 10**30))), _AT + "[2].score`"),
    "comment-at-10**30": (
        _changed(_first(lambda s: s["comments"][0].__setitem__("at_s", 10**30))),
        _AT + "[0].comments[0].at_s`",
    ),
    "created-year-1": (
        _changed(_last(_set("created_at", "0001-01-01T00:00:00+05:00"))),
        _AT + "[2]`",
    ),
    "created-year-9999": (
        _changed(_last(_set("created_at", "9999-12-31T23:59:59-05:00"))),
        _AT + "[2]`",
    ),
    "created-naive": (
        _changed(_last(_set("created_at", "2025-03-01T10:00:00"))),
        _AT + "[2].created_at`",
    ),
    "sent-naive": (
        _changed(_last(_set("sent_at", "2025-03-01T10:00:00"))),
        _AT + "[2].sent_at`",
    ),
    "wpm-text": (
        _changed(_last(_report_at("metrics", "wpm", value="fast"))),
        _AT + "[2].report.metrics.wpm`",
    ),
    "message-number": (
        _changed(_last(lambda s: s["report"]["checks"][0].__setitem__("message", 12345))),
        _AT + "[2].report.checks[0].message`",
    ),
    "evidence-start-text": (
        _changed(_last(_first_evidence("soon"))),
        _AT + "[2].report.checks[*].evidence[0].start`",
    ),
    "report-score-text": (
        _changed(_last(_report_at("score", value="90"))),
        _AT + "[2].report.score`",
    ),
    "word-time-1e300": (
        _changed(_first(_report_at("transcript", "words", 0, "end", value=1e300))),
        _AT + "[0].report.transcript.words[0].end`",
    ),
    "uid-newline": (
        _changed(_last(lambda s: s.__setitem__("uid", s["uid"] + "\n"))),
        _AT + "[2].uid`",
    ),
    "rep-escape-sequence": (
        _changed(_last(_set("rep", "Eve\x1b[2K\rAlice"))),
        _AT + "[2].rep`",
    ),
    "author-osc-52": (
        _changed(
            _first(lambda s: s["comments"][0].__setitem__("author", "\x1b]52;c;ZXZpbA==\x07"))
        ),
        _AT + "[0].comments[0].author`",
    ),
    "rep-1-mb": (_changed(_last(_set("rep", "x" * 2**20))), _AT + "[2].rep`"),
    "audio-flac-magic-then-wav": (
        _replace_audio(b"fLaC" + _WAV),
        "entry '{audio}' is not FLAC audio (no STREAMINFO block)",
    ),
    "audio-flac-magic-alone": (
        _replace_audio(b"fLaC"),
        "entry '{audio}' is not FLAC audio (its metadata is cut short)",
    ),
}


def _snapshot(root: Path) -> dict[str, str]:
    """Every file under root (but store A's folder) and a hash of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != "a"
    }


@pytest.fixture
def store_b(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with one session of its own; the working folder is inside tmp_path too."""
    path = tmp_path / "b" / "coach.db"
    with Store(path) as b:
        b.save(_report(GOOD, touch=1), rep="Dana Reyes", audio=_tone(0.5))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # where a careless extractor would write "../evil.flac"
    return path


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_bundles_are_refused_with_one_line_and_nothing_written(
    case: str, good: Good, store_b: Path, tmp_path: Path
) -> None:
    build, expected = REFUSED[case]
    bundle = tmp_path / f"{case}.zip"
    build(good, bundle)
    before = _snapshot(tmp_path)

    result = _cli("import", bundle, "--store", store_b)

    line = _error_line(result)
    wanted = f"Error: {bundle}: {expected} — nothing was imported"
    wanted = wanted.replace("{uid}", good.uid).replace("{audio}", good.audio_name)
    assert fnmatch.fnmatchcase(line, wanted.replace("[", "[[]")), line
    assert _snapshot(tmp_path) == before
    with Store(store_b) as b:
        assert len(b.sessions()) == 1


def test_a_crafted_copy_of_a_good_bundle_imports(good: Good, store_b: Path, tmp_path: Path) -> None:
    """The control for the table above: crafting itself does not spoil a bundle."""
    bundle = tmp_path / "copy.zip"
    _zip(bundle, good.members())
    result = _cli("import", bundle, "--store", store_b)
    assert result.exit_code == 0, result.output
    assert "Imported 3 new sessions (0 of 3 already here), 2 review items" in result.stdout


@pytest.mark.parametrize(
    ("missing", "expected"),
    [
        ("gone.zip", "Error: {path}: no such file — give a bundle made by coach export"),
        ("", "Error: {path} is a folder — give a bundle file made by coach export"),
    ],
)
def test_a_bundle_that_is_not_a_file_is_refused(
    missing: str, expected: str, store_b: Path, tmp_path: Path
) -> None:
    path = tmp_path / missing if missing else tmp_path
    before = _snapshot(tmp_path)
    result = _cli("import", path, "--store", store_b)
    assert _error_line(result) == expected.format(path=path)
    assert _snapshot(tmp_path) == before


def test_an_import_that_is_refused_does_not_create_a_store(good: Good, tmp_path: Path) -> None:
    bundle = tmp_path / "bad.zip"
    _replace_audio(b"not flac")(good, bundle)
    fresh = tmp_path / "fresh" / "coach.db"
    assert _cli("import", bundle, "--store", fresh).exit_code == 2
    assert not fresh.parent.exists()


@pytest.mark.parametrize("member", ["audio", "manifest"])
def test_a_zip_bomb_is_refused_before_it_is_unpacked(
    member: str, good: Good, store_b: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = 2**20
    monkeypatch.setattr(bundle_format, "MAX_AUDIO_BYTES", cap)
    monkeypatch.setattr(bundle_format, "MAX_MANIFEST_BYTES", cap)
    bomb = b"fLaC" + bytes(20 * cap)  # 20 MiB of zeros deflate to ~20 kB
    bundle = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        if member == "audio":
            zf.writestr("manifest.json", json.dumps(good.manifest))
            for other, data in good.audio.items():
                zf.writestr(other, bomb if other == good.audio_name else data)
            name = good.audio_name
        else:
            zf.writestr("manifest.json", b" " * (20 * cap) + json.dumps(good.manifest).encode())
            name = "manifest.json"
    assert bundle.stat().st_size < cap
    result = _cli("import", bundle, "--store", store_b)
    size = len(bomb) if member == "audio" else 20 * cap + len(json.dumps(good.manifest))
    assert _error_line(result) == (
        f"Error: {bundle}: entry '{name}' is {size} bytes, over the {cap} allowed"
        " — nothing was imported"
    )


def test_a_bundle_goes_into_a_postgresql_store_and_back(
    store_a: Store, pg_url: str, tmp_path: Path
) -> None:
    """A rep's SQLite takes into the team's PostgreSQL store, twice, and a lead's review back."""
    bundle = _export(store_a, tmp_path / "takes.zip")
    with Store(pg_url, audio_dir=tmp_path / "team") as team:
        with open_bundle(bundle) as opened:
            assert opened.import_into(team) == Imported(sessions=3, new=3, review_items=2)
        with open_bundle(bundle) as opened:
            assert opened.import_into(team) == Imported(sessions=3, new=0, review_items=0)
        assert len(team.sessions()) == 3
        for a_session in store_a.sessions():
            b_session = team.by_uid(a_session.uid)
            assert b_session is not None
            assert _portable(team, b_session) == _portable(store_a, a_session)
        weak = team.by_uid(store_a.get(2).uid)
        assert weak is not None
        note = team.add_comment(weak.id, "Lead with the reason", at_s=0.5, author="Lee")
        team.add_override(weak.id, "opening", "pass", "a warm lead", author="Lee")
        rescored = team.get(weak.id).score
        back = tmp_path / "back.zip"
        export_bundle(team, team.sessions(), back)
    with open_bundle(back) as opened:
        assert opened.import_into(store_a) == Imported(sessions=3, new=0, review_items=2)
    assert [c.uid for c in store_a.comments(2)] == [note.uid]
    assert store_a.get(2).score == rescored
