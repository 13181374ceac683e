"""The blind corpus (``tests/blind/``) is well formed.

Only its shape is tested here, never the rubric's agreement with it: the
labels were written blind and the rubric is tuned on the dev half later
(``python -m bench --only blind`` reports the agreement).  ``test.toml`` is
frozen: never tune on it, never move a case between the halves.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bench.blind import CHECKS as BENCH_CHECKS

BLIND = Path(__file__).parent / "blind"
HALVES = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "test")
CHECKS = set(BENCH_CHECKS)  # the text checks the blind labels cover, one list
STATUSES = {"pass", "warn", "fail"}
STYLES = {"written", "casual", "regional", "transcript", "paraphrase", "near-miss"}
SCENARIO_KEYS = {
    "rep": {"name", "company", "phone", "email"},
    "prospect": {"name", "title", "company", "situation"},
    "offer": {"value", "proof"},
}


def _load(half: str) -> dict[str, Any]:
    with (BLIND / f"{half}.toml").open("rb") as fh:
        return tomllib.load(fh)


DATA = {half: _load(half) for half in HALVES}
CASES = {half: DATA[half]["case"] for half in HALVES}


def test_sizes() -> None:
    assert sum(len(cases) for cases in CASES.values()) >= 150
    for half in ("dev", "test"):  # the two halves of the first corpus (issue 13: >= 150)
        assert len(CASES[half]) >= 75, half
    for half in HALVES:
        assert len(CASES[half]) >= 50, half  # a later dev file is a sample, not a half


def test_ids_are_unique_across_halves() -> None:
    ids = [c["id"] for half in HALVES for c in CASES[half]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("half", HALVES)
def test_every_touch_and_style_in_each_half(half: str) -> None:
    assert {c["touch"] for c in CASES[half]} == {1, 2, 3, 4}
    assert {c["style"] for c in CASES[half]} == STYLES


@pytest.mark.parametrize("half", HALVES)
def test_defaults_give_a_whole_scenario(half: str) -> None:
    defaults = DATA[half]["defaults"]
    for key, fields in SCENARIO_KEYS.items():
        assert set(defaults[key]) == fields, (half, key)


@pytest.mark.parametrize("half", HALVES)
def test_every_case_is_complete(half: str) -> None:
    problems = []
    for case in CASES[half]:
        cid = case.get("id", "?")
        if not {"id", "touch", "style", "why", "text", "expect"} <= set(case):
            problems.append(f"{cid}: missing keys")
            continue
        if not case["text"].strip() or not case["why"].strip():
            problems.append(f"{cid}: empty text or why")
        for key, fields in SCENARIO_KEYS.items():
            if key in case and set(case[key]) != fields:
                problems.append(f"{cid}: {key} override has {sorted(case[key])}")
        expect = case["expect"]
        if set(expect) != CHECKS:
            problems.append(f"{cid}: labels {sorted(set(expect) ^ CHECKS)} missing or extra")
        for check, want in expect.items():
            accepted = want if isinstance(want, list) else [want]
            if not accepted or not set(accepted) <= STATUSES or len(set(accepted)) != len(accepted):
                problems.append(f"{cid}: {check} = {want!r}")
    assert not problems, problems
