"""Callback phone numbers in a transcript: which words carry them, and when.

Whisper writes a spoken number in many shapes — ``"415-555-0134."``,
``"(415)" "555-0134"``, ``"4," "1," "5,"``, ``"four one five, 555, oh one three
four"``, ``"eight hundred"``, ``"double five"`` — so numbers are read from the
*words*, not from the joined text, and every digit keeps the index of the word
it came from (that is how a number gets its start and end time).

How a transcript becomes numbers
--------------------------------
1. **Words to digits.**  Each word is a numeral (``"415-555-0134"``), number
   words (``"four"``, ``"oh"``, ``"fifteen"``, ``"forty-one"``, ``"hundred"``,
   ``"double"``), a *joiner* (bare punctuation such as ``"-"``, or ``"dash"``),
   or anything else, which *breaks* a number.  Quantities break too, so they
   never lend digits to a phone number: ``"2,000"``, ``"$50,000"``, ``"20%"``,
   ``"3:30"``, ``"2.5"``, ``"Q3"``, ``"3rd"``, ``"24/7"``.
2. **Runs.**  Digits in consecutive words, with only joiners between them, form
   one run.  Every other word ends it — ``"and"``, ``"is"``, ``"at"``,
   ``"that's"`` and also the hesitations ``"uh"``/``"um"``.
3. **Splitting runs.**  A run may hold several numbers (``"415-555-0134,
   415-555-0134"``) or stray digits (``"... 0134. Oh, and"``).  It is cut where
   the cut makes the most *valid* numbers (``phonenumbers.is_valid_number``),
   then keeps the most digits, then the most *possible* numbers, then the fewest
   pieces; cuts fall between words or groups and inside a written group only
   when nothing else works.  Pieces shorter than ``min_digits`` are dropped, and
   so is a run made only of written years (``"2023, 2024"``).
4. **Digits.**  A valid number is reported as its national significant digits,
   so a leading country code (``"+1"``, ``"1-800-..."``, a spoken ``"one"``) or
   trunk prefix is dropped.  Anything else is reported **as heard**.

Near misses are kept on purpose: a piece of ``min_digits`` or more digits is a
:class:`PhoneNumber` even when :mod:`phonenumbers` calls it invalid (``"415-555-013"``
gives ``digits="415555013"``), so the callback check can say "hard to make out"
instead of "no number".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import phonenumbers
from rapidfuzz.distance import Levenshtein

from coach.speech.transcribe import SAMPLE_RATE, Word, shift

if TYPE_CHECKING:
    import numpy as np

    from coach.speech.transcribe import DecodeOptions, Transcriber, Transcript

__all__ = ["PhoneNumber", "digit_distance", "find_phone_numbers", "normalize_number"]

#: E.164 allows at most 15 digits, country code included.
MAX_DIGITS = 15

#: A number spoken inside a zero-length word (Whisper sometimes stamps start ==
#: end) is timed as this long, so its rate stays finite — and JSON-safe — while
#: still reading as far too fast to write down.
MIN_DURATION_S = 0.05

_UNITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_TEENS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
_TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
_REPEATS = {"double": 2, "triple": 3}
# Only punctuation and a spoken "dash" sit inside a number.  Hesitations
# ("uh", "um") deliberately end one: a rep who stalls mid-number has split it
# for the listener too.
_JOIN_WORDS = frozenset({"dash"})

# Characters trimmed from both ends of a word before reading it.
_EDGE = "\"'“”‘’()[]{}<>.,;:!?…-–—"
_NUMERAL = re.compile(r"\+?\d[\d\-–—.,()]*")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL = re.compile(r"\d+\.\d+")
_YEAR = re.compile(r"(?:19|20)\d\d")

_Kind = Literal["num", "unit", "teen", "tens", "hundred", "repeat", "break"]


@dataclass(frozen=True)
class PhoneNumber:
    """A phone number heard in a transcript.

    Attributes
    ----------
    digits : str
        National significant digits when the number is valid (``"4155550134"``;
        a leading country code ``1`` is dropped for NANP), otherwise the digits
        as heard — a near miss such as ``"415555013"`` is still reported.
    start : float
        Seconds; start of the first word carrying one of its digits.
    end : float
        Seconds; end of the last word carrying one of its digits.
    first_word : int
        Index of that first word in the words searched.
    last_word : int
        Index of that last word (inclusive).
    text : str
        The words as spoken, joined with spaces (``"four one five, 555-0134"``).
    """

    digits: str
    start: float
    end: float
    first_word: int
    last_word: int
    text: str

    def __post_init__(self) -> None:
        if not (self.digits.isascii() and self.digits.isdigit()):
            raise ValueError(f"digits must be 0-9 only, got {self.digits!r}")
        if self.end < self.start:
            raise ValueError(f"end {self.end!r} s is before start {self.start!r} s")
        if not 0 <= self.first_word <= self.last_word:
            raise ValueError(
                f"word span {self.first_word!r}..{self.last_word!r} is not an ordered, "
                "non-negative range"
            )

    @property
    def digits_per_s(self) -> float:
        """Speaking rate of the number, in digits per second.

        A span shorter than :data:`MIN_DURATION_S` (e.g. one zero-length word)
        counts as that long.
        """
        return len(self.digits) / max(self.end - self.start, MIN_DURATION_S)


@dataclass(frozen=True)
class _Token:
    """One meaningful piece of a word: ``"forty-one"`` gives ``tens 4``, ``unit 1``."""

    kind: _Kind
    value: str
    word: int
    plus: bool = False


@dataclass(frozen=True)
class _Run:
    """Digits from consecutive words, with where each digit came from.

    ``cuts`` are the positions between groups (words or written groups such as
    the ``415|555|0134`` of ``"415-555-0134"``); ``plus`` the positions where a
    group written with a leading ``+`` starts.
    """

    digits: str
    words: tuple[int, ...]
    cuts: frozenset[int]
    plus: frozenset[int]
    years_only: bool


def find_phone_numbers(
    words: Sequence[Word], *, region: str = "US", min_digits: int = 7
) -> list[PhoneNumber]:
    """Find the phone numbers spoken in ``words``, in order.

    Parameters
    ----------
    words : sequence of Word
        The transcript's words with times in seconds, as Whisper gave them.
    region : str, optional
        ISO 3166 region the numbers are dialled from (``"US"``, ``"GB"``); it
        decides validity and which country code or trunk prefix is dropped.
    min_digits : int, optional
        Fewest digits a number may have; shorter digit runs (``"Q3"``, ``"2024"``,
        ``"10 to 5"``) are quantities, not phone numbers.

    Returns
    -------
    list of PhoneNumber
        Every number found, valid or not (see the module notes on near misses).

    Raises
    ------
    ValueError
        If ``region`` is unknown or ``min_digits`` is not 1..15.
    """
    region = _check_region(region)
    if isinstance(min_digits, bool) or not 1 <= min_digits <= MAX_DIGITS:
        raise ValueError(
            f"min_digits must be an integer from 1 to {MAX_DIGITS}, got {min_digits!r}"
        )
    found: list[PhoneNumber] = []
    for run in _runs(_tokens(words)):
        # A list of years ("2023, 2024") is long enough but is no phone number.
        if run.years_only or len(run.digits) < min_digits:
            continue
        for i, j, digits in _split(run, region=region, min_digits=min_digits):
            first, last = run.words[i], run.words[j - 1]
            found.append(
                PhoneNumber(
                    digits=digits,
                    start=words[first].start,
                    end=words[last].end,
                    first_word=first,
                    last_word=last,
                    text=" ".join(w.text for w in words[first : last + 1]),
                )
            )
    return found


def digits_in(text: str) -> int:
    """How many digits one word says: "415-555" 6, "five" 1, "double" 0, "hours" 0."""
    read = _read_word(text, 0)
    if not read:
        return 0
    return sum(len(t.value) for t in read if t.kind in ("num", "unit"))


def heard_whole(digits: str, *, region: str = "US") -> bool:
    """True when ``digits`` could be a whole phone number of ``region`` (its length fits).

    ``"415550134"`` (a 5 dropped) is not; ``"4155550134"`` is.  A number
    that is not heard whole is worth hearing again (:func:`rehear_numbers`).
    """
    return _classify(digits, international=False, region=_check_region(region))[1] > 0


def digit_distance(heard: str, expected: str) -> int:
    """How many digits differ between two numbers (Levenshtein distance).

    Parameters
    ----------
    heard, expected : str
        Digit strings (``"4155550134"``); either may be empty.

    Returns
    -------
    int
        Insertions, deletions and substitutions needed to turn ``heard`` into
        ``expected``; 0 when they match.

    Raises
    ------
    ValueError
        If either string holds anything but the digits 0-9.
    """
    for name, value in (("heard", heard), ("expected", expected)):
        if value and not (value.isascii() and value.isdigit()):
            raise ValueError(f"{name} must hold only the digits 0-9, got {value!r}")
    return int(Levenshtein.distance(heard, expected))


def normalize_number(text: str, *, region: str = "US") -> str:
    """The national significant digits of a written phone number.

    ``"415-555-0134"``, ``"(415) 555 0134"`` and ``"+1 415 555 0134"`` all give
    ``"4155550134"``.  A country code is dropped, and so is a trunk prefix
    (``"020 7946 0018"`` in ``"GB"`` gives ``"2079460018"``).  A local-only
    number (``"555-0134"`` in ``"US"``) is accepted as it is.

    Parameters
    ----------
    text : str
        The number as written, in any common format.
    region : str, optional
        ISO 3166 region to read a number without a ``+`` country code in.

    Returns
    -------
    str
        The digits, e.g. ``"4155550134"``.

    Raises
    ------
    ValueError
        If ``text`` holds no possible phone number, or ``region`` is unknown.
    """
    region = _check_region(region)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{text!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError(f"{text!r} is not a phone number (wrong number of digits)")
    return str(phonenumbers.national_significant_number(number))


def _check_region(region: str) -> str:
    code = region.upper() if isinstance(region, str) else region
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"unknown region {region!r}; use an ISO 3166 code such as 'US' or 'GB'")
    return str(code)


def _tokens(words: Sequence[Word]) -> list[_Token]:
    """Every word's tokens in order; a word that is not part of a number is one ``break``."""
    tokens: list[_Token] = []
    for index, word in enumerate(words):
        read = _read_word(word.text, index)
        tokens.extend(read if read is not None else (_Token("break", "", index),))
    return tokens


def is_number_word(text: str) -> bool:
    """True when ``text`` could be part of a spoken number: a digit, "oh", "double", a dash."""
    read = _read_word(text, 0)
    return read is not None and (bool(read) or text.strip().strip(_EDGE).lower() in _JOIN_WORDS)


def _read_word(text: str, index: int) -> list[_Token] | None:
    """Tokens of one word: ``[]`` for a joiner, ``None`` when the word breaks a number."""
    core = text.strip().strip(_EDGE)
    if not core or core.lower() in _JOIN_WORDS:
        # Bare punctuation ("-", "...") or a spoken "dash" sits inside a number.
        return []
    if any(c.isdigit() for c in core):
        return _read_numeral(core, index) or _read_spelled(core, index)
    tokens: list[_Token] = []
    for part in re.split(r"[-–—]", core.lower()):
        if part in _UNITS:
            tokens.append(_Token("unit", _UNITS[part], index))
        elif part in _TEENS:
            tokens.append(_Token("teen", _TEENS[part], index))
        elif part in _TENS:
            tokens.append(_Token("tens", _TENS[part], index))
        elif part == "hundred":
            tokens.append(_Token("hundred", "00", index))
        elif part in _REPEATS:
            tokens.append(_Token("repeat", str(_REPEATS[part]), index))
        else:
            return None
    return tokens


#: letters Whisper writes for a digit inside a dash-spelled run ("5-0-3-A-A-A-4": "eight")
_LETTER_DIGITS = {"a": "8", "o": "0"}
#: digits a dash-spelled run needs before a stray letter in it is read as part of a number
SPELLED_MIN_DIGITS = 7


def _read_spelled(core: str, index: int) -> list[_Token] | None:
    """A dash-spelled digit run with a stray letter: ``"F-4-1-5-5-5-0-1-3-4"``, ``"5-0-3-A-A-4"``.

    Whisper glues the end of a misheard word to the run ("reach me at" → "reach
    the F-4-1-5…") and writes "eight" as "A".  Only in a run of at least
    :data:`SPELLED_MIN_DIGITS` digits, so "F-150" or "Q3-2024" stay what they are;
    a leading letter is dropped, "A"/"O" between digits are 8 and 0, any other
    letter (or a longer word) leaves the word unread.
    """
    parts = re.split(r"[-–—]", core)
    if len(parts) < 3 or sum(len(p) for p in parts if p.isdigit()) < SPELLED_MIN_DIGITS:
        return None
    tokens: list[_Token] = []
    for n, part in enumerate(parts):
        if part.isdigit():
            tokens.append(_Token("num", part, index))
        elif len(part) == 1 and part.lower() in _LETTER_DIGITS and n > 0:
            tokens.append(_Token("num", _LETTER_DIGITS[part.lower()], index))
        elif n == 0 and len(part) == 1 and part.isalpha():
            continue  # the tail of a misheard word ("at" → "F")
        else:
            return None
    return tokens


def _read_numeral(core: str, index: int) -> list[_Token] | None:
    """Digit groups of a written numeral; ``None`` for a quantity or a code."""
    # Letters, currency, %, :, / make a quantity, time, ordinal or code ("Q3",
    # "$50,000", "20%", "3:30", "3rd", "24/7"); thousands and decimals are
    # amounts even without a unit.
    if not _NUMERAL.fullmatch(core) or _THOUSANDS.fullmatch(core) or _DECIMAL.fullmatch(core):
        return None
    groups = re.findall(r"\d+", core)
    return [
        _Token("num", g, index, plus=(n == 0 and core.startswith("+")))
        for n, g in enumerate(groups)
    ]


def _runs(tokens: list[_Token]) -> list[_Run]:
    """Group tokens into runs of digits, applying the spoken-number grammar."""
    runs: list[_Run] = []
    # A group is a list of (digit, word index); digits of one group are never cut
    # apart unless nothing else works.
    groups: list[list[tuple[str, int]]] = []
    plus_groups: set[int] = set()
    numeral_groups: set[int] = set()
    state: Literal["", "tens", "hundred"] = ""
    repeat: _Token | None = None

    def flush() -> None:
        nonlocal state, repeat
        if groups:
            runs.append(_make_run(groups, plus_groups, numeral_groups))
        groups.clear()
        plus_groups.clear()
        numeral_groups.clear()
        state, repeat = "", None

    for tok in tokens:
        if repeat is not None:
            pending, repeat = repeat, None
            single = tok.kind == "unit" or (tok.kind == "num" and len(tok.value) == 1)
            if single:
                # "double five": the first copy belongs to "double" so the number's
                # text and start include it.
                extra = [(tok.value, tok.word)] * (int(pending.value) - 1)
                groups.append([(tok.value, pending.word), *extra])
                state = ""
                continue
            # "double" before anything but a digit ("double your loads") is no number.
            flush()
        if tok.kind == "break":
            flush()
        elif tok.kind == "repeat":
            repeat = tok
        elif tok.kind == "hundred":
            # Only right after one or two digits: "eight hundred" = 800, "twenty one
            # hundred" = 2100; "a hundred" or "hundreds of" is an amount.
            if groups and state != "hundred" and len(groups[-1]) <= 2:
                groups[-1].extend([("0", tok.word), ("0", tok.word)])
                state = "hundred"
            else:
                flush()
        elif tok.kind == "tens":
            if state == "hundred":
                # "five hundred fifty" = 550: the tens fill the hundred's zeros.
                groups[-1][-2] = (tok.value, tok.word)
            else:
                groups.append([(tok.value, tok.word), ("0", tok.word)])
            state = "tens"
        elif tok.kind == "teen":
            if state == "hundred":
                groups[-1][-2:] = [(tok.value[0], tok.word), (tok.value[1], tok.word)]
            else:
                groups.append([(d, tok.word) for d in tok.value])
            state = ""
        elif tok.kind == "unit":
            if state == "tens" and tok.value != "0":
                # "forty one" = 41, not 401.
                groups[-1][-1] = (tok.value, tok.word)
            else:
                # After "hundred", units are digit by digit: "eight hundred five
                # five five" is 800-555, not 805-55.
                groups.append([(tok.value, tok.word)])
            state = ""
        else:  # a written numeral group
            if tok.plus:
                plus_groups.add(len(groups))
            numeral_groups.add(len(groups))
            groups.append([(d, tok.word) for d in tok.value])
            state = ""
    flush()
    return runs


def _make_run(
    groups: list[list[tuple[str, int]]], plus_groups: set[int], numeral_groups: set[int]
) -> _Run:
    digits: list[str] = []
    words: list[int] = []
    cuts: set[int] = set()
    plus: set[int] = set()
    for n, group in enumerate(groups):
        if n in plus_groups:
            plus.add(len(digits))
        if n:
            cuts.add(len(digits))
        digits.extend(d for d, _ in group)
        words.extend(w for _, w in group)
    years_only = len(numeral_groups) == len(groups) and all(
        _YEAR.fullmatch("".join(d for d, _ in g)) for g in groups
    )
    return _Run("".join(digits), tuple(words), frozenset(cuts), frozenset(plus), years_only)


# (-cuts inside a group, valid numbers, digits kept, possible numbers, -numbers kept)
_Score = tuple[int, int, int, int, int]


def _split(run: _Run, *, region: str, min_digits: int) -> list[tuple[int, int, str]]:
    """Best cut of a run into numbers: ``(start, stop, digits)`` spans into ``run.digits``.

    Dynamic programming over cut positions; the score is compared in order:
    fewest cuts inside a written group, most valid numbers, most digits kept,
    most possible numbers, fewest numbers.  Pieces shorter than ``min_digits``
    are dropped; pieces longer than :data:`MAX_DIGITS` are not allowed.
    """
    n = len(run.digits)
    best: list[tuple[_Score, int, str | None] | None] = [None] * (n + 1)
    best[0] = ((0, 0, 0, 0, 0), 0, None)
    for stop in range(1, n + 1):
        for start in range(max(0, stop - MAX_DIGITS), stop):
            before = best[start]
            if before is None:
                continue
            inner = 1 if start and start not in run.cuts else 0
            if stop - start < min_digits:
                gain: _Score = (-inner, 0, 0, 0, 0)
                digits = None
            else:
                digits, quality = _classify(
                    run.digits[start:stop], international=start in run.plus, region=region
                )
                gain = (-inner, int(quality == 2), stop - start, int(quality >= 1), -1)
            score = _add(before[0], gain)
            current = best[stop]
            if current is None or score > current[0]:
                best[stop] = (score, start, digits)
    pieces: list[tuple[int, int, str]] = []
    stop = n
    while stop:
        entry = best[stop]
        assert entry is not None  # every prefix can be cut into short pieces
        _, start, digits = entry
        if digits is not None:
            pieces.append((start, stop, digits))
        stop = start
    return pieces[::-1]


def _add(a: _Score, b: _Score) -> _Score:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4])


def _classify(digits: str, *, international: bool, region: str) -> tuple[str, int]:
    """``(digits to report, quality)``: quality 2 valid, 1 possible, 0 neither."""
    try:
        number = phonenumbers.parse(("+" if international else "") + digits, region)
    except phonenumbers.NumberParseException:
        return digits, 0
    if phonenumbers.is_valid_number(number):
        # Drops a country code or trunk prefix: "14155550134" -> "4155550134".
        return str(phonenumbers.national_significant_number(number)), 2
    return digits, int(phonenumbers.is_possible_number(number))


# -- a second hearing ---------------------------------------------------------


#: the longest stretch decoded again around a number not heard whole, seconds
REHEAR_MAX_S = 15.0
#: how far before the number that stretch may start (the words leading to it), seconds
REHEAR_LEAD_S = 5.0
#: how far past the number's last word that stretch may run, seconds
NUMBER_TAIL_S = 1.0
#: the prompt for that second hearing: a number written in groups primes Whisper to write
#: every digit of one; its digits share no run with a real number's ("555", "0134")
NUMBER_PROMPT = "Call me at 212-867-4903."
PROMPT_DIGITS = "2128674903"


def rehear_numbers(
    transcript: Transcript, audio: np.ndarray, *, model: Transcriber, options: DecodeOptions
) -> Transcript:
    """Decode again, alone, each sentence whose phone number was not heard whole.

    ``base`` now and then drops or doubles a digit of a run like "five five
    five" ("415-550134"), and which window it does it in is chance.  When a
    number's length cannot be a phone number, the words leading to it in its
    sentence and the number (16 kHz ``audio``, from the end of the word
    before them to the start of the word after the number) are decoded once
    more on their own, primed with a number written in groups
    (:data:`NUMBER_PROMPT`: on the fixtures it turned "415-550134" and
    "415-5555-0134" into 415-555-0134, where decoding the same stretch
    again with the hotwords or another beam did not); the new words replace the old
    when they hold exactly one number that is whole.  Otherwise the
    transcript is kept as heard — the callback check then says what it
    heard, as uncertainty.
    """
    words = list(transcript.words)
    changed = False
    primed = replace(
        options, hotwords=None, extra={**options.extra, "initial_prompt": NUMBER_PROMPT}
    )
    for number in reversed(find_phone_numbers(words)):
        if heard_whole(number.digits):
            continue
        first, start, end = number_stretch(words, number, audio.size / SAMPLE_RATE)
        last = number.last_word
        if end - start > REHEAR_MAX_S:
            continue
        again = model.transcribe(
            audio[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)], options=primed
        )
        found = find_phone_numbers(again.words)
        if len(found) == 1 and heard_whole(found[0].digits) and found[0].digits != PROMPT_DIGITS:
            words[first : last + 1] = shift(again, start).words
            changed = True
    if not changed:
        return transcript
    return replace(transcript, text=" ".join(w.text for w in words), words=tuple(words))


def number_stretch(
    words: Sequence[Word], number: PhoneNumber, take_s: float
) -> tuple[int, float, float]:
    """The words leading to ``number`` in its sentence, and the stretch of sound to decode.

    From the sentence's start (at most :data:`REHEAR_LEAD_S` before the
    number) to the word after the number.  Returns the first word's index and
    the stretch's start and end, seconds (``take_s``: the take's length); the
    end is at most :data:`NUMBER_TAIL_S` after the number's last word.
    """
    first, _ = sentence_of(words, number.first_word, number.last_word)
    while first < number.first_word and number.start - words[first].start > REHEAR_LEAD_S:
        first += 1
    last = number.last_word
    start = words[first - 1].end if first else 0.0
    end = words[last + 1].start if last + 1 < len(words) else take_s
    # Not on into a long silence after the number: its sound is over by then.
    return first, start, min(end, words[last].end + NUMBER_TAIL_S)


def sentence_of(words: Sequence[Word], first: int, last: int) -> tuple[int, int]:
    """The word span of the sentence around ``words[first..last]`` (both inclusive)."""

    def ends(i: int) -> bool:
        text = words[i].text.rstrip("\"')”’")
        return text.endswith((".", "?", "!")) and not is_number_word(words[i].text)

    while first > 0 and not ends(first - 1):
        first -= 1
    while last + 1 < len(words) and not ends(last):
        last += 1
    return first, last
