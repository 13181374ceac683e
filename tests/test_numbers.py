"""Phone numbers in hand-built transcripts: every shape Whisper writes, and what is not one."""

from __future__ import annotations

import pytest

from coach.speech.numbers import (
    MIN_DURATION_S,
    PhoneNumber,
    digit_distance,
    find_phone_numbers,
    normalize_number,
)
from coach.speech.transcribe import Word

NUMBER = "4155550134"


def words_of(text: str, *, per_word: float = 0.3) -> list[Word]:
    """Split ``text`` on spaces into words of ``per_word`` seconds each, from 0 s."""
    return [
        Word(t, round(i * per_word, 3), round((i + 1) * per_word, 3))
        for i, t in enumerate(text.split())
    ]


def digits_in(text: str, **kwargs: object) -> list[str]:
    return [n.digits for n in find_phone_numbers(words_of(text), **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # written, one word or several
        ("call 415-555-0134 thanks", [NUMBER]),
        ("call 415-555-0134. Thanks", [NUMBER]),
        ("call 4155550134", [NUMBER]),
        ("call (415) 555-0134", [NUMBER]),
        ("call 415, 555, 0134. Thanks", [NUMBER]),
        ("call 415. 555. 0134", [NUMBER]),
        ("call 415.555.0134", [NUMBER]),
        ("call 4-1-5-5-5-5-0-1-3-4", [NUMBER]),
        # a misheard word's tail glued to a dash-spelled run, "eight" written "A" (real voices)
        ("You can reach the F-4-1-5-5-5-5-0-1-3-4.", [NUMBER]),
        ("Call the America 5-0-3-A-A-A-4-1-2-6", ["5038884126"]),
        ("call 2-0-6-9-O-O-O-4-5-5", ["2069000455"]),
        ("call 4, 1, 5, 5, 5, 5, 0, 1, 3, 4.", [NUMBER]),
        ("call 415 - 555 - 0134", [NUMBER]),
        # spoken digits, zero / oh / o, mixed with numerals
        ("call four one five five five five oh one three four", [NUMBER]),
        ("call four one five five five five zero one three four", [NUMBER]),
        ("call four one five five five five o one three four", [NUMBER]),
        ("call Four, one, five. Five, five, five. Oh, one, three, four.", [NUMBER]),
        ("call four one five, 555, oh one three four", [NUMBER]),
        ("call four one five dash five five five dash oh one three four", [NUMBER]),
        ("call four one five double five five oh one three four", [NUMBER]),
        ("call eight hundred triple five one two one two", ["8005551212"]),
        # teens, tens and compounds read as their digits
        ("call four fifteen five fifty five oh one thirty four", [NUMBER]),
        ("call forty one five five five five oh one three four", [NUMBER]),
        ("call forty-one five five five five oh one three four", [NUMBER]),
        ("call two one two five five five twenty one hundred", ["2125552100"]),
        # "hundred" after a digit
        ("call two one two five hundred one two three four", ["2125001234"]),
        ("call eight hundred 555 0199", ["8005550199"]),
        # country code dropped when the rest is a valid NANP number
        ("call +1 415 555 0134", [NUMBER]),
        ("call +1-415-555-0134", [NUMBER]),
        ("call 1-800-555-0199", ["8005550199"]),
        ("call one eight hundred five five five oh one nine nine", ["8005550199"]),
        ("call one four one five five five five oh one three four", [NUMBER]),
        # stray digit words next to a number are not part of it
        ("call 415-555-0134. Oh, and thanks", [NUMBER]),
        ("Oh, 415-555-0134", [NUMBER]),
        ("call 415-555-0134 ten times", [NUMBER]),
        # a local number stands on its own
        ("call 555-0134", ["5550134"]),
        # nothing at all
        ("Hi Dana, it's Chris, call me back.", []),
        ("", []),
    ],
)
def test_number_shapes(text: str, expected: list[str]) -> None:
    assert digits_in(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We move 2,000 freight loads a week",
        "that is 10 to 5 hours saved",
        "a 20% cut in detention",
        "worth $50,000 in Q3 2024",
        "at 3:30 on the 21st, or the 3rd",
        "2,000, 50,000, 1,200,000 loads",
        "rates for 2023, 2024, 2025",
        "save 2.5 hours, 24/7 support",
        "two thousand loads, ten to five hours, twenty percent",
        "one hundred lanes and fifty thousand miles",
        "double your capacity by 2024",
        "trucks 1 2 3",
        # a stray letter is read only inside a long dash-spelled run
        "the F-150 and the A-1-2 kit",
        "part A-B-1-2-3-4-5-6-7",
    ],
)
def test_quantities_are_not_phone_numbers(text: str) -> None:
    assert find_phone_numbers(words_of(text)) == []


def test_quantity_next_to_a_number_leaves_it_alone() -> None:
    assert digits_in("We move 2,000 loads. Call 415-555-0134 by 3:30") == [NUMBER]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me at 415 555 0134 that's 415 555 0134", [NUMBER, NUMBER]),
        ("my number is 415-555-0134 and again 415-555-0134", [NUMBER, NUMBER]),
        ("call 415-555-0134, 415-555-0134", [NUMBER, NUMBER]),
        ("call 415 555 0134 415 555 0134", [NUMBER, NUMBER]),
        ("call 41555501344155550134", [NUMBER, NUMBER]),
        ("call 415-555-0134, or my cell, 212-555-0100", [NUMBER, "2125550100"]),
        ("call 415-555-0134, 555-0134", [NUMBER, "5550134"]),
        ("four one five five five five oh one three four, 415-555-0134", [NUMBER, NUMBER]),
    ],
)
def test_two_numbers_in_one_message(text: str, expected: list[str]) -> None:
    assert digits_in(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 415-555-013 thanks", ["415555013"]),
        ("call four one five five five five oh one three", ["415555013"]),
        ("call 415-555-01344", ["41555501344"]),
        ("call 415 555 0134 415 555 013", [NUMBER, "415555013"]),
    ],
)
def test_near_miss_is_still_a_number(text: str, expected: list[str]) -> None:
    assert digits_in(text) == expected


def test_hesitation_ends_a_number() -> None:
    # "uh" is not a joiner: what follows it is heard as a number of its own.
    assert digits_in("call four one five uh five five five oh one three four") == ["5550134"]


def test_times_words_and_text() -> None:
    words = words_of("Hi, call four one five, 555-0134 today")
    (number,) = find_phone_numbers(words)
    assert number == PhoneNumber(
        digits=NUMBER,
        start=0.6,
        end=1.8,
        first_word=2,
        last_word=5,
        text="four one five, 555-0134",
    )
    assert number.digits_per_s == pytest.approx(10 / 1.2)


def test_double_and_hundred_words_belong_to_the_number() -> None:
    # "double" needs a digit after it, "hundred" one or two before it
    assert find_phone_numbers(words_of("call double hundred"), min_digits=1) == []
    (number,) = find_phone_numbers(words_of("call eight hundred double five"), min_digits=3)
    assert (number.digits, number.first_word, number.last_word) == ("80055", 1, 4)


def test_zero_duration_number_is_very_fast_but_finite() -> None:
    (number,) = find_phone_numbers([Word("415-555-0134", 2.0, 2.0)])
    assert number.digits_per_s == pytest.approx(10 / MIN_DURATION_S)


def test_min_digits_and_region() -> None:
    assert digits_in("extension 12 34", min_digits=4) == ["1234"]
    assert digits_in("call 020 7946 0018", region="GB") == ["2079460018"]
    assert digits_in("call +44 20 7946 0018") == ["2079460018"]


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [({"region": "XX"}, "'XX'"), ({"min_digits": 0}, "0"), ({"min_digits": 16}, "16")],
)
def test_find_rejects_bad_arguments(kwargs: dict[str, object], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        find_phone_numbers(words_of("415-555-0134"), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"digits": "415-555"}, "'415-555'"),
        ({"digits": ""}, "''"),
        ({"end": 0.5}, "0.5"),
        ({"first_word": 3}, "3"),
    ],
)
def test_phone_number_validates(changes: dict[str, object], says: str) -> None:
    fields: dict[str, object] = {
        "digits": NUMBER,
        "start": 1.0,
        "end": 2.0,
        "first_word": 0,
        "last_word": 2,
        "text": "415 555 0134",
    }
    with pytest.raises(ValueError, match=says):
        PhoneNumber(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("heard", "expected", "distance"),
    [
        (NUMBER, NUMBER, 0),
        ("4155550184", NUMBER, 1),  # one digit wrong
        ("415555013", NUMBER, 1),  # one digit missing
        ("41555501344", NUMBER, 1),  # one digit extra
        ("4155551034", NUMBER, 2),  # two digits swapped
        ("4158675309", NUMBER, 7),
        ("", NUMBER, 10),
        ("", "", 0),
    ],
)
def test_digit_distance(heard: str, expected: str, distance: int) -> None:
    assert digit_distance(heard, expected) == distance
    assert digit_distance(expected, heard) == distance


def test_digit_distance_rejects_non_digits() -> None:
    with pytest.raises(ValueError, match="'415-555-0134'"):
        digit_distance("415-555-0134", NUMBER)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("415-555-0134", NUMBER),
        ("(415) 555 0134", NUMBER),
        ("+1 415 555 0134", NUMBER),
        ("1-415-555-0134", NUMBER),
        ("4155550134", NUMBER),
        ("415.555.0134", NUMBER),
        ("555-0134", "5550134"),
    ],
)
def test_normalize_number(text: str, expected: str) -> None:
    assert normalize_number(text) == expected


def test_normalize_number_other_region() -> None:
    assert normalize_number("020 7946 0018", region="GB") == "2079460018"


@pytest.mark.parametrize("text", ["", "abc", "12", "call me"])
def test_normalize_number_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text)):
        normalize_number(text)


def test_normalize_number_rejects_unknown_region() -> None:
    with pytest.raises(ValueError, match="'ZZ'"):
        normalize_number("415-555-0134", region="ZZ")
