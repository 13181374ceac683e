"""A team lead's review of a saved take: comments pinned to a moment, and overrides.

Plain data and pure functions; :mod:`coach.team.store` keeps them.  An override
replaces one check's status with the lead's verdict and a reason; the take is
then re-scored with the weights it was first scored with, so a score in
``coach sessions`` and ``coach progress`` is the score as reviewed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from coach.errors import CoachError
from coach.report import OverrideNote, Report
from coach.rubric.checks import STATUSES
from coach.rubric.engine import (
    BANDS,
    HARD_RULE_CAP,
    band,
    weighted_feedback,
    weighted_score,
)

if TYPE_CHECKING:
    from coach.rubric.checks import Status
    from coach.rubric.config import Rubric


class ReviewError(CoachError):
    """A comment time or an override the CLI was given does not parse."""


@dataclass(frozen=True)
class Weights:
    """What a take was scored with: each check's weight and the points per status."""

    weights: dict[str, float]
    points: dict[str, float]
    bands: dict[str, float] = field(default_factory=lambda: dict(BANDS))
    hard_rule_cap: float = HARD_RULE_CAP

    @classmethod
    def of(cls, rubric: Rubric) -> Weights:
        return cls(
            weights=rubric.weights(),
            points=dict(rubric.points),
            bands=dict(rubric.bands),
            hard_rule_cap=rubric.hard_rule_cap,
        )


@dataclass(frozen=True)
class Comment:
    """A lead's note on a take, pinned to a moment in it (``at_s``) or to the whole take."""

    id: int
    uid: str
    session_id: int
    at_s: float | None
    text: str
    author: str
    created_at: str


@dataclass(frozen=True)
class Override:
    """A lead's verdict replacing one check's status, with the reason."""

    id: int
    uid: str
    session_id: int
    check_id: str
    status: Status
    reason: str
    author: str
    created_at: str


_CLOCK = re.compile(r"^(?:(\d+):)?(\d+(?:\.\d+)?)$")


def parse_at(text: str) -> float:
    """``"0:12"`` or ``"12"`` or ``"1:02.5"`` -> seconds into the take.

    Raises
    ------
    ReviewError
        Not a time.
    """
    m = _CLOCK.match(text.strip())
    if not m or (m.group(1) is not None and float(m.group(2)) >= 60):
        raise ReviewError(f"--at {text!r} is not a time in the take — e.g. 0:12 or 12")
    return int(m.group(1) or 0) * 60 + float(m.group(2))


def parse_override(text: str, known: list[str]) -> tuple[str, Status]:
    """``"hook=pass"`` -> ``("hook", "pass")``, checking both sides.

    Raises
    ------
    ReviewError
        No ``=``, a check that is not in the report, or a status that is not one.
    """
    check_id, sep, status = (part.strip() for part in text.partition("="))
    if not sep:
        raise ReviewError(f"--override {text!r}: write CHECK=STATUS, e.g. hook=pass")
    if check_id not in known:
        raise ReviewError(
            f"--override {text!r}: no check {check_id!r} in this take — one of {', '.join(known)}"
        )
    for s in STATUSES:
        if status == s and s != "skip":
            return check_id, s
    raise ReviewError(f"--override {text!r}: the status must be pass, warn or fail")


def apply_overrides(report: Report, overrides: list[Override], weights: Weights) -> Report:
    """The report as reviewed: each overridden check takes the lead's status, re-scored.

    The latest override of a check wins.  Fixes and strengths are ranked
    again, so a check a lead passed no longer tops the fixes.
    """
    if not overrides:
        return report
    latest: dict[str, Override] = {}
    for override in sorted(overrides, key=lambda o: (o.created_at, o.id)):
        latest[override.check_id] = override
    notes: list[OverrideNote] = []
    checks = []
    for check in report.checks:
        o = latest.get(check.id)
        if o is None:
            checks.append(check)
            continue
        notes.append(OverrideNote(check.id, check.status, o.status, o.reason, o.author))
        # Marked down by the lead: the lead's reason is what the rep should act on;
        # passed by the lead: nothing to act on.
        advice = "" if o.status == "pass" else o.reason
        checks.append(replace(check, status=o.status, advice=advice))
    fixes, strengths = weighted_feedback(checks, weights.weights)
    points = weighted_score(
        checks, weights.weights, weights.points, hard_rule_cap=weights.hard_rule_cap
    )
    return replace(
        report,
        checks=tuple(checks),
        score=points,
        band=band(points, weights.bands),
        fixes=tuple(fixes),
        strengths=tuple(strengths),
        overrides=tuple(notes),
    )
