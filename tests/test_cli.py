"""The command line: bad input gets one clear line and exit 2, never a traceback."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app

runner = CliRunner()


def _sparse_wav(path: Path, *, seconds: float, rate: int = 8000) -> Path:
    """A valid 16-bit mono WAV header claiming ``seconds`` of audio, stored sparsely.

    The file really is that long (reads return zeros), but takes no disk space,
    so a 3-hour take costs nothing to make.
    """
    data_bytes = int(seconds * rate) * 2
    header = b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", data_bytes)
    with path.open("wb") as fh:
        fh.write(header)
        fh.truncate(len(header) + data_bytes)
    return path


def _truncated_flac(tmp: Path, fixtures: Path) -> Path:
    whole = (fixtures / "t1_good_slt.flac").read_bytes()
    out = tmp / "cut.flac"
    out.write_bytes(whole[: len(whole) // 4])
    return out


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _silence(tmp: Path) -> Path:
    return _sparse_wav(tmp / "silence.wav", seconds=3.0, rate=16000)


BAD_INPUTS = {
    "missing": (lambda tmp, fx: tmp / "nope.wav", "nope.wav: no such file"),
    "folder": (lambda tmp, fx: tmp, "is a folder"),
    "text as wav": (
        lambda tmp, fx: _write(tmp / "notes.wav", b"call Dana on Tuesday"),
        "is not a readable audio file",
    ),
    "a script": (
        lambda tmp, fx: _write(tmp / "notes.txt", "Hi Dana, this is Chris — call me.\n".encode()),
        "notes.txt is not a readable audio file: it is text — to judge a written script, "
        "run coach check ",
    ),
    "binary, not audio": (
        lambda tmp, fx: _write(tmp / "noise.bin", bytes(range(256)) * 8),
        "noise.bin is not a readable audio file (",
    ),
    "zero bytes": (lambda tmp, fx: _write(tmp / "empty.wav", b""), "is empty (0 bytes)"),
    "truncated": (_truncated_flac, "is truncated"),
    "silence": (lambda tmp, fx: _silence(tmp), "is silent"),
    "three hours": (
        lambda tmp, fx: _sparse_wav(tmp / "long.wav", seconds=3 * 3600),
        "is 3.0 h long; the limit is 15 min — pass --max-minutes",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_is_one_line_and_exit_2(case: str, tmp_path: Path, fixtures_dir: Path) -> None:
    make, expected = BAD_INPUTS[case]
    path = make(tmp_path, fixtures_dir)
    result = runner.invoke(app, ["score", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.output


def test_a_script_given_to_score_names_the_command_that_judges_it(tmp_path: Path) -> None:
    """coach score notes.txt: the one line says to run coach check on it, pasteable."""
    script = tmp_path / "my notes.txt"
    script.write_text("Hi Dana, it's Chris Walker with Northwind.\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(script)])
    assert result.exit_code == 2
    assert result.stderr.rstrip().endswith(f"run coach check '{script}'")
    assert result.stderr.count("\n") == 1


def test_bad_input_through_the_real_console_script(tmp_path: Path) -> None:
    """The installed entry point, not just CliRunner: no traceback reaches the rep."""
    notes = tmp_path / "notes.wav"
    notes.write_text("not audio")
    proc = subprocess.run(
        [sys.executable, "-m", "coach", "score", str(notes)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "is not a readable audio file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_max_minutes_lifts_the_limit(tmp_path: Path) -> None:
    long = _sparse_wav(tmp_path / "long.wav", seconds=20 * 60)
    refused = runner.invoke(app, ["score", str(long)])
    assert "limit is 15 min" in refused.stderr
    # Lifted, the same file gets past the length limit and is judged on content:
    # it is silent, which is the next thing that stops it.
    lifted = runner.invoke(app, ["score", str(long), "--max-minutes", "30"])
    assert lifted.exit_code == 2
    assert "is silent" in lifted.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--callback", "banana"], "--callback 'banana' is not a phone number"),
        (["--model", "huge-v9"], "unknown model 'huge-v9'"),
        (["--touch", "0"], "Invalid value for '--touch'"),
    ],
)
def test_bad_options(args: list[str], expected: str, fixtures_dir: Path) -> None:
    result = runner.invoke(app, ["score", str(fixtures_dir / "t1_good_slt.flac"), *args])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()  # one line, a mistyped value too (#14)
    assert line.startswith("Error: ") and expected in line, result.stderr


def test_every_command_has_help_with_an_example() -> None:
    import typer.main

    group = typer.main.get_command(app)
    assert group.commands, "no commands registered"
    todo = [(name, command) for name, command in group.commands.items()]
    while todo:
        name, command = todo.pop()
        assert command.help, f"coach {name} has no help text"
        assert "Example: coach " in command.help, f"coach {name} help has no example"
        subcommands = getattr(command, "commands", {})  # a group: coach profile set, …
        todo += [(f"{name} {sub}", cmd) for sub, cmd in subcommands.items()]


def test_version() -> None:
    from coach import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"coach {__version__}\n"
