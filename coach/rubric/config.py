"""The rubric file: loading the shipped ``default.toml`` with a team's overrides, validated.

Everything a rule compares against — thresholds, phrase patterns, weights —
comes from its :class:`CheckConfig` (its table in the rubric file), so a team
can tune the rubric without touching code.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from coach.errors import RubricError
from coach.paths import NotSettingsFile, read_settings

#: the biggest number a rubric setting takes (thresholds, weights): beyond it, sums overflow
MAX_SETTING = 1e6


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
    return Rubric(tables=data["checks"], points=points, source=source)
