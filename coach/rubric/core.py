"""The rubric engine: what a check is, how rules are registered, loaded and scored.

A rule is a function ``(take, cfg) -> Check`` registered with :func:`rule`.
Everything a rule compares against — thresholds, phrase patterns, weights —
comes from its ``cfg`` (its table in the rubric file), so a team can tune the
rubric without touching code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from coach.context import Context
from coach.errors import RubricError
from coach.transcribe import Transcript, Word

if TYPE_CHECKING:
    from coach.acoustics import Acoustics
    from coach.numbers import PhoneNumber

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


@dataclass(frozen=True)
class Match:
    """A phrase pattern found in a take: the words it covers."""

    first: int
    last: int
    words: tuple[Word, ...]

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def evidence(self) -> Evidence:
        return Evidence.of_words(self.words)


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
    def _index(self) -> tuple[str, list[int]]:
        return indexed_text(self.transcript.words)

    @property
    def normalised_text(self) -> str:
        return self._index[0]

    def find(self, patterns: Iterable[re.Pattern[str]]) -> list[Match]:
        """Every match of any of ``patterns``, in order of time."""
        text, owner = self._index
        words = self.transcript.words
        found: dict[tuple[int, int], Match] = {}
        for pattern in patterns:
            for m in pattern.finditer(text):
                if m.end() <= m.start():
                    continue
                first, last = owner[m.start()], owner[m.end() - 1]
                found.setdefault((first, last), Match(first, last, words[first : last + 1]))
        return sorted(found.values(), key=lambda m: (m.first, m.last))

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


class CheckConfig:
    """One check's table from the rubric, with typed access for the rules."""

    def __init__(
        self, check_id: str, table: dict[str, Any], tables: dict[str, dict[str, Any]]
    ) -> None:
        self.id = check_id
        self._table = table
        self._tables = tables

    def sibling(self, check_id: str) -> CheckConfig:
        """Another check's settings, for a rule that builds on it (purpose reads hook's)."""
        return CheckConfig(check_id, self._tables[check_id], self._tables)

    @property
    def weight(self) -> float:
        return float(self._table["weight"])

    def num(self, key: str) -> float:
        return float(self._table[key])

    def text(self, key: str) -> str:
        return str(self._table[key])

    def flag(self, key: str) -> bool:
        return bool(self._table[key])

    def strings(self, key: str) -> list[str]:
        return list(self._table[key])

    def patterns(self, key: str) -> list[re.Pattern[str]]:
        """The phrase list ``key`` compiled; phrases match whole words, any case."""
        return _compiled(tuple(self._table[key]))


_PATTERN_CACHE: dict[tuple[str, ...], list[re.Pattern[str]]] = {}


def _compiled(phrases: tuple[str, ...]) -> list[re.Pattern[str]]:
    cached = _PATTERN_CACHE.get(phrases)
    if cached is None:
        cached = [re.compile(rf"\b(?:{p})\b", re.IGNORECASE) for p in phrases]
        _PATTERN_CACHE[phrases] = cached
    return cached


RuleFn = Callable[[Take, CheckConfig], Check]
#: registered rules, in the order checks are reported
RULES: dict[str, RuleFn] = {}


def rule(check_id: str) -> Callable[[RuleFn], RuleFn]:
    """Register ``fn`` as the rule for ``check_id`` (its table in the rubric)."""

    def register(fn: RuleFn) -> RuleFn:
        RULES[check_id] = fn
        return fn

    return register


def rule_for(check_id: str) -> RuleFn:
    """The rule function registered for ``check_id``."""
    _load_rules()
    return RULES[check_id]


def _load_rules() -> None:
    # Importing the rule modules registers their functions.
    from coach.rubric import (  # noqa: F401
        rules_content,
        rules_delivery,
        rules_number,
        rules_touch,
    )


@dataclass(frozen=True)
class Rubric:
    """A loaded, validated rubric: per-check tables plus scoring settings."""

    tables: dict[str, dict[str, Any]]
    points: dict[str, float]
    source: str

    def config(self, check_id: str) -> CheckConfig:
        return CheckConfig(check_id, self.tables[check_id], self.tables)

    def weights(self) -> dict[str, float]:
        """Each check's weight in the score."""
        return {cid: float(table["weight"]) for cid, table in self.tables.items()}

    def enabled(self) -> list[str]:
        """Check ids to run, in report order."""
        _load_rules()
        return [cid for cid, table in self.tables.items() if table.get("enabled", True)]


def _default_text() -> str:
    return resources.files("coach.rubric").joinpath("default.toml").read_text(encoding="utf-8")


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list of phrases"
    return type(value).__name__


#: settings that take one of a few words
CHOICES = {"preferred": ("callback", "email", "either")}


def _validate_value(where: str, default: Any, value: Any) -> Any:
    if isinstance(default, bool) != isinstance(value, bool) or _type_name(default) != _type_name(
        value
    ):
        raise RubricError(f"{where} must be {_type_name(default)}, got {value!r}")
    if isinstance(value, list):
        if not value:
            raise RubricError(f"{where} is an empty list — give at least one phrase")
        for phrase in value:
            if not isinstance(phrase, str) or not phrase.strip():
                raise RubricError(f"{where} has an empty or non-text pattern: {phrase!r}")
            try:
                re.compile(phrase)
            except re.error as exc:
                raise RubricError(f"{where} pattern {phrase!r} is not valid: {exc}") from exc
    key = where.rsplit(".", 1)[-1]
    if key in CHOICES and value not in CHOICES[key]:
        raise RubricError(f"{where} must be one of {', '.join(CHOICES[key])}, got {value!r}")
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        raise RubricError(f"{where} must not be negative, got {value!r}")
    return value


def _merge(defaults: dict[str, Any], override: dict[str, Any], source: str) -> dict[str, Any]:
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in defaults.items()}
    for section, body in override.items():
        if section not in defaults:
            raise RubricError(
                f"{source}: unknown section [{section}] — expected one of "
                f"{', '.join(sorted(defaults))}"
            )
        if not isinstance(body, dict):
            raise RubricError(f"{source}: [{section}] must be a table")
        if section == "checks":
            for check_id, table in body.items():
                if check_id not in defaults["checks"]:
                    raise RubricError(
                        f"{source}: unknown check id {check_id!r} — valid ids: "
                        f"{', '.join(defaults['checks'])}"
                    )
                if not isinstance(table, dict):
                    raise RubricError(f"{source}: checks.{check_id} must be a table")
                target = dict(merged["checks"][check_id])
                for key, value in table.items():
                    where = f"{source}: checks.{check_id}.{key}"
                    if key not in target:
                        raise RubricError(
                            f"{where} is not a setting of this check — valid keys: "
                            f"{', '.join(target)}"
                        )
                    target[key] = _validate_value(where, target[key], value)
                merged["checks"] = {**merged["checks"], check_id: target}
        else:
            target = dict(merged[section])
            for key, value in body.items():
                where = f"{source}: {section}.{key}"
                if key not in target:
                    raise RubricError(f"{where} is unknown — valid keys: {', '.join(target)}")
                target[key] = _validate_value(where, target[key], value)
            merged[section] = target
    return merged


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Load the shipped rubric, with a team's overrides from ``path`` on top.

    The override file only lists what it changes; every key it names must
    exist in the shipped rubric and have the same type.

    Raises
    ------
    RubricError
        Unreadable file, bad TOML, unknown check id or key, wrong type,
        empty or invalid pattern — the message names the key and the reason.
    """
    defaults = tomllib.loads(_default_text())
    data = defaults
    source = "default"
    if path is not None:
        p = Path(path)
        source = str(p)
        try:
            override = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RubricError(f"{p}: no such rubric file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RubricError(f"{p}: cannot read the rubric ({exc})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise RubricError(f"{p}: not valid TOML ({exc})") from exc
        data = _merge(defaults, override, source)
    points = {status: float(data["score"][status]) for status in ("pass", "warn", "fail")}
    return Rubric(tables=data["checks"], points=points, source=source)


def judge(take: Take, rubric: Rubric) -> list[Check]:
    """Run every enabled rule on ``take``; return the checks in report order."""
    return [rule_for(cid)(take, rubric.config(cid)) for cid in rubric.enabled()]


def score(checks: Sequence[Check], rubric: Rubric) -> int:
    """Weighted score 0–100 over the checks that ran (``skip`` counts for nothing)."""
    return weighted_score(checks, rubric.weights(), rubric.points)


def weighted_score(
    checks: Sequence[Check], weights: Mapping[str, float], points: Mapping[str, float]
) -> int:
    """:func:`score` from the weights alone (how a saved take is re-scored after review)."""
    total = earned = 0.0
    for check in checks:
        if check.status == "skip":
            continue
        weight = weights.get(check.id, 0.0)
        total += weight
        earned += weight * points[check.status]
    return round(100 * earned / total) if total else 0


def feedback(
    checks: Sequence[Check], rubric: Rubric, *, top: int = 3
) -> tuple[list[str], list[str]]:
    """The top ``top`` fixes (fails before warns, heavier checks first) and the strengths."""
    return weighted_feedback(checks, rubric.weights(), top=top)


def weighted_feedback(
    checks: Sequence[Check], weights: Mapping[str, float], *, top: int = 3
) -> tuple[list[str], list[str]]:
    """:func:`feedback` from the weights alone."""
    severity = {"fail": 0, "warn": 1}
    problems = sorted(
        (c for c in checks if c.status in severity),
        key=lambda c: (severity[c.status], -weights.get(c.id, 0.0)),
    )
    fixes = [c.advice or c.message for c in problems[:top]]
    passed = sorted(
        (c for c in checks if c.status == "pass"), key=lambda c: -weights.get(c.id, 0.0)
    )
    return fixes, [c.message for c in passed]


def clock(seconds: float) -> str:
    """``12.4`` -> ``"0:12"``: times as a rep reads them on a player."""
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"
