"""Progress over saved takes: each rep's score trend and per-check pass rates.

Pure functions over plain data.  The caller reads the store and hands in one
:class:`Entry` per session, built from the report *as reviewed* (a lead's
overrides applied), so a check a lead passed counts as passed here too.
``coach progress`` renders the result in the terminal, ``coach progress
--json`` as data and ``coach report`` in HTML; all three read the same numbers.

Two rules keep those numbers from misleading (see :data:`TREND`):

* **One trend.**  A trend is the recent half of the takes against the earlier
  half (in time order; the odd take goes to the recent half): the mean score,
  or a check's pass rate, of one half against the other.  The arrow and the
  two numbers shown beside it are always that comparison.
* **Enough takes.**  No pass rate or average from fewer than
  :data:`MIN_TAKES` takes, and no trend unless both halves have that many:
  the views show the counts instead (``1 of 2``, ``2 takes``).
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

SCHEMA = "coach.progress/2"

Trend = Literal["up", "down", "flat"]

#: no pass rate or average from fewer takes than this, and no trend unless each half has it
MIN_TAKES = 3
#: the trend in words, as every view states it
TREND = f"the recent half of the takes against the earlier half (each half needs {MIN_TAKES} takes)"
#: a score moving less than this many points between the halves is steady
SCORE_STEADY = 3.0
#: a pass rate moving less than this (a fraction) between the halves is steady
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
    id to its status, in the report's order.  ``sent``: the rep logged this
    take as left for a prospect (``--sent``).
    """

    session_id: int
    rep: str
    at: datetime
    score: int
    statuses: dict[str, Status]
    sent: bool = False

    @classmethod
    def of(cls, session: Session, reviewed: Report) -> Entry:
        """An entry from a stored session and its report as reviewed (``store.reviewed_report``)."""
        return cls(
            session_id=session.id,
            rep=session.rep,
            at=parse_time(session.created_at),
            score=session.score,
            statuses={c.id: c.status for c in reviewed.checks},
            sent=session.sent_at is not None,
        )


def parse_time(text: str) -> datetime:
    """A stored time (``2025-03-01T09:30:00Z``) as an aware UTC datetime."""
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Period:
    """Some of the takes, in time order: the earlier half, the recent half, or all."""

    label: str
    entries: tuple[Entry, ...]

    @property
    def sessions(self) -> int:
        return len(self.entries)

    @property
    def average_score(self) -> float | None:
        """The mean score, ``None`` from fewer than :data:`MIN_TAKES` takes."""
        return average([e.score for e in self.entries])


def average(scores: Sequence[int]) -> float | None:
    """The mean of ``scores`` to one decimal; ``None`` from fewer than :data:`MIN_TAKES`."""
    return round(fmean(scores), 1) if len(scores) >= MIN_TAKES else None


@dataclass(frozen=True)
class Rate:
    """How often a check passed: ``passed`` of ``judged`` (skipped takes are not judged)."""

    passed: int
    judged: int

    @property
    def rate(self) -> float | None:
        """The pass rate 0–1; ``None`` when fewer than :data:`MIN_TAKES` takes judged the check."""
        return self.passed / self.judged if self.judged >= MIN_TAKES else None


@dataclass(frozen=True)
class CheckProgress:
    """One check's pass rate overall and in each half, and which way it moved."""

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
    """One take on a score chart; ``sent``: logged as left for a prospect."""

    session_id: int
    at: datetime
    score: int
    sent: bool = False


@dataclass(frozen=True)
class RepProgress:
    """One rep's takes over time: the scores in time order and per-check pass rates.

    ``periods`` are the earlier and the recent half when there are enough
    takes for a trend (2 × :data:`MIN_TAKES`), else one period of all takes.
    """

    rep: str
    points: tuple[ScorePoint, ...]
    periods: tuple[Period, ...]
    checks: tuple[CheckProgress, ...]
    score_trend: Trend | None

    @property
    def sessions(self) -> int:
        return len(self.points)

    @property
    def sent(self) -> int:
        """How many of the takes were logged as left for a prospect."""
        return sum(p.sent for p in self.points)

    @property
    def average_score(self) -> float | None:
        """The mean score, ``None`` from fewer than :data:`MIN_TAKES` takes."""
        return average([p.score for p in self.points])

    @property
    def best_score(self) -> int:
        return max(p.score for p in self.points)

    @property
    def halves(self) -> tuple[Period, Period] | None:
        """The earlier and the recent half, ``None`` when there are too few takes to split."""
        return (self.periods[0], self.periods[1]) if len(self.periods) == 2 else None


@dataclass(frozen=True)
class TeamProgress:
    """Every rep's progress, the team's pass rates, and the rules the team keeps breaking."""

    reps: tuple[RepProgress, ...]
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
    periods = split_halves(ordered)
    checks = check_progress(ordered, periods)
    return TeamProgress(reps=reps, periods=periods, checks=checks, most_broken=most_broken(checks))


def rep_progress(entries: Sequence[Entry]) -> RepProgress:
    """One rep's progress from their entries (at least one, in time order)."""
    if not entries:
        raise ValueError("rep_progress needs at least one entry")
    periods = split_halves(entries)
    return RepProgress(
        rep=entries[-1].rep,
        points=tuple(ScorePoint(e.session_id, e.at, e.score, e.sent) for e in entries),
        periods=periods,
        checks=check_progress(entries, periods),
        score_trend=score_trend(periods),
    )


def split_halves(entries: Sequence[Entry]) -> tuple[Period, ...]:
    """Time-ordered entries as the two halves a trend compares, or one period when too few.

    From 2 × :data:`MIN_TAKES` entries on: the earlier half and the recent
    half, which gets the odd one.  Fewer: one period, ``all``, as no trend
    can be read from them; none: no period.
    """
    if not entries:
        return ()
    if len(entries) < 2 * MIN_TAKES:
        return (Period("all", tuple(entries)),)
    half = len(entries) // 2
    return (Period("earlier", tuple(entries[:half])), Period("recent", tuple(entries[half:])))


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


def trend(earlier: float | None, recent: float | None, *, steady: float) -> Trend | None:
    """The trend (:data:`TREND`): which way a value moved from the earlier half to the recent.

    ``None`` when either half has no value (fewer than :data:`MIN_TAKES`
    takes); a change smaller than ``steady`` is ``"flat"``.
    """
    if earlier is None or recent is None:
        return None
    change = recent - earlier
    # A small epsilon so exactly one step (e.g. 0.1 from 0.5 to 0.6) counts as movement.
    if change >= steady - 1e-9:
        return "up"
    if change <= -steady + 1e-9:
        return "down"
    return "flat"


def score_trend(periods: Sequence[Period]) -> Trend | None:
    """The trend of the mean score, from :func:`split_halves`' periods (``None``: no halves)."""
    if len(periods) != 2:
        return None
    return trend(periods[0].average_score, periods[1].average_score, steady=SCORE_STEADY)


def rate_trend(rates: Sequence[Rate]) -> Trend | None:
    """The trend of a pass rate, from its rates in the two halves (``None``: no halves)."""
    if len(rates) != 2:
        return None
    return trend(rates[0].rate, rates[1].rate, steady=RATE_STEADY)


def most_broken(checks: Sequence[CheckProgress]) -> tuple[CheckProgress, ...]:
    """The checks with the lowest pass rates below 100% (ties: more takes first).

    Only checks with a rate, i.e. judged in :data:`MIN_TAKES` takes or more.
    """
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


# -- the coach.progress/2 JSON ---------------------------------------------------


def to_json(team: TeamProgress) -> dict[str, object]:
    """The numbers ``coach progress`` shows, as the ``coach.progress/2`` object.

    A rate or an average is ``null`` where the views show counts (fewer than
    ``min_takes`` takes), and a trend ``null`` where they show no arrow.
    """
    return {
        "schema": SCHEMA,
        "min_takes": MIN_TAKES,
        "trend": TREND,
        "sessions": team.sessions,
        "team": {
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
        "sent": rep.sent,
        "average_score": rep.average_score,
        "best_score": rep.best_score,
        "score_trend": rep.score_trend,
        "periods": [_period_json(p) for p in rep.periods],
        "scores": [
            {"session": p.session_id, "at": _iso(p.at), "score": p.score, "sent": p.sent}
            for p in rep.points
        ],
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
