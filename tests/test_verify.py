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


#: base hears "718-553-320" (one 5 of "five five five" gone); tiny.en hears it whole
SECOND = ("dev_jackson_5_clean.flac", "7185553320", "718553320")


@pytest.mark.model
@pytest.mark.parametrize(
    "take",
    [
        pytest.param(DROPPED, id="weighed: the model finds the rep's number fits better"),
        pytest.param(SECOND, id="a second model hears the number the first lost"),
    ],
)
def test_the_reps_number_said_is_heard_as_the_reps(
    transcriber: Any, fixtures_dir: Path, take: tuple[str, str, str]
) -> None:
    name, said, misheard = take
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


@pytest.mark.model
@pytest.mark.parametrize("wrong", ["7185553302", "7185553230", "7185553321", "7185553320"[::-1]])
def test_a_second_opinion_never_hears_a_number_the_rep_did_not_say(
    transcriber: Any, fixtures_dir: Path, wrong: str
) -> None:
    name, _, _ = SECOND
    assert wrong not in _heard(transcriber, fixtures_dir, name, wrong)


@pytest.mark.model
def test_no_second_model_is_loaded_when_no_number_was_said() -> None:
    import numpy as np

    from coach.speech import models
    from coach.speech.transcribe import DecodeOptions, Transcriber
    from coach.speech.verify import second_opinion

    model = Transcriber(str(models.resolve("tiny.en")), name="tiny.en")
    heard = Transcript.from_text("Hi Dana, this is Sam at Acme about your freight invoices.")
    audio = np.zeros(16000 * 5, dtype=np.float32)
    mine = "4155550134"
    options = DecodeOptions(callback=mine)
    assert second_opinion(heard, audio, model=model, expected=mine, options=options) is heard
    assert model._second is None


def test_the_second_models_number_takes_the_place_of_the_first_ones() -> None:
    from coach.speech.transcribe import Word
    from coach.speech.verify import _splice

    first = Transcript(
        text="Call me at 7-1-8-5-5-3-3-2-0. Thanks, bye.",
        words=(
            Word("Call", 0.0, 0.3, 0.9),
            Word("me", 0.3, 0.5, 0.9),
            Word("at", 0.5, 0.9, 0.9),
            Word("7-1-8-5-5-3-3-2-0.", 1.0, 6.0, 0.6),
            Word("Thanks,", 6.5, 6.9, 0.9),
            Word("bye.", 6.9, 7.2, 0.9),
        ),
    )
    number = (Word("718", 1.1, 2.5, 0.8), Word("555", 2.7, 3.9, 0.8), Word("3320.", 4.0, 5.9, 0.8))
    spliced = _splice(first, number, [])
    assert spliced.text == "Call me at 718 555 3320. Thanks, bye."
    assert [n.digits for n in find_phone_numbers(spliced.words)] == ["7185553320"]


def test_a_loop_goes_with_the_number_it_was_heard_for() -> None:
    from coach.speech.transcribe import Word, loops
    from coach.speech.verify import _splice

    looped = (Word("2009,", 1.0 + i, 1.9 + i, 0.3) for i in range(5))
    first = Transcript(text="", words=(Word("Hi.", 0.0, 0.5, 0.9), *looped))
    number = (Word("206-900-0455.", 1.0, 6.0, 0.8),)
    spliced = _splice(first, number, loops(first.words))
    assert spliced.text == "Hi. 206-900-0455."
