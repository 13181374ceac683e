"""The delivery and callback-number rules on hand-built takes (no model, no audio)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from coach.context import Context, Prospect, Rep
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
    assert (
        result.advice
        == "Say your number slowly, in groups, so no digit can slip: 415 … 555 … 0134."
    )


@pytest.mark.parametrize(
    "heard",
    [
        "Might have a murder in 2009, 2009, 2009, 2009.",
        "My number is 2-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0-0",
        "Call the America 5-0-3-A-A-A-4-1-2-1-2-1-2-1-2-1-2-1-2",
    ],
)
def test_a_looping_transcription_is_uncertainty_not_a_failed_number(heard: str) -> None:
    """Whisper looped on a hard voice (real takes): the rep is not told their number was wrong."""
    result = check(take(heard, phone="503-888-4126"), "callback_number")
    assert result.status == "warn", result
    assert "I could not make out your number" in result.message
    assert "not your delivery" in result.message
    assert result.hard_rule == ""


def _heard_twice(text: str, second: tuple[str, ...]) -> Check:
    t = take(text, phone="415-555-0134")
    return check(replace(t, transcript=replace(t.transcript, second=second)), "callback_number")


@pytest.mark.parametrize(
    ("text", "second"),
    [
        (GOOD.replace("555-0134", "867-5309"), ("4158675399",)),  # two hearings, neither yours
        (GOOD.replace("555-0134", "867-5309"), ()),  # the second heard no number
        ("Hi Dana it's Chris, call me at 4-1-5-5. Thanks.", ("4155550194",)),
    ],
)
def test_two_hearings_that_disagree_are_uncertainty_not_a_wrong_number(
    text: str, second: tuple[str, ...]
) -> None:
    result = _heard_twice(text, second)
    assert result.status == "warn", result
    assert result.message.startswith("I could not make out your number for sure: I heard ")
    assert "not your delivery" in result.message
    assert result.hard_rule == ""


def test_two_hearings_that_agree_on_another_number_fail() -> None:
    result = _heard_twice(GOOD.replace("555-0134", "867-5309"), ("4158675309",))
    assert result.status == "fail"
    assert "not your number" in result.message
    # the rep's number and an office line: the second model, asked about the other, heard it too
    office = _heard_twice(
        GOOD.replace("Again, Chris at 415-555-0134", "Or 415-867-5309"), ("4158675309",)
    )
    assert office.status == "fail"
    assert "you gave 415-867-5309, not your number" in office.message
    missing = _heard_twice("Hi Dana it's Chris, call me back. Thanks.", ())
    assert missing.status == "fail"
    assert missing.message == "No callback number was heard."


def test_a_loop_does_not_hide_a_number_heard_right() -> None:
    text = GOOD + " Thanks, thanks, thanks, thanks."
    assert check(take(text, phone="415-555-0134"), "callback_number").status == "pass"


def test_loops_are_runs_not_ordinary_repeats() -> None:
    from coach.speech.transcribe import loops

    assert loops(words_at("very very good, call 415-555-0134 or 212-555-0000")) == []
    assert loops(words_at("call 2-0-0-0-0-0-0-0-0-0-0 now")) == [(1, 1)]
    assert loops(words_at("it's 2009, 2009, 2009, 2009. Call")) == [(1, 4)]


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
    ("words", "syllables", "status", "says"),
    [
        # 16 s of speech with syllables for ~150 wpm; the transcript lost half its words
        (20, 50, "pass", "about 150 words a minute (my transcript missed words: its 20 would"),
        # ... or looped into 100 words
        (100, 50, "pass", "(my transcript added words: its 100 would make 375)"),
        # the syllables say the rep really was slow: judged by them, still slower
        (12, 32, "fail", "about 96 words a minute (my transcript missed words"),
        # words that fit the syllables are the measure, as before
        (28, 35, "fail", "You spoke at 105 words a minute — slower than"),
        # words in the band, but the audio holds far more: the transcript lost words
        (40, 100, "fail", "about 300 words a minute (my transcript missed words: its 40 would"),
        # no syllables counted (an old report, a written script): the words
        (20, 0, "fail", "You spoke at 75 words a minute — slower than"),
    ],
)
def test_pace_goes_by_the_syllables_when_the_words_cannot_be_right(
    words: int, syllables: int, status: str, says: str
) -> None:
    """A transcript that dropped or invented words does not make the rep slow or fast (#15)."""
    t = take(" ".join(["word"] * words))
    t = replace(t, acoustics=replace(t.acoustics, speech_s=16.0, syllables=syllables))  # type: ignore[type-var]
    result = check(t, "pace")
    assert result.status == status, result.message
    assert says in result.message


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


#: takes that, between them, pass, warn and fail every check that judges a recording:
#: (text, touch, days since the last voicemail, the rep's number, changes to the acoustics)
VARIED: list[tuple[str, int, float | None, str, dict[str, object]]] = [
    (GOOD, 1, None, "415-555-0134", {}),
    (GOOD.replace("0134", "0184"), 1, None, "415-555-0134", {"loudness_dbfs": -40.0}),
    (FILLER + " call 415-555-0134 " + FILLER, 1, None, "", {"leading_silence_s": 3.0}),
    (FILLER + " " + FILLER + " call 415-555-0134", 2, 12.0, "415-555-0134", {}),
    ("Um hi, uh, um, just checking in, did you get my email? Call me back.", 2, 2.0, "", {}),
    ("Hi it's Chris. This is my last message. " + FILLER[:60] + " 415-555-0134", 3, 5.0, "", {}),
    ("Hi Chris here, I'll try you again next week. 415-555-0134", 3, 5.0, "", {}),
    (GOOD, 4, 5.0, "415-555-0134", {"pitch_variation_st": 0.5, "clipped_fraction": 0.1}),
]


def _varied_checks() -> list[Check]:
    checks: list[Check] = []
    for text, touch, days, phone, acoustic in VARIED:
        t = take(text, phone=phone, **acoustic)
        rep = Rep(name="Chris Walker", company="Northwind Logistics", phone=phone)
        dana = Prospect(name="Dana Reyes", company="Acme")
        context = Context(touch, rep, dana, days_since_previous=days)
        checks += judge(replace(t, context=context), RUBRIC)
    return checks


def test_a_passing_check_carries_no_advice() -> None:
    """Passing rows carry no advice: a tip beside a pass reads as a finding (#16)."""
    checks = _varied_checks()
    assert {"pass", "warn", "fail"} <= {c.status for c in checks}
    passed = [c for c in checks if c.status == "pass"]
    assert {c.id for c in passed} == set(RUBRIC.enabled())  # every check passed somewhere
    assert [c for c in passed if c.advice] == []
    # ... while every problem says what to do.
    assert [c for c in checks if c.status in ("warn", "fail") and not c.advice] == []


def test_advice_names_what_it_is_about() -> None:
    """A fix is read alone, out of its row: "Say it in the first 10 s…" never said what "it" was."""
    vague = re.compile(r"^\w+ (it|them)\b", re.IGNORECASE)
    problems = [c for c in _varied_checks() if c.status in ("warn", "fail")]
    assert {c.id for c in problems} >= {"number_placement", "callback_number", "touch_wording"}
    assert [(c.id, c.advice) for c in problems if vague.match(c.advice)] == []


@pytest.mark.parametrize(
    ("text", "advice"),
    [
        (FILLER + " " + FILLER + " call 415-555-0134", "Say your number in the first 10 s"),
        (FILLER + " call 415-555-0134 " + FILLER, "Say your number in the first 10 s"),
    ],
)
def test_number_placement_advice_says_your_number(text: str, advice: str) -> None:
    result = check(take(text), "number_placement")
    assert result.status in ("warn", "fail") and result.advice.startswith(advice)


def test_a_number_or_an_intro_not_checked_says_so_in_the_finding() -> None:
    """Without the rep's number or name the check passes on what it can see, and says what
    it could not check instead of giving a pass advice."""
    number = check(take(GOOD), "callback_number")
    assert number.status == "pass" and number.advice == ""
    assert "not checked against yours" in number.message
    anonymous = replace(take(GOOD), context=Context(touch=1))
    intro = check(anonymous, "identity")
    assert intro.status == "pass" and intro.advice == ""
    assert "not known to check" in intro.message
