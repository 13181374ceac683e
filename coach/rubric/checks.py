"""What a rule looks at and what it returns: the take, its matches, the checks.

A rule is a function ``(take, cfg) -> Check``: it reads a :class:`Take` (the
transcript, the acoustics, the numbers, the context), finds phrases and names
in it as :class:`Match` es, and returns a :class:`Check` with its
:class:`Evidence` — the words and when they were said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from coach.context import Context
from coach.rubric.matchers import indexed_text, name_forms, normalise
from coach.speech.transcribe import Transcript, Word

if TYPE_CHECKING:
    from coach.rubric.config import Phrase
    from coach.speech.acoustics import Acoustics
    from coach.speech.fillers import FilledPause
    from coach.speech.numbers import PhoneNumber

Status = Literal["pass", "warn", "fail", "skip"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "skip")


@dataclass(frozen=True)
class Evidence:
    """What a finding points at: the words, and where they are.

    ``start``/``end`` are seconds into the take (for a written script, the
    estimate at the rep's pace); ``chars`` is the character span in a script.
    """

    text: str
    start: float | None = None
    end: float | None = None
    chars: tuple[int, int] | None = None
    #: the rubric phrase that found it, e.g. ``purpose.patterns: calling (because|about)``
    #: (shown by ``--explain``; not part of the report JSON)
    phrase: str = field(default="", compare=False)

    @classmethod
    def of_words(cls, words: Sequence[Word]) -> Evidence:
        """Evidence covering ``words`` (consecutive, non-empty)."""
        first, last = words[0], words[-1]
        chars = (first.chars[0], last.chars[1]) if first.chars and last.chars else None
        return cls(" ".join(w.text for w in words), first.start, last.end, chars)


@dataclass(frozen=True)
class Check:
    """One rule's verdict on a take."""

    id: str
    status: Status
    message: str
    advice: str = ""
    evidence: tuple[Evidence, ...] = ()
    #: the hard rule of the field guidance this ``fail`` breaks ("a 4th voicemail"), if
    #: any: a take that breaks one is never scored green (see :func:`~coach.rubric.engine.score`)
    hard_rule: str = ""


@dataclass(frozen=True)
class Match:
    """A phrase pattern found in a take: the words it covers."""

    first: int
    last: int
    words: tuple[Word, ...]
    #: the rubric phrase that matched (``key: phrase``), for ``--explain``
    phrase: str = ""

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def evidence(self) -> Evidence:
        return replace(Evidence.of_words(self.words), phrase=self.phrase)


@dataclass(frozen=True)
class Take:
    """Everything the rules look at for one take.

    Attributes
    ----------
    transcript : Transcript
        What was said (or written, for ``coach check``).
    acoustics : Acoustics or None
        How it sounded; ``None`` for a written script.
    numbers : tuple of PhoneNumber
        Phone numbers found in the transcript, in order.
    context : Context
        Rep, prospect, touch.
    """

    transcript: Transcript
    acoustics: Acoustics | None
    numbers: tuple[PhoneNumber, ...]
    context: Context = field(default_factory=Context)

    @property
    def is_script(self) -> bool:
        return self.acoustics is None

    @property
    def duration_s(self) -> float:
        if self.acoustics is not None:
            return self.acoustics.duration_s
        words = self.transcript.words
        return words[-1].end if words else 0.0

    @cached_property
    def filled_pauses(self) -> tuple[FilledPause, ...]:
        """Hesitations ("um", "uh") heard in the audio where the transcript has no word."""
        from coach.speech.fillers import filled_pauses

        if self.acoustics is None:
            return ()
        return filled_pauses(self.acoustics.voiced_runs, self.transcript.words)

    @cached_property
    def _index(self) -> tuple[str, list[int]]:
        return indexed_text(self.transcript.words)

    @property
    def normalised_text(self) -> str:
        return self._index[0]

    def find(self, patterns: Iterable[Phrase | re.Pattern[str]]) -> list[Match]:
        """Every match of any of ``patterns``, in order of time."""
        text, owner = self._index
        words = self.transcript.words
        found: dict[tuple[int, int], Match] = {}
        for pattern in patterns:
            regex, label = (
                (pattern, "")
                if isinstance(pattern, re.Pattern)
                else (pattern.regex, f"{pattern.key}: {pattern.source}")
            )
            for m in regex.finditer(text):
                if m.end() <= m.start():
                    continue
                first, last = owner[m.start()], owner[m.end() - 1]
                found.setdefault((first, last), Match(first, last, words[first : last + 1], label))
        return sorted(found.values(), key=lambda m: (m.first, m.last))

    def find_except(
        self,
        patterns: Iterable[Phrase | re.Pattern[str]],
        unless: Iterable[Phrase | re.Pattern[str]],
    ) -> list[Match]:
        """:meth:`find` ``patterns``, dropping matches that overlap one of ``unless``.

        How "call me back" is not an ask inside "don't call me back unless…".
        """
        blocked = {i for m in self.find(unless) for i in range(m.first, m.last + 1)}
        return [
            m for m in self.find(patterns) if not blocked.intersection(range(m.first, m.last + 1))
        ]

    def find_name(self, name: str, *, min_ratio: float, first_word_min: int = 2) -> list[Match]:
        """Where ``name`` (a person or company) is said, matched fuzzily.

        Whisper splits and respells names ("North Wind" for "Northwind", "Kris"
        for "Chris"), so 1–3 consecutive words are joined without spaces and
        compared with :func:`rapidfuzz.fuzz.ratio` against the name's forms
        (the whole name, its first two words, a distinctive first word).
        """
        from rapidfuzz import fuzz

        forms = name_forms(name, first_word_min=first_word_min)
        if not forms:
            return []
        words = self.transcript.words
        tokens = [normalise(w.text).replace(" ", "") for w in words]
        found: dict[int, Match] = {}
        for i in range(len(tokens)):
            if not tokens[i]:
                continue
            for span in (3, 2, 1):
                if i + span > len(tokens):
                    continue
                joined = "".join(tokens[i : i + span])
                if any(fuzz.ratio(joined, form) >= min_ratio for form in forms):
                    found.setdefault(i, Match(i, i + span - 1, words[i : i + span]))
                    break
        return sorted(found.values(), key=lambda m: m.first)

    @property
    def begin_s(self) -> float:
        """When the first word starts (seconds)."""
        words = self.transcript.words
        return words[0].start if words else 0.0

    @property
    def end_s(self) -> float:
        """When the last word ends (seconds)."""
        words = self.transcript.words
        return words[-1].end if words else self.duration_s

    def early(self, matches: Iterable[Match], within_s: float) -> list[Match]:
        """The matches that start within ``within_s`` seconds of the first word."""
        return [m for m in matches if m.start < self.begin_s + within_s]

    def number_words(self) -> set[int]:
        """Indices of the words that carry a phone number."""
        return {i for n in self.numbers for i in range(n.first_word, n.last_word + 1)}

    def around(self, match: Match, words: int = 3) -> Evidence:
        """Evidence for ``match`` with up to ``words`` words of context either side."""
        all_words = self.transcript.words
        lo, hi = max(0, match.first - words), min(len(all_words), match.last + words + 1)
        return Evidence.of_words(all_words[lo:hi])

    def words_between(self, start_s: float, end_s: float) -> tuple[Word, ...]:
        """Words that start within ``[start_s, end_s)`` seconds."""
        return tuple(w for w in self.transcript.words if start_s <= w.start < end_s)


def clock(seconds: float) -> str:
    """``12.4`` -> ``"0:12"``: times as a rep reads them on a player."""
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
