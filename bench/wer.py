"""Word error rate between a script and what Whisper wrote, on normalised words.

The script says "four one five, five five five, zero one three four" and
"two thousand"; Whisper writes "415-555-0134" and "2,000".  Both sides go
through the same :func:`normalise`, so only real mistakes count:

* lower case; curly quotes made straight; punctuation at the edges of a word
  dropped; words joined by a hyphen split (``freight-invoice``);
* an e-mail address read out: ``chris@northwind.example`` becomes
  ``chris at northwind dot example``, as the script spells it;
* phone numbers are found with the coach's own reader
  (:func:`coach.speech.numbers.find_phone_numbers`, every shape Whisper prints) and
  become one word per digit, so a wrong digit costs one error, not ten;
* other numbers become numerals: ``ten`` → ``10``, ``two thousand`` and
  ``2,000`` → ``2000``, ``forty-one`` → ``41``.

The error rate is ``(substitutions + deletions + insertions) / reference
words`` from a minimal word-level edit script (Levenshtein over word lists,
computed by rapidfuzz — already a dependency of the coach).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from coach.speech.numbers import find_phone_numbers
from coach.speech.transcribe import Word

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_EDGE = "\"'()[]{}<>.,;:!?…-–—"
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


@dataclass(frozen=True)
class Errors:
    """Word errors of one hypothesis against one reference."""

    substitutions: int
    deletions: int
    insertions: int
    reference_words: int

    @property
    def edits(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        """Word error rate, 0.0 for a perfect transcript (can exceed 1.0)."""
        if self.reference_words == 0:
            return 0.0 if self.edits == 0 else float("inf")
        return self.edits / self.reference_words

    def __add__(self, other: Errors) -> Errors:
        return Errors(
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
            self.reference_words + other.reference_words,
        )


NO_ERRORS = Errors(0, 0, 0, 0)


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> Errors:
    """Minimal substitutions, deletions and insertions turning ``reference`` into ``hypothesis``."""
    ops = Levenshtein.editops(list(reference), list(hypothesis))
    kinds = [op.tag for op in ops]
    return Errors(
        substitutions=kinds.count("replace"),
        deletions=kinds.count("delete"),
        insertions=kinds.count("insert"),
        reference_words=len(reference),
    )


def wer(reference: str, hypothesis: str) -> Errors:
    """Word errors of ``hypothesis`` against ``reference``, both normalised."""
    return word_errors(normalise(reference), normalise(hypothesis))


def normalise(text: str) -> list[str]:
    """The words of ``text`` as compared: see the module notes."""
    raw = [_spell_email(t) for t in text.translate(_QUOTES).split()]
    tokens = [t for chunk in raw for t in chunk.split()]
    words = [Word(t, float(i), float(i) + 0.5) for i, t in enumerate(tokens)]
    phone_at = {n.first_word: n for n in find_phone_numbers(words)}
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i in phone_at:
            number = phone_at[i]
            out.extend(number.digits)
            i = number.last_word + 1
            continue
        out.extend(_plain_words(tokens[i]))
        i += 1
    return _numerals(out)


def _spell_email(token: str) -> str:
    """``chris@northwind.example,`` → ``chris at northwind dot example,``."""
    if "@" not in token:
        return token
    token = token.replace("@", " at ")
    return re.sub(r"(?<=[A-Za-z])\.(?=[A-Za-z])", " dot ", token)


def _plain_words(token: str) -> list[str]:
    core = token.lower().strip(_EDGE)
    if not core:
        return []
    if re.fullmatch(r"[\d,.\-–—]+", core) and any(c.isdigit() for c in core):
        if re.search(r"\d[\-–—]\d", core):
            # digits read out in groups ("4-1-5", a number cut short): one word per digit
            return [c for c in core if c.isdigit()]
        # "2,000" -> "2000", "2.5" stays: an amount is one word
        return [core.replace(",", "").rstrip(".")]
    return [p for p in re.split(r"[-–—/]", core) if p]


def _numerals(words: list[str]) -> list[str]:
    """Runs of number words as one numeral: ``two thousand`` → ``2000``, ``ten`` → ``10``.

    A number goes on after a scale word (``two thousand five``) and from tens
    to a unit (``forty one``); any other number word after a number starts a
    new one (``five five`` is two numbers, as it is spoken).
    """
    out: list[str] = []
    total: int | None = None  # the number being read, None between numbers
    current = 0  # its part below the last "thousand"
    last = ""  # the kind of word read last: "unit", "tens" or "scale"

    def flush() -> None:
        nonlocal total, current
        if total is not None:
            out.append(str(total + current))
        total, current = None, 0

    for word in words:
        if word in _UNITS or word in _TENS:
            value = _UNITS.get(word) or _TENS.get(word, 0)
            goes_on = last == "scale" or (last == "tens" and value < 10)
            if total is not None and not goes_on:
                flush()
            total = total or 0
            current += value
            last = "tens" if word in _TENS else "unit"
        elif word in _SCALES and total is not None and last != "scale":
            scale = _SCALES[word]
            if scale == 100:
                current *= 100
            else:
                total += current * scale
                current = 0
            last = "scale"
        else:
            flush()
            out.append(word)
            last = ""
    flush()
    return out
