"""The delivery and callback-number rules on hand-built takes (no model, no audio)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from coach.context import Context, Rep
from coach.rubric.checks import Check, Take
from coach.rubric.config import load_rubric
from coach.rubric.engine import feedback, judge, rule_for, score
from coach.speech.acoustics import Acoustics, Pause
from coach.speech.metrics import measure_take
from coach.speech.numbers import find_phone_numbers
from coach.speech.transcribe import Transcript, Word

RUBRIC = load_rubric()


def words_at(text: str, *, start: float = 0.5, per_word: float = 0.4) -> tuple[Word, ...]:
    """Words back to back from ``start``, ``per_word`` seconds each.

    A written phone number ("415-555-0134.") takes 3.5 s, as when read in
    groups; ``"4155550134"`` (no dashes) stays one quick word, a number rattled off.
    """
    words: list[Word] = []
    t = start
    for token in text.split():
        length = 3.5 if token.count("-") == 2 else per_word
        words.append(Word(token, round(t, 3), round(t + length, 3)))
        t += length
    return tuple(words)


def acoustics(duration: float, **changes: object) -> Acoustics:
    base = Acoustics(
        duration_s=duration,
        speech_s=duration - 1.0,
        leading_silence_s=0.5,
        trailing_silence_s=0.5,
        pauses=(),
        pitch_variation_st=3.5,
        pitch_median_hz=180.0,
        loudness_dbfs=-20.0,
        peak_dbfs=-3.0,
        clipped_fraction=0.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def take(text: str, *, per_word: float = 0.4, phone: str = "", **acoustic: object) -> Take:
    words = words_at(text, per_word=per_word)
    duration = words[-1].end + 0.5
    return Take(
        Transcript(text, words),
        acoustics(duration, **acoustic),
        tuple(find_phone_numbers(words)),
        Context(touch=1, rep=Rep(phone=phone)),
    )


def check(t: Take, check_id: str) -> Check:
    return rule_for(check_id)(t, RUBRIC.config(check_id))


GOOD = (
    "Hi Dana, it's Chris Walker with Northwind Logistics, 415-555-0134. "
    "I'm calling because Globex halved the time they spend reconciling freight invoices "
    "and I think Acme could too. Worth a short call? Again, Chris at 415-555-0134."
)
FILLER = " ".join(["word"] * 40)


@pytest.mark.parametrize(
    ("text", "phone", "status", "says"),
    [
        (GOOD, "", "pass", "Callback number given: 415-555-0134 at 0:"),
        (GOOD, "(415) 555-0134", "pass", "came through digit for digit"),
        (GOOD.replace("0134", "0184"), "415-555-0134", "warn", "not quite your 415-555-0134"),
        (GOOD.replace("555-0134", "867-5309"), "415-555-0134", "fail", "not your number"),
        ("Hi Dana it's Chris, call me back. Thanks.", "", "fail", "No callback number"),
    ],
)
def test_callback_number(text: str, phone: str, status: str, says: str) -> None:
    result = check(take(text, phone=phone), "callback_number")
    assert result.status == status, result
    assert says in result.message
    if status != "fail" or "not your number" in says:
        assert result.evidence and result.evidence[0].start is not None


def test_callback_near_miss_says_what_was_heard_without_blaming_the_rep() -> None:
    result = check(take(GOOD.replace("0134", "0184"), phone="4155550134"), "callback_number")
    assert "may be my hearing" in result.message
    assert result.advice == "Say it slowly, in groups, so no digit can slip: 415 … 555 … 0134."


SECOND_OFF = GOOD.replace("Chris at 415-555-0134", "Chris at 415-555-5013")


@pytest.mark.parametrize(
    ("text", "status", "says"),
    [
        (GOOD, "pass", "came through digit for digit all 2 times"),
        (
            SECOND_OFF,
            "warn",
            "The second time, at 0:17, I heard 415-555-5013, not quite your 415-555-0134 "
            "(it was right 1 of 2 times).",
        ),
        (
            GOOD.replace("Chris at 415-555-0134", "Chris at 212-867-5309"),
            "fail",
            "The second time, at 0:17, you gave 212-867-5309, not your number 415-555-0134 "
            "(it was right 1 of 2 times) — the prospect would hear two numbers.",
        ),
        (
            GOOD.replace("0134. I'm", "5013. I'm"),
            "warn",
            "The first time, at 0:",
        ),
    ],
)
def test_every_instance_of_a_repeated_number_counts(text: str, status: str, says: str) -> None:
    result = check(take(text, phone="415-555-0134"), "callback_number")
    assert result.status == status, result.message
    assert says in result.message, result.message
    assert len(result.evidence) == 2  # both instances are shown


@pytest.mark.parametrize(
    ("text", "status", "says"),
    [
        (GOOD, "pass", "early and again at the end"),
        ("Hi, Chris at 415-555-0134. " + FILLER, "pass", "early in the message"),
        (FILLER[:60] + " call 415-555-0134", "pass", "early in a short message"),
        (FILLER[:150] + " call 415-555-0134", "pass", "at the end of a short message"),
        (FILLER + " " + FILLER + " call 415-555-0134", "warn", "only at the end"),
        (FILLER + " call 415-555-0134 " + FILLER, "fail", "buried in the middle"),
    ],
)
def test_number_placement(text: str, status: str, says: str) -> None:
    result = check(take(text), "number_placement")
    assert result.status == status, result.message
    assert says in result.message.lower()


def test_a_number_rattled_off_is_a_warn() -> None:
    # 10 digits inside one 0.4 s "word" = 25 digits a second
    result = check(take("Hi, Chris at 4155550134 thanks, " + FILLER), "number_placement")
    assert result.status == "warn"
    assert "digits a second" in result.message


@pytest.mark.parametrize(
    ("per_word", "status"),
    [(0.4, "pass"), (0.3, "fail"), (0.33, "warn"), (0.5, "warn"), (0.7, "fail")],
)
def test_pace(per_word: float, status: str) -> None:
    t = take(FILLER, per_word=per_word)
    t = replace(t, acoustics=replace(t.acoustics, speech_s=40 * per_word))  # type: ignore[type-var]
    assert check(t, "pace").status == status


@pytest.mark.parametrize(
    ("text", "status", "says"),
    [
        # Whisper writes a number as one word: ten spoken words, as metrics.wpm counts them
        ("Chris 415-555-0134", "pass", "You spoke at"),
        ("call me at 415-555-0134 thanks", "pass", "You spoke at"),
        ("call me back thanks", "skip", "Too few words (4)"),
    ],
)
def test_pace_counts_the_words_metrics_wpm_counts(text: str, status: str, says: str) -> None:
    t = take(text)
    wpm = measure_take(t.transcript, t.acoustics, t.numbers, filler_count=0, target_wpm=150.0).wpm
    assert wpm is not None
    result = check(t, "pace")
    assert result.status == status, result.message
    assert says in result.message
    if status != "skip":
        assert f"{wpm:.0f} words a minute" in result.message


@pytest.mark.parametrize(
    ("n_words", "status"), [(60, "pass"), (90, "warn"), (130, "fail"), (10, "warn")]
)
def test_length(n_words: int, status: str) -> None:
    result = check(take(" ".join(["word"] * n_words), per_word=0.4), "length")
    assert result.status == status, result.message


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({}, "pass", "longest pause"),
        ({"leading_silence_s": 3.0}, "warn", "3.0 s of dead air"),
        ({"leading_silence_s": 5.0}, "fail", "5.0 s of dead air"),
        ({"pauses": (Pause(5.0, 7.5),)}, "warn", "a 2.5 s pause at 0:05"),
        ({"pauses": (Pause(5.0, 9.5),)}, "fail", "a 4.5 s pause at 0:05"),
    ],
)
def test_pauses(changes: dict[str, object], status: str, says: str) -> None:
    result = check(take(GOOD, **changes), "pauses")
    assert result.status == status
    assert says in result.message.lower()


@pytest.mark.parametrize(
    ("changes", "status", "says"),
    [
        ({}, "pass", "3.5 semitones"),
        ({"pitch_variation_st": 1.2}, "warn", "sounds flat"),
        ({"loudness_dbfs": -42.0}, "warn", "quiet (-42 dBFS)"),
        ({"clipped_fraction": 0.005}, "warn", "clips"),
        ({"clipped_fraction": 0.05}, "fail", "clips"),
    ],
)
def test_delivery(changes: dict[str, object], status: str, says: str) -> None:
    result = check(take(GOOD, **changes), "delivery")
    assert result.status == status
    assert says in result.message


def test_score_and_feedback_order() -> None:
    t = take(FILLER + " call 415-555-0134 " + FILLER, leading_silence_s=3.0)
    checks = judge(t, RUBRIC)
    fixes, strengths = feedback(checks, RUBRIC)
    assert 0 < score(checks, RUBRIC) < 100
    statuses = {c.id: c.status for c in checks}
    assert statuses["number_placement"] == "fail"
    assert statuses["pauses"] == "warn"
    # fails come first in the fixes, heavier checks before lighter ones
    severity = {"fail": 0, "warn": 1}
    ranked = sorted(
        (c for c in checks if c.status in severity),
        key=lambda c: (severity[c.status], -RUBRIC.config(c.id).weight),
    )
    assert fixes == [c.advice for c in ranked[:3]]
    assert [RUBRIC.config(c.id).weight for c in ranked[:2]] == sorted(
        (RUBRIC.config(c.id).weight for c in ranked[:2]), reverse=True
    )
    assert strengths == [
        c.message
        for c in sorted(
            (c for c in checks if c.status == "pass"), key=lambda c: -RUBRIC.config(c.id).weight
        )
    ]


def test_perfect_take_scores_100() -> None:
    t = take(GOOD, phone="415-555-0134")
    checks = [c for c in judge(t, RUBRIC) if c.id in {"callback_number", "pauses", "delivery"}]
    assert score(checks, RUBRIC) == 100
