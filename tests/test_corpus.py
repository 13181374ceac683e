"""The labelled corpus: every script's expected status per check.

``tests/corpus/scripts.toml`` holds voicemail scripts written and labelled
from the field's rules (see the file's header).  The rubric must agree with
every label, case by case; agreement per check, beside the blind corpus, is
printed by ``python -m bench.blind`` (its "old corpus" column).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from coach.context import Context, Offer, Prospect, Rep
from coach.pipeline import check_script
from coach.rubric.config import Rubric, load_rubric

CORPUS = Path(__file__).parent / "corpus" / "scripts.toml"


def _corpus() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    with CORPUS.open("rb") as fh:
        data = tomllib.load(fh)
    return data["defaults"], data["case"]


DEFAULTS, CASES = _corpus()


def _context(case: dict[str, Any]) -> Context:
    rep = case.get("rep", DEFAULTS["rep"])
    prospect = case.get("prospect", DEFAULTS["prospect"])
    offer = case.get("offer", DEFAULTS["offer"])
    return Context(
        touch=case["touch"], rep=Rep(**rep), prospect=Prospect(**prospect), offer=Offer(**offer)
    )


def _rubric(case: dict[str, Any], tmp: Path) -> Rubric:
    preferred = case.get("preferred_cta")
    if preferred is None:
        return load_rubric()
    team = tmp / f"{case['id']}.toml"
    team.write_text(f'[checks.call_to_action]\npreferred = "{preferred}"\n')
    return load_rubric(team)


def _judge(case: dict[str, Any], tmp: Path) -> dict[str, str]:
    report = check_script(
        case["text"], source=case["id"], context=_context(case), rubric=_rubric(case, tmp)
    )
    return {c.id: c.status for c in report.checks}


def test_corpus_is_big_and_covers_every_touch() -> None:
    assert len(CASES) >= 40
    assert {c["touch"] for c in CASES} >= {1, 2, 3, 4}
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any], tmp_path: Path) -> None:
    got = _judge(case, tmp_path)
    wrong = {
        check: f"expected {want}, got {got[check]}"
        for check, want in case["expect"].items()
        if got[check] != want
    }
    assert not wrong, f"{case['id']} ({case['why']}): {wrong}"
