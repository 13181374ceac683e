"""Property-based tests of what comes from outside (#14): bundle manifests, stored reports, numbers.

Hypothesis spoils a good manifest or report at any path with any JSON value
(huge integers, extreme floats, times at the calendar's edges, escape
sequences, markup), and feeds numeric options any text.  Whatever it makes
must be refused with one clear error or accepted and then work everywhere —
imported, listed, shown, re-scored — never a traceback.

Examples per property: ``COACH_HYPOTHESIS_EXAMPLES`` (200 in the normal
suite and CI; the issue's 10,000 with ``COACH_HYPOTHESIS_EXAMPLES=10000``).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from coach.cli import app
from coach.cli.output import SafeConsole
from coach.errors import CoachError
from coach.report import to_json
from coach.rubric.config import load_rubric
from coach.team import bundle_format as fmt
from coach.team.review import Weights
from coach.team.store import Adoption, Store, StoreError
from coach.views.terminal import comments_view, report_view
from tests.scripts import GOOD, WEAK, script_report

EXAMPLES = int(os.environ.get("COACH_HYPOTHESIS_EXAMPLES", "200"))
#: the suite's 600 s per test, scaled with the examples asked for: 10,000 CLI
#: examples take ~20 min on a busy 2-core machine, and pytest-timeout would cut
#: the run short and Hypothesis would report the cut as a flaky failure
pytestmark = pytest.mark.timeout(600 * max(1, EXAMPLES // 200))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
runner = CliRunner()

# -- what the spoiler puts in -------------------------------------------------------------

EDGES: list[Any] = [
    10**30,
    -(10**30),
    2**63,
    2**63 - 1,
    -1,
    0,
    1e308,
    -1e308,
    5e-324,
    0.5,
    "",
    "fast",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "2025-03-01T10:00:00",
    "2025-03-01T10:00:00Z",
    "0" * 32 + "\n",
    "Eve\x1b[2K\rAlice",
    "\x1b]52;c;ZXZpbA==\x07",
    "[/]",
    "[bold]x",
    "pass",
    "skip",
    "x" * 5000,
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(EDGES),
)
#: what a damaged column can hold (SQLite's types: text, integers that fit, floats)
stored_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from([e for e in EDGES if isinstance(e, str)]),
    st.floats(allow_nan=False),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into a JSON document (keys and list indexes)."""
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _paths(value, (*prefix, i))


@st.composite
def spoiled(draw: st.DrawFn, good: Any) -> Any:
    """``good`` with one to three places replaced, removed, or given an extra key."""
    doc = copy.deepcopy(good)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["set", "set", "set", "drop", "extra"]))
        if action == "set":
            parent[path[-1]] = draw(values)
        elif action == "drop":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(values)
    return doc


# -- a good store and bundle to spoil -----------------------------------------------------


@cache
def _home() -> Path:
    """A store with a reviewed take, a weak one and one without audio (made once)."""
    home = Path(tempfile.mkdtemp(prefix="coach-properties-"))
    t = np.arange(8000) / 16_000
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    with Store(home / "coach.db") as store:
        take = store.save(
            script_report(GOOD, touch=1),
            rep="Chris Walker",
            audio=tone,
            sent_at="2025-03-03T10:00:00Z",
            weights=Weights.of(load_rubric(None)),
        )
        store.add_comment(take.id, "Say the number slower", at_s=1.5, author="Lee")
        store.add_override(take.id, "hook", "fail", "no proof", author="Lee")
        store.save(script_report(WEAK, touch=2), rep="Dana Reyes")
    return home


@cache
def _good_manifest() -> dict[str, Any]:
    home = _home()
    out = home / "good.zip"
    if not out.exists():
        result = runner.invoke(
            app, ["export", "--store", str(home / "coach.db"), "--out", str(out)]
        )
        assert result.exit_code == 0, result.output
    import zipfile

    with zipfile.ZipFile(out) as zf:
        manifest: dict[str, Any] = json.loads(zf.read("manifest.json"))
    return manifest


def _fresh_uids(manifest: dict[str, Any]) -> dict[str, Any]:
    """The same manifest with new uids, so every example adds new rows."""
    doc = copy.deepcopy(manifest)
    for session in doc["sessions"]:
        session["uid"] = uuid.uuid4().hex
        if session["audio"] is not None:
            session["audio"] = fmt.audio_name(session["uid"])
        for part in session["comments"] + session["overrides"]:
            part["uid"] = uuid.uuid4().hex
    return doc


def _render(store: Store, session_id: int) -> None:
    """Everything a lead sees of a session: the reviewed report, the comments, as JSON too."""
    session = store.get(session_id)
    report = store.reviewed_report(session)
    console = SafeConsole(file=io.StringIO(), width=100, markup=False)
    console.print(report_view(report))
    console.print(comments_view(store.comments(session_id)))
    json.dumps(to_json(report))
    session.summary()


def _scratch() -> Store:
    return Store(Path(tempfile.mkdtemp(prefix="coach-prop-store-")) / "coach.db")


_STORE: list[Store] = []


def _shared_store() -> Store:
    if not _STORE:
        _STORE.append(_scratch())
    return _STORE[0]


# -- properties ---------------------------------------------------------------------------


@PROPERTY
@given(data=st.data())
def test_a_spoiled_manifest_is_refused_or_works_everywhere(data: st.DataObject) -> None:
    manifest = data.draw(spoiled(_fresh_uids(_good_manifest())))
    try:
        entries = fmt.check_manifest(manifest)
    except fmt.Problem:
        return
    store = _shared_store()
    items = [Adoption(e.fields, None, e.comments, e.overrides) for e in entries]
    try:
        store.adopt(items)
    except StoreError:
        return  # refused by the store as a whole (nothing was written)
    for entry in entries:
        found = store.by_uid(entry.fields["uid"])
        assert found is not None
        _render(store, found.id)
        store.delete(found.id)
    assert store.skipped == []


@PROPERTY
@given(data=st.data())
def test_a_spoiled_stored_report_is_skipped_or_works_everywhere(data: st.DataObject) -> None:
    store = _shared_store()
    if not store.sessions():
        store.save(script_report(GOOD, touch=1), rep="Chris", weights=Weights.of(load_rubric(None)))
    session = store.sessions()[0]
    good = json.loads(session.report_json)
    spoil = data.draw(st.sampled_from(["json", "json", "json", "text", "time"]))
    db = sqlite3.connect(store.path)
    try:
        original = db.execute(
            "SELECT report_json, created_at FROM sessions WHERE id = ?", (session.id,)
        ).fetchone()
        if spoil == "json":
            text = json.dumps(data.draw(spoiled(good)))
            db.execute("UPDATE sessions SET report_json = ? WHERE id = ?", (text, session.id))
        elif spoil == "text":
            text = data.draw(st.text(max_size=50))
            db.execute("UPDATE sessions SET report_json = ? WHERE id = ?", (text, session.id))
        else:
            when = data.draw(stored_values)
            db.execute("UPDATE sessions SET created_at = ? WHERE id = ?", (when, session.id))
        db.commit()
        fresh = Store(store.path)
        try:
            listed = fresh.sessions()
            if listed:
                _render(fresh, listed[0].id)
            else:
                assert len(fresh.skipped) == 1
            fresh.review_queue()
        finally:
            fresh.close()
    finally:
        db.execute(
            "UPDATE sessions SET report_json = ?, created_at = ? WHERE id = ?",
            (*original, session.id),
        )
        db.commit()
        db.close()


numbers = st.one_of(
    st.integers().map(str),
    st.floats().map(repr),
    st.sampled_from(
        ["nan", "inf", "-inf", "1e308", "99999999999999999999", "-0", "0x10", "1_000", "", " 5"]
    ),
    st.text(max_size=8),
)
COMMANDS = [
    ["sessions", "--touch", "{n}"],
    ["sessions", "--min-score", "{n}"],
    ["sessions", "show", "{n}"],
    ["sessions", "delete", "{n}"],
    ["review", "{n}"],
    ["review", "1", "--comment", "ok", "--at", "{n}"],
    ["export", "{n}", "--out", "{tmp}/x.zip", "--force"],
    ["check", "{script}", "--wpm", "{n}"],
    ["check", "{script}", "--touch", "{n}"],
    ["score", "{tmp}/missing.flac", "--max-minutes", "{n}", "--no-save"],
]


@PROPERTY
@given(command=st.sampled_from(COMMANDS), number=numbers)
def test_numeric_options_never_give_a_traceback(command: list[str], number: str) -> None:
    home = _home()
    script = home / "script.txt"
    if not script.exists():
        script.write_text("Hi Dana, this is Chris from Northwind. Call me at 415-555-0134.\n")
    fill = {"{n}": number, "{tmp}": str(home), "{script}": str(script)}
    args = [fill.get(a, a).replace("{tmp}", str(home)) for a in command]
    result = runner.invoke(app, args, env={"COACH_HOME": str(home)})
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    if result.exit_code == 2:  # bad input: one line, whatever was typed (#14)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr


@PROPERTY
@given(minutes=st.one_of(st.floats(), st.integers(min_value=-(10**30), max_value=10**30)))
def test_max_minutes_is_refused_or_honoured(minutes: float) -> None:
    from coach.speech.audio import load

    take = _home() / "tone.wav"
    if not take.exists():
        import soundfile

        soundfile.write(take, np.full(8000, 0.1, dtype=np.float32), 16_000)
    with contextlib.suppress(CoachError):
        load(take, max_minutes=minutes)
