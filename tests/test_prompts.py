"""The practice cards in prompts/: each parses, and its reference script is a model answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.pipeline import check_script
from coach.practice.cards import load_card
from coach.rubric.config import load_rubric

PROMPTS = sorted((Path(__file__).parent.parent / "prompts").glob("*.toml"))


def test_three_prospects_by_three_touches() -> None:
    cards = [load_card(p) for p in PROMPTS]
    assert len(cards) >= 9
    prospects = {c.prospect.company for c in cards}
    assert len(prospects) >= 3
    for company in prospects:
        assert {c.touch for c in cards if c.prospect.company == company} == {1, 2, 3}


@pytest.mark.parametrize("path", PROMPTS, ids=[p.stem for p in PROMPTS])
def test_card_script_scores_at_least_90(path: Path) -> None:
    card = load_card(path)
    assert card.id == path.stem
    assert card.brief.text and card.brief.script
    report = check_script(
        card.brief.script, source=card.id, context=card.context(), rubric=load_rubric()
    )
    failed = [c.id for c in report.checks if c.status == "fail"]
    assert report.score >= 90 and not failed, (report.score, report.fixes)
