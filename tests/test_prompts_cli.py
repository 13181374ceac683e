"""``coach prompts`` and cards by id: the packaged cards, the rep's own, and broken ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.practice.cards import card_folders, find_card, list_cards, load_card

runner = CliRunner()

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
IDS = sorted(p.stem for p in PROMPTS.glob("*.toml"))


def _user_card(home: Path, name: str, text: str) -> Path:
    folder = home / "prompts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_lists_every_packaged_card() -> None:
    assert len(IDS) == 9
    result = runner.invoke(app, ["prompts"])
    assert result.exit_code == 0, result.output
    for card_id in IDS:
        assert card_id in result.stdout
    for prospect in ("Dana Reyes", "Karen Holt", "Marcus Bell"):
        assert prospect in result.stdout
    assert result.stderr == ""


def test_show_by_id() -> None:
    card = load_card(PROMPTS / "acme-t1.toml")
    result = runner.invoke(app, ["prompts", "show", "acme-t1"])
    assert result.exit_code == 0, result.output
    for shown in (card.title, "Touch:    1", "Chris Walker", card.offer.proof, card.brief.text):
        assert shown in result.stdout
    assert card.brief.script in result.stdout


def test_check_takes_a_card_id(tmp_path: Path) -> None:
    card = load_card(PROMPTS / "acme-t1.toml")
    script = tmp_path / "script.txt"
    script.write_text(card.brief.script)
    by_id = runner.invoke(app, ["check", str(script), "--json", "--scenario", "acme-t1"])
    by_path = runner.invoke(app, ["check", str(script), "--json", "-s", str(card.path)])
    assert by_id.exit_code == 0, by_id.stderr
    assert json.loads(by_id.stdout) == json.loads(by_path.stdout)
    assert json.loads(by_id.stdout)["touch"] == 1


@pytest.mark.parametrize(
    "args", [["check", "SCRIPT", "--scenario", "acme-t9"], ["prompts", "show", "acme-t9"]]
)
def test_unknown_id_says_where_it_looked(args: list[str], tmp_path: Path, coach_home: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("Hi, this is Chris.")
    result = runner.invoke(app, [str(script) if a == "SCRIPT" else a for a in args])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: unknown card 'acme-t9' — run coach prompts to list them (looked in: "
    )
    assert str(PROMPTS) in result.stderr
    assert str(coach_home / "prompts") in result.stderr


def test_a_missing_card_path_is_not_taken_for_an_id() -> None:
    result = runner.invoke(app, ["prompts", "show", "prompts/acme-t9.toml"])
    assert result.exit_code == 2
    assert "prompts/acme-t9.toml: no such scenario card" in result.stderr


def test_a_users_card_replaces_the_packaged_one(coach_home: Path) -> None:
    text = (
        (PROMPTS / "acme-t1.toml")
        .read_text()
        .replace("First voicemail to Acme's VP of Finance", "My own take on Acme")
    )
    mine = _user_card(coach_home, "acme-t1.toml", text)
    assert card_folders() == [PROMPTS, coach_home / "prompts"]
    assert find_card("acme-t1").path == mine
    cards, problems = list_cards()
    assert [c.title for c in cards if c.id == "acme-t1"] == ["My own take on Acme"]
    assert len(cards) == 9 and not problems
    listed = runner.invoke(app, ["prompts"])
    assert "My own take on Acme" in listed.stdout
    assert listed.stdout.count("acme-t1") == 1


def test_a_users_new_card_is_listed_and_found(coach_home: Path) -> None:
    text = (PROMPTS / "acme-t2.toml").read_text().replace('id = "acme-t2"', 'id = "my-card"')
    _user_card(coach_home, "whatever.toml", text)
    assert find_card("my-card").id == "my-card"
    assert "my-card" in runner.invoke(app, ["prompts"]).stdout


def test_a_bad_card_is_warned_about_and_the_others_listed(coach_home: Path) -> None:
    good = (PROMPTS / "acme-t2.toml").read_text().replace('id = "acme-t2"', 'id = "mine-ok"')
    _user_card(coach_home, "mine-ok.toml", good)
    typo = _user_card(coach_home, "typo.toml", good.replace("[prospect]\nname", "[prospect]\nnmae"))
    broken = _user_card(coach_home, "broken.toml", "id = 'x\n")
    result = runner.invoke(app, ["prompts"])
    assert result.exit_code == 0
    for card_id in [*IDS, "mine-ok"]:
        assert card_id in result.stdout
    warnings = result.stderr.splitlines()
    assert len(warnings) == 2, result.stderr
    assert f"Warning: skipped {typo}: unknown key prospect.nmae" in result.stderr
    assert f"Warning: skipped {broken}: not valid TOML" in result.stderr


@pytest.mark.parametrize(
    ("card_text", "expected"),
    [
        ("[prospect]\nname", "unknown key prospect.nmae"),
        ("touch = 2\n", "missing touch (e.g. touch = 1)"),
        (
            'id = "acme-t2"',
            "unknown key 'idd' — expected id, title, touch, [rep], [prospect], [offer], [brief]",
        ),
    ],
)
def test_a_broken_card_by_id_names_file_and_key(
    card_text: str, expected: str, coach_home: Path, tmp_path: Path
) -> None:
    good = (PROMPTS / "acme-t2.toml").read_text()
    bad = {
        "[prospect]\nname": good.replace("[prospect]\nname", "[prospect]\nnmae"),
        "touch = 2\n": good.replace("touch = 2\n", ""),
        'id = "acme-t2"': good.replace('id = "acme-t2"', 'idd = "acme-t2"'),
    }[card_text]
    path = _user_card(coach_home, "acme-t2.toml", bad)
    script = tmp_path / "s.txt"
    script.write_text("Hi, this is Chris.")
    result = runner.invoke(app, ["check", str(script), "--scenario", "acme-t2"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {path}: ")
    assert expected in result.stderr
