"""What a rep reads after a take, in the terminal: the metrics, and the compact default (#16).

Reports are built without the Whisper model: hand-timed words over measured
or hand-made acoustics, judged by the real rubric; rendered by rich into a
console of a given width, and read back as text.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

from rich.console import Console, RenderableType

from coach.context import Context, Prospect, Rep
from coach.pipeline import judge_take
from coach.report import Report
from coach.rubric.checks import Take
from coach.rubric.config import load_rubric
from coach.speech.acoustics import Acoustics
from coach.speech.numbers import find_phone_numbers
from coach.speech.transcribe import Transcript, Word
from coach.views.terminal import duration_text, metrics_table, summary_table

RUBRIC = load_rubric()

GOOD = (
    "Hi Dana, it's Chris Walker with Northwind Logistics, 415-555-0134. "
    "I'm calling because Globex halved the time they spend reconciling freight invoices "
    "and I think Acme could too. Worth a short call? Again, Chris at 415-555-0134."
)


def recorded(
    text: str,
    *,
    lead: float = 0.5,
    trail: float = 0.5,
    per_word: float = 0.4,
    touch: int = 1,
    **acoustic: object,
) -> Report:
    """``text`` as a recorded take by Chris Walker for Dana Reyes at Acme.

    Words are back to back from ``lead`` seconds, ``per_word`` each (a written
    phone number takes 3.5 s, as when read in groups); ``trail`` seconds of
    quiet follow the last one.
    """
    words: list[Word] = []
    t = lead
    for token in text.split():
        length = 3.5 if token.count("-") == 2 else per_word
        words.append(Word(token, round(t, 3), round(t + length, 3)))
        t += length
    sounds = Acoustics(
        duration_s=round(t + trail, 3),
        speech_s=round(t - lead, 3),
        leading_silence_s=lead,
        trailing_silence_s=trail,
        pauses=(),
        pitch_variation_st=3.5,
        pitch_median_hz=180.0,
        loudness_dbfs=-20.0,
        peak_dbfs=-3.0,
        clipped_fraction=0.0,
    )
    sounds = replace(sounds, **acoustic)  # type: ignore[arg-type]
    rep = Rep(name="Chris Walker", company="Northwind Logistics", phone="415-555-0134")
    context = Context(touch, rep, Prospect(name="Dana Reyes", company="Acme"))
    take = Take(Transcript(text, tuple(words)), sounds, tuple(find_phone_numbers(words)), context)
    return judge_take(take, RUBRIC, source="take.wav", model="base", timings={})


def render(renderable: RenderableType, *, width: int = 80) -> str:
    """What ``renderable`` prints in a terminal ``width`` columns wide."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def _check(report: Report, check_id: str) -> str:
    return next(c.message for c in report.checks if c.id == check_id)


# -- metrics ---------------------------------------------------------------------


def test_the_duration_says_how_it_differs_from_the_message() -> None:
    """The tester saw "Duration 34.0 s" beside "the message runs 27 s" with no word on why."""
    report = recorded(" ".join(["word"] * 54), per_word=0.5, lead=5.0, trail=2.0)
    assert report.metrics.duration_s == 34.0 and report.metrics.message_s == 27.0
    assert "The message runs 27 s" in _check(report, "length")
    assert (
        duration_text(report)
        == "34.0 s (the message runs 27 s; 5.0 s quiet before it, 2.0 s after)"
    )
    assert "the message runs 27 s; 5.0 s quiet before it" in render(
        metrics_table(report), width=120
    )


def test_the_duration_alone_where_the_two_agree() -> None:
    report = recorded(" ".join(["word"] * 54), per_word=0.5, lead=0.2, trail=0.2)
    assert duration_text(report) == "27.4 s"


def test_quiet_at_one_end_only_is_named_as_such() -> None:
    report = recorded(" ".join(["word"] * 54), per_word=0.5, lead=0.0, trail=4.0)
    assert duration_text(report) == "31.0 s (the message runs 27 s; 4.0 s quiet after it)"


def test_the_length_check_and_the_metrics_never_disagree_on_the_message() -> None:
    """Both read one number: on the edge of rounding (26.5 s) they still say the same."""
    shown = 0
    for lead, trail in ((0.5, 0.5), (3.0, 0.004), (1.2345, 2.2205), (0.0, 0.0)):
        report = recorded(" ".join(["word"] * 53), per_word=0.5, lead=lead, trail=trail)
        assert f"The message runs {report.metrics.message_s:.0f} s" in _check(report, "length")
        beside = re.search(r"the message runs (\d+) s", duration_text(report))
        if beside:
            shown += 1
            assert f"The message runs {beside.group(1)} s" in _check(report, "length")
    assert shown == 3


def test_a_number_in_the_metrics_reads_as_in_the_checks() -> None:
    """Metrics showed "4155550134" where the checks said "415-555-0134"."""
    report = recorded(GOOD)
    shown = render(metrics_table(report), width=120)
    assert "415-555-0134 at 0:" in shown and "4155550134" not in shown
    assert "415-555-0134" in _check(report, "callback_number")
    batch = render(summary_table([report, report], []), width=120)
    assert "415-555-0134, 415-555-0134" in batch and "4155550134" not in batch
