"""The rubric engine: every enabled rule run on a take, then the score and the feedback.

The rules are the table in :mod:`coach.rubric.rules`; their settings come
from :mod:`coach.rubric.config`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from coach.rubric.checks import Check, Take
from coach.rubric.config import Rubric
from coach.rubric.rules import RULES, RuleFn


def rule_for(check_id: str) -> RuleFn:
    """The rule function for ``check_id``."""
    return RULES[check_id]


def judge(take: Take, rubric: Rubric) -> list[Check]:
    """Run every enabled rule on ``take``; return the checks in report order."""
    return [rule_for(cid)(take, rubric.config(cid)) for cid in rubric.enabled()]


def score(checks: Sequence[Check], rubric: Rubric) -> int:
    """Weighted score 0–100 over the checks that ran (``skip`` counts for nothing)."""
    return weighted_score(checks, rubric.weights(), rubric.points)


def weighted_score(
    checks: Sequence[Check], weights: Mapping[str, float], points: Mapping[str, float]
) -> int:
    """:func:`score` from the weights alone (how a saved take is re-scored after review)."""
    total = earned = 0.0
    for check in checks:
        if check.status == "skip":
            continue
        weight = weights.get(check.id, 0.0)
        total += weight
        earned += weight * points[check.status]
    return round(100 * earned / total) if total else 0


def feedback(
    checks: Sequence[Check], rubric: Rubric, *, top: int = 3
) -> tuple[list[str], list[str]]:
    """The top ``top`` fixes (fails before warns, heavier checks first) and the strengths."""
    return weighted_feedback(checks, rubric.weights(), top=top)


def weighted_feedback(
    checks: Sequence[Check], weights: Mapping[str, float], *, top: int = 3
) -> tuple[list[str], list[str]]:
    """:func:`feedback` from the weights alone."""
    severity = {"fail": 0, "warn": 1}
    problems = sorted(
        (c for c in checks if c.status in severity),
        key=lambda c: (severity[c.status], -weights.get(c.id, 0.0)),
    )
    fixes = [c.advice or c.message for c in problems[:top]]
    passed = sorted(
        (c for c in checks if c.status == "pass"), key=lambda c: -weights.get(c.id, 0.0)
    )
    return fixes, [c.message for c in passed]
