"""A heard near miss of the rep's number is weighed against it by the model, never primed.

The takes are real voices (``audio_fixtures/real/``, dev split: FSDD digits
of three speakers) that ``base`` mishears: it drops one digit of a pair.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coach.speech.numbers import digit_distance, find_phone_numbers
from coach.speech.transcribe import Transcript
from coach.speech.verify import MAX_EDITS, written_forms

#: base hears "617-882-007": one 0 of "zero zero zero" gone
DROPPED = ("dev_yweweler_3_clean.flac", "6178820007", "617882007")


def test_every_written_form_reads_back_as_the_number() -> None:
    for digits in ("4155550134", "5550134", "6178820007"):
        forms = written_forms(digits)
        assert len(set(forms)) == len(forms)
        for form in forms:
            found = find_phone_numbers(Transcript.from_text(f"Call me at {form}.").words)
            assert [n.digits for n in found] == [digits], form


def _heard(transcriber: Any, fixtures_dir: Path, name: str, callback: str | None) -> list[str]:
    from coach.speech.audio import load
    from coach.speech.hearing import hear
    from coach.speech.transcribe import DecodeOptions

    y = load(fixtures_dir / "real" / name).samples
    words = hear(transcriber, y, options=DecodeOptions(callback=callback)).words
    return [n.digits for n in find_phone_numbers(words)]


@pytest.mark.model
def test_the_reps_number_wins_where_the_model_finds_it_fits_better(
    transcriber: Any, fixtures_dir: Path
) -> None:
    name, said, misheard = DROPPED
    assert _heard(transcriber, fixtures_dir, name, None) == [misheard]
    assert _heard(transcriber, fixtures_dir, name, said) == [said]


@pytest.mark.model
@pytest.mark.parametrize(
    "wrong",
    [
        "6178820070",  # two digits of the last group swapped: what a rep mis-says
        "6178820008",  # one digit changed
        "6178830007",
    ],
)
def test_a_number_the_rep_did_not_say_does_not_win(
    transcriber: Any, fixtures_dir: Path, wrong: str
) -> None:
    name, _, misheard = DROPPED
    assert digit_distance(misheard, wrong) <= MAX_EDITS  # weighed, and loses
    assert _heard(transcriber, fixtures_dir, name, wrong) == [misheard]


@pytest.mark.model
def test_a_number_far_from_the_reps_is_left_as_heard(transcriber: Any, fixtures_dir: Path) -> None:
    name, _, misheard = DROPPED
    other = "2125550188"
    assert digit_distance(misheard, other) > MAX_EDITS
    assert _heard(transcriber, fixtures_dir, name, other) == [misheard]


@pytest.mark.model
def test_coach_score_judges_the_weighed_number_as_the_reps(
    transcriber: Any, fixtures_dir: Path
) -> None:
    from coach.context import Context, Rep
    from coach.pipeline import score_file
    from coach.rubric.config import load_rubric

    name, said, _ = DROPPED
    report = score_file(
        fixtures_dir / "real" / name,
        transcriber=transcriber,
        context=Context(touch=1, rep=Rep(phone=said)),
        rubric=load_rubric(),
        max_minutes=15,
    )
    check = next(c for c in report.checks if c.id == "callback_number")
    assert check.status == "pass", check.message
    assert [n.digits for n in report.metrics.phone_numbers] == [said]
