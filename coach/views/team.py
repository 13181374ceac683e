"""Terminal views of the team's progress (rich renderables; the CLI does the printing).

Everything shown comes from :mod:`coach.team.progress`, under its two rules:
an arrow always sits beside the two numbers it compares (the earlier and the
recent half), and where a rate or an average would come from fewer than
``MIN_TAKES`` takes the counts are shown instead.  Names and check ids are put
in :class:`~rich.text.Text` so a rep called ``[bold]`` prints as typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from coach.team.progress import (
    MIN_TAKES,
    TREND,
    CheckProgress,
    Period,
    Rate,
    RepProgress,
    TeamProgress,
    Trend,
    sparkline,
)
from coach.views.terminal import score_style

TREND_MARK: dict[Trend | None, str] = {"up": "↑", "down": "↓", "flat": "→", None: ""}
TREND_STYLE: dict[Trend | None, str] = {"up": "green", "down": "red", "flat": "dim", None: ""}


def rate_style(rate: float | None) -> str:
    if rate is None:
        return "dim"
    return "green" if rate >= 0.8 else "yellow" if rate >= 0.5 else "red"


def rate_text(rate: Rate) -> Text:
    """``80%`` coloured by how good it is; ``1 of 2`` from too few takes; ``—``: never judged."""
    if rate.judged == 0:
        return Text("—", style="dim")
    if rate.rate is None:
        return Text(f"{rate.passed} of {rate.judged}", style="dim")
    return Text(f"{rate.rate:.0%}", style=rate_style(rate.rate))


def trend_text(trend: Trend | None) -> Text:
    return Text(TREND_MARK[trend], style=TREND_STYLE[trend])


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def rep_line(rep: RepProgress) -> Text:
    """One rep in a line: takes, their average and best score, a sparkline.

    ``Chris Walker  6 takes (1 sent)  avg 71  best 85  ▃▄▅▅▇▇``; from fewer
    than MIN_TAKES takes the scores themselves instead of an average.
    """
    line = Text()
    line.append(rep.rep or "(no rep name)", style="bold")
    line.append(f"  {plural(rep.sessions, 'take')}")
    if rep.sent:
        line.append(f" ({rep.sent} sent)")
    line.append("  ")
    if rep.average_score is None:
        line.append("scores ")
        for i, point in enumerate(rep.points):
            line.append(", " if i else "")
            line.append(str(point.score), style=score_style(point.score))
    else:
        line.append("avg ")
        line.append(f"{rep.average_score:.0f}", style=score_style(round(rep.average_score)))
        line.append("  best ")
        line.append(str(rep.best_score), style=score_style(rep.best_score))
    line.append("  ")
    latest = rep.points[-1].score
    line.append(sparkline([p.score for p in rep.points]), style=score_style(latest))
    return line


def score_trend_text(rep: RepProgress) -> Text:
    """``score trend  earlier 58 → recent 83 ↑``: the two means the arrow compares, or when."""
    text = Text(" score trend  ")
    halves = rep.halves
    if halves is None:
        text.append(f"shown from {2 * MIN_TAKES} takes ({MIN_TAKES} a half)", style="dim")
        return text
    for i, period in enumerate(halves):
        text.append(" → " if i else "")
        text.append(f"{period.label} ")
        if period.average_score is None:
            text.append(plural(period.sessions, "take"), style="dim")
        else:
            score = period.average_score
            text.append(f"{score:.0f}", style=score_style(round(score)))
    if rep.score_trend is not None:
        text.append(" ")
        text.append_text(trend_text(rep.score_trend))
    return text


def checks_table(checks: Sequence[CheckProgress], periods: Sequence[Period]) -> Table:
    """Checks × takes: the pass rate in all of them, then in each half and the trend arrow.

    The halves (and the arrow between them) only when there are enough takes
    to split; checks no take judged are left out (see :func:`unjudged_line`).
    """
    total = sum(p.sessions for p in periods)
    halves = len(periods) == 2
    table = Table(box=None, padding=(0, 1))
    table.add_column("Check", no_wrap=True)
    table.add_column(f"all ({total})", justify="right", no_wrap=True)
    if halves:
        for period in periods:
            table.add_column(f"{period.label} ({period.sessions})", justify="right", no_wrap=True)
        table.add_column("trend", justify="center")
    for check in checks:
        if not check.judged:
            continue
        row: list[Text] = [Text(check.check_id), rate_text(check.overall)]
        if halves:
            row += [rate_text(r) for r in check.periods] + [trend_text(check.trend)]
        table.add_row(*row)
    return table


def rate_trend_text(check: CheckProgress) -> Text:
    """``earlier 20% → recent 60% ↑``: the two rates a check's arrow compares (empty: no arrow)."""
    text = Text()
    if check.trend is None:
        return text
    text.append("earlier ")
    text.append_text(rate_text(check.periods[0]))
    text.append(" → recent ")
    text.append_text(rate_text(check.periods[1]))
    text.append(" ")
    text.append_text(trend_text(check.trend))
    return text


def unjudged_line(checks: Sequence[CheckProgress]) -> Text | None:
    """The checks every take skipped, named so their absence from the table is not a mystery."""
    skipped = [c.check_id for c in checks if not c.judged]
    if not skipped:
        return None
    return Text(f" Not judged in these takes: {', '.join(skipped)}", style="dim")


def rep_view(rep: RepProgress) -> RenderableType:
    """One rep: the headline line, the score's trend, then their checks."""
    parts: list[RenderableType] = [
        rep_line(rep),
        score_trend_text(rep),
        checks_table(rep.checks, rep.periods),
    ]
    unjudged = unjudged_line(rep.checks)
    if unjudged is not None:
        parts.append(unjudged)
    return Group(*parts, Text(""))


def most_broken_view(team: TeamProgress) -> RenderableType:
    """The rules the team keeps breaking: the lowest pass rates, with counts and their trend."""
    if not team.most_broken:
        if all(c.overall.passed == c.overall.judged for c in team.checks):
            return Text("Every check passed in every judged take.", style="green")
        return Text(
            f"Too few takes to say what {team.whose} keeps breaking: "
            f"a pass rate needs {MIN_TAKES}.",
            style="dim",
        )
    lines = Text(f"What {team.whose} keeps breaking\n", style="bold")
    for check in team.most_broken:
        rate = check.overall
        lines.append(f"  {check.check_id:<18}")
        lines.append_text(rate_text(rate))
        lines.append(f" passed ({rate.passed} of {rate.judged} takes)  ")
        lines.append_text(rate_trend_text(check))
        lines.append("\n")
    lines.rstrip()
    return lines


def rules_line() -> Text:
    """How to read the numbers: what the trend compares and when counts stand in for rates."""
    return Text(
        f"Trend: {TREND}. A rate or an average needs {MIN_TAKES} takes; "
        "fewer show as counts (passed of judged).",
        style="dim",
    )


def progress_view(team: TeamProgress, *, heading: str) -> RenderableType:
    """The whole ``coach progress`` screen: each rep, the team's weakest rules, how to read it."""
    parts: list[RenderableType] = [Text(heading, style="bold"), Text("")]
    parts += [rep_view(rep) for rep in team.reps]
    parts += [most_broken_view(team), Text(""), rules_line()]
    return Group(*parts)
