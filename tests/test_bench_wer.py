"""The benchmark's word error rate: normalisation and edit counts (no timing here)."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from bench.wer import Errors, normalise, wer, word_errors
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # phone numbers, however written, are one word per digit
        ("four one five, five five five, zero one three four.", list("4155550134")),
        ("415-555-0134.", list("4155550134")),
        ("(415) 555-0134,", list("4155550134")),
        ("four one five, 555-0134", list("4155550134")),
        ("Call 4-1-5 now", ["call", "4", "1", "5", "now"]),
        # other numbers become numerals, spoken or written
        ("from ten hours a week to five.", ["from", "10", "hours", "a", "week", "to", "5"]),
        ("two thousand loads", ["2000", "loads"]),
        ("2,000 loads", ["2000", "loads"]),
        ("two thousand five hundred", ["2500"]),
        ("forty-one, forty one", ["41", "41"]),
        ("five five", ["5", "5"]),
        ("2.5 days", ["2.5", "days"]),
        # case, punctuation, hyphens, quotes, an e-mail address read out
        ("Hi Dana, it’s Chris!", ["hi", "dana", "it's", "chris"]),
        ("freight-invoice work", ["freight", "invoice", "work"]),
        ("chris@northwind.example.", ["chris", "at", "northwind", "dot", "example"]),
        ("chris at northwind dot example", ["chris", "at", "northwind", "dot", "example"]),
        ("", []),
    ],
)
def test_normalise(text: str, words: list[str]) -> None:
    assert normalise(text) == words


def test_a_script_and_its_transcript_agree_after_normalising() -> None:
    script = (
        "Hi Dana, it's Chris Walker with Northwind Logistics, four one five, five five five, "
        "zero one three four. Globex cut that from ten hours a week to five."
    )
    heard = (
        "Hi Dana, it's Chris Walker with Northwind Logistics, 415-555-0134. "
        "Globex cut that from 10 hours a week to 5."
    )
    assert wer(script, heard) == Errors(0, 0, 0, 28)


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [
        ("a b c d", "a b c d", Errors(0, 0, 0, 4)),
        ("a b c d", "a x c d", Errors(1, 0, 0, 4)),
        ("a b c d", "a c d", Errors(0, 1, 0, 4)),
        ("a b c d", "a b c d e f", Errors(0, 0, 2, 4)),
        ("a b c d", "", Errors(0, 4, 0, 4)),
        ("", "a", Errors(0, 0, 1, 0)),
    ],
)
def test_word_errors(reference: str, hypothesis: str, expected: Errors) -> None:
    assert word_errors(reference.split(), hypothesis.split()) == expected


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("415-555-0135", Errors(1, 0, 0, 10)),
        ("415-55-0134", Errors(0, 1, 0, 10)),
        ("four one five, 555-0134", Errors(0, 0, 0, 10)),
    ],
)
def test_a_wrong_digit_is_one_error_not_ten(heard: str, expected: Errors) -> None:
    assert wer("415-555-0134", heard) == expected


def test_wer_of_an_empty_reference() -> None:
    assert Errors(0, 0, 0, 0).wer == 0.0
    assert Errors(0, 0, 1, 0).wer == float("inf")
    assert Errors(1, 1, 1, 6).wer == 0.5


def _edit_distance(a: list[str], b: list[str]) -> int:
    """The textbook dynamic programme, as an independent check."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def test_edit_counts_are_minimal_on_every_short_pair() -> None:
    words = ["a", "b", "c"]
    lists = [list(p) for n in range(4) for p in itertools.product(words, repeat=n)]
    for ref, hyp in itertools.product(lists, repeat=2):
        errors = word_errors(ref, hyp)
        assert errors.edits == _edit_distance(ref, hyp), (ref, hyp)
        assert errors.reference_words == len(ref)


def test_bench_help_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "--quick" in done.stdout
