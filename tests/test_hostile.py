"""Hostile and unlucky input to every promise the README makes (#14).

One table of crafted files, store rows and arguments; each case must give one
``Error:`` line and exit 2 (or, where the promise is "the rest still lists",
exit 0 with one warning) and leave the store as it was.  The bundles of #14
are in tests/test_bundle.py's refused-import table.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from typer.testing import CliRunner

from coach.cli import app
from coach.team.review import Weights
from coach.team.store import Adoption, Store, StoreError
from coach.team.store_files import sweep_temp_audio
from tests.scripts import GOOD, script_report

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
#: C0 controls but newline, DEL and C1: none may reach the terminal from text
CONTROLS = [chr(c) for c in (*range(0x00, 0x0A), *range(0x0B, 0x20), *range(0x7F, 0xA0))]
HOSTILE = (
    "Eve\x1b[2K\rAlice"  # erase the line, write over it
    "\x1b]0;pwned\x07"  # window title
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"  # OSC 8 link
    "\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write the clipboard
    "\x1b[2J\x9b2J"  # clear the screen (7-bit and C1)
)


def _cli(*args: object, input: str | None = None) -> Result:
    return runner.invoke(app, [str(a) for a in args], input=input)


def _one_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def _no_controls(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in text if c in CONTROLS})
    assert found == [], f"control characters reached the output: {found}"


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def _rows(path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    try:
        return [
            *db.execute("SELECT * FROM sessions ORDER BY id"),
            *db.execute("SELECT * FROM comments ORDER BY id"),
            *db.execute("SELECT * FROM overrides ORDER BY id"),
        ]
    finally:
        db.close()


@pytest.fixture
def saved(coach_home: Path) -> Path:
    """A store with two sessions, one reviewed; returns its path."""
    path = coach_home / "coach.db"
    with Store(path) as store:
        first = store.save(script_report(GOOD, touch=1), rep="Chris Walker", audio=_tone())
        store.add_comment(first.id, "Slow down", at_s=1.0, author="Lee")
        store.save(script_report(GOOD, touch=2), rep="Dana Reyes")
    return path


def _tone() -> np.ndarray:
    t = np.arange(8000) / 16_000
    return (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _poke(path: Path, sql: str, *args: object) -> None:
    """Change a row behind the store's back (a hand edit, a damaged file, an older coach)."""
    db = sqlite3.connect(path)
    db.execute(sql, args)
    db.commit()
    db.close()


# -- one line, exit 2: arguments --------------------------------------------------------

BIG = "99999999999999999999"

#: (arguments, the error line's text after "Error: ", * for anything)
BAD_ARGS: dict[str, tuple[list[str], str]] = {
    "show-20-digit-id": (["sessions", "show", BIG], f"no session {BIG} in * — run coach *"),
    "delete-20-digit-id": (["sessions", "delete", BIG], f"no session {BIG} in *"),
    "review-20-digit-id": (["review", BIG], f"no session {BIG} in *"),
    "export-20-digit-id": (["export", BIG, "--out", "{tmp}/x.zip"], f"no session {BIG} in *"),
    "rep-name-not-utf8": (
        ["check", "{script}", "--rep-name", "Chris \udcff"],
        "--rep-name is not valid UTF-8 text — retype it",
    ),
    "rep-name-escape": (
        ["check", "{script}", "--rep-name", "Eve\x1b[2K\rAlice"],
        "--rep-name has a control character (U+001B) — type it as plain text",
    ),
    "rep-name-1-mb": (
        ["check", "{script}", "--rep-name", "x" * 2**20],
        "--rep-name is 1048576 characters long — keep it under 200",
    ),
    "rep-filter-not-utf8": (
        ["sessions", "--rep", "Chris \udcff"],
        "a value to look up is not valid UTF-8 text — retype it",
    ),
    "comment-not-utf8": (
        ["review", "1", "--comment", "bad \udcfe"],
        "--comment is not valid UTF-8 text — retype it",
    ),
    "by-escape": (
        ["review", "1", "--comment", "ok", "--by", "\x1b]52;c;ZXZpbA==\x07"],
        "--by has a control character (U+001B) — type it as plain text",
    ),
    "max-minutes-inf": (
        ["score", "{take}", "--max-minutes", "inf", "--no-save"],
        "--max-minutes must be over 0 and at most 1440, got inf",
    ),
    "max-minutes-nan": (
        ["score", "{take}", "--max-minutes", "nan", "--no-save"],
        "--max-minutes must be over 0 and at most 1440, got nan",
    ),
    "sent-on-year-9999": (
        ["score", "{take}", "--sent-on", "9999-12-31T23:59:59-05:00", "--prospect", "Dana"],
        "--sent-on '9999-12-31T23:59:59-05:00' is outside 1970–2200",
    ),
    "report-over-notes": (
        ["report", "--out", "{tmp}/notes.txt"],
        "--out */notes.txt already exists and is not a team report — give --force to replace it",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ARGS))
def test_bad_arguments_get_one_line_and_leave_the_store_alone(
    case: str, saved: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    import fnmatch

    args, expected = BAD_ARGS[case]
    script = tmp_path / "script.txt"
    script.write_text("Hi Dana, this is Chris from Northwind. Call me at 415-555-0134.\n")
    (tmp_path / "notes.txt").write_text("my notes\n")
    fill = {"{script}": str(script), "{take}": str(fixtures_dir / "t1_good_slt.flac")}
    fill["{tmp}"] = str(tmp_path)
    for key, value in fill.items():
        args = [a.replace(key, value) for a in args]
    before = _snapshot(tmp_path)

    line = _one_error(_cli(*args))

    assert fnmatch.fnmatchcase(line, "Error: " + expected.replace("[", "[[]")), line
    assert _snapshot(tmp_path) == before


def test_a_20_digit_touch_is_a_usage_error_not_a_traceback(saved: Path) -> None:
    for args in (["sessions", "--touch", BIG], ["sessions", "--touch", "1001"]):
        line = _one_error(_cli(*args))
        assert line.startswith("Error: Invalid value for '--touch' / '-t': "), line
    with Store(saved) as store:
        assert store.sessions(touch=int(BIG)) == []


#: A mistyped command line, across commands: (arguments, the line after "Error: ").
#: Typer would print the usage and a boxed panel; the promise is one line that
#: names the option and what is wrong, and points at the command's --help.
USAGE_ERRORS: dict[str, tuple[list[str], str]] = {
    "beam-size-0": (
        ["score", "{take}", "--beam-size", "0"],
        "Invalid value for '--beam-size': Input should be greater than or equal to 1"
        " — see coach score --help",
    ),
    "beam-size-abc": (
        ["score", "{take}", "--beam-size", "abc"],
        "Invalid value for '--beam-size': Input should be a valid integer, *"
        " — see coach score --help",
    ),
    "beam-size-21": (
        ["score", "{take}", "--beam-size", "21"],
        "Invalid value for '--beam-size': * less than or equal to 20 — see coach score --help",
    ),
    "unknown-option": (
        ["score", "{take}", "--bogus"],
        "No such option: --bogus — see coach score --help",
    ),
    "option-escape-sequence": (
        ["score", "{take}", "--\x1b[2J\nx"],
        "No such option: --* — see coach score --help",
    ),
    "missing-file": (["score"], "Missing argument 'FILE…' — see coach score --help"),
    "touch-without-value": (
        ["score", "{take}", "--touch"],
        "Option '--touch' requires an argument — see coach score --help",
    ),
    "check-wpm-10": (
        ["check", "{script}", "--wpm", "10"],
        "Invalid value for '--wpm': Input should be greater than or equal to 60"
        " — see coach check --help",
    ),
    "models-extra-argument": (
        ["models", "extra"],
        "Got unexpected extra argument(s) (extra) — see coach models --help",
    ),
    "devices-unknown-option": (
        ["devices", "--list"],
        "No such option: --list — see coach devices --help",
    ),
    "record-max-seconds-0": (
        ["record", "--max-seconds", "0"],
        "Invalid value for '--max-seconds': Input should be greater than or equal to 1"
        " — see coach record --help",
    ),
    "rehearse-no-card": (["rehearse"], "Missing argument 'CARD' — see coach rehearse --help"),
    "profile-set-wpm-20": (
        ["profile", "set", "--target-wpm", "20"],
        "Invalid value for '--target-wpm': * greater than or equal to 60"
        " — see coach profile set --help",
    ),
    "profile-set-typo": (
        ["profile", "set", "--nmae", "Chris"],
        "No such option: --nmae (Possible options: *) — see coach profile set --help",
    ),
    "prompts-show-no-id": (
        ["prompts", "show"],
        "Missing argument 'ID' — see coach prompts show --help",
    ),
    "sessions-20-digit-touch": (
        ["sessions", "--touch", BIG],
        "Invalid value for '--touch' / '-t': Input should be less than or equal to 1000"
        " — see coach sessions --help",
    ),
    "sessions-min-score-101": (
        ["sessions", "--min-score", "101"],
        "Invalid value for '--min-score': * less than or equal to 100 — see coach sessions --help",
    ),
    "sessions-t-without-value": (
        ["sessions", "-t"],
        "Option '-t' requires an argument — see coach sessions --help",
    ),
    "sessions-show-no-id": (
        ["sessions", "show"],
        "Missing argument 'ID' — see coach sessions show --help",
    ),
    "sessions-show-abc": (
        ["sessions", "show", "abc"],
        "Invalid value for 'ID': Input should be a valid integer, *"
        " — see coach sessions show --help",
    ),
    "sessions-delete-two-ids": (
        ["sessions", "delete", "1", "2"],
        "Got unexpected extra argument(s) (2) — see coach sessions delete --help",
    ),
    "review-id-0": (
        ["review", "0"],
        "Invalid value for 'ID': Input should be greater than or equal to 1"
        " — see coach review --help",
    ),
    "review-override-without-value": (
        ["review", "1", "--override"],
        "Option '--override' requires an argument — see coach review --help",
    ),
    "export-without-out": (
        ["export", "1"],
        "Missing option '--out' / '-o' — see coach export --help",
    ),
    "import-no-bundle": (["import"], "Missing argument 'BUNDLE' — see coach import --help"),
    "progress-extra-argument": (
        ["progress", "Chris"],
        "Got unexpected extra argument(s) (Chris) — see coach progress --help",
    ),
    "report-rep-without-value": (
        ["report", "--rep"],
        "Option '--rep' requires an argument — see coach report --help",
    ),
    "unknown-command": (["scroe", "{take}"], "No such command 'scroe'* — see coach --help"),
    "unknown-top-option": (["--colour"], "No such option: --colour — see coach --help"),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_a_mistyped_command_line_is_one_line_and_saves_nothing(
    case: str, saved: Path, tmp_path: Path, fixtures_dir: Path
) -> None:
    import fnmatch

    args, expected = USAGE_ERRORS[case]
    script = tmp_path / "script.txt"
    script.write_text("Hi Dana, this is Chris from Northwind. Call me at 415-555-0134.\n")
    fill = {"{script}": str(script), "{take}": str(fixtures_dir / "t1_good_slt.flac")}
    args = [fill.get(a, a) for a in args]
    before = _snapshot(tmp_path)

    result = _cli(*args)

    line = _one_error(result)
    assert fnmatch.fnmatchcase(line, "Error: " + expected.replace("[", "[[]")), line
    assert "Traceback" not in result.output and "Usage" not in result.output
    _no_controls(result.output)
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(
    "args",
    [
        ["score", "x.flac", "--beam-size", "0"],
        ["sessions", "--touch", BIG],
        ["sessions", "show"],
        ["nosuchcommand"],
    ],
)
def test_the_console_script_prints_one_line_not_a_panel(args: list[str], saved: Path) -> None:
    """The installed entry point (rich's terminal width, no CliRunner) keeps the promise too."""
    done = _coach(*args, env={"COACH_HOME": str(saved.parent), "COLUMNS": "40"})
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert lines[0].endswith(" --help") and "╭" not in done.stderr
    assert done.stdout == ""


def test_help_and_no_arguments_still_show_the_help() -> None:
    """Usage errors become one line; asking for help (or giving nothing) still shows it."""
    for args in (["--help"], ["sessions", "--help"], ["score", "--help"]):
        result = _cli(*args)
        assert result.exit_code == 0 and "Usage: " in result.output, result.output
    bare = _cli()
    assert bare.exit_code == 2 and "[OPTIONS] COMMAND [ARGS]" in bare.output, bare.output


# -- one line, exit 2: settings files ------------------------------------------------------

NAN_RUBRICS = {
    "threshold-nan": "[checks.length]\nmax_s = nan\n",
    "threshold-inf": "[checks.length]\nmax_s = inf\n",
    "threshold-1e308": "[checks.length]\nmax_s = 1e308\n",
    "weight-nan": "[checks.hook]\nweight = nan\n",
    "weight-inf": "[checks.hook]\nweight = inf\n",
    "weight-1e308": "[checks.hook]\nweight = 1e308\n",
    "weight-negative": "[checks.hook]\nweight = -1\n",
    "points-nan": "[score]\npass = nan\n",
    "points-inf": "[score]\npass = inf\n",
    "points-1e308": "[score]\npass = 1e308\n",
    "points-1000": "[score]\npass = 1000.0\n",
}


@pytest.mark.parametrize("case", list(NAN_RUBRICS))
def test_rubric_numbers_must_be_finite_and_bounded(case: str, tmp_path: Path) -> None:
    rubric = tmp_path / "team.toml"
    rubric.write_text(NAN_RUBRICS[case])
    script = tmp_path / "s.txt"
    script.write_text("Hi, this is Chris.\n")
    line = _one_error(_cli("check", script, "--rubric", rubric))
    assert line.startswith(f"Error: {rubric}: "), line


@pytest.mark.parametrize("wpm", ["nan", "inf", "-150.0", "5e-324", "1e308"])
def test_a_profile_pace_must_be_a_pace(wpm: str, coach_home: Path, tmp_path: Path) -> None:
    coach_home.mkdir(parents=True, exist_ok=True)
    (coach_home / "profile.toml").write_text(f'name = "Chris"\ntarget_wpm = {wpm}\n')
    script = tmp_path / "s.txt"
    script.write_text("Hi, this is Chris.\n")
    line = _one_error(_cli("check", script))
    assert "target_wpm must be 60–300" in line, line


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


SETTINGS: dict[str, Callable[[Path, Path], list[str]]] = {
    "rubric-dev-zero": lambda s, tmp: ["check", str(s), "--rubric", "/dev/zero"],
    "card-dev-zero": lambda s, tmp: ["check", str(s), "--card", "/dev/zero"],
    "rubric-fifo": lambda s, tmp: ["check", str(s), "--rubric", str(_fifo(tmp / "r.toml"))],
    "card-fifo": lambda s, tmp: ["check", str(s), "--card", str(_fifo(tmp / "c.toml"))],
}


@pytest.mark.parametrize("case", list(SETTINGS))
def test_settings_files_must_be_regular_files(case: str, coach_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("Hi, this is Chris.\n")
    began = time.monotonic()
    line = _one_error(_cli(*SETTINGS[case](script, tmp_path)))
    assert "is not a regular file" in line, line
    assert time.monotonic() - began < 10


def test_a_fifo_profile_does_not_hang(coach_home: Path, tmp_path: Path) -> None:
    coach_home.mkdir(parents=True, exist_ok=True)
    _fifo(coach_home / "profile.toml")
    script = tmp_path / "s.txt"
    script.write_text("Hi, this is Chris.\n")
    assert "is not a regular file" in _one_error(_cli("check", script))


def test_a_profile_that_is_a_link_to_dev_zero_is_refused(coach_home: Path, tmp_path: Path) -> None:
    coach_home.mkdir(parents=True, exist_ok=True)
    (coach_home / "profile.toml").symlink_to("/dev/zero")
    script = tmp_path / "s.txt"
    script.write_text("Hi, this is Chris.\n")
    assert "is not a regular file" in _one_error(_cli("check", script))


@pytest.mark.parametrize("kind", ["rubric", "card", "card-by-id", "profile"])
def test_a_settings_file_over_the_cap_is_refused(
    kind: str, coach_home: Path, tmp_path: Path
) -> None:
    """1 MB of comments is valid TOML; a settings file is a few kB (#14 point 5)."""
    huge = {
        "rubric": tmp_path / "huge.toml",
        "card": tmp_path / "huge.toml",
        "card-by-id": coach_home / "prompts" / "huge.toml",
        "profile": coach_home / "profile.toml",
    }[kind]
    huge.parent.mkdir(parents=True, exist_ok=True)
    huge.write_text("# padding\n" * 200_000)
    script = tmp_path / "s.txt"
    script.write_text("Hi, this is Chris.\n")
    args = {
        "rubric": ["check", script, "--rubric", huge],
        "card": ["check", script, "--card", huge],
        "card-by-id": ["prompts", "show", "huge"],
        "profile": ["check", script],
    }[kind]
    line = _one_error(_cli(*args))
    assert line == f"Error: {huge} is over 1024 kB — a settings file is a few kB", line


# -- the store: diagnosis, rotten rows ------------------------------------------------------


def test_a_view_only_sqlite_file_is_refused_untouched(coach_home: Path) -> None:
    coach_home.mkdir(parents=True, exist_ok=True)
    path = coach_home / "coach.db"
    db = sqlite3.connect(path)
    db.execute("CREATE VIEW v AS SELECT 1 AS one")
    db.commit()
    db.close()
    before = path.read_bytes()
    line = _one_error(_cli("sessions"))
    assert "is not a Voice Coach database" in line
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("name", "message", "expected"),
    [
        ("SQLITE_READONLY", "attempt to write a readonly database", "cannot be written"),
        ("SQLITE_CANTOPEN", "unable to open database file", "cannot be written"),
        ("SQLITE_FULL", "database or disk is full", "is full — free some space"),
    ],
)
def test_a_store_that_cannot_be_written_is_not_called_foreign(
    name: str, message: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root ignores file modes, so the disk's answer is simulated at the connection."""
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = name  # type: ignore[attr-defined]

    class Refusing:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def execute(self, *args: object) -> object:
            raise error

        def close(self) -> None:
            pass

    monkeypatch.setattr(sqlite3, "connect", Refusing)
    with pytest.raises(StoreError) as refused:
        Store(tmp_path / "coach.db")
    assert expected in str(refused.value)
    assert "not a Voice Coach database" not in str(refused.value)
    assert "move it aside" not in str(refused.value)


def test_a_read_only_store_still_lists(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a read-only folder looks like to the store (root could write it anyway)."""
    import coach.team.store as store_module

    _cli("sessions")  # settle the WAL first
    before = _rows(saved)
    monkeypatch.setattr(store_module, "writable", lambda path: False)
    result = _cli("sessions", "--json")
    assert result.exit_code == 0, result.output
    assert result.stdout.count('"uid"') == 2
    assert _cli("sessions", "show", "1").exit_code == 0
    assert _rows(saved) == before


def _can_mount() -> bool:
    """Whether this user may mount in a mount namespace of its own (root, or a CI allowing it)."""
    try:
        return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0
    except OSError:
        return False


#: a real read-only or full filesystem, not a simulated one: root ignores file modes
REAL_MOUNTS = pytest.mark.skipif(
    not _can_mount(), reason="needs unshare -m to mount a read-only or full filesystem"
)


def _coach_mounted(setup: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``coach ARGS`` in a private mount namespace after ``setup`` (a shell line) ran in it.

    unshare's mounts are private by default: nothing is mounted outside the test.
    """
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f'{setup} && exec "$0" -m coach "$@"', sys.executable, *args],
        env={**os.environ, "COACH_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@REAL_MOUNTS
def test_a_store_on_a_read_only_filesystem_reads_and_refuses_writes(
    saved: Path, tmp_path: Path
) -> None:
    home = saved.parent
    bundle = tmp_path / "b.zip"
    assert _cli("export", "1", "--out", bundle).exit_code == 0
    before_rows, before_files = _rows(saved), _snapshot(home)
    folder = shlex.quote(str(home))
    read_only = f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}"
    for args in (["sessions"], ["sessions", "show", "1"], ["review"], ["progress"]):
        done = _coach_mounted(read_only, home, *args)
        assert done.returncode == 0 and done.stderr == "", (args, done.stderr)
    listed = _coach_mounted(read_only, home, "sessions", "--json")
    assert listed.stdout.count('"uid"') == 2, listed.stdout
    for args in (
        ["review", "1", "--comment", "hi", "--by", "Lee"],
        ["sessions", "delete", "2"],
        ["import", str(bundle)],
    ):
        done = _coach_mounted(read_only, home, *args)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {saved} cannot be written ("), lines
        assert "not a Voice Coach database" not in done.stderr
    assert _rows(saved) == before_rows
    assert _snapshot(home) == before_files


@REAL_MOUNTS
def test_a_store_on_a_full_disk_reads_and_says_the_disk_is_full(
    saved: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "b.zip"
    assert _cli("export", "1", "--out", bundle).exit_code == 0
    full = tmp_path / "full"
    full.mkdir()
    there, source = shlex.quote(str(full)), shlex.quote(str(saved.parent))
    fill = (
        f"mount -t tmpfs -o size=512k tmpfs {there} && cp -a {source}/. {there}/"
        f" && {{ dd if=/dev/zero of={there}/filler bs=4k 2>/dev/null; true; }}"
    )
    listed = _coach_mounted(fill, full, "sessions", "--json")
    assert listed.returncode == 0 and listed.stdout.count('"uid"') == 2, listed.stderr
    shown = _coach_mounted(fill, full, "sessions", "show", "1")
    assert shown.returncode == 0, shown.stderr
    for args in (["review", "1", "--comment", "hi", "--by", "Lee"], ["import", str(bundle)]):
        done = _coach_mounted(fill, full, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.splitlines() == [
            f"Error: the disk holding {full / 'coach.db'} is full — "
            "free some space and run it again"
        ], done.stderr


ROTTEN = {
    "report-not-json": ("UPDATE sessions SET report_json = '{not json' WHERE id = 2", ()),
    "report-wrong-type": (
        "UPDATE sessions SET report_json = json_set(report_json, '$.metrics.wpm', 'fast')"
        " WHERE id = 2",
        (),
    ),
    "naive-time": ("UPDATE sessions SET created_at = '2025-03-01T10:00:00' WHERE id = 2", ()),
    "year-9999": (
        "UPDATE sessions SET created_at = '9999-12-31T23:59:59-05:00' WHERE id = 2",
        (),
    ),
    "weights-not-json": ("UPDATE sessions SET weights_json = 'x' WHERE id = 2", ()),
}


def test_a_rotten_comment_is_left_out_with_a_warning(saved: Path) -> None:
    _poke(saved, "UPDATE comments SET at_s = 'soon', author = 'Eve\x1b[2K' WHERE id = 1")
    result = _cli("sessions", "show", "1")
    assert result.exit_code == 0, result.output
    assert "Slow down" not in result.stdout
    assert result.stderr.count("Warning: a comment (id 1) of session 1") == 1


@pytest.mark.parametrize("case", list(ROTTEN))
def test_a_rotten_row_is_skipped_with_a_warning_and_the_rest_lists(
    case: str, saved: Path, tmp_path: Path
) -> None:
    _poke(saved, *ROTTEN[case][:1], *ROTTEN[case][1])
    for args in (
        ["sessions"],
        ["review"],
        ["progress"],
        ["report", "--out", str(tmp_path / "r.html")],
    ):
        result = _cli(*args)
        assert result.exit_code == 0, (args, result.output)
        warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
        assert len(warnings) == 1, (args, result.stderr)
        assert "session 2 in " in warnings[0] and "coach sessions delete 2" in warnings[0]
    assert "cannot be read" in _one_error(_cli("sessions", "show", "2"))
    assert _cli("sessions", "show", "1").exit_code == 0
    deleted = _cli("sessions", "delete", "2")
    assert deleted.exit_code == 0, deleted.output
    assert "Warning" not in _cli("sessions").stderr


# -- nothing saved is ever lost: import is all or nothing -------------------------------------


def test_an_import_that_fails_while_writing_leaves_no_row_and_no_file(saved: Path) -> None:
    """The third session's audio cannot be written: the first two are not kept either."""
    with Store(saved) as store:
        fields = {
            "created_at": "2025-03-01T10:00:00Z",
            "score": 50,
            "source": "take.wav",
            "report_json": store.get(2).report_json,
        }
        before_rows, before_files = _rows(saved), _snapshot(saved.parent)

        def good(path: Path) -> None:
            path.write_bytes((saved.parent / "audio" / "1.flac").read_bytes())

        def full_disk(path: Path) -> None:
            raise OSError(28, "No space left on device")

        items = [
            Adoption({**fields, "uid": f"{n:032x}"}, audio=audio, comments=[], overrides=[])
            for n, audio in ((1, good), (2, good), (3, full_disk))
        ]
        with pytest.raises(StoreError, match="No space left on device"):
            store.adopt(items)
        # The third row breaks a NOT NULL after the first two rows and FLACs are in place.
        broken = {**fields, "uid": "f" * 32, "created_at": None}
        failing_sql = [*items[:2], Adoption(broken, None, [], [])]
        with pytest.raises(StoreError):
            store.adopt(failing_sql)
    assert _rows(saved) == before_rows
    assert _snapshot(saved.parent) == before_files


# -- terminal: no markup, no control characters -----------------------------------------------


def test_hostile_text_never_reaches_the_terminal_raw(saved: Path) -> None:
    _poke(saved, "UPDATE sessions SET rep = ?, card_id = ? WHERE id = 1", HOSTILE, HOSTILE)
    _poke(saved, "UPDATE comments SET text = ?, author = ? WHERE id = 1", HOSTILE, HOSTILE)
    for args in (["sessions"], ["review"], ["review", "1"], ["sessions", "show", "1"]):
        result = _cli(*args)
        assert result.exit_code == 0, (args, result.output)
        _no_controls(result.stdout + result.stderr)
    as_json = _cli("sessions", "show", "1", "--json")
    _no_controls(as_json.stdout.replace("\n", ""))


@pytest.mark.parametrize("text", ["[/]", "[/i]", "[bold]x[/bold", "[link=x]y", "\\[/]"])
def test_markup_in_user_text_prints_as_typed(text: str, saved: Path, tmp_path: Path) -> None:
    """A comment, a reason, a reviewer and a rep's company that look like rich markup."""
    result = _cli(
        "review",
        "1",
        "--comment",
        f"note {text}",
        "--override",
        "hook=pass",
        "--reason",
        f"why {text}",
        "--by",
        f"Lee {text}",
    )
    assert result.exit_code == 0, result.output
    assert f"note {text}" in result.stdout
    again = _cli("sessions", "show", "1")  # and every later show of the take
    assert again.exit_code == 0, again.output
    assert f"why {text}" in again.stdout
    script = tmp_path / "s.txt"
    script.write_text("Hi Dana, this is Chris from Northwind. Call me at 415-555-0134.\n")
    checked = _cli("check", script, "--rep-company", f"Globex {text}")
    assert checked.exit_code == 0, checked.output


@pytest.mark.parametrize("text", ["[/]", "[/i]", "[bold]x[/bold"])
def test_markup_in_a_profile_prints_as_typed(text: str, tmp_path: Path) -> None:
    """A profile name or company that looks like rich markup (#14 point 4)."""
    saved = _cli("profile", "set", "--name", f"Chris {text}", "--company", f"Globex {text}")
    assert saved.exit_code == 0, saved.output
    shown = _cli("profile")
    assert shown.exit_code == 0, shown.output
    assert f"Chris {text}" in shown.stdout and f"Globex {text}" in shown.stdout
    script = tmp_path / "s.txt"
    script.write_text("Hi Dana, this is Chris from Globex. Call me at 415-555-0134.\n")
    checked = _cli("check", script)
    assert checked.exit_code == 0, checked.output
    assert "Traceback" not in checked.output


def test_a_card_title_with_markup_and_controls_is_refused_or_shown_plain(
    coach_home: Path,
) -> None:
    folder = coach_home / "prompts"
    folder.mkdir(parents=True)
    (folder / "x.toml").write_text('id = "x"\ntitle = "Globex [/i]"\ntouch = 1\n')
    listed = _cli("prompts")
    assert listed.exit_code == 0, listed.output
    assert "Globex [/i]" in listed.stdout
    (folder / "y.toml").write_text('id = "y"\ntitle = "Eve\\u001b[2K"\ntouch = 1\n')
    shown = _cli("prompts", "show", "y")
    assert "must be one line of text" in _one_error(shown)


# -- output that cannot be written ------------------------------------------------------------


def _coach(
    *args: str, env: dict[str, str], stdout: int | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        env={**os.environ, **env},
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_a_full_disk_on_stdout_is_one_line(saved: Path) -> None:
    with open("/dev/full", "w") as full:
        done = _coach("sessions", env={"COACH_HOME": str(saved.parent)}, stdout=full.fileno())
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "Error: cannot write the output (No space left on device) — "
        "write it to a disk with space, or to the terminal"
    ]


def test_an_ascii_only_terminal_gets_escapes_not_a_traceback(saved: Path) -> None:
    _poke(saved, "UPDATE sessions SET rep = 'Zoë ✔' WHERE id = 1")
    done = _coach("sessions", env={"COACH_HOME": str(saved.parent), "PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


# -- the acoustics worker dies with its parent; killed saves leave no temp files --------------

PARENT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from coach import pipeline
    pool = pipeline._acoustics_pool()
    assert pool.submit(abs, -1).result(timeout=60) == 1
    print(*[p.pid for p in pool._processes.values()], flush=True)
    time.sleep(600)
    """
)


@pytest.mark.parametrize("run", range(3))
def test_kill_9_of_the_coach_leaves_no_worker(run: int) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert parent.stdout is not None
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert workers, "no worker started"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_running(pid) for pid in workers):
            time.sleep(0.05)
        left = [pid for pid in workers if _running(pid)]
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert left == [], "the acoustics worker outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()


def _running(pid: int) -> bool:
    """Alive and not a zombie (a zombie is gone; only its parent has not reaped it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def test_temp_audio_left_by_a_killed_save_is_swept_on_open(saved: Path) -> None:
    audio = saved.parent / "audio"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = audio / f".saving-{int(dead.stdout)}-{'a' * 32}.flac"
    old = audio / f".importing-{'b' * 32}.flac"  # an older coach's name: no pid, so by age
    mine = audio / f".saving-{os.getpid()}-{'c' * 32}.flac"  # a live writer's
    for path in (gone, old, mine):
        path.write_bytes(b"fLaC")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    with Store(saved):
        pass
    assert not gone.exists() and not old.exists()
    assert mine.exists()
    assert sweep_temp_audio(audio, now=time.time() + 7200) == [mine]


def test_weights_are_checked_like_the_bundle_checks_them() -> None:
    """The shipped rubric's weights pass the schema a bundle's weights must pass."""
    from coach.rubric.config import load_rubric
    from coach.team import schema
    from coach.team.store import _weights_json

    schema.decode(_weights_json(Weights.of(load_rubric(None))), schema.WeightsDoc)


# -- the take is saved before anything is shown (the real model) ---------------------------


@pytest.mark.model
def test_a_take_is_saved_even_if_showing_it_fails(
    coach_home: Path, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coach.cli.scoring as scoring

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the terminal went away")

    monkeypatch.setattr(scoring, "_emit", broken)
    take = fixtures_dir / "t1_good_slt.flac"
    result = _cli("score", take, "--model", "tiny.en", "--rep-company", "Globex [/i]")
    assert isinstance(result.exception, RuntimeError)
    with Store(coach_home / "coach.db") as store:
        (session,) = store.sessions()
    assert session.source == str(take)


@pytest.mark.model
def test_markup_in_a_flag_is_shown_as_typed_and_saved(coach_home: Path, fixtures_dir: Path) -> None:
    take = fixtures_dir / "t1_good_slt.flac"
    result = _cli("score", take, "--model", "tiny.en", "--rep-company", "Globex [/i]")
    assert result.exit_code == 0, result.output
    assert "Saved session 1" in result.stderr
