"""Terminal views of reports (rich renderables; ``cli.py`` does the printing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from coach.report import Identity, Report
from coach.rubric.checks import clock
from coach.rubric.phoneline import FINDING_START, PhoneLine
from coach.rubric.rules.number import spoken_form
from coach.speech.fillers import FILLED_PAUSE_MARK

if TYPE_CHECKING:
    from coach.practice.cards import Card
    from coach.practice.rehearse import ScriptComparison, TakeDelta
    from coach.team.review import Comment

STATUS_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "skip": "dim"}
STATUS_MARK = {"pass": "✔", "warn": "!", "fail": "✘", "skip": "–"}


#: how each score band is coloured (README "Scores": green ≥ 85, amber 60–84, red < 60)
BAND_STYLE = {"green": "green", "amber": "yellow", "red": "red"}


def score_style(score: int, score_band: str = "") -> str:
    from coach.rubric.engine import band

    return BAND_STYLE[score_band or band(score)]


def transcript_text(report: Report) -> Text:
    """The transcript with callback numbers highlighted and their times shown, and a
    filled pause heard where Whisper wrote no word marked "[um]" in its place."""
    words = report.transcript.words
    number_spans = {i: n for n in _numbers_by_word(report) for i in range(n[0], n[1] + 1)}
    pauses = list(report.metrics.filled_pauses)
    text = Text()

    def mark_until(seconds: float) -> None:
        while pauses and pauses[0].start < seconds:
            pauses.pop(0)
            if text:
                text.append(" ")
            text.append(FILLED_PAUSE_MARK, style="bold magenta")

    for i, word in enumerate(words):
        mark_until((word.start + word.end) / 2)
        if text:
            text.append(" ")
        if i in number_spans:
            text.append(word.text, style="bold black on yellow")
            first, last = number_spans[i]
            if i == last:
                text.append(f" [{clock(words[first].start)}]", style="dim")
        else:
            style = "dim italic" if word.probability < 0.5 else ""
            text.append(word.text, style=style)
    mark_until(float("inf"))
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

    row("Duration", duration_text(report))
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
    script = report.model is None and m.loudness_dbfs is None
    for n in m.phone_numbers:
        # A written number has no speed: only where it falls at the rep's pace.
        row(
            "Number",
            f"{spoken_form(n.digits)} at {clock(n.start)}"
            + ("" if script else f", {n.digits_per_s:.1f} digits/s"),
        )
    return table


def duration_text(report: Report) -> str:
    """``34.0 s (the message runs 27 s; 5.0 s quiet before it, 2.0 s after)``.

    The take's length beside the message's, which the ``length`` check judges
    ("The message runs 27 s"), so the two never stand side by side unexplained.
    Said only where the two differ as shown in whole seconds.
    """
    m = report.metrics
    whole = f"{m.duration_s:.1f} s"
    if m.message_s is None or round(m.duration_s) == round(m.message_s):
        return whole
    quiet = m.duration_s - m.message_s
    before = m.leading_silence_s or 0.0
    after = max(0.0, quiet - before)
    if before >= 0.05 and after >= 0.05:
        where = f"{before:.1f} s quiet before it, {after:.1f} s after"
    else:
        where = f"{quiet:.1f} s quiet {'before' if before >= after else 'after'} it"
    return f"{whole} (the message runs {m.message_s:.0f} s; {where})"


def checks_table(report: Report) -> Table:
    table = Table(title="Checks", expand=True)
    table.add_column("", width=1)
    table.add_column("Check", style="bold", no_wrap=True)
    table.add_column("Finding", ratio=3)
    table.add_column("What to do", ratio=2, style="cyan")
    for c in report.checks:
        style = STATUS_STYLE[c.status]
        finding = Text(c.message)
        note = report.override_of(c.id)
        if note is not None:
            by = f" by {note.author}" if note.author else ""
            finding.append(
                f"\nOverridden{by}: {note.original} → {note.status} — {note.reason}",
                style="bold magenta",
            )
        table.add_row(
            Text(STATUS_MARK[c.status], style=style),
            Text(c.id, style=style),
            finding,
            "" if c.status == "pass" else c.advice,  # a pass has nothing to fix
        )
    return table


def comments_view(comments: Sequence[Comment]) -> Table:
    """A lead's comments on a take, at their moments."""
    table = Table(title="Review comments", show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    table.add_column(style="dim")
    for c in comments:
        table.add_row("whole take" if c.at_s is None else clock(c.at_s), c.text, c.author or "")
    return table


def identity_line(who: Identity) -> str:
    """``Chris Walker, Northwind Logistics, 415-555-0134 (your profile)``."""
    parts = [p for p in (who.name, who.company, spoken_form(who.phone)) if p]
    return ", ".join(parts) + (f" ({who.source})" if who.source else "")


#: how many strengths the compact view names (the rest are in --details)
STRENGTHS_SHOWN = 2
#: a hint below the compact view: where the rest of the report is
DETAILS_HINT = "The transcript, the metrics and every check: --details"


def _one_line(text: str, style: str = "") -> Text:
    """``text`` kept to one line, cut with an ellipsis where the screen ends."""
    return Text(" ".join(text.split()), style=style, no_wrap=True, overflow="ellipsis")


def _title(report: Report) -> Text:
    """``72/100 amber  take.m4a · touch #1``: the file's name, not its folders, so the
    score and the touch stay on the panel's top line at 80 columns."""
    from pathlib import PurePath

    touch = f"touch #{report.touch}" if report.touch else "touch not set"
    return Text.assemble(
        (
            f"{report.score}/100 {report.score_band}",
            f"bold {score_style(report.score, report.score_band)}",
        ),
        f"  {PurePath(report.source).name or report.source}  ·  {touch}",
    )


def feedback_panel(report: Report, *, compact: bool = True) -> Panel:
    """The score and what to do about it: what a rep reads first.

    The hard rules broken, at most three fixes (each naming what it is about)
    and whom the take was checked as; when ``compact`` (no checks table below
    it), also one line per check that failed or warned and one or two strengths.
    """
    from coach.rubric.engine import broken_rules

    parts: list[RenderableType] = []
    broken = broken_rules(report.checks)
    if broken:
        parts.append(
            Text(
                f"Never green while it breaks a rule of the guidance: {', '.join(broken)}.",
                style="bold red",
            )
        )
    if report.fixes:
        fixes = Table.grid(padding=(0, 1))
        fixes.add_column(no_wrap=True)
        fixes.add_column()
        for i, fix in enumerate(report.fixes[:3], 1):
            fixes.add_row(f"{i}.", fix)
        parts.extend([Text("Fix first", style="bold"), fixes])
    problems = [c for c in report.checks if c.status in ("fail", "warn")]
    if compact and problems:
        # One Text a line (not a table, whose columns rich shrinks all alike when a
        # line is too long): the mark and the check in full, the finding cut short.
        wide = max(len(c.id) for c in problems)
        for c in problems:
            style = STATUS_STYLE[c.status]
            line = _one_line(c.message)
            line.pad_left(1)
            line = Text.assemble(
                (STATUS_MARK[c.status], style), " ", (c.id.ljust(wide), style), line
            )
            line.no_wrap, line.overflow = True, "ellipsis"
            parts.append(line)
    if report.phone_line is not None:
        parts.extend(phone_line_lines(report.phone_line))
    for strength in report.strengths[:STRENGTHS_SHOWN] if compact else ():
        parts.append(_one_line(f"✔ {strength}", style="green"))
    if report.identity is not None:
        parts.append(_one_line(f"Checked as {identity_line(report.identity)}", style="dim"))
    else:
        parts.append(
            _one_line(
                "Not checked against your name or number: set them once with coach profile set",
                style="dim",
            )
        )
    return Panel(Group(*parts), title=_title(report), title_align="left")


def compact_view(report: Report) -> RenderableType:
    """What ``coach score``, ``record``, ``rehearse`` and ``check`` show by default.

    A typical take fits in 40 rows at 80 columns (tested); ``--details`` adds
    the transcript, the metrics and every check (:func:`report_view`).
    """
    return Group(feedback_panel(report), Text(DETAILS_HINT, style="dim"))


def explain_view(report: Report) -> Table:
    """Why each check has its status: the phrase that decided it, and where (``--explain``)."""
    table = Table(title="Why each check came out as it did", title_justify="left", expand=True)
    table.add_column("check", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("decided by")
    for check in report.checks:
        lines = Text()
        for e in check.evidence:
            where = f" at {clock(e.start)}" if e.start is not None else ""
            if e.chars is not None:
                where += f" (chars {e.chars[0]}–{e.chars[1]})"
            lines.append(f"“{e.text}”{where}")
            if e.phrase:
                key, _, phrase = e.phrase.partition(": ")
                lines.append(f"\n   ← {key}: ", style="dim")
                lines.append(phrase, style="cyan")
            lines.append("\n")
        if not check.evidence and check.status in ("warn", "fail"):
            lines.append("no phrase of its lists matched: ", style="dim")
        lines.append(check.message)
        if check.hard_rule and check.status == "fail":
            lines.append(f"\nbreaks a hard rule ({check.hard_rule}): the score is capped", "red")
        table.add_row(
            check.id,
            Text(f"{STATUS_MARK[check.status]} {check.status}", style=STATUS_STYLE[check.status]),
            lines,
        )
    return table


def report_view(report: Report) -> RenderableType:
    """The full single-take view (``--details``, ``coach sessions show``): the fixes, then
    the transcript, the metrics and every check (findings and strengths are in the table)."""
    parts: list[RenderableType] = [feedback_panel(report, compact=False)]
    if report.transcript.words:
        script = report.model is None and report.metrics.loudness_dbfs is None
        title = "Your script (timed at your pace)" if script else "What you said"
        parts.append(Panel(transcript_text(report), title=title, title_align="left"))
    if report.phone_line is not None:
        parts.append(phone_line_panel(report))
    parts.extend([metrics_table(report), checks_table(report)])
    return Group(*parts)


def phone_line_lines(phone: PhoneLine) -> list[Text]:
    """What the prospect's phone gets wrong, a line each (wrapped, not cut: the advice is
    at the end); one dim line when what could be compared came through."""
    if phone.findings:
        return [
            Text.assemble(
                ("On the prospect's phone", "bold yellow"),
                ", the transcript " + finding.removeprefix(FINDING_START),
            )
            for finding in phone.findings
        ]
    kept = [
        what
        for what, ok in (("number", phone.number_survives), ("name", phone.name_survives))
        if ok
    ]
    if not kept:
        return [_one_line("On the prospect's phone: no number or name of yours to compare", "dim")]
    return [
        _one_line(
            f"On the prospect's phone: your {' and '.join(kept)} "
            + ("come through" if len(kept) > 1 else "comes through"),
            "dim",
        )
    ]


def phone_line_panel(report: Report) -> Panel:
    """The take as a prospect's phone shows it (``--phone-line``), and what survived the trip."""
    phone = report.phone_line
    assert phone is not None
    body = Text(phone.transcript or "(nothing)")
    said = {
        "number": phone.number_survives,
        "name": phone.name_survives,
    }
    verdicts = [
        (
            f"your {what} survives" if ok else f"your {what} does not survive",
            "green" if ok else "yellow",
        )
        for what, ok in said.items()
        if ok is not None
    ]
    if verdicts:
        body.append("\n")
        for i, (verdict, style) in enumerate(verdicts):
            body.append(" · " if i else "", style="dim")
            body.append(verdict, style=style)
    return Panel(
        body,
        title=f"On the prospect's phone ({phone.codec})",
        title_align="left",
    )


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
        numbers = ", ".join(spoken_form(n.digits) for n in r.metrics.phone_numbers) or "—"
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


ELEMENT_STYLE = {"kept": "green", "dropped": "red", "ad-libbed": "yellow", "absent": "dim"}


def brief_panel(card: Card, *, show_script: bool) -> RenderableType:
    """The card as a rep reads it before recording; the script as a teleprompter."""
    p = card.prospect
    body = Text()
    body.append(f"Voicemail #{card.touch} to {p.name}", style="bold")
    body.append(f", {p.title}, {p.company}\n" if p.title else f", {p.company}\n")
    if p.situation:
        body.append(f"Situation: {p.situation}\n")
    if card.offer.value:
        body.append(f"Your offer: {card.offer.value}")
        body.append(f" — {card.offer.proof}\n" if card.offer.proof else "\n")
    if card.brief.text:
        body.append(f"\n{card.brief.text}\n", style="italic")
    body.rstrip()
    parts: list[RenderableType] = [Panel(body, title=card.title, title_align="left")]
    if show_script and card.brief.script:
        parts.append(
            Panel(
                Text(card.brief.script, style="bold"),
                title="Script",
                title_align="left",
                padding=(1, 4),
            )
        )
    return Group(*parts)


def script_panel(card: Card) -> RenderableType:
    """The card's script alone, compact: shown again before a retake."""
    return Panel(
        Text(card.brief.script, style="bold"),
        title=f"Script — {card.title}",
        title_align="left",
        padding=(0, 2),
    )


def comparison_view(comparison: ScriptComparison) -> RenderableType:
    """Script vs. take: which elements were kept, dropped or ad-libbed."""
    table = Table(title=f"Script vs. take — {comparison.similarity:.0f} % the same words")
    table.add_column("Element")
    table.add_column("")
    table.add_column("Words")
    for e in comparison.by_severity:
        if e.status == "absent":
            continue
        table.add_row(e.element, Text(e.status, style=ELEMENT_STYLE[e.status]), e.evidence)
    parts: list[RenderableType] = [table]
    if comparison.missing_words:
        parts.append(Text("Left out: " + ", ".join(comparison.missing_words[:12]), style="red"))
    if comparison.extra_words:
        parts.append(Text("Ad-libbed: " + ", ".join(comparison.extra_words[:12]), style="yellow"))
    return Group(*parts)


def delta_line(delta: TakeDelta) -> Text:
    """One line per take: its score, the best so far, what moved."""
    line = Text(f"Take {delta.number}: ", style="bold")
    line.append(f"{delta.score}/100", style=score_style(delta.score))
    line.append(f"  (best so far {delta.best_so_far})")
    if delta.improved:
        line.append("  improved: " + ", ".join(delta.improved), style="green")
    if delta.slipped:
        line.append("  slipped: " + ", ".join(delta.slipped), style="red")
    return line
