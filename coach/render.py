"""Terminal views of reports (rich renderables; ``cli.py`` does the printing)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from coach.report import Report
from coach.rubric.core import clock

STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "skip": "dim"}
STATUS_MARK = {"pass": "✔", "warn": "!", "fail": "✘", "skip": "–"}


def score_style(score: int) -> str:
    return "green" if score >= 80 else "yellow" if score >= 60 else "red"


def transcript_text(report: Report) -> Text:
    """The transcript with callback numbers highlighted and their times shown."""
    words = report.transcript.words
    number_spans = {i: n for n in _numbers_by_word(report) for i in range(n[0], n[1] + 1)}
    text = Text()
    for i, word in enumerate(words):
        if i:
            text.append(" ")
        if i in number_spans:
            text.append(word.text, style="bold black on yellow")
            first, last = number_spans[i]
            if i == last:
                text.append(f" [{clock(words[first].start)}]", style="dim")
        else:
            style = "dim italic" if word.probability < 0.5 else ""
            text.append(word.text, style=style)
    return text


def _numbers_by_word(report: Report) -> list[tuple[int, int]]:
    # Map each number's time span back to word indices (the report keeps
    # numbers as times so the JSON needs no word indices).
    spans: list[tuple[int, int]] = []
    words = report.transcript.words
    for n in report.metrics.phone_numbers:
        idx = [
            i for i, w in enumerate(words) if w.start >= n.start - 1e-6 and w.end <= n.end + 1e-6
        ]
        if idx:
            spans.append((idx[0], idx[-1]))
    return spans


def metrics_table(report: Report) -> Table:
    m = report.metrics
    table = Table(title="Metrics", show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()

    def row(label: str, value: str | None) -> None:
        if value is not None:
            table.add_row(label, value)

    row("Duration", f"{m.duration_s:.1f} s")
    row("Speaking time", None if m.speech_s is None else f"{m.speech_s:.1f} s")
    row("Words", str(m.words))
    row(
        "Pace" if m.speech_s is not None else "Pace (assumed)",
        None if m.wpm is None else f"{m.wpm:.0f} wpm",
    )
    row(
        "Silence before speaking",
        None if m.leading_silence_s is None else f"{m.leading_silence_s:.1f} s",
    )
    row("Longest pause", None if m.longest_pause_s is None else f"{m.longest_pause_s:.1f} s")
    row("Fillers", str(m.filler_count))
    row(
        "Pitch variation",
        None if m.pitch_variation_st is None else f"{m.pitch_variation_st:.1f} semitones",
    )
    row("Loudness", None if m.loudness_dbfs is None else f"{m.loudness_dbfs:.0f} dBFS")
    for n in m.phone_numbers:
        row("Number", f"{n.digits} at {clock(n.start)}, {n.digits_per_s:.1f} digits/s")
    return table


def checks_table(report: Report) -> Table:
    table = Table(title="Checks", expand=True)
    table.add_column("", width=1)
    table.add_column("Check", style="bold", no_wrap=True)
    table.add_column("Finding", ratio=3)
    table.add_column("What to do", ratio=2, style="cyan")
    for c in report.checks:
        style = STATUS_STYLE[c.status]
        table.add_row(
            Text(STATUS_MARK[c.status], style=style),
            Text(c.id, style=style),
            c.message,
            c.advice if c.status != "pass" else Text(c.advice, style="dim"),
        )
    return table


def feedback_panel(report: Report) -> Panel:
    lines = Text()
    if report.fixes:
        lines.append("Fix first\n", style="bold")
        for i, fix in enumerate(report.fixes, 1):
            lines.append(f"  {i}. {fix}\n")
    if report.strengths:
        lines.append("What worked\n", style="bold")
        for s in report.strengths[:4]:
            lines.append(f"  ✔ {s}\n", style="green")
    touch = f"touch #{report.touch}" if report.touch else "touch not set"
    title = Text.assemble(
        (f"{report.score}/100", f"bold {score_style(report.score)}"),
        f"  {report.source}  ·  {touch}",
    )
    lines.rstrip()
    return Panel(lines if lines else Text("Nothing to flag."), title=title, title_align="left")


def report_view(report: Report) -> RenderableType:
    """The full single-take view: feedback first, then transcript, metrics, checks."""
    parts: list[RenderableType] = [feedback_panel(report)]
    if report.transcript.words:
        parts.append(Panel(transcript_text(report), title="What you said", title_align="left"))
    parts.extend([metrics_table(report), checks_table(report)])
    return Group(*parts)


def summary_table(reports: Sequence[Report], failures: Sequence[tuple[str, str]]) -> Table:
    """One row per take for a batch: score, length, pace, number, worst findings."""
    table = Table(title="Takes")
    table.add_column("Take")
    table.add_column("Score", justify="right")
    table.add_column("Length", justify="right")
    table.add_column("Pace", justify="right")
    table.add_column("Number")
    table.add_column("Top fix")
    for r in reports:
        numbers = ", ".join(n.digits for n in r.metrics.phone_numbers) or "—"
        table.add_row(
            r.source,
            Text(str(r.score), style=score_style(r.score)),
            f"{r.metrics.duration_s:.0f} s",
            "—" if r.metrics.wpm is None else f"{r.metrics.wpm:.0f}",
            numbers,
            r.fixes[0] if r.fixes else "",
        )
    for source, error in failures:
        table.add_row(source, Text("error", style="red"), "", "", "", error)
    return table
