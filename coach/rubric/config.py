"""The rubric file: loading the shipped ``default.toml`` with a team's overrides, validated.

Everything a rule compares against — thresholds, phrase patterns, weights —
comes from its :class:`CheckConfig` (its table in the rubric file), so a team
can tune the rubric without touching code.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from coach.errors import RubricError
from coach.paths import NotSettingsFile, read_settings
from coach.rubric.phrases import compile_phrase

#: the biggest number a rubric setting takes (thresholds, weights): beyond it, sums overflow
MAX_SETTING = 1e6


class CheckConfig:
    """One check's table from the rubric, with typed access for the rules."""

    def __init__(
        self,
        check_id: str,
        table: dict[str, Any],
        tables: dict[str, dict[str, Any]],
        lexicons: dict[str, list[str]] | None = None,
    ) -> None:
        self.id = check_id
        self._table = table
        self._tables = tables
        self._lexicons = lexicons or {}

    def sibling(self, check_id: str) -> CheckConfig:
        """Another check's settings, for a rule that builds on it (purpose reads hook's)."""
        return CheckConfig(check_id, self._tables[check_id], self._tables, self._lexicons)

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

    def patterns(self, key: str) -> list[Phrase]:
        """The phrase list ``key`` compiled (:mod:`coach.rubric.phrases`): whole words, any case."""
        return _compiled(f"{self.id}.{key}", tuple(self._table[key]), self._lexicons)


@dataclass(frozen=True)
class Phrase:
    """One compiled rubric phrase, and where it came from (for ``--explain``)."""

    regex: re.Pattern[str]
    source: str  # the phrase as written in the rubric
    key: str  # "purpose.patterns"


_PATTERN_CACHE: dict[tuple[object, ...], list[Phrase]] = {}


def _compiled(key: str, phrases: tuple[str, ...], lexicons: dict[str, list[str]]) -> list[Phrase]:
    cache_key = (key, phrases, tuple((k, tuple(v)) for k, v in sorted(lexicons.items())))
    cached = _PATTERN_CACHE.get(cache_key)
    if cached is None:
        cached = [
            Phrase(
                re.compile(rf"\b(?:{compile_phrase(p, lexicons, where=key)})\b", re.IGNORECASE),
                source,
                key,
            )
            for p, source in _expanded(phrases, lexicons)
        ]
        _PATTERN_CACHE[cache_key] = cached
    return cached


def _expanded(
    phrases: tuple[str, ...], lexicons: dict[str, list[str]], via: str = ""
) -> list[tuple[str, str]]:
    """A list whose entries are a bare ``{lexicon}`` opened into the lexicon's phrases.

    Matching is the same either way; ``--explain`` then names the very phrase
    that matched ("{did_you_get} did my {message} ...3 {arrived}"), not the lexicon.
    """
    out: list[tuple[str, str]] = []
    for p in phrases:
        name = p[1:-1] if p.startswith("{") and p.endswith("}") else ""
        if name in lexicons and f"{{{name}}}" not in via:
            out.extend(_expanded(tuple(lexicons[name]), lexicons, f"{via}{{{name}}} "))
        else:
            out.append((p, f"{via}{p}"))
    return out


@dataclass(frozen=True)
class Rubric:
    """A loaded, validated rubric: per-check tables plus scoring settings."""

    tables: dict[str, dict[str, Any]]
    points: dict[str, float]
    source: str
    #: shared phrase lists the checks refer to as ``{name}``
    lexicons: dict[str, list[str]] = field(default_factory=dict)
    #: score bands: the lowest score of green and of amber
    bands: dict[str, float] = field(default_factory=lambda: {"green": 85.0, "amber": 60.0})
    #: the highest score a take that breaks a hard rule of the guidance can get
    hard_rule_cap: float = 84.0

    def config(self, check_id: str) -> CheckConfig:
        return CheckConfig(check_id, self.tables[check_id], self.tables, self.lexicons)

    def weights(self) -> dict[str, float]:
        """Each check's weight in the score."""
        return {cid: float(table["weight"]) for cid, table in self.tables.items()}

    def enabled(self) -> list[str]:
        """Check ids to run, in report order."""
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
    if isinstance(default, list) and isinstance(value, dict):
        return _add_remove(where, default, value)
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
    key = where.rsplit(".", 1)[-1]
    if key in CHOICES and value not in CHOICES[key]:
        raise RubricError(f"{where} must be one of {', '.join(CHOICES[key])}, got {value!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise RubricError(f"{where} must be a finite number, got {value!r}")
        if value < 0:
            raise RubricError(f"{where} must not be negative, got {value!r}")
        if value > MAX_SETTING:
            raise RubricError(f"{where} must be at most {MAX_SETTING:g}, got {value!r}")
        if where.rsplit(": ", 1)[-1].startswith("score.") and value > 1:
            raise RubricError(f"{where} is a share of a check's weight: 0 to 1, got {value!r}")
    return value


def _add_remove(where: str, default: list[Any], change: dict[str, Any]) -> list[Any]:
    """A phrase list with a team's ``{add = [...], remove = [...]}`` applied."""
    unknown = set(change) - {"add", "remove"}
    if unknown:
        raise RubricError(
            f"{where} takes add = [...] and remove = [...], not {', '.join(sorted(unknown))}"
        )
    result = list(default)
    for phrase in change.get("remove", []):
        if phrase not in result:
            raise RubricError(f"{where}.remove: {phrase!r} is not in the list")
        result.remove(phrase)
    for phrase in change.get("add", []):
        if not isinstance(phrase, str) or not phrase.strip():
            raise RubricError(f"{where}.add has an empty or non-text phrase: {phrase!r}")
        if phrase not in result:
            result.append(phrase)
    if not result:
        raise RubricError(f"{where} would be empty — keep at least one phrase")
    return result


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
                if section == "lexicon" and key not in target:
                    # a team may name its own lexicons
                    target[key] = _validate_value(where, ["phrase"], value)
                    continue
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
            override = tomllib.loads(read_settings(p))
        except FileNotFoundError:
            raise RubricError(f"{p}: no such rubric file") from None
        except NotSettingsFile as exc:
            raise RubricError(f"{p} {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RubricError(f"{p}: cannot read the rubric ({exc})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise RubricError(f"{p}: not valid TOML ({exc})") from exc
        data = _merge(defaults, override, source)
    points = {status: float(data["score"][status]) for status in ("pass", "warn", "fail")}
    lexicons = {name: list(phrases) for name, phrases in data["lexicon"].items()}
    bands = {"green": float(data["score"]["green"]), "amber": float(data["score"]["amber"])}
    rubric = Rubric(
        tables=data["checks"],
        points=points,
        source=source,
        lexicons=lexicons,
        bands=bands,
        hard_rule_cap=float(data["score"]["hard_rule_cap"]),
    )
    _check_phrases(rubric)
    return rubric


def _check_phrases(rubric: Rubric) -> None:
    """Compile every phrase list once, so a bad phrase fails at load with its key."""
    for name, phrases in rubric.lexicons.items():
        for phrase in phrases:
            compile_phrase(phrase, rubric.lexicons, where=f"{rubric.source}: lexicon.{name}")
    for check_id, table in rubric.tables.items():
        for key, value in table.items():
            if key.endswith("patterns"):
                for phrase in value:
                    compile_phrase(
                        phrase, rubric.lexicons, where=f"{rubric.source}: checks.{check_id}.{key}"
                    )
