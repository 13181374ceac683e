"""The rubric file: shipped defaults, team overrides, and malformed files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.errors import RubricError
from coach.rubric.config import load_rubric
from coach.rubric.engine import rule_for
from coach.rubric.rules import RULES


def test_every_check_in_the_file_has_a_rule_and_every_rule_a_table() -> None:
    rubric = load_rubric()
    for check_id in rubric.tables:
        rule_for(check_id)
    assert set(RULES) == set(rubric.tables)
    assert list(rubric.tables) == [
        "identity",
        "purpose",
        "hook",
        "personalization",
        "callback_number",
        "number_placement",
        "touch_wording",
        "opening",
        "call_to_action",
        "length",
        "pace",
        "fillers",
        "pauses",
        "delivery",
    ]


def test_override_changes_only_what_it_names(tmp_path: Path) -> None:
    team = tmp_path / "team.toml"
    team.write_text('[checks.length]\nmax_s = 25\n[checks.call_to_action]\npreferred = "email"\n')
    rubric = load_rubric(team)
    assert rubric.config("length").num("max_s") == 25
    assert rubric.config("length").num("warn_max_s") == 45
    assert rubric.config("call_to_action").text("preferred") == "email"


def test_a_check_can_be_turned_off(tmp_path: Path) -> None:
    team = tmp_path / "team.toml"
    team.write_text("[checks.fillers]\nenabled = false\n")
    assert "fillers" not in load_rubric(team).enabled()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[checks.lenght]\nmax_s = 25\n", "unknown check id 'lenght' — valid ids: identity"),
        ("[checks.length]\nmax_seconds = 25\n", "checks.length.max_seconds is not a setting"),
        (
            '[checks.length]\nmax_s = "thirty"\n',
            "checks.length.max_s must be a number, got 'thirty'",
        ),
        ("[checks.opening]\napology_patterns = []\n", "apology_patterns is an empty list"),
        ('[checks.opening]\napology_patterns = [""]\n', "has an empty or non-text pattern: ''"),
        (
            '[checks.opening]\napology_patterns = ["(sorry"]\n',
            "checks.opening.apology_patterns: phrase '(sorry' has an unclosed (",
        ),
        (
            '[checks.opening]\napology_patterns = ["re:(sorry"]\n',
            "pattern 're:(sorry' is not valid",
        ),
        (
            '[checks.opening]\napology_patterns = ["sorry {excuses}"]\n',
            "unknown lexicon {excuses} — known:",
        ),
        (
            '[checks.opening]\napology_patterns = { remove = ["so sorry"] }\n',
            "apology_patterns.remove: 'so sorry' is not in the list",
        ),
        (
            '[checks.opening]\napology_patterns = { add = ["x"], drop = ["y"] }\n',
            "takes add = [...] and remove = [...], not drop",
        ),
        ('[lexicon]\nloop = ["{loop} again"]\n', "lexicon {loop} refers to itself"),
        ("[checks.length]\nmax_s = -3\n", "must not be negative, got -3"),
        ('[checks.call_to_action]\npreferred = "fax"\n', "must be one of callback, email, either"),
        ("[checks.length]\nenabled = 1\n", "checks.length.enabled must be true/false, got 1"),
        ("[scoring]\npass = 1\n", "unknown section [scoring]"),
        ("this is = not toml [", "not valid TOML"),
    ],
)
def test_malformed_rubric_is_refused_naming_key_and_reason(
    text: str, message: str, tmp_path: Path
) -> None:
    team = tmp_path / "team.toml"
    team.write_text(text)
    with pytest.raises(RubricError) as info:
        load_rubric(team)
    assert message in str(info.value)
    assert str(team) in str(info.value)


def test_missing_rubric_file(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="no such rubric file"):
        load_rubric(tmp_path / "nope.toml")


def test_rule_functions_hold_no_phrase_literals() -> None:
    """Phrases live in the rubric file: no rule module compiles its own regex."""
    import inspect

    from coach.rubric.rules import content as rules_content
    from coach.rubric.rules import delivery as rules_delivery
    from coach.rubric.rules import number as rules_number
    from coach.rubric.rules import touch as rules_touch

    for module in (rules_content, rules_delivery, rules_number, rules_touch):
        source = inspect.getsource(module)
        assert "re.compile" not in source, module.__name__
        assert "re.search" not in source, module.__name__
