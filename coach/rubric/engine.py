"""The rubric engine: every enabled rule run on a take, then the score and the feedback.

The rules are the table in :mod:`coach.rubric.rules`; their settings come
from :mod:`coach.rubric.config`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from coach.rubric.checks import Check, Take
from coach.rubric.config import Rubric
from coach.rubric.rules import RULES, RuleFn


def rule_for(check_id: str) -> RuleFn:
    """The rule function for ``check_id``."""
    return RULES[check_id]


def judge(take: Take, rubric: Rubric) -> list[Check]:
    """Run every enabled rule on ``take``; return the checks in report order.

    A check that passes carries no advice: there is nothing to fix, and a tip
    beside a pass reads as a finding (#16).
    """
    checks = [rule_for(cid)(take, rubric.config(cid)) for cid in rubric.enabled()]
    return [without_advice(c) if c.status == "pass" else c for c in checks]


def without_advice(check: Check) -> Check:
    """``check`` with no advice (what a passing check carries)."""
    return replace(check, advice="") if check.advice else check


#: the score bands (README "Scores"): green from 85, amber from 60, red below
BANDS: dict[str, float] = {"green": 85.0, "amber": 60.0}
#: the most a take that breaks a hard rule of the guidance can score: amber at best
HARD_RULE_CAP = 84.0


def score(checks: Sequence[Check], rubric: Rubric) -> int:
    """Weighted score 0–100 over the checks that ran (``skip`` counts for nothing).

    A take that breaks a hard rule of the field guidance (a check that fails
    with a ``hard_rule``: a 4th voicemail, no callback number, a number that
    is not the rep's, a "did you get my…" opener, no reason given) scores at
    most ``rubric.hard_rule_cap``: never green.
    """
    return weighted_score(
        checks, rubric.weights(), rubric.points, hard_rule_cap=rubric.hard_rule_cap
    )


def weighted_score(
    checks: Sequence[Check],
    weights: Mapping[str, float],
    points: Mapping[str, float],
    *,
    hard_rule_cap: float = HARD_RULE_CAP,
) -> int:
    """:func:`score` from the weights alone (how a saved take is re-scored after review)."""
    total = earned = 0.0
    for check in checks:
        if check.status == "skip":
            continue
        weight = weights.get(check.id, 0.0)
        total += weight
        earned += weight * points[check.status]
    result = round(100 * earned / total) if total else 0
    if broken_rules(checks):
        result = min(result, int(hard_rule_cap))
    return result


def broken_rules(checks: Sequence[Check]) -> list[str]:
    """The hard rules of the guidance the take breaks (failed checks that carry one)."""
    return [c.hard_rule for c in checks if c.status == "fail" and c.hard_rule]


def band(score: int, bands: Mapping[str, float] | None = None) -> str:
    """``"green"``, ``"amber"`` or ``"red"`` for a 0–100 score (README "Scores")."""
    bands = bands or BANDS
    if score >= bands["green"]:
        return "green"
    return "amber" if score >= bands["amber"] else "red"


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
