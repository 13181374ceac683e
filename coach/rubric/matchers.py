"""Text matching for the rules: names as Whisper hears them, phrases across word boundaries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coach.speech.transcribe import Word

#: words that do not identify a company on their own
_GENERIC = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "and",
        "inc",
        "llc",
        "ltd",
        "co",
        "corp",
        "corporation",
        "company",
        "group",
        "solutions",
        "systems",
        "services",
        "technologies",
        "partners",
        "global",
        "international",
    ]
)


def name_forms(name: str, *, first_word_min: int = 2) -> list[str]:
    """Spellings a name may be heard in: whole, first two words, its first word.

    The first word alone counts when it has at least ``first_word_min``
    letters: a person's first name always, a company's only when distinctive
    ("Northwind" for "Northwind Logistics", not "Blue" for "Blue Harbor").
    """
    tokens = [t for t in normalise(name).split() if t not in _GENERIC]
    if not tokens:
        return []
    forms = ["".join(tokens)]
    if len(tokens) > 2:
        forms.append("".join(tokens[:2]))
    if len(tokens) > 1 and len(tokens[0]) >= first_word_min:
        forms.append(tokens[0])
    return forms


def indexed_text(words: Sequence[Word]) -> tuple[str, list[int]]:
    """One normalised string of ``words`` and, per character, the index of its word.

    Patterns then match across Whisper's word boundaries and even across
    run-together sentences, and every match maps back to the words (and
    times) it came from.
    """
    parts: list[str] = []
    owner: list[int] = []
    for i, word in enumerate(words):
        norm = normalise(word.text)
        if not norm:
            continue
        if parts:
            parts.append(" ")
            owner.append(i)
        parts.append(norm)
        owner.extend([i] * len(norm))
    return "".join(parts), owner


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"[^\w']+", " ", text).strip()
