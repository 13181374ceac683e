"""Terminal views of the team's progress (rich renderables; the CLI does the printing).

Everything shown comes from :mod:`coach.team.progress`; names and check ids are
put in :class:`~rich.text.Text` so a rep called ``[bold]`` prints as typed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from coach.team.progress import CheckProgress, Rate, RepProgress, TeamProgress, Trend, sparkline
from coach.views.terminal import score_style

TREND_MARK: dict[Trend | None, str] = {"up": "↑", "down": "↓", "flat": "→", None: ""}
TREND_STYLE: dict[Trend | None, str] = {"up": "green", "down": "red", "flat": "dim", None: ""}


def rate_style(rate: float | None) -> str:
    if rate is None:
        return "dim"
    return "green" if rate >= 0.8 else "yellow" if rate >= 0.5 else "red"


def rate_text(rate: Rate) -> Text:
    """``80%`` coloured by how good it is; ``—`` when the check was never judged."""
    if rate.rate is None:
        return Text("—", style="dim")
    return Text(f"{rate.rate:.0%}", style=rate_style(rate.rate))


def trend_text(trend: Trend | None) -> Text:
    return Text(TREND_MARK[trend], style=TREND_STYLE[trend])


def rep_line(rep: RepProgress) -> Text:
    """``Chris Walker  6 sessions  55 → 82 (avg 71, best 85) ↑  ▃▄▅▅▇▇``."""
    line = Text()
    line.append(rep.rep or "(no rep name)", style="bold")
    line.append(f"  {rep.sessions} take{'s' if rep.sessions != 1 else ''}  ")
    line.append(str(rep.first_score), style=score_style(rep.first_score))
    line.append(" → ")
    line.append(str(rep.latest_score), style=score_style(rep.latest_score))
    line.append(f" (avg {rep.average_score:.0f}, best {rep.best_score}) ")
    line.append_text(trend_text(rep.score_trend))
    line.append("  ")
    line.append(sparkline([p.score for p in rep.points]), style=score_style(rep.latest_score))
    return line


def checks_table(
    checks: Sequence[CheckProgress], labels: Sequence[str], *, title: str | None = None
) -> Table:
    """Checks × periods: the pass rate in each, overall, and the trend arrow.

    Checks no take judged are left out (see :func:`unjudged_line`).
    """
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1))
    table.add_column("Check", no_wrap=True)
    for label in labels:
        table.add_column(label, justify="right", no_wrap=True)
    if len(labels) > 1:
        table.add_column("overall", justify="right")
        table.add_column("trend", justify="center")
    for check in checks:
        if not check.judged:
            continue
        row: list[Text] = [Text(check.check_id)]
        row += [rate_text(r) for r in check.periods]
        if len(labels) > 1:
            row += [rate_text(check.overall), trend_text(check.trend)]
        table.add_row(*row)
    return table


def unjudged_line(checks: Sequence[CheckProgress]) -> Text | None:
    """The checks every take skipped, named so their absence from the table is not a mystery."""
    skipped = [c.check_id for c in checks if not c.judged]
    if not skipped:
        return None
    return Text(f" Not judged in these takes: {', '.join(skipped)}", style="dim")


def rep_view(rep: RepProgress) -> RenderableType:
    """One rep: the headline line, then their checks by period."""
    labels = [f"{p.label} ({p.sessions})" for p in rep.periods]
    parts: list[RenderableType] = [rep_line(rep), checks_table(rep.checks, labels)]
    unjudged = unjudged_line(rep.checks)
    if unjudged is not None:
        parts.append(unjudged)
    return Group(*parts, Text(""))


def most_broken_view(team: TeamProgress) -> RenderableType:
    """The rules the team keeps breaking: the lowest pass rates, with counts."""
    if not team.most_broken:
        return Text("Every check passed in every judged take.", style="green")
    lines = Text(f"What {team.whose} keeps breaking\n", style="bold")
    for check in team.most_broken:
        rate = check.overall
        lines.append(f"  {check.check_id:<18}")
        lines.append_text(rate_text(rate))
        lines.append(f" passed ({rate.passed} of {rate.judged} takes) ")
        lines.append_text(trend_text(check.trend))
        lines.append("\n")
    lines.rstrip()
    return lines


def progress_view(team: TeamProgress, *, heading: str) -> RenderableType:
    """The whole ``coach progress`` screen: each rep, then the team's weakest rules."""
    parts: list[RenderableType] = [Text(heading, style="bold"), Text("")]
    parts += [rep_view(rep) for rep in team.reps]
    parts.append(most_broken_view(team))
    return Group(*parts)
