"""The live views: while recording, the clock against the target, the level meter, hints;
while a take plays back, where it has got to.

Rich renderables only; :mod:`coach.cli.practice` shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType

    from coach.practice.record import LiveStatus


def level_bar(level_dbfs: float, *, width: int = 30, floor_db: float = -60.0) -> str:
    """A meter of ``width`` cells from ``floor_db`` to 0 dBFS."""
    filled = round(width * min(1.0, max(0.0, 1.0 - level_dbfs / floor_db)))
    return "█" * filled + "·" * (width - filled)


def clock_style(elapsed_s: float, *, target_s: float) -> str:
    """Green, amber in the last 5 s before the target, red past it."""
    if elapsed_s > target_s:
        return "bold red"
    return "bold yellow" if elapsed_s > target_s - 5.0 else "bold green"


def live_view(
    status: LiveStatus, *, device: str, target_s: float, max_s: float, interactive: bool
) -> RenderableType:
    """The panel shown while recording: the clock, the level meter, hints."""
    from rich.panel import Panel
    from rich.text import Text

    text = Text()
    text.append("● REC  ", style="bold red")
    text.append(
        f"{status.elapsed_s:5.1f} s", style=clock_style(status.elapsed_s, target_s=target_s)
    )
    text.append(f" / {target_s:.0f} s target   (stops at {max_s:.0f} s)\n", style="dim")
    meter_style = "red" if status.clipping else "green" if status.speaking else "dim"
    text.append(level_bar(status.level_dbfs), style=meter_style)
    text.append(f" {max(status.level_dbfs, -99.0):5.0f} dBFS\n")
    if status.clipping:
        text.append("Clipping — move back from the microphone or lower its gain", style="bold red")
    elif status.too_quiet:
        text.append("Too quiet — speak up or move closer to the microphone", style="bold yellow")
    elif interactive:
        text.append("Press Enter to stop (Ctrl-C stops too)", style="dim")
    return Panel(text, title=f"Recording — {device}", expand=False)


def countdown_view(n: int, *, device: str) -> RenderableType:
    from rich.panel import Panel
    from rich.text import Text

    return Panel(
        Text(f"Recording in {n}…", style="bold"), title=f"Get ready — {device}", expand=False
    )


def playback_view(position_s: float, duration_s: float, *, width: int = 30) -> RenderableType:
    """One line while a take plays: ``▶ 0:14 / 0:28 ━━━━━━━━━━━━━━━───────────────``."""
    from rich.text import Text

    from coach.rubric.checks import clock

    share = min(1.0, max(0.0, position_s / duration_s)) if duration_s > 0 else 1.0
    filled = round(width * share)
    text = Text()
    text.append("▶ ", style="bold green")
    text.append(f"{clock(position_s)} / {clock(duration_s)} ", style="bold")
    text.append("━" * filled, style="green")
    text.append("─" * (width - filled), style="dim")
    text.append("  Ctrl-C stops", style="dim")
    return text
