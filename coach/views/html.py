"""The team report: one self-contained HTML page a lead can open, share and listen to offline.

Pure: :func:`build_html` turns the team's progress and each take's data
(report as reviewed, comments, audio as Ogg Opus) into a string; the CLI reads
the store and writes the file.  Nothing on the page loads from the network:
CSS, the score chart (SVG) and the one small script are inline, each take's
audio is a ``data:`` URI, and a Content-Security-Policy allows only that
inline CSS and script (by hash) and ``data:`` media.  No path of the machine
that made it is written in it: a take's source file is shown by its name.

Numbers follow :mod:`coach.team.progress`' rules: an arrow sits beside the
two numbers it compares, and counts stand in for a rate from too few takes.
The page reads on a phone (390 px): tables scroll inside their own box.

Every string that came from a person — transcript, rep, card, prospect,
check messages, comments — goes through :func:`html.escape`, so a transcript
saying ``<script>`` shows those characters; the policy is the second lock.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from coach.rubric.checks import clock
from coach.speech.codec import OPUS_MIME
from coach.team.progress import (
    MIN_TAKES,
    TREND,
    CheckProgress,
    Period,
    Rate,
    RepProgress,
    TeamProgress,
    parse_time,
    sparkline,
)

if TYPE_CHECKING:
    from coach.report import Report
    from coach.rubric.checks import Check
    from coach.team.review import Comment
    from coach.team.store import Session

#: a word is marked by a finding when its middle falls in the evidence span (± this), seconds
SPAN_SLACK_S = 0.05
#: worst first: a word in a failed and a passed check's evidence shows the failure
STATUS_RANK = {"fail": 0, "warn": 1, "pass": 2, "skip": 3}
#: rep colours on the chart and legend, in order (classes rep-0 … rep-7)
REP_COLOURS = (
    "#2563eb",
    "#dc2626",
    "#16a34a",
    "#9333ea",
    "#ea580c",
    "#0891b2",
    "#ca8a04",
    "#db2777",
)


@dataclass(frozen=True)
class TakeView:
    """Everything the page shows about one saved take.

    ``report`` is the report as reviewed (``store.reviewed_report``);
    ``audio`` the take's audio (``audio_mime``: Ogg Opus, as
    :func:`coach.speech.codec.opus_from_file` makes it), or ``None`` with
    ``audio_note`` saying why there is no player.
    """

    session: Session
    report: Report
    comments: tuple[Comment, ...]
    audio: bytes | None
    audio_note: str = ""
    audio_mime: str = OPUS_MIME


CSS = """
:root { --pass: #15803d; --warn: #b45309; --fail: #b91c1c; --skip: #6b7280;
  --pass-bg: #dcfce7; --warn-bg: #fef3c7; --fail-bg: #fee2e2; --line: #e5e7eb;
  --sent: #7c3aed; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827;
  max-width: 60rem; margin: 2rem auto; padding: 0 1rem; overflow-wrap: anywhere; }
h1 { margin-bottom: 0; } h2 { border-bottom: 2px solid var(--line); padding-bottom: .2rem; }
.muted { color: #6b7280; }
/* a table wider than the screen scrolls in its own box, never the page */
.scroll { overflow-x: auto; max-width: 100%; margin: .5rem 0 1rem; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid var(--line);
  vertical-align: top; overflow-wrap: normal; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.rep { white-space: normal; max-width: 9rem; }
.spark { font-family: ui-monospace, monospace; letter-spacing: -1px; white-space: nowrap; }
td.trend { white-space: nowrap; }
.rate-good { background: var(--pass-bg); } .rate-mid { background: var(--warn-bg); }
.rate-low { background: var(--fail-bg); }
.trend-up { color: var(--pass); } .trend-down { color: var(--fail); }
.trend-flat { color: #6b7280; }
.chart { width: 100%; max-width: 40rem; height: auto; display: block; }
.chart .grid { stroke: var(--line); } .chart .axis { fill: #6b7280; font-size: 14px; }
.chart polyline { fill: none; stroke-width: 2; }
.chart .sent-ring { fill: none; stroke-width: 2; }
.legend span { margin-right: 1rem; white-space: nowrap; }
.session { border: 1px solid var(--line); border-radius: .5rem; padding: .2rem 1rem 1rem;
  margin: 1.5rem 0; }
.session h3 { margin-bottom: .2rem; }
.score { font-weight: 700; padding: 0 .4rem; border-radius: .3rem; }
.score-good { background: var(--pass-bg); color: var(--pass); }
.score-mid { background: var(--warn-bg); color: var(--warn); }
.score-low { background: var(--fail-bg); color: var(--fail); }
.sent { color: var(--sent); font-weight: 600; white-space: nowrap; }
audio { width: 100%; margin: .5rem 0; }
.no-audio { background: #f3f4f6; padding: .5rem; border-radius: .3rem; }
.transcript { background: #f9fafb; padding: .6rem .8rem; border-radius: .3rem; }
.w { cursor: pointer; border-radius: .2rem; }
.w:hover { outline: 1px solid #9ca3af; }
/* problems stand out; what passed is marked quietly */
.w.pass { text-decoration: underline dotted var(--pass); }
.w.warn { background: var(--warn-bg); }
.w.fail { background: var(--fail-bg); text-decoration: underline wavy var(--fail); }
.w.now { outline: 2px solid #2563eb; }
.status { font-weight: 700; text-transform: uppercase; font-size: .75rem; }
.status.pass { color: var(--pass); } .status.warn { color: var(--warn); }
.status.fail { color: var(--fail); } .status.skip { color: var(--skip); }
.override { font-size: .85rem; background: #eef2ff; padding: .1rem .4rem; border-radius: .3rem; }
.advice { color: #374151; font-size: .9rem; }
.comments li { margin: .2rem 0; } a.seek { font-variant-numeric: tabular-nums; }
@media (max-width: 480px) {
  body { margin: 1rem auto; padding: 0 .6rem; font-size: 14px; }
  .session { padding: .2rem .6rem .6rem; }
  th, td { padding: .2rem .4rem; }
  /* a take's checks reflow: status and check on one line, the finding under them */
  table.checks tr { display: grid; grid-template-columns: 3.5rem 1fr;
    border-bottom: 1px solid var(--line); }
  table.checks tr:first-child { display: none; }
  table.checks td { border: 0; }
  table.checks td:last-child { grid-column: 1 / -1; padding-top: 0; }
}
"""

# Clicking a word or a comment's time plays the take from there; the word being
# played is outlined.  Delegated from the document so it stays one small script.
SCRIPT = """
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-t]");
  var take = target && target.closest(".session");
  var audio = take && take.querySelector("audio");
  if (!audio) { return; }
  event.preventDefault();
  audio.currentTime = parseFloat(target.dataset.t);
  audio.play().catch(function () {});
});
document.addEventListener("timeupdate", function (event) {
  var audio = event.target;
  var take = audio.closest(".session");
  take.querySelectorAll(".w").forEach(function (word) {
    var start = parseFloat(word.dataset.t), end = parseFloat(word.dataset.end);
    word.classList.toggle("now", !audio.paused && start <= audio.currentTime
      && audio.currentTime < end);
  });
}, true);
"""


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def _policy() -> str:
    """Only the page's own inline CSS and script run; media only from data: URIs."""
    return (
        f"default-src 'none'; style-src '{_sha256(CSS)}'; script-src '{_sha256(SCRIPT)}'; "
        "media-src data:; img-src data:"
    )


def build_html(
    team: TeamProgress, takes: Sequence[TakeView], *, generated: datetime, scope: str
) -> str:
    """The whole page: the team summary, an index of the takes, then each take.

    ``takes`` are shown in the order given (the CLI passes newest first);
    ``scope`` says in words which takes these are (``"since 2025-03-01"``).
    """
    parts = [
        _head(),
        "<body>",
        "<h1>Voicemail Coach — team report</h1>",
        f'<p class="muted">{escape(_scope_line(team, scope, generated))}</p>',
        _summary(team),
        _index(takes),
        '<section id="takes"><h2>Takes</h2>',
        *(_take(t) for t in takes),
        "</section>",
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _head() -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_policy()}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        "<title>Voicemail Coach — team report</title>\n"
        f"<style>{CSS}</style></head>"
    )


def _scope_line(team: TeamProgress, scope: str, generated: datetime) -> str:
    reps = len(team.reps)
    counts = f"{_plural(team.sessions, 'take')} by {_plural(reps, 'rep')}"
    when = generated.strftime("%Y-%m-%d %H:%M %Z").strip()
    return " · ".join(p for p in (counts, scope, f"made {when}") if p)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# -- the team summary ------------------------------------------------------------


def _summary(team: TeamProgress) -> str:
    return "\n".join(
        [
            '<section id="summary"><h2>Team summary</h2>',
            _reps_table(team.reps),
            "<h3>Scores over time</h3>",
            score_chart(team.reps),
            _legend(team.reps),
            "<h3>Check pass rates</h3>",
            _most_broken(team),
            _checks_table(team),
            "<h3>Pass rates by rep</h3>",
            rep_check_table(team),
            f'<p class="muted" id="rules">{escape(_rules())}</p>',
            "</section>",
        ]
    )


def _rules() -> str:
    return (
        f"Trend: {TREND}; the arrow compares the two numbers beside it. "
        f"A rate or an average needs {MIN_TAKES} takes: fewer show as counts (passed of judged)."
    )


def _scroll(table: str) -> str:
    """A table in a box of its own that scrolls sideways on a narrow screen."""
    return f'<div class="scroll">{table}</div>'


def _reps_table(reps: Sequence[RepProgress]) -> str:
    rows = [
        "<table><tr><th>Rep</th><th class=num>Takes</th><th class=num>Sent</th>"
        "<th class=num>Average</th><th class=num>Best</th><th>Trend</th><th>Scores</th></tr>"
    ]
    for rep in reps:
        rows.append(
            f"<tr><td>{escape(rep.rep or '(no rep name)')}</td>"
            f"<td class=num>{rep.sessions}</td><td class=num>{rep.sent or ''}</td>"
            f"{_average_cell(rep.average_score, rep.sessions)}"
            f"<td class=num>{_score_badge(rep.best_score)}</td>"
            f'<td class="trend">{score_trend_html(rep)}</td>'
            f'<td class="spark">{sparkline([p.score for p in rep.points])}</td></tr>'
        )
    rows.append("</table>")
    return _scroll("\n".join(rows))


def _average_cell(average: float | None, takes: int) -> str:
    if average is None:
        tip = f"an average needs {MIN_TAKES} takes"
        return f'<td class="num muted" title="{tip}">{_plural(takes, "take")}</td>'
    return f"<td class=num>{_score_badge(round(average))}</td>"


def score_trend_html(rep: RepProgress) -> str:
    """``earlier 58 → recent 83 ↑``: the two means the arrow compares, or when it will come."""
    halves = rep.halves
    if halves is None:
        return f'<span class="muted">shown from {2 * MIN_TAKES} takes ({MIN_TAKES} a half)</span>'
    sides = [f"{p.label} {_period_score(p)}" for p in halves]
    return f"{sides[0]} → {sides[1]} {_trend(rep.score_trend)}".rstrip()


def _period_score(period: Period) -> str:
    if period.average_score is None:
        return f'<span class="muted">{_plural(period.sessions, "take")}</span>'
    return _score_badge(round(period.average_score))


def score_chart(reps: Sequence[RepProgress], *, width: int = 560, height: int = 240) -> str:
    """Every rep's scores over time as an inline SVG line chart (0–100, gridlines at 20s).

    A take logged as sent to a prospect is ringed.  The time axis is labelled
    at both ends (:func:`time_labels`).
    """
    left, right, top, bottom = 40, 14, 12, 40
    points = [p for rep in reps for p in rep.points]
    if not points:
        return ""
    start, end = min(p.at for p in points), max(p.at for p in points)
    span = (end - start).total_seconds()

    def x(at: datetime) -> float:
        inner = width - left - right
        offset = (at - start).total_seconds()
        return left + (inner / 2 if span == 0 else offset / span * inner)

    def y(score: int) -> float:
        return top + (100 - score) / 100 * (height - top - bottom)

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Scores over time, one line per rep">'
    ]
    for level in range(0, 101, 20):
        out.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(level):.1f}" '
            f'y2="{y(level):.1f}"/><text class="axis" x="{left - 6}" y="{y(level) + 5:.1f}" '
            f'text-anchor="end">{level}</text>'
        )
    first, last, caption = time_labels(start, end)
    base = height - 20
    if span == 0:
        out.append(_axis_text(width / 2, base, first, "middle"))
    else:
        out.append(_axis_text(left, base, first, "start"))
        out.append(_axis_text(width - right, base, last, "end"))
    if caption:
        out.append(_axis_text(width / 2, height - 3, caption, "middle"))
    for i, rep in enumerate(reps):
        colour = REP_COLOURS[i % len(REP_COLOURS)]
        coords = " ".join(f"{x(p.at):.1f},{y(p.score):.1f}" for p in rep.points)
        out.append(f'<polyline stroke="{colour}" points="{coords}"/>')
        for p in rep.points:
            sent = ", sent" if p.sent else ""
            tip = (
                f"{rep.rep or '(no rep name)'} — take {p.session_id}, {_day(p.at)}{sent}: {p.score}"
            )
            cx, cy = f"{x(p.at):.1f}", f"{y(p.score):.1f}"
            if p.sent:
                out.append(
                    f'<circle class="sent-ring" cx="{cx}" cy="{cy}" r="8" stroke="{colour}"/>'
                )
            out.append(
                f'<circle cx="{cx}" cy="{cy}" r="4" fill="{colour}">'
                f"<title>{escape(tip)}</title></circle>"
            )
    out.append("</svg>")
    return "".join(out)


def _axis_text(x: float, y: float, text: str, anchor: str) -> str:
    return f'<text class="axis" x="{x:.1f}" y="{y}" text-anchor="{anchor}">{escape(text)}</text>'


def time_labels(start: datetime, end: datetime) -> tuple[str, str, str]:
    """The time axis's two end labels and a caption, in UTC.

    Dates when the takes fall on different days; times of day (to the
    second if the minutes agree) when they all fall on one, whose date is
    then the caption.  The ends differ unless every take is at one moment.
    """
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if start.date() != end.date():
        return start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d"), "dates in UTC"
    fmt = "%H:%M" if start.strftime("%H:%M") != end.strftime("%H:%M") else "%H:%M:%S"
    return start.strftime(fmt), end.strftime(fmt), f"{start:%Y-%m-%d}, times in UTC"


def _legend(reps: Sequence[RepProgress]) -> str:
    items = []
    for i, rep in enumerate(reps):
        colour = REP_COLOURS[i % len(REP_COLOURS)]
        swatch = f'<svg width="12" height="12"><circle cx="6" cy="6" r="6" fill="{colour}"/></svg>'
        items.append(f"<span>{swatch} {escape(rep.rep or '(no rep name)')}</span>")
    if any(p.sent for rep in reps for p in rep.points):
        ring = (
            '<svg width="16" height="16"><circle cx="8" cy="8" r="6" fill="none" '
            'stroke="#6b7280" stroke-width="2"/></svg>'
        )
        items.append(f'<span class="legend-sent">{ring} sent to a prospect</span>')
    return f'<p class="legend">{"".join(items)}</p>'


def _most_broken(team: TeamProgress) -> str:
    if not team.most_broken:
        if all(c.overall.passed == c.overall.judged for c in team.checks):
            return "<p>Every check passed in every judged take.</p>"
        return (
            f"<p>Too few takes to say what {escape(team.whose)} keeps breaking: "
            f"a pass rate needs {MIN_TAKES}.</p>"
        )
    items = "".join(
        f"<li><b>{escape(c.check_id)}</b>: {_percent(c.overall)} passed "
        f"({c.overall.passed} of {c.overall.judged} takes){_rate_trend(c)}</li>"
        for c in team.most_broken
    )
    return f"<p>What {escape(team.whose)} keeps breaking:</p><ul>{items}</ul>"


def _rate_trend(check: CheckProgress) -> str:
    """``, earlier 20% → recent 60% ↑``: the two rates a check's arrow compares (or nothing)."""
    if check.trend is None:
        return ""
    earlier, recent = check.periods
    return f", earlier {_percent(earlier)} → recent {_percent(recent)} {_trend(check.trend)}"


def _checks_table(team: TeamProgress) -> str:
    """Checks × the team's takes: all of them, then each half and the arrow between them."""
    halves = len(team.periods) == 2
    head = f"<th class=num>all ({team.sessions})</th>"
    if halves:
        head += "".join(f"<th class=num>{p.label} ({p.sessions})</th>" for p in team.periods)
        head += "<th>Trend</th>"
    rows = [f"<table><tr><th>Check</th>{head}</tr>"]
    for check in team.checks:
        if not check.judged:
            continue
        cells = _rate_cell(check.overall)
        if halves:
            cells += (
                "".join(_rate_cell(r) for r in check.periods) + f"<td>{_trend(check.trend)}</td>"
            )
        rows.append(f"<tr><td>{escape(check.check_id)}</td>{cells}</tr>")
    rows.append("</table>")
    parts = [_scroll("\n".join(rows))]
    skipped = [c.check_id for c in team.checks if not c.judged]
    if skipped:
        parts.append(
            f'<p class="muted">Not judged in these takes: {escape(", ".join(skipped))}</p>'
        )
    return "\n".join(parts)


def rep_check_table(team: TeamProgress) -> str:
    """Checks × reps: each rep's pass rate of each check over all their takes.

    The same rule as everywhere: from fewer than MIN_TAKES judged takes the
    cell is the count (``1 of 2``), never a rate.
    """
    judged = [c.check_id for c in team.checks if c.judged]
    by_rep = [{c.check_id: c.overall for c in rep.checks} for rep in team.reps]
    head = "".join(
        f'<th class="num rep">{escape(rep.rep or "(no rep name)")} ({rep.sessions})</th>'
        for rep in team.reps
    )
    rows = [f'<table class="by-rep"><tr><th>Check</th>{head}</tr>']
    for check_id in judged:
        cells = "".join(_rate_cell(rates.get(check_id, Rate(0, 0))) for rates in by_rep)
        rows.append(f"<tr><td>{escape(check_id)}</td>{cells}</tr>")
    rows.append("</table>")
    return _scroll("\n".join(rows))


def _rate_cell(rate: Rate) -> str:
    if rate.judged == 0:
        return '<td class="num muted" title="not judged">—</td>'
    counts = f"{rate.passed} of {rate.judged}"
    if rate.rate is None:
        tip = f"{counts} passed; a rate needs {MIN_TAKES} takes"
        return f'<td class="num muted few" title="{tip}">{counts}</td>'
    band = "good" if rate.rate >= 0.8 else "mid" if rate.rate >= 0.5 else "low"
    return f'<td class="num rate-{band}" title="{counts} passed">{_percent(rate)}</td>'


def _percent(rate: Rate) -> str:
    """``80%``, or ``1 of 2`` where there are too few takes for a rate."""
    if rate.rate is None:
        return f"{rate.passed} of {rate.judged}" if rate.judged else "—"
    return f"{rate.rate:.0%}"


def _trend(trend: str | None) -> str:
    if trend is None:
        return ""
    mark = {"up": "↑", "down": "↓", "flat": "→"}[trend]
    return f'<span class="trend-{trend}" title="{trend}">{mark}</span>'


def _score_badge(score: int, *, out_of: bool = False) -> str:
    band = "good" if score >= 80 else "mid" if score >= 60 else "low"
    return f'<span class="score score-{band}">{score}{"/100" if out_of else ""}</span>'


def _day(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


# -- the takes -------------------------------------------------------------------


def _index(takes: Sequence[TakeView]) -> str:
    rows = [
        "<table><tr><th>Take</th><th>When</th>"
        "<th>Rep</th><th>Card</th><th class=num>Touch</th><th class=num>Score</th>"
        "<th>Sent</th><th>Reviewed</th></tr>"
    ]
    for t in takes:
        s = t.session
        touch = "—" if s.touch is None else str(s.touch)
        rows.append(
            f'<tr><td><a href="#take-{s.id}">{s.id}</a></td>'
            f"<td>{_day(parse_time(s.created_at))}</td>"
            f"<td>{escape(s.rep) or '—'}</td><td>{escape(s.card_id) or '—'}</td>"
            f"<td class=num>{touch}</td><td class=num>{_score_badge(s.score)}</td>"
            f"<td>{_sent_mark(s)}</td><td>{'yes' if s.reviewed_at else ''}</td></tr>"
        )
    rows.append("</table>")
    return f'<section id="index"><h2>All takes</h2>{_scroll(chr(10).join(rows))}</section>'


def _sent_mark(s: Session, *, long: bool = False) -> str:
    """``sent 2025-03-04``: the take was logged as left for its prospect (``--sent``)."""
    if s.sent_at is None:
        return ""
    day = f"{parse_time(s.sent_at):%Y-%m-%d}"
    if long:
        to = f" to {s.prospect}" if s.prospect else ""
        return f'<span class="sent">Sent{escape(to)} on {day}</span>'
    tip = escape(f"logged as left for {s.prospect or 'the prospect'}")
    return f'<span class="sent" title="{tip}">sent {day}</span>'


def _take(take: TakeView) -> str:
    s = take.session
    return "\n".join(
        [
            f'<article class="session" id="take-{s.id}">',
            f"<h3>Take {s.id} · {escape(_who(s))}</h3>",
            f"<p>{_sent_mark(s, long=True)}</p>" if s.sent_at else "",
            _take_line(take),
            _player(take),
            _fixes(take.report),
            "<h4>What was said</h4>",
            transcript_html(take.report),
            phone_line_html(take.report),
            "<h4>Checks</h4>",
            checks_html(take.report),
            "<h4>Review comments</h4>",
            comments_html(take.comments, take_id=s.id),
            "</article>",
        ]
    )


def _who(s: Session) -> str:
    prospect = s.prospect + (f" ({s.prospect_company})" if s.prospect_company else "")
    return " · ".join(
        p
        for p in (
            _day(parse_time(s.created_at)),
            s.rep or "(no rep name)",
            f"card {s.card_id}" if s.card_id else "",
            f"touch #{s.touch}" if s.touch is not None else "",
            f"for {prospect}" if s.prospect else "",
        )
        if p
    )


def _take_line(take: TakeView) -> str:
    """The score (and the coach's own when a lead's review changed it) and the key metrics."""
    s, r = take.session, take.report
    first = take.session.report.score
    reviewed = f" (reviewed; the coach gave {first})" if r.overrides and first != s.score else ""
    m = r.metrics
    facts = [f"{m.duration_s:.1f} s", f"{m.words} words"]
    if m.wpm is not None:
        facts.append(f"{m.wpm:.0f} wpm")
    facts.append(_plural(m.filler_count, "filler"))
    facts.append(file_name(s.source))
    return (
        f"<p>{_score_badge(s.score, out_of=True)}{escape(reviewed)} · "
        f'<span class="muted">{escape(" · ".join(facts))}</span></p>'
    )


def file_name(source: str) -> str:
    """The name of the file a take came from, without its folders: a path of the rep's machine.

    ``/home/priya/takes/monday.m4a`` and ``C:\\Users\\priya\\monday.m4a`` both give
    ``monday.m4a`` (an imported take may come from another system).
    """
    return re.split(r"[\\/]", source.rstrip("\\/"))[-1]


def _player(take: TakeView) -> str:
    if take.audio is None:
        return f'<p class="no-audio">{escape(take.audio_note or "No audio for this take.")}</p>'
    data = base64.b64encode(take.audio).decode("ascii")
    mime = escape(take.audio_mime)
    return f'<audio controls preload="metadata" src="data:{mime};base64,{data}"></audio>'


def _fixes(report: Report) -> str:
    if not report.fixes:
        return ""
    items = "".join(f"<li>{escape(f)}</li>" for f in report.fixes)
    return f"<p><b>Fix first</b></p><ol>{items}</ol>"


def phone_line_html(report: Report) -> str:
    """The take as a prospect's phone showed it (``--phone-line``), and what it got wrong."""
    phone = report.phone_line
    if phone is None:
        return ""
    findings = "".join(f"<li>{escape(f)}</li>" for f in phone.findings)
    return (
        f"<h4>On the prospect's phone ({escape(phone.codec)})</h4>"
        f'<p class="transcript">{escape(phone.transcript) or "(nothing)"}</p>'
        + (f"<ul>{findings}</ul>" if findings else "")
    )


def transcript_html(report: Report) -> str:
    """The transcript, each word a seek target, words inside a finding's evidence marked.

    A word carries the worst status of the checks whose evidence covers it,
    and a tooltip with those checks' messages.
    """
    words = report.transcript.words
    if not words:
        return '<p class="transcript muted">No words were recognised.</p>'
    marks = word_marks(report)
    spans = []
    for word, checks in zip(words, marks, strict=True):
        classes = "w"
        tip = ""
        if checks:
            classes += " " + checks[0].status
            tip = f' title="{escape(_tooltip(report, checks))}"'
        spans.append(
            f'<span class="{classes}" data-t="{word.start:.2f}" data-end="{word.end:.2f}"{tip}>'
            f"{escape(word.text)}</span>"
        )
    return f'<p class="transcript">{" ".join(spans)}</p>'


def word_marks(report: Report) -> list[list[Check]]:
    """For each word, the judged checks whose evidence spans its middle, worst first."""
    words = report.transcript.words
    marks: list[list[Check]] = [[] for _ in words]
    for check in report.checks:
        if check.status == "skip":
            continue
        for evidence in check.evidence:
            if evidence.start is None or evidence.end is None:
                continue
            lo, hi = evidence.start - SPAN_SLACK_S, evidence.end + SPAN_SLACK_S
            for i, word in enumerate(words):
                if lo <= (word.start + word.end) / 2 <= hi and check not in marks[i]:
                    marks[i].append(check)
    for checks in marks:
        checks.sort(key=lambda c: STATUS_RANK[c.status])
    return marks


def _tooltip(report: Report, checks: Sequence[Check]) -> str:
    lines = []
    for c in checks:
        note = report.override_of(c.id)
        status = f"{c.status}, a lead's override of {note.original}" if note else c.status
        lines.append(f"{c.id} ({status}): {c.message}")
    return "\n".join(lines)


def checks_html(report: Report) -> str:
    """Each check: status, message, advice, and a lead's override shown as one."""
    rows = [
        '<table class="checks"><tr><th>Status</th><th>Check</th><th>Finding and advice</th></tr>'
    ]
    for c in report.checks:
        note = report.override_of(c.id)
        override = ""
        if note is not None:
            by = f" by {note.author}" if note.author else ""
            override = (
                f'<br><span class="override">Override{escape(by)}: {escape(note.original)} → '
                f"{escape(note.status)} — {escape(note.reason)}</span>"
            )
        advice = f'<br><span class="advice">{escape(c.advice)}</span>' if c.advice else ""
        rows.append(
            f'<tr><td><span class="status {c.status}">{escape(c.status)}</span></td>'
            f"<td>{escape(c.id)}</td><td>{escape(c.message)}{advice}{override}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def comments_html(comments: Sequence[Comment], *, take_id: int) -> str:
    """A lead's comments; one pinned to a moment links there (m:ss), others say whole take.

    The link's ``href`` is the take itself, so without audio (or script) it
    still lands somewhere sensible.
    """
    if not comments:
        return '<p class="muted">No comments yet.</p>'
    items = []
    for c in comments:
        if c.at_s is None:
            when = '<span class="muted">whole take</span>'
        else:
            when = (
                f'<a class="seek" href="#take-{take_id}" data-t="{c.at_s:.2f}">{clock(c.at_s)}</a>'
            )
        by = f' <span class="muted">— {escape(c.author)}</span>' if c.author else ""
        items.append(f"<li>{when} {escape(c.text)}{by}</li>")
    return f'<ul class="comments">{"".join(items)}</ul>'
