"""Rehearsing a card's script: script vs. take, and take vs. take (issue 5, item 4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from coach.pipeline import check_script
from coach.practice.cards import Card, load_card
from coach.practice.rehearse import (
    ELEMENTS,
    ScriptComparison,
    best_take,
    compare_script,
    compare_takes,
    kept_line,
    parse_choice,
)
from coach.report import Report
from coach.rubric.checks import Check, Status
from coach.rubric.config import Rubric, load_rubric
from coach.speech.transcribe import Transcript, Word

CARD_PATH = Path(__file__).parent.parent / "prompts" / "acme-t1.toml"


@pytest.fixture(scope="module")
def card() -> Card:
    return load_card(CARD_PATH)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric()


@pytest.fixture(scope="module")
def script(card: Card) -> str:
    assert "Northwind Logistics" in card.brief.script
    assert card.brief.script.endswith("Again, Chris Walker, Northwind Logistics.")
    return card.brief.script


def said(text: str) -> Transcript:
    return Transcript.from_text(text)


def statuses(result: ScriptComparison) -> dict[str, str]:
    return {e.element: e.status for e in result.elements}


def report(text: str, card: Card, rubric: Rubric, source: str) -> Report:
    return check_script(text, source=source, context=card.context(), rubric=rubric)


# --- script vs. take --------------------------------------------------------------


def test_verbatim_take_keeps_everything(script: str, card: Card, rubric: Rubric) -> None:
    result = compare_script(script, said(script), card, rubric=rubric)
    assert result.similarity >= 95
    assert [e.element for e in result.elements] == list(ELEMENTS)
    assert all(e.status == "kept" and e.in_script and e.in_take for e in result.elements)
    assert result.missing_words == ()
    assert result.extra_words == ()
    assert result.element("name").evidence == "Chris Walker"
    assert result.element("number").evidence == "415-555-0134."
    assert result.element("closing line").evidence == "Again, Chris Walker, Northwind Logistics."


def test_dropping_number_and_company(script: str, card: Card, rubric: Rubric) -> None:
    take = (
        script.replace(" with Northwind Logistics, 415-555-0134.", ".")
        .replace(" at 415-555-0134", " back")
        .replace("Again, Chris Walker, Northwind Logistics.", "Again, Chris Walker.")
    )
    result = compare_script(script, said(take), card, rubric=rubric)
    assert statuses(result) == {
        "name": "kept",
        "company": "dropped",
        "reason": "kept",
        "number": "dropped",
        # half the closing line is not enough to count as saying it
        "closing line": "dropped",
    }
    # a dropped element points at the script's words
    assert result.element("company").evidence == "Northwind Logistics,"
    assert result.element("number").evidence == "415-555-0134."
    assert not result.element("number").in_take
    # the company and the number are reported as elements, not again as words
    assert result.missing_words == ()
    assert result.extra_words == ("back",)
    assert 60 < result.similarity < 95
    assert [e.element for e in result.by_severity[:3]] == ["company", "number", "closing line"]


def test_number_added_to_a_script_without_one(card: Card, rubric: Rubric) -> None:
    script = "Hi Dana, this is Chris Walker with Northwind Logistics. Talk soon."
    take = (
        "Hi Dana, this is Chris Walker with Northwind Logistics, call me at 415-555-0134. "
        "Talk soon."
    )
    result = compare_script(script, said(take), card, rubric=rubric)
    number = result.element("number")
    assert (number.in_script, number.in_take, number.status) == (False, True, "ad-libbed")
    assert number.evidence == "415-555-0134."
    assert statuses(result)["reason"] == "absent"
    assert result.element("reason").evidence == ""
    assert result.by_severity[0].element == "number"
    # the number is an element, not a list of extra words
    assert result.extra_words == ("call",)


@pytest.mark.parametrize(
    ("spoken", "status"),
    [
        ("415-555-0134", "kept"),
        ("four one five, five five five, oh one three four", "kept"),
        ("415-555-0139", "kept"),  # one digit off: still the rep's number, misheard
        ("415-555-9934", "kept"),  # two off
        ("415-777-0134", "dropped"),  # three off: someone else's number
    ],
)
def test_number_within_two_digits_is_the_reps(
    spoken: str, status: str, card: Card, rubric: Rubric
) -> None:
    script = "Hi Dana, this is Chris. Call me at 415-555-0134. Thanks."
    take = f"Hi Dana, this is Chris. Call me at {spoken}. Thanks."
    assert statuses(compare_script(script, said(take), card, rubric=rubric))["number"] == status


def test_whisper_spellings_are_still_kept(script: str, card: Card, rubric: Rubric) -> None:
    take = script.replace("Northwind", "North Wind").replace("Chris", "Kris")
    result = compare_script(script, said(take), card, rubric=rubric)
    assert set(statuses(result).values()) == {"kept"}
    assert result.element("company").evidence == "North Wind Logistics,"
    assert result.missing_words == ()
    assert result.extra_words == ()
    assert result.similarity >= 85


@pytest.mark.parametrize(
    ("ending", "status"),
    [
        ("Again, Chris Walker, Northwind Logistics.", "kept"),
        ("Again, it's Chris Walker at Northwind Logistics.", "kept"),
        ("Have a great weekend!", "dropped"),
    ],
)
def test_closing_line(ending: str, status: str, script: str, card: Card, rubric: Rubric) -> None:
    take = script.replace("Again, Chris Walker, Northwind Logistics.", ending)
    closing = compare_script(script, said(take), card, rubric=rubric).element("closing line")
    assert closing.status == status
    assert closing.in_script
    if status == "dropped":
        assert closing.evidence == "Again, Chris Walker, Northwind Logistics."
    else:
        # the take's words that matched, which end the take
        assert closing.evidence and ending.endswith(closing.evidence)


def test_closing_line_said_first_is_not_a_closing(card: Card, rubric: Rubric) -> None:
    script = "Hi Dana. Looking forward to hearing from you."
    take = "Looking forward to hearing from you. " + " ".join(["and"] * 30) + " bye."
    closing = compare_script(script, said(take), card, rubric=rubric).element("closing line")
    assert closing.status == "dropped"


def test_missing_and_extra_words(script: str, card: Card, rubric: Rubric) -> None:
    take = script.replace("a short conversation", "a quick chat")
    result = compare_script(script, said(take), card, rubric=rubric)
    assert result.missing_words == ("short", "conversation")
    assert result.extra_words == ("quick", "chat")


def test_take_as_whisper_words(script: str, card: Card, rubric: Rubric) -> None:
    heard = "Hi Dana, this is Chris Walker with North Wind Logistics. Call me at 415-555-0134."
    words = [Word(t, i * 0.4, i * 0.4 + 0.35) for i, t in enumerate(heard.split())]
    transcript = Transcript(" ".join(w.text for w in words), tuple(words))
    found = statuses(compare_script(script, transcript, card, rubric=rubric))
    assert found == {
        "name": "kept",
        "company": "kept",
        "reason": "dropped",
        "number": "kept",
        # so short a take is all "last words", and its introduction reads like the
        # closing "Chris Walker, Northwind Logistics"
        "closing line": "kept",
    }


@pytest.mark.parametrize(
    "transcript", [Transcript("", ()), said(""), said("   ")], ids=["empty", "from-text", "blank"]
)
def test_empty_take_drops_everything(
    transcript: Transcript, script: str, card: Card, rubric: Rubric
) -> None:
    result = compare_script(script, transcript, card, rubric=rubric)
    assert result.similarity == 0
    assert set(statuses(result).values()) == {"dropped"}
    assert result.extra_words == ()
    assert {"acme", "globex", "conversation"} <= set(result.missing_words)
    # name, company and number are elements of their own, never missing words
    assert not {"chris", "walker", "northwind", "logistics", "415"} & set(result.missing_words)


def test_shipped_rubric_is_the_default(script: str, card: Card) -> None:
    assert set(statuses(compare_script(script, said(script), card)).values()) == {"kept"}


# --- take vs. take ----------------------------------------------------------------


def test_compare_takes_rising_then_falling(script: str, card: Card, rubric: Rubric) -> None:
    no_number = script.replace(", 415-555-0134.", ".").replace(" at 415-555-0134", "")
    # #13: a reason carried by the proof still passes purpose, so take 3 slips differently
    no_reason = script.replace("Hi Dana,", "Hi Dana, did you get my email?")
    reports = [
        report(no_number, card, rubric, "take-1"),
        report(script, card, rubric, "take-2"),
        report(no_reason, card, rubric, "take-3"),
    ]
    first, second, third = (r.score for r in reports)
    assert first < third < second

    deltas = compare_takes(reports)
    assert [d.number for d in deltas] == [1, 2, 3]
    assert [d.score for d in deltas] == [first, second, third]
    assert [d.best_so_far for d in deltas] == [first, second, second]
    assert [d.is_best for d in deltas] == [False, True, False]
    assert (deltas[0].improved, deltas[0].slipped) == ((), ())
    # number_placement went skip -> pass: a skip is neither better nor worse
    assert deltas[1].improved == ("callback_number", "call_to_action")
    assert deltas[1].slipped == ()
    assert deltas[2].improved == ()
    assert deltas[2].slipped == ("opening",)
    assert best_take(reports) == 1


def _with(base: Report, score: int, *checks: tuple[str, Status]) -> Report:
    return replace(base, score=score, checks=tuple(Check(i, s, "") for i, s in checks))


@pytest.mark.parametrize(
    ("before", "after", "improved", "slipped"),
    [
        ("fail", "warn", ("x",), ()),
        ("warn", "pass", ("x",), ()),
        ("fail", "pass", ("x",), ()),
        ("pass", "fail", (), ("x",)),
        ("pass", "warn", (), ("x",)),
        ("pass", "pass", (), ()),
        ("skip", "pass", (), ()),
        ("fail", "skip", (), ()),
    ],
)
def test_status_order(
    before: Status,
    after: Status,
    improved: tuple[str, ...],
    slipped: tuple[str, ...],
    card: Card,
    rubric: Rubric,
) -> None:
    base = report("Hi.", card, rubric, "base")
    takes = [_with(base, 50, ("x", before)), _with(base, 50, ("x", after))]
    delta = compare_takes(takes)[1]
    assert (delta.improved, delta.slipped) == (improved, slipped)


def test_check_new_in_a_take_is_neither(card: Card, rubric: Rubric) -> None:
    base = report("Hi.", card, rubric, "base")
    takes = [_with(base, 50, ("x", "fail")), _with(base, 60, ("x", "pass"), ("y", "pass"))]
    assert compare_takes(takes)[1].improved == ("x",)


@pytest.mark.parametrize(
    ("scores", "best"),
    [([70], 0), ([70, 90, 80], 1), ([90, 80, 90], 2), ([80, 80, 80], 2), ([0, 0], 1)],
)
def test_best_take_ties_go_to_the_later_take(
    scores: list[int], best: int, card: Card, rubric: Rubric
) -> None:
    base = report("Hi.", card, rubric, "base")
    takes = [replace(base, score=s) for s in scores]
    assert best_take(takes) == best
    deltas = compare_takes(takes)
    assert [d.is_best for d in deltas] == [i == best for i in range(len(scores))]
    assert deltas[-1].best_so_far == max(scores)


@pytest.mark.parametrize(
    ("answer", "choice"),
    [
        ("", "retake"),
        ("  ", "retake"),
        (None, "quit"),
        ("q", "quit"),
        ("k", "best"),
        ("K", "best"),
        ("k 2", 1),
        ("k2", 1),
        ("keep 3", 2),
        ("k 4", "again"),  # only three takes
        ("k 0", "again"),
        ("x", "again"),
        ("k two", "again"),
    ],
)
def test_what_the_rep_typed_after_a_take(answer: str | None, choice: int | str) -> None:
    assert parse_choice(answer, takes=3) == choice


def test_k_keeps_the_best_take_and_says_which(card: Card, rubric: Rubric) -> None:
    base = report("Hi.", card, rubric, "base")
    takes = [replace(base, score=s, source=f"take{i}.wav") for i, s in enumerate([61, 94, 70])]
    best = best_take(takes)
    assert best == 1
    assert kept_line(takes, best, chosen_by_rep=True) == (
        "Kept take 2 (94/100), the best of 3 — take1.wav"
    )
    assert kept_line(takes, 0, chosen_by_rep=True) == (
        "Kept take 1 (61/100), as you chose (take 2 scored 94) — take0.wav"
    )
    assert kept_line(takes[:1], 0, chosen_by_rep=False) == "Kept take 1 (61/100) — take0.wav"


def test_no_takes_is_no_deltas() -> None:
    assert compare_takes([]) == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda card: best_take([]), "no takes to compare — record at least one take first"),
        (
            lambda card: compare_script("", said("Hi Dana."), card),
            "script is empty ('') — give the card's reference script",
        ),
        (
            lambda card: compare_script("  \n", said("Hi Dana."), card),
            "script is empty ('  \\n')",
        ),
    ],
    ids=["best-take-of-nothing", "empty-script", "blank-script"],
)
def test_bad_input(call: Callable[[Card], object], message: str, card: Card) -> None:
    with pytest.raises(ValueError) as caught:
        call(card)
    assert str(caught.value).startswith(message)
