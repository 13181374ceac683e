"""Rehearsing a card's reference script: script vs. take, and take vs. take.

``coach rehearse`` (issue 5, item 4) has a rep record takes of a scenario
card's reference script.  :func:`compare_script` shows how closely a take
followed the script — overall word similarity, which of the five voicemail
elements (name, company, reason, number, closing line) were kept, dropped or
ad-libbed, and the notable words left out or added.  :func:`compare_takes` and
:func:`best_take` follow the scores and checks from one take to the next.

Everything here is a pure function over transcripts, cards and reports; the
elements are found the same way the rubric finds them (fuzzy names, the
``purpose`` patterns, phone numbers within a couple of digits), so what this
module calls "kept" the rubric would also credit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from coach.practice.cards import Card
from coach.report import Report
from coach.rubric.checks import Match, Status, Take
from coach.rubric.config import Rubric, load_rubric
from coach.rubric.matchers import indexed_text, name_forms, normalise
from coach.speech.numbers import PhoneNumber, digit_distance, find_phone_numbers, normalize_number
from coach.speech.transcribe import Transcript

__all__ = [
    "ELEMENTS",
    "ElementResult",
    "Replay",
    "ScriptComparison",
    "TakeDelta",
    "best_take",
    "compare_script",
    "compare_takes",
]

Element = Literal["name", "company", "reason", "number", "closing line"]
ElementStatus = Literal["kept", "dropped", "ad-libbed", "absent"]

#: the elements compared, in display order
ELEMENTS: tuple[Element, ...] = ("name", "company", "reason", "number", "closing line")
#: how much a status needs the rep's attention; higher is shown first
SEVERITY: dict[ElementStatus, int] = {"dropped": 3, "ad-libbed": 2, "kept": 1, "absent": 0}
#: a number counts as the rep's own when at most this many digits differ
NUMBER_TOLERANCE = 2
#: the closing line counts as said when it matches the take's end this well (0–100)
CLOSING_MIN_RATIO = 75.0
#: how many of the take's last words the closing line is looked for in
CLOSING_TAIL_WORDS = 25
#: a word counts as said when a word of the other text matches it this well (0–100)
WORD_MIN_RATIO = 85.0

#: words that carry no content of their own: never "missing" or "extra"
_FUNCTION_WORDS = """
    a an the and or but so if then than that this these those there here it its it's
    i i'm i'd i'll i've me my mine we we're we've we'll us our you you're you'll you've
    your yours he she they them their is am are was were be been being do does did
    have has had will would can could should may might must shall to of in on at by
    for with from about as into over under up down out off just also too very really
    not no yes yeah oh uh um uhm er ah hmm well like okay ok hi hello hey again
    what which who whom when where why how all any some each more most other such
    because only own same can't don't won't isn't aren't that's what's let's get got go going
"""
_STOPWORDS = frozenset(_FUNCTION_WORDS.split())


@dataclass(frozen=True)
class ElementResult:
    """Whether one voicemail element was in the script, in the take, or both.

    Attributes
    ----------
    element : str
        ``"name"``, ``"company"``, ``"reason"``, ``"number"`` or ``"closing line"``.
    in_script, in_take : bool
        Whether the element was found in the script / in the take.  The closing
        line is only looked for in a take when the script has one.
    status : str
        ``"kept"`` (both), ``"dropped"`` (script only), ``"ad-libbed"`` (take
        only; never for the closing line) or ``"absent"`` (neither).
    evidence : str
        The take's words that carry the element; the script's words when it was
        dropped; ``""`` when absent.
    """

    element: Element
    in_script: bool
    in_take: bool
    status: ElementStatus
    evidence: str


@dataclass(frozen=True)
class ScriptComparison:
    """How a take followed the reference script.

    Attributes
    ----------
    similarity : float
        0–100: word-level similarity of the normalised texts (rapidfuzz Indel
        ratio over word sequences, so order counts); 100 is verbatim.
    elements : tuple of ElementResult
        One per element, in :data:`ELEMENTS` order.
    missing_words : tuple of str
        Notable script words (not function words, not the phone number) that
        were not said, normalised, in script order, each once.
    extra_words : tuple of str
        Notable words said that are not in the script, in take order, each once.
    """

    similarity: float
    elements: tuple[ElementResult, ...]
    missing_words: tuple[str, ...]
    extra_words: tuple[str, ...]

    @property
    def by_severity(self) -> tuple[ElementResult, ...]:
        """The elements for display: dropped, then ad-libbed, kept, absent."""
        return tuple(sorted(self.elements, key=lambda e: -SEVERITY[e.status]))

    def element(self, name: Element) -> ElementResult:
        """The result for element ``name`` (``"number"``, …)."""
        for result in self.elements:
            if result.element == name:
                return result
        raise KeyError(f"unknown element {name!r} — expected one of {', '.join(ELEMENTS)}")


@dataclass(frozen=True)
class TakeDelta:
    """One take compared with the takes before it.

    Attributes
    ----------
    number : int
        1-based take number.
    score : int
        The take's score, 0–100.
    best_so_far : int
        The best score among takes ``1..number``.
    is_best : bool
        Whether this is the best take of the whole sequence (the one
        :func:`best_take` picks); exactly one take is.
    improved, slipped : tuple of str
        Check ids whose status got better / worse than in the previous take
        (``fail`` < ``warn`` < ``pass``; a ``skip`` on either side is neither).
    """

    number: int
    score: int
    best_so_far: int
    is_best: bool
    improved: tuple[str, ...]
    slipped: tuple[str, ...]


def compare_script(
    script: str, transcript: Transcript, card: Card, *, rubric: Rubric | None = None
) -> ScriptComparison:
    """Compare a take with the reference script it was a reading of.

    Parameters
    ----------
    script : str
        The reference script (usually ``card.brief.script``).
    transcript : Transcript
        What the rep said; may be empty (nothing heard).
    card : Card
        The scenario card: its rep's name, company and phone are what the
        name, company and number elements look for.
    rubric : Rubric, optional
        Where the ``purpose`` patterns and the name-matching ratio come from;
        the shipped rubric when not given.

    Returns
    -------
    ScriptComparison

    Raises
    ------
    ValueError
        If ``script`` has no words (a card without a reference script).
    """
    if not script.strip():
        raise ValueError(
            f"script is empty ({script!r}) — give the card's reference script "
            "([brief] script = ...) to compare a take with"
        )
    rubric = load_rubric() if rubric is None else rubric
    context = card.context()
    written = _take(Transcript.from_text(script, wpm=context.target_wpm), card)
    spoken = _take(transcript, card)

    elements = [
        _element(what, _found(what, written, rubric), _found(what, spoken, rubric))
        for what in ELEMENTS[:-1]
    ]
    elements.append(_closing(script, spoken))

    script_tokens = _tokens(written)
    take_tokens = _tokens(spoken)
    similarity = _similarity([t for t, _ in script_tokens], [t for t, _ in take_tokens])
    return ScriptComparison(
        similarity=similarity,
        elements=tuple(elements),
        missing_words=_unmatched(script_tokens, take_tokens, skip=_element_words(written, rubric)),
        extra_words=_unmatched(take_tokens, script_tokens, skip=_element_words(spoken, rubric)),
    )


def compare_takes(reports: Sequence[Report]) -> list[TakeDelta]:
    """Follow a series of takes: score, best so far, checks that improved or slipped.

    Parameters
    ----------
    reports : sequence of Report
        The takes' reports, first take first.

    Returns
    -------
    list of TakeDelta
        One per take, in order; empty for no takes.  The first take has
        nothing to improve on, so its ``improved``/``slipped`` are empty.
    """
    if not reports:
        return []
    best = best_take(reports)
    deltas: list[TakeDelta] = []
    best_so_far = reports[0].score
    previous: dict[str, Status] = {}
    for index, report in enumerate(reports):
        best_so_far = max(best_so_far, report.score)
        improved: list[str] = []
        slipped: list[str] = []
        for check in report.checks:
            before = previous.get(check.id)
            if before is None or "skip" in (before, check.status):
                continue
            change = _RANK[check.status] - _RANK[before]
            if change > 0:
                improved.append(check.id)
            elif change < 0:
                slipped.append(check.id)
        deltas.append(
            TakeDelta(
                number=index + 1,
                score=report.score,
                best_so_far=best_so_far,
                is_best=index == best,
                improved=tuple(improved),
                slipped=tuple(slipped),
            )
        )
        previous = {c.id: c.status for c in report.checks}
    return deltas


def best_take(reports: Sequence[Report]) -> int:
    """Index (0-based) of the best take: the highest score, the later take on a tie.

    A later take wins a tie because it is the rep's more practised reading.

    Raises
    ------
    ValueError
        If ``reports`` is empty.
    """
    if not reports:
        raise ValueError("no takes to compare — record at least one take first")
    return max(range(len(reports)), key=lambda i: (reports[i].score, i))


@dataclass(frozen=True)
class Replay:
    """The rep asked to hear a take again: ``take`` is its index (0-based)."""

    take: int


def parse_choice(answer: str | None, *, takes: int) -> int | str | Replay:
    """What the rep typed after a take: "retake", "quit", the take to keep (0-based),
    a take to hear again (:class:`Replay`), or "again".

    Enter retakes; ``q`` (or end of input) quits, keeping the best take;
    ``k`` keeps the best-scoring take; ``k N`` keeps take N (1 to ``takes``);
    ``p`` plays the last take back, ``p N`` take N.  Anything else, or a take
    that does not exist, is "again": ask again.
    """
    if answer is None:
        return "quit"
    answer = answer.strip().lower()
    if answer == "":
        return "retake"
    if answer in ("q", "quit"):
        return "quit"
    if answer in ("k", "keep"):
        return "best"
    if answer in ("p", "play"):
        return Replay(takes - 1)
    head, _, rest = answer.partition(" ")
    for letter, word in (("k", "keep"), ("p", "play")):
        if head in (letter, word):
            number = rest.strip()
        elif answer[:1] == letter:
            number = answer[1:]
        else:
            continue
        if number.isdigit() and 1 <= int(number) <= takes:
            return int(number) - 1 if letter == "k" else Replay(int(number) - 1)
        return "again"
    return "again"


def kept_line(reports: Sequence[Report], chosen: int, *, chosen_by_rep: bool) -> str:
    """One line saying which take is kept and why: "Kept take 2 (94/100), the best of 3 …"."""
    take = reports[chosen]
    if len(reports) == 1:
        why = ""
    elif chosen_by_rep:
        best = best_take(reports)
        why = (
            f", the best of {len(reports)}"
            if best == chosen
            else f", as you chose (take {best + 1} scored {reports[best].score})"
        )
    else:
        why = f", the best of {len(reports)}"
    return f"Kept take {chosen + 1} ({take.score}/100){why} — {take.source}"


_RANK: dict[Status, int] = {"fail": 0, "warn": 1, "pass": 2}


def _take(transcript: Transcript, card: Card) -> Take:
    numbers = tuple(find_phone_numbers(transcript.words))
    return Take(transcript, None, numbers, card.context())


def _found(what: Element, take: Take, rubric: Rubric) -> str | None:
    """The words carrying element ``what`` in ``take``, or ``None`` when it is not there."""
    if what == "number":
        number = _rep_number(take.numbers, take.context.rep.phone)
        return None if number is None else number.text
    if what == "reason":
        purpose = rubric.config("purpose")
        matches = take.find([*purpose.patterns("reason_patterns"), *purpose.patterns("patterns")])
    elif what == "name" or what == "company":
        matches = _names(what, take, rubric)
    else:
        return None
    return matches[0].evidence.text if matches else None


def _names(what: Literal["name", "company"], take: Take, rubric: Rubric) -> list[Match]:
    """Where the rep's name or company is said, matched as the identity rule does."""
    rep = take.context.rep
    ratio = rubric.config("identity").num("min_ratio")
    name, first_word_min = (rep.name, 2) if what == "name" else (rep.company, 5)
    if not name:
        return []
    forms = name_forms(name, first_word_min=first_word_min)
    return [
        _trimmed(m, forms)
        for m in take.find_name(name, min_ratio=ratio, first_word_min=first_word_min)
    ]


def _trimmed(match: Match, forms: list[str]) -> Match:
    """``match`` without edge words the name does not need.

    :meth:`Take.find_name` tries three words first, so a neighbour often rides
    along ("is Chris Walker", "Northwind Logistics, call"); an edge word goes
    when the name matches strictly better without it.
    """
    from rapidfuzz import fuzz

    def fit(m: Match) -> float:
        joined = "".join(normalise(w.text).replace(" ", "") for w in m.words)
        return max(fuzz.ratio(joined, form) for form in forms)

    best = fit(match)
    while len(match.words) > 1:
        shorter = [
            Match(match.first + 1, match.last, match.words[1:]),
            Match(match.first, match.last - 1, match.words[:-1]),
        ]
        candidate = max(shorter, key=fit)
        if fit(candidate) <= best:
            break
        match, best = candidate, fit(candidate)
    return match


def _element_words(take: Take, rubric: Rubric) -> set[int]:
    """Indices of the words carrying the rep's name, company or a phone number.

    These are reported as elements; as words they would only repeat that, and
    Whisper's respellings ("Kris" for "Chris") would show up as changed words.
    """
    words = take.number_words()
    for what in ("name", "company"):
        for match in _names(what, take, rubric):
            words.update(range(match.first, match.last + 1))
    return words


def _rep_number(numbers: Iterable[PhoneNumber], phone: str) -> PhoneNumber | None:
    """The first number that is the rep's (any number when the rep's is unknown)."""
    try:
        expected = normalize_number(phone) if phone else ""
    except ValueError:
        # A card's phone the parser rejects: compare with its digits as written.
        expected = re.sub(r"\D", "", phone)
    for number in numbers:
        if not expected or digit_distance(number.digits, expected) <= NUMBER_TOLERANCE:
            return number
    return None


def _element(what: Element, in_script: str | None, in_take: str | None) -> ElementResult:
    status: ElementStatus
    if in_script is not None and in_take is not None:
        status, evidence = "kept", in_take
    elif in_script is not None:
        status, evidence = "dropped", in_script
    elif in_take is not None:
        status, evidence = "ad-libbed", in_take
    else:
        status, evidence = "absent", ""
    return ElementResult(what, in_script is not None, in_take is not None, status, evidence)


def _closing(script: str, spoken: Take) -> ElementResult:
    """The script's last sentence, looked for among the take's last words."""
    from rapidfuzz import fuzz

    sentences = [s for s in re.split(r"(?<=[.!?])\s+", script.strip()) if normalise(s)]
    if not sentences:
        return _element("closing line", None, None)
    closing = sentences[-1].strip()
    wanted = normalise(closing)
    words = spoken.transcript.words
    tail = words[-max(CLOSING_TAIL_WORDS, len(wanted.split())) :] if words else ()
    text, owner = indexed_text(tail)
    said: str | None = None
    if text:
        found = fuzz.partial_ratio_alignment(wanted, text, score_cutoff=CLOSING_MIN_RATIO)
        if found is not None and found.dest_end > found.dest_start:
            first, last = owner[found.dest_start], owner[found.dest_end - 1]
            said = " ".join(w.text for w in tail[first : last + 1])
    return _element("closing line", closing, said)


def _tokens(take: Take) -> list[tuple[str, int]]:
    """Normalised word tokens with the index of the word each came from.

    Thousands separators are dropped first so ``"2,000"`` stays one token.
    """
    out: list[tuple[str, int]] = []
    for i, word in enumerate(take.transcript.words):
        text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", word.text)
        out.extend((token, i) for token in normalise(text).split())
    return out


def _similarity(script: list[str], take: list[str]) -> float:
    from rapidfuzz import fuzz

    if not script or not take:
        return 0.0
    return round(float(fuzz.ratio(script, take)), 1)


def _notable(token: str) -> bool:
    return token not in _STOPWORDS and (len(token) >= 3 or token.isdigit())


def _unmatched(
    tokens: list[tuple[str, int]], others: list[tuple[str, int]], *, skip: set[int]
) -> tuple[str, ...]:
    """Notable tokens (outside the words in ``skip``) that the other text does not have.

    A token matches a word of the other text, fuzzily (Whisper's "Kris" for
    "Chris"), or two adjacent words joined ("North Wind" for "Northwind"); two
    adjacent tokens that together match one word of the other text are matched
    too.
    """
    from rapidfuzz import fuzz, process

    other = [t for t, _ in others]
    vocabulary = set(other) | {a + b for a, b in pairwise(other)}
    choices = sorted(vocabulary)

    def known(token: str) -> bool:
        if token in vocabulary:
            return True
        if len(token) < 4 or not choices:
            return False
        return (
            process.extractOne(token, choices, scorer=fuzz.ratio, score_cutoff=WORD_MIN_RATIO)
            is not None
        )

    words = [t for t, _ in tokens]
    matched = [known(t) for t in words]
    for i in range(len(words) - 1):
        # Only two words neither of which matched alone: "5 hours" must not hide a missing "5".
        if not (matched[i] or matched[i + 1]) and known(words[i] + words[i + 1]):
            matched[i] = matched[i + 1] = True
    out: dict[str, None] = {}
    for (token, word), hit in zip(tokens, matched, strict=True):
        if not hit and word not in skip and _notable(token):
            out.setdefault(token, None)
    return tuple(out)
