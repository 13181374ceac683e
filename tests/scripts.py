"""Written scripts and their reports, for tests that need a real report without audio."""

from __future__ import annotations

from coach.context import Context, Rep
from coach.pipeline import check_script
from coach.report import Report
from coach.rubric.config import load_rubric

GOOD = (
    "Hi Dana, this is Chris Walker from Northwind Logistics. I'm calling because teams like "
    "yours cut late shipments by a third with us. Worth a quick chat on Thursday? "
    "Call me at 415-555-0134, that's 415-555-0134."
)
WEAK = "Um hi, uh, just checking in, call me back."


def script_report(text: str = GOOD, *, touch: int | None = 1, source: str = "take.wav") -> Report:
    """``text`` judged as Chris Walker's script, the way ``coach check`` judges it."""
    context = Context(rep=Rep(name="Chris Walker", company="Northwind Logistics")).with_touch(touch)
    return check_script(text, source=source, context=context, rubric=load_rubric(None))


#: the keys of a coach.report/1 object and of its metrics, in order (SPEC "--json")
REPORT_KEYS = [
    "schema",
    "source",
    "touch",
    "model",
    "transcript",
    "metrics",
    "checks",
    "score",
    "band",  # added in #13; consumers of coach.report/1 ignore keys they do not know
    "fixes",
    "strengths",
    "checked_against",  # added in #16: whose name and number the take was checked against
    "phone_line",  # added in #15: the take as a phone's transcript shows it (--phone-line)
]
METRIC_KEYS = [
    "duration_s",
    "speech_s",
    "words",
    "wpm",
    "leading_silence_s",
    "longest_pause_s",
    "filler_count",
    "pitch_variation_st",
    "loudness_dbfs",
    "phone_numbers",
    "syllables_per_s",  # added in #15
    "message_s",  # added in #16: the length the length check judges
    "filled_pauses",  # added in #15: hesitations heard with no word written
]
