"""The rubric's phrase syntax, compiled to regular expressions.

A rubric phrase is written the way a rep would say it, with a few marks
(README "Phrases"):

=================  ==============================================  =========================
mark               means                                           example
=================  ==============================================  =========================
``(a|b c)``        one of the alternatives                         ``did you (get|receive)``
``[a|b]``          optional words                                  ``[just] checking in``
``word+``          the word and its inflections                    ``save+`` (saves, saved, saving)
``...`` ``...N``   up to 3 (or N) other words                      ``make sure ... email landed``
``{name}``         any phrase of the shared lexicon ``name``       ``did you get my {message}``
``re:...``         a raw regular expression (the escape hatch)     ``re:\\d+ ?%``
=================  ==============================================  =========================

Phrases match whole words, any case, against the transcript with
punctuation removed.  Built-in lexicons: ``{number}`` (digits or number
words of any size: "ninety", "two thousand", "a hundred and eighty"),
``{fraction}`` ("half", "two thirds", "35 percent") and ``{multiplier}``
("twice", "three times", "doubled").  A phrase that contains ``(?`` or a
backslash is taken as a regular expression too (the rubric's old syntax).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from coach.errors import RubricError

_UNITS = [
    "zero",
    "oh",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ["hundred", "thousand", "million", "billion", "grand", "k"]
_PARTS = [
    "half",
    "halves",
    "third",
    "thirds",
    "quarter",
    "quarters",
    "fifth",
    "fifths",
    "tenth",
    "tenths",
]

_SMALL = rf"(?:(?:{'|'.join(_TENS)})(?: (?:{'|'.join(_UNITS[2:11])}))?|{'|'.join(_UNITS)})"
_SCALE = rf"(?:{'|'.join(_SCALES)})"
_DIGITS = r"\d+(?: \d{3})*(?: \d+)?"
#: a quantity in digits or words, of any size ("2,000", "ninety", "a hundred and eighty")
NUMBER = (
    rf"(?:{_DIGITS}(?: {_SCALE})?"
    rf"|(?:a|{_SMALL})(?: {_SCALE}(?: and)?(?: {_SMALL})?)+"
    rf"|{_SMALL})"
)
#: a share: "half", "two thirds", "a quarter", "35 percent", "thirty per cent"
FRACTION = (
    rf"(?:(?:a|one|{_SMALL}) (?:{'|'.join(_PARTS)})"
    rf"|half|{NUMBER} (?:percent|per cent|pc)"
    rf"|{NUMBER} (?:in|out of) {NUMBER})"
)
#: a multiple: "twice", "three times", "doubled", "tripled"
MULTIPLIER = (
    rf"(?:twice|double[ds]?|doubling|triple[ds]?|tripling|quadruple[ds]?|halv(?:e|es|ed|ing)"
    rf"|{NUMBER} times|{NUMBER}x)"
)
BUILTIN = {"number": NUMBER, "fraction": FRACTION, "multiplier": MULTIPLIER}

_TOKEN = re.compile(r"\(|\)|\[|\]|\||\.\.\.\d*|\{[\w-]+\}|[^\s()\[\]|{}]+")


def is_regex(phrase: str) -> bool:
    """Whether ``phrase`` is a raw regular expression rather than the phrase syntax."""
    return phrase.startswith("re:") or "(?" in phrase or "\\" in phrase


def inflections(word: str) -> list[str]:
    """A word's common English forms: ``save`` -> save, saves, saved, saving, saver(s)."""
    if word.endswith("e"):
        stem = word[:-1]
        forms = {word, word + "s", word + "d", stem + "ing", word + "r", word + "rs"}
    else:
        forms = {
            word,
            word + "s",
            word + "es",
            word + "ed",
            word + "ing",
            word + "er",
            word + "ers",
        }
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        stem = word[:-1]
        forms |= {stem + "ies", stem + "ied"}
    if (
        len(word) >= 3
        and word[-1] not in "aeiouwxy"
        and word[-2] in "aeiou"
        and word[-3] not in "aeiou"
    ):
        forms |= {word + word[-1] + "ing", word + word[-1] + "ed", word + word[-1] + "er"}
    return sorted(forms, key=lambda f: (-len(f), f))


def _word(token: str) -> str:
    # The transcript is normalised (hyphens and punctuation become spaces).
    words = re.sub(r"[^\w'+]+", " ", token.lower().replace("\u2019", "'")).split()
    out = []
    for w in words:
        if w.endswith("+") and len(w) > 1:
            out.append("(?:" + "|".join(re.escape(f) for f in inflections(w[:-1])) + ")")
        else:
            out.append(re.escape(w))
    return " ".join(out)


class _Parser:
    def __init__(self, phrase: str, lexicon: Callable[[str], str], where: str) -> None:
        self.tokens = _TOKEN.findall(phrase)
        self.pos = 0
        self.lexicon = lexicon
        self.where = where
        self.phrase = phrase

    def fail(self, why: str) -> RubricError:
        return RubricError(f"{self.where}: phrase {self.phrase!r} {why}")

    def alternatives(self, closer: str | None) -> str:
        alts = [self.sequence()]
        while self.pos < len(self.tokens) and self.tokens[self.pos] == "|":
            self.pos += 1
            alts.append(self.sequence())
        if closer is not None:
            if self.pos >= len(self.tokens) or self.tokens[self.pos] != closer:
                raise self.fail(f"has an unclosed {'(' if closer == ')' else '['}")
            self.pos += 1
        elif self.pos < len(self.tokens):
            raise self.fail(f"has an unexpected {self.tokens[self.pos]!r}")
        return "|".join(alts)

    def sequence(self) -> str:
        # Items are (regex, optional); spaces are put between them so an
        # optional item takes its space with it.
        items: list[tuple[str, bool]] = []
        while self.pos < len(self.tokens) and self.tokens[self.pos] not in ("|", ")", "]"):
            tok = self.tokens[self.pos]
            self.pos += 1
            if tok == "(":
                items.append((f"(?:{self.alternatives(')')})", False))
            elif tok == "[":
                items.append((f"(?:{self.alternatives(']')})", True))
            elif tok.startswith("..."):
                n = int(tok[3:] or 3)
                items.append((rf"[\w']+(?: [\w']+){{0,{max(n - 1, 0)}}}", True))
            elif tok.startswith("{"):
                items.append((f"(?:{self.lexicon(tok[1:-1])})", False))
            else:
                word = _word(tok)
                if word:
                    items.append((word, False))
        out = ""
        spaced = True  # whether the text so far ends where a word may start
        for rx, optional in items:
            if optional:
                out += f"(?:{rx} )?" if spaced else f"(?: {rx})?"
            else:
                out += rx if spaced else f" {rx}"
                spaced = False
        if out.endswith(" )?") and spaced:
            # only optional items: nothing is required, so do not demand a space
            out = out[: -len(" )?")] + ")?"
        return out


def compile_phrase(
    phrase: str,
    lexicons: Mapping[str, Sequence[str]] | None = None,
    *,
    where: str = "rubric",
) -> str:
    """The regular expression (without word boundaries) for one rubric phrase.

    Raises
    ------
    RubricError
        An unknown ``{lexicon}``, unbalanced brackets, a lexicon that refers
        to itself, or an invalid raw regular expression.
    """
    lexicons = lexicons or {}
    seen: list[str] = []

    def lexicon(name: str) -> str:
        if name in BUILTIN:
            return BUILTIN[name]
        if name not in lexicons:
            known = ", ".join(sorted([*lexicons, *BUILTIN]))
            raise RubricError(f"{where}: unknown lexicon {{{name}}} — known: {known}")
        if name in seen:
            raise RubricError(f"{where}: lexicon {{{name}}} refers to itself")
        seen.append(name)
        try:
            return "|".join(
                compile_phrase_inner(p, lexicon, f"lexicon.{name}") for p in lexicons[name]
            )
        finally:
            seen.pop()

    return compile_phrase_inner(phrase, lexicon, where)


def compile_phrase_inner(phrase: str, lexicon: Callable[[str], str], where: str) -> str:
    if is_regex(phrase):
        rx = phrase[3:] if phrase.startswith("re:") else phrase
        try:
            re.compile(rx)
        except re.error as exc:
            raise RubricError(f"{where}: pattern {phrase!r} is not valid: {exc}") from exc
        return rx
    rx = _Parser(phrase, lexicon, where).alternatives(None)
    if not rx:
        raise RubricError(f"{where}: phrase {phrase!r} matches nothing")
    return rx
