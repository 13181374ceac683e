"""``coach check``: judge a written script before recording, with the same rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app

runner = CliRunner()

CARD = """
id = "acme-t1"
title = "First voicemail to Acme's VP of Finance"
touch = 1
[rep]
name = "Chris Walker"
company = "Northwind Logistics"
phone = "415-555-0134"
email = "chris@northwind.example"
[prospect]
name = "Dana Reyes"
title = "VP Finance"
company = "Acme"
situation = "Ships 2,000 freight loads a month; reconciles carrier invoices by hand."
[offer]
value = "cut freight-invoice reconciliation time in half"
proof = "Globex went from 10 to 5 hours a week"
"""

GOOD = (
    "Hi Dana, this is Chris Walker with Northwind Logistics, 415-555-0134. I'm calling "
    "because Globex cut the time they spend reconciling carrier invoices in half, from 10 "
    "to 5 hours a week, and I think Acme could do the same. Would it help to see how? "
    "Call me at 415-555-0134."
)


@pytest.fixture
def card(tmp_path: Path) -> Path:
    path = tmp_path / "acme-t1.toml"
    path.write_text(CARD)
    return path


def _check(tmp_path: Path, text: str, *args: str) -> dict[str, object]:
    script = tmp_path / "script.txt"
    script.write_text(text)
    result = runner.invoke(app, ["check", str(script), "--json", *args])
    assert result.exit_code == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout)
    return report


def _statuses(report: dict[str, object]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}  # type: ignore[attr-defined,index]


def test_a_good_script_scores_100_against_its_card(tmp_path: Path, card: Path) -> None:
    report = _check(tmp_path, GOOD, "--scenario", str(card))
    assert report["score"] == 100, report["fixes"]
    statuses = _statuses(report)
    assert {statuses[k] for k in ("pace", "pauses", "delivery")} == {"skip"}
    assert report["model"] is None


def test_touch_flag_overrides_the_card(tmp_path: Path, card: Path) -> None:
    report = _check(tmp_path, GOOD, "--scenario", str(card), "--touch", "4")
    assert _statuses(report)["touch_wording"] == "fail"
    assert report["touch"] == 4


def test_a_long_script_says_how_many_words_to_cut(tmp_path: Path, card: Path) -> None:
    padding = " We also handle claims, audits, accruals, and carrier scorecards for you."
    report = _check(tmp_path, GOOD + padding * 4, "--scenario", str(card))
    length = next(c for c in report["checks"] if c["id"] == "length")  # type: ignore[attr-defined]
    assert length["status"] == "warn"
    words = len((GOOD + padding * 4).split())
    assert length["advice"] == f"Cut {words - 75} words to fit 30 s."
    assert length["evidence"][0]["chars"][0] > 0


def test_pace_changes_the_word_budget(tmp_path: Path, card: Path) -> None:
    # 45 words: 18 s at 150 wpm, but 34 s for a rep who speaks at 80 wpm (40 words fit)
    slow = _check(tmp_path, GOOD, "--scenario", str(card), "--wpm", "80")
    length = next(c for c in slow["checks"] if c["id"] == "length")  # type: ignore[attr-defined]
    assert length["status"] == "warn"
    assert length["advice"] == f"Cut {len(GOOD.split()) - 40} words to fit 30 s."


def test_without_context_checks_that_need_it_say_so(tmp_path: Path) -> None:
    report = _check(tmp_path, GOOD)
    statuses = _statuses(report)
    assert statuses["touch_wording"] == "skip"
    assert statuses["personalization"] == "skip"
    assert statuses["identity"] == "pass"  # a self-introduction is heard
    tw = next(c for c in report["checks"] if c["id"] == "touch_wording")  # type: ignore[attr-defined]
    assert "--touch" in tw["advice"]


def test_flags_give_context_without_a_card(tmp_path: Path) -> None:
    report = _check(
        tmp_path,
        GOOD,
        "--touch",
        "1",
        "--callback",
        "415 555 0199",
        "--rep-name",
        "Chris Walker",
        "--rep-company",
        "Northwind",
        "--prospect-company",
        "Acme",
    )
    statuses = _statuses(report)
    # 0134 vs 0199: two digits off, in a script a typo
    assert statuses["callback_number"] == "fail"
    callback = next(c for c in report["checks"] if c["id"] == "callback_number")  # type: ignore[attr-defined]
    assert "Your script says 415-555-0134" in callback["message"]
    assert "your number is 415-555-0199 — a typo" in callback["message"]
    assert statuses["personalization"] == "pass"


def test_strict_exits_1_on_a_failed_check(tmp_path: Path) -> None:
    script = tmp_path / "trick.txt"
    script.write_text("Hi Dana, it's Chris. Give me a call back at 415-555-0134. Thanks.")
    result = runner.invoke(app, ["check", str(script), "--strict"])
    assert result.exit_code == 1
    assert "purpose" in result.stdout


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda d: d / "missing.txt", "missing.txt: no such file"),
        (lambda d: d, "is not a file"),
        (lambda d: _write(d / "empty.txt", b"  \n"), "is empty — write the voicemail"),
        (lambda d: _write(d / "bin.txt", b"\xff\xfe\x00\x81"), "is not a text file"),
    ],
)
def test_bad_script_input(tmp_path: Path, setup: object, expected: str) -> None:
    path = setup(tmp_path)  # type: ignore[operator]
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert expected in result.stderr


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("card_text", "expected"),
    [
        (CARD.replace("[prospect]\nname", "[prospect]\nnmae"), "unknown key prospect.nmae"),
        (CARD.replace("touch = 1\n", ""), "missing touch (e.g. touch = 1)"),
        (CARD.replace("touch = 1", 'touch = "one"'), "touch must be int, got 'one'"),
        (CARD.replace('id = "acme-t1"', 'idd = "acme-t1"'), "unknown key 'idd'"),
        (CARD + "\n[rep\n", "not valid TOML"),
        (CARD.replace('"415-555-0134"', '"call me"'), "rep.phone 'call me' is not a phone number"),
    ],
)
def test_bad_card_names_file_and_key(tmp_path: Path, card_text: str, expected: str) -> None:
    card = tmp_path / "typo.toml"
    card.write_text(card_text)
    script = tmp_path / "s.txt"
    script.write_text(GOOD)
    result = runner.invoke(app, ["check", str(script), "--scenario", str(card)])
    assert result.exit_code == 2, result.output
    assert str(card) in result.stderr
    assert expected in result.stderr
