"""Calibrated scores (#13): bands, and no green for a take that breaks a hard rule.

Bands (README "Scores"): green ≥ 85, amber 60–84, red < 60.  A hard rule of the
field guidance (a 4th voicemail, no callback number, a number that is not the
rep's, a "did you get my…" opener, no reason given) caps the score at 84.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from coach.context import Context, Offer, Prospect, Rep
from coach.pipeline import check_script
from coach.report import report_from_json, to_json
from coach.rubric.config import load_rubric
from coach.rubric.engine import band
from coach.team.review import Override, Weights, apply_overrides

ROOT = Path(__file__).parent.parent
RUBRIC = load_rubric()
REP = Rep(name="Chris Walker", company="Northwind Logistics", phone="415-555-0134")
PROSPECT = Prospect(
    name="Dana Reyes",
    company="Acme",
    situation="Ships 2,000 freight loads a month; reconciles carrier invoices by hand.",
)
OFFER = Offer(proof="Globex went from 10 to 5 hours a week")
NAME_AND_NUMBER = (
    "Hi Dana, this is Chris Walker with Northwind Logistics. Please call me back at "
    "415-555-0134. Again, 415-555-0134. Thanks so much, Dana, talk to you soon, bye now."
)
GOOD_T1 = (
    "Hi Dana, this is Chris Walker with Northwind Logistics, 415-555-0134. I'm calling because "
    "Globex cut their carrier invoice reconciliation from 10 to 5 hours a week, and Acme could "
    "too. Call me at 415-555-0134."
)


def _report(text: str, touch: int = 1, rep: Rep = REP) -> Any:
    context = Context(touch=touch, rep=rep, prospect=PROSPECT, offer=OFFER)
    return check_script(text, source="t", context=context, rubric=RUBRIC)


@pytest.mark.parametrize(
    ("score", "want"), [(100, "green"), (85, "green"), (84, "amber"), (60, "amber"), (59, "red")]
)
def test_bands(score: int, want: str) -> None:
    assert band(score) == want


def test_a_good_script_is_green() -> None:
    report = _report(GOOD_T1)
    assert report.score >= 85 and report.band == "green"


@pytest.mark.parametrize(
    ("why", "text", "touch", "rep"),
    [
        ("a 4th voicemail", GOOD_T1, 4, REP),
        (
            "no callback number",
            GOOD_T1.replace(", 415-555-0134", "").replace(" at 415-555-0134", ""),
            1,
            REP,
        ),
        ("a number that is not yours", GOOD_T1.replace("0134", "0199"), 1, REP),
        (
            "a “did you get my…” opener",
            GOOD_T1.replace("Hi Dana,", "Hi Dana, did you get my email?"),
            1,
            REP,
        ),
        (
            "no reason given",
            NAME_AND_NUMBER,
            1,
            REP,
        ),
    ],
)
def test_a_take_that_breaks_a_hard_rule_is_never_green(
    why: str, text: str, touch: int, rep: Rep
) -> None:
    report = _report(text, touch, rep)
    assert why in [c.hard_rule for c in report.checks if c.status == "fail"]
    assert report.score <= 84 and report.band != "green"


def test_band_is_in_the_json_and_survives_a_round_trip() -> None:
    data = to_json(_report(GOOD_T1, touch=4))
    assert (data["band"], data["score"]) == ("amber", 84)
    wording = next(c for c in data["checks"] if c["id"] == "touch_wording")
    assert wording["hard_rule"] == "a 4th voicemail"
    assert to_json(report_from_json(data)) == data


def test_a_lead_passing_the_broken_rule_lifts_the_cap() -> None:
    report = _report(GOOD_T1, touch=4)
    override = Override(
        id=1,
        uid="u",
        session_id=1,
        check_id="touch_wording",
        status="pass",
        reason="agreed with the prospect",
        author="lead",
        created_at="2026-01-01",
    )
    reviewed = apply_overrides(report, [override], Weights.of(RUBRIC))
    assert reviewed.score > 84 and reviewed.band == "green"


def _corpus_goods() -> list[dict[str, Any]]:
    data = tomllib.loads((ROOT / "tests" / "corpus" / "scripts.toml").read_text())
    return [
        {**data["defaults"], **c}
        for c in data["case"]
        if "good" in c["id"] and all(v == "pass" for v in c["expect"].values() if v != "skip")
    ]


@pytest.mark.parametrize("case", _corpus_goods(), ids=lambda c: c["id"])
def test_every_good_corpus_script_is_green(case: dict[str, Any]) -> None:
    context = Context(
        touch=case["touch"],
        rep=Rep(**case["rep"]),
        prospect=Prospect(**case["prospect"]),
        offer=Offer(**case["offer"]),
    )
    report = check_script(case["text"], source=case["id"], context=context, rubric=RUBRIC)
    assert report.band == "green", (
        report.score,
        [c.id for c in report.checks if c.status != "pass"],
    )


@pytest.mark.parametrize(
    ("name", "card"),
    [
        ("t1_good_kal", "acme-t1"),
        ("t1_good_slt", "acme-t1"),
        ("t2_good_espeak", "acme-t2"),
        ("t3_good_slt", "acme-t3"),
    ],
)
def test_every_good_fixture_script_is_green(name: str, card: str) -> None:
    from coach.practice.cards import find_card

    loaded = find_card(card)
    text = (ROOT / "audio_fixtures" / f"{name}.txt").read_text(encoding="utf-8")
    report = check_script(text, source=name, context=loaded.context(), rubric=RUBRIC)
    assert report.band == "green", (
        report.score,
        [c.id for c in report.checks if c.status != "pass"],
    )
