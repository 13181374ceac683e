"""``coach rehearse CARD --take FILE…``: the rehearsal flow over recorded takes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app

runner = CliRunner()


@pytest.mark.model
def test_takes_are_scored_against_the_card_and_the_best_is_kept(fixtures_dir: Path) -> None:
    trick = fixtures_dir / "t1_trick_kal.flac"
    good = fixtures_dir / "t1_good_slt.flac"
    result = runner.invoke(
        app, ["rehearse", "acme-t1", "--take", str(trick), "--take", str(good), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    rehearsal = json.loads(result.stdout)
    assert rehearsal["schema"] == "coach.rehearsal/1"
    assert [t["source"] for t in rehearsal["takes"]] == [str(trick), str(good)]
    first, second = rehearsal["takes"]
    assert second["score"] > first["score"]
    assert rehearsal["kept"] == 1
    # the good take follows the card's script far more closely than the trick
    assert rehearsal["script_similarity"][1] > rehearsal["script_similarity"][0]


@pytest.mark.model
def test_terminal_view_shows_brief_script_comparison_and_progress(fixtures_dir: Path) -> None:
    result = runner.invoke(
        app,
        ["rehearse", "acme-t1", "--script", "--take", str(fixtures_dir / "t1_good_slt.flac")],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "Voicemail #1 to Dana Reyes" in text
    assert "Script" in text and "Script vs. take" in text
    assert "Take 1:" in text and "Kept take 1 (" in text


def test_unknown_card_is_one_line_and_exit_2() -> None:
    result = runner.invoke(app, ["rehearse", "acme-t9", "--take", "x.wav"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: unknown card 'acme-t9'")
