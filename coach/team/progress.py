"""Progress over saved takes: each rep's score trend and per-check pass rates over time.

Pure functions over plain data.  The caller reads the store and hands in one
:class:`Entry` per session, built from the report *as reviewed* (a lead's
overrides applied), so a check a lead passed counts as passed here too.
``coach progress`` renders the result in the terminal and ``coach report``
in HTML; both read the same numbers.

Time is split into periods so a trend can be read: ISO weeks (UTC) when the
takes span at least :data:`MIN_WEEKS` of them, else the earlier half of the
takes against the recent half.  A trend compares the first period with the
last one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from coach.report import Report
    from coach.rubric.checks import Status
    from coach.team.store import Session

SCHEMA = "coach.progress/1"

Trend = Literal["up", "down", "flat"]
PeriodKind = Literal["week", "half", "all"]

#: fewer distinct ISO weeks than this and the takes are split in halves instead
MIN_WEEKS = 3
#: at most this many periods in a table; older weeks are folded into the first
MAX_PERIODS = 6
#: a score moving less than this many points between periods is steady
SCORE_STEADY = 3.0
#: a pass rate moving less than this (a fraction) between periods is steady
RATE_STEADY = 0.10
#: how many of the lowest pass rates count as what the team keeps breaking
MOST_BROKEN = 3
#: the sparkline's eight heights, lowest first
BARS = "▁▂▃▄▅▆▇█"
#: a longer series shows only its most recent scores, so the line fits a terminal
SPARK_MAX = 40


@dataclass(frozen=True)
class Entry:
    """One saved take as progress reads it.

    ``score`` and ``statuses`` are as reviewed; ``statuses`` maps each check
    id to its status, in the report's order.
    """

    session_id: int
    rep: str
    at: datetime
    score: int
    statuses: dict[str, Status]

    @classmethod
    def of(cls, session: Session, reviewed: Report) -> Entry:
        """An entry from a stored session and its report as reviewed (``store.reviewed_report``)."""
        return cls(
            session_id=session.id,
            rep=session.rep,
            at=parse_time(session.created_at),
            score=session.score,
            statuses={c.id: c.status for c in reviewed.checks},
        )


def parse_time(text: str) -> datetime:
    """A stored time (``2025-03-01T09:30:00Z``) as an aware UTC datetime."""
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Period:
    """A span of time with the takes in it: an ISO week, a half of the takes, or all."""

    label: str
    entries: tuple[Entry, ...]

    @property
    def sessions(self) -> int:
        return len(self.entries)

    @property
    def average_score(self) -> float:
        return round(fmean(e.score for e in self.entries), 1)


@dataclass(frozen=True)
class Rate:
    """How often a check passed: ``passed`` of ``judged`` (skipped takes are not judged)."""

    passed: int
    judged: int

    @property
    def rate(self) -> float | None:
        """The pass rate 0–1, ``None`` when the check was never judged."""
        return None if self.judged == 0 else self.passed / self.judged


@dataclass(frozen=True)
class CheckProgress:
    """One check's pass rate overall and in each period, and which way it moved."""

    check_id: str
    overall: Rate
    periods: tuple[Rate, ...]
    trend: Trend | None

    @property
    def judged(self) -> bool:
        """Whether any take judged it (a written script skips the audio checks)."""
        return self.overall.judged > 0


@dataclass(frozen=True)
class ScorePoint:
    """One take on a score chart."""

    session_id: int
    at: datetime
    score: int


@dataclass(frozen=True)
class RepProgress:
    """One rep's takes over time: the scores in time order and per-check pass rates."""

    rep: str
    points: tuple[ScorePoint, ...]
    kind: PeriodKind
    periods: tuple[Period, ...]
    checks: tuple[CheckProgress, ...]
    score_trend: Trend | None

    @property
    def sessions(self) -> int:
        return len(self.points)

    @property
    def first_score(self) -> int:
        return self.points[0].score

    @property
    def latest_score(self) -> int:
        return self.points[-1].score

    @property
    def average_score(self) -> float:
        return round(fmean(p.score for p in self.points), 1)

    @property
    def best_score(self) -> int:
        return max(p.score for p in self.points)


@dataclass(frozen=True)
class TeamProgress:
    """Every rep's progress, the team's pass rates, and the rules the team keeps breaking."""

    reps: tuple[RepProgress, ...]
    kind: PeriodKind
    periods: tuple[Period, ...]
    checks: tuple[CheckProgress, ...]
    most_broken: tuple[CheckProgress, ...]

    @property
    def sessions(self) -> int:
        return sum(r.sessions for r in self.reps)

    @property
    def whose(self) -> str:
        """Who the weakest rules belong to, in words: the one rep shown, else the team."""
        if len(self.reps) == 1:
            return self.reps[0].rep or "this rep"
        return "the team"


def team_progress(entries: Sequence[Entry]) -> TeamProgress:
    """Progress of everyone in ``entries`` (any order): per rep, and for the team as a whole.

    Reps are grouped ignoring case (the store matches ``--rep`` that way) and
    shown with their latest spelling; they are listed by name.
    """
    ordered = sorted(entries, key=lambda e: (e.at, e.session_id))
    by_rep: dict[str, list[Entry]] = {}
    for entry in ordered:
        by_rep.setdefault(entry.rep.casefold(), []).append(entry)
    reps = tuple(
        sorted((rep_progress(group) for group in by_rep.values()), key=lambda r: r.rep.casefold())
    )
    kind, periods = split_periods(ordered)
    checks = check_progress(ordered, periods)
    return TeamProgress(
        reps=reps, kind=kind, periods=periods, checks=checks, most_broken=most_broken(checks)
    )


def rep_progress(entries: Sequence[Entry]) -> RepProgress:
    """One rep's progress from their entries (at least one, in time order)."""
    if not entries:
        raise ValueError("rep_progress needs at least one entry")
    kind, periods = split_periods(entries)
    return RepProgress(
        rep=entries[-1].rep,
        points=tuple(ScorePoint(e.session_id, e.at, e.score) for e in entries),
        kind=kind,
        periods=periods,
        checks=check_progress(entries, periods),
        score_trend=score_trend(periods),
    )


def split_periods(entries: Sequence[Entry]) -> tuple[PeriodKind, tuple[Period, ...]]:
    """Cut time-ordered entries into periods a trend can be read from.

    ISO weeks when the entries span :data:`MIN_WEEKS` or more, with weeks
    beyond the last :data:`MAX_PERIODS` folded into the first period so a
    table stays narrow; otherwise the earlier half against the recent half
    (the recent half gets the odd one); a single take is one period, and
    no takes no period.
    """
    if not entries:
        return "all", ()
    if len(entries) < 2:
        return "all", (Period("all", tuple(entries)),)
    weeks: dict[str, list[Entry]] = {}
    for entry in entries:
        weeks.setdefault(iso_week(entry.at), []).append(entry)
    if len(weeks) >= MIN_WEEKS:
        periods = [Period(label, tuple(group)) for label, group in weeks.items()]
        if len(periods) > MAX_PERIODS:
            folded = periods[: len(periods) - MAX_PERIODS + 1]
            first = Period(f"to {folded[-1].label}", tuple(e for p in folded for e in p.entries))
            periods = [first, *periods[len(folded) :]]
        return "week", tuple(periods)
    half = len(entries) // 2
    return "half", (
        Period("earlier", tuple(entries[:half])),
        Period("recent", tuple(entries[half:])),
    )


def iso_week(at: datetime) -> str:
    """``2025-03-04`` -> ``"2025-W10"`` (ISO 8601 week, in which years and weeks sort)."""
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def check_progress(
    entries: Sequence[Entry], periods: Sequence[Period]
) -> tuple[CheckProgress, ...]:
    """Each check's pass rate overall and per period, in the order the reports list them."""
    check_ids: dict[str, None] = {}
    for entry in entries:
        check_ids.update(dict.fromkeys(entry.statuses))
    out: list[CheckProgress] = []
    for check_id in check_ids:
        rates = tuple(pass_rate(p.entries, check_id) for p in periods)
        out.append(
            CheckProgress(
                check_id=check_id,
                overall=pass_rate(entries, check_id),
                periods=rates,
                trend=rate_trend(rates),
            )
        )
    return tuple(out)


def pass_rate(entries: Sequence[Entry], check_id: str) -> Rate:
    """How many takes that judged ``check_id`` passed it (a skip or absence is not judged)."""
    statuses = [e.statuses.get(check_id) for e in entries]
    judged = [s for s in statuses if s is not None and s != "skip"]
    return Rate(passed=sum(s == "pass" for s in judged), judged=len(judged))


def rate_trend(rates: Sequence[Rate]) -> Trend | None:
    """Which way a pass rate moved from its first judged period to its last (``None``: unknown)."""
    known = [r.rate for r in rates if r.rate is not None]
    if len(known) < 2:
        return None
    return _direction(known[-1] - known[0], RATE_STEADY)


def score_trend(periods: Sequence[Period]) -> Trend | None:
    """Which way the average score moved from the first period to the last."""
    if len(periods) < 2:
        return None
    return _direction(periods[-1].average_score - periods[0].average_score, SCORE_STEADY)


def _direction(change: float, steady: float) -> Trend:
    # A small epsilon so exactly one step (e.g. 0.1 from 0.5 to 0.6) counts as movement.
    if change >= steady - 1e-9:
        return "up"
    if change <= -steady + 1e-9:
        return "down"
    return "flat"


def most_broken(checks: Sequence[CheckProgress]) -> tuple[CheckProgress, ...]:
    """The checks with the lowest pass rates that are below 100% (ties: more takes first)."""
    failing = [
        c for c in checks if c.overall.rate is not None and c.overall.passed < c.overall.judged
    ]
    failing.sort(key=lambda c: (c.overall.rate, -c.overall.judged))
    return tuple(failing[:MOST_BROKEN])


def sparkline(scores: Sequence[int]) -> str:
    """Scores 0–100 as bars, on the absolute scale so two reps' lines compare at a glance.

    More than :data:`SPARK_MAX` scores: the most recent ones, after ``…``.
    """
    shown = list(scores[-SPARK_MAX:])
    bars = "".join(BARS[min(len(BARS) - 1, max(0, s) * len(BARS) // 101)] for s in shown)
    return ("…" if len(scores) > SPARK_MAX else "") + bars


# -- the coach.progress/1 JSON ---------------------------------------------------


def to_json(team: TeamProgress) -> dict[str, object]:
    """The numbers ``coach progress`` shows, as the stable ``coach.progress/1`` object."""
    return {
        "schema": SCHEMA,
        "sessions": team.sessions,
        "team": {
            "period_kind": team.kind,
            "periods": [_period_json(p) for p in team.periods],
            "checks": [_check_json(c) for c in team.checks],
            "most_broken": [c.check_id for c in team.most_broken],
        },
        "reps": [_rep_json(r) for r in team.reps],
    }


def _rep_json(rep: RepProgress) -> dict[str, object]:
    return {
        "rep": rep.rep,
        "sessions": rep.sessions,
        "first_score": rep.first_score,
        "latest_score": rep.latest_score,
        "average_score": rep.average_score,
        "best_score": rep.best_score,
        "score_trend": rep.score_trend,
        "scores": [
            {"session": p.session_id, "at": _iso(p.at), "score": p.score} for p in rep.points
        ],
        "period_kind": rep.kind,
        "periods": [_period_json(p) for p in rep.periods],
        "checks": [_check_json(c) for c in rep.checks],
    }


def _period_json(period: Period) -> dict[str, object]:
    return {
        "label": period.label,
        "sessions": period.sessions,
        "average_score": period.average_score,
    }


def _check_json(check: CheckProgress) -> dict[str, object]:
    return {
        "id": check.check_id,
        **_rate_json(check.overall),
        "trend": check.trend,
        "periods": [_rate_json(r) for r in check.periods],
    }


def _rate_json(rate: Rate) -> dict[str, object]:
    return {
        "passed": rate.passed,
        "judged": rate.judged,
        "rate": None if rate.rate is None else round(rate.rate, 3),
    }


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")
