"""The rubric's phrase vocabulary (#13): the syntax, the lexicons, team add/remove, explain.

Pure text: phrases are compiled and matched against normalised words, no model.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.context import Context, Offer, Prospect, Rep
from coach.pipeline import check_script
from coach.rubric.config import load_rubric
from coach.rubric.phrases import compile_phrase, inflections

LEXICONS = {"message": ["(e mail|email|voicemail|message)"], "ask": ["did you get my {message}"]}


@pytest.mark.parametrize(
    ("phrase", "text", "matches"),
    [
        ("did you (get|receive) my {message}", "did you receive my voicemail", True),
        ("did you (get|receive) my {message}", "did you see my voicemail", False),
        ("[just] checking in", "checking in", True),
        ("[just] checking in", "just checking in", True),
        ("make sure ... email landed", "make sure my email landed", True),
        ("make sure ... email landed", "make sure the one email landed", True),
        ("make sure ...1 email landed", "make sure the one email landed", False),
        ("save+", "saving", True),
        ("cut+", "cutting", True),
        ("{ask}", "did you get my email", True),
        ("{number} hours", "ninety hours", True),
        ("{number} hours", "a hundred and eighty hours", True),
        ("{number} loads", "2 000 loads", True),
        ("{fraction}", "two thirds", True),
        ("{fraction}", "thirty five percent", True),
        ("{multiplier} as many", "twice as many", True),
        ("{multiplier}", "three times", True),
        ("re:\\d+ ?x", "10x", True),
    ],
)
def test_phrase_syntax_compiles_to_whole_word_regex(phrase: str, text: str, matches: bool) -> None:
    regex = re.compile(rf"(?:{compile_phrase(phrase, LEXICONS)})")
    assert bool(regex.fullmatch(text)) is matches


def test_inflections_cover_the_common_forms() -> None:
    assert {"save", "saves", "saved", "saving"} <= set(inflections("save"))
    assert {"cut", "cuts", "cutting"} <= set(inflections("cut"))
    assert {"copies", "copied"} <= set(inflections("copy"))


def test_a_team_adds_and_removes_phrases_instead_of_replacing_a_list(tmp_path: Path) -> None:
    team = tmp_path / "team.toml"
    team.write_text(
        '[lexicon]\nhand_off = { add = ["the door is open"] }\n'
        '[checks.opening]\napology_patterns = { remove = ["i\'m sorry"], add = ["so sorry"] }\n'
    )
    rubric = load_rubric(team)
    shipped = load_rubric()
    assert rubric.lexicons["hand_off"] == [*shipped.lexicons["hand_off"], "the door is open"]
    apologies = rubric.config("opening").strings("apology_patterns")
    assert "i'm sorry" not in apologies and apologies[-1] == "so sorry"
    assert len(apologies) == len(shipped.config("opening").strings("apology_patterns"))


def test_a_team_lexicon_phrase_changes_the_verdict(tmp_path: Path) -> None:
    text = (
        "Hi Dana, Chris Walker with Northwind Logistics, 415-555-0134. This is my last message "
        "about Acme's carrier invoices; Globex halved theirs. The rest is yours: 415-555-0134."
    )
    context = Context(touch=3, rep=Rep(name="Chris Walker", company="Northwind Logistics"))

    def wording(rubric_path: Path | None) -> str:
        report = check_script(text, source="t", context=context, rubric=load_rubric(rubric_path))
        return next(c.status for c in report.checks if c.id == "touch_wording")

    team = tmp_path / "team.toml"
    team.write_text('[lexicon]\nhand_off = { add = ["the rest is yours"] }\n')
    assert (wording(None), wording(team)) == ("warn", "pass")


REP = Rep(name="Chris Walker", company="Northwind Logistics", phone="415-555-0134")
PROSPECT = Prospect(name="Dana Reyes", company="Acme", situation="Reconciles carrier invoices.")
OFFER = Offer(proof="Globex went from 10 to 5 hours a week")


def _status(touch: int, text: str, check: str) -> str:
    context = Context(touch=touch, rep=REP, prospect=PROSPECT, offer=OFFER)
    report = check_script(text, source="probe", context=context, rubric=load_rubric())
    return next(c.status for c in report.checks if c.id == check)


HI = "Hi Dana, Chris Walker with Northwind Logistics, 415-555-0134. "


@pytest.mark.parametrize(
    ("touch", "text", "check", "want"),
    [
        (
            3,
            HI + "I've left you two messages about Acme's invoices. This is the last you'll hear "
            "from me. If it's ever useful, call me at 415-555-0134.",
            "touch_wording",
            "pass",
        ),
        (
            2,
            HI + "I wanted to see whether you had a chance to listen to my voicemail. "
            "Call me at 415-555-0134.",
            "touch_wording",
            "fail",
        ),
        (
            2,
            HI + "I wanted to see whether you had a chance to listen to my voicemail. "
            "Call me at 415-555-0134.",
            "opening",
            "fail",
        ),
        (
            1,
            HI + "I was wondering whether my email reached you. Globex halved their invoice work. "
            "Call me at 415-555-0134.",
            "opening",
            "fail",
        ),
        (
            2,
            HI + "Since we spoke, Globex published their numbers: invoice checking down from ten "
            "hours a week to five. Call me at 415-555-0134.",
            "touch_wording",
            "pass",
        ),
        (
            1,
            HI
            + "Quick reason for the voicemail: Acme's carrier invoices. Call me at 415-555-0134.",
            "purpose",
            "pass",
        ),
        (
            1,
            HI + "Globex halved their invoice checking with us. Please don't call me back unless "
            "it's useful.",
            "call_to_action",
            "fail",
        ),
        (
            1,
            HI + "Wanted to make sure my email landed. Globex halved their invoice checking.",
            "opening",
            "fail",
        ),
        (
            2,
            HI + "Not sure if my email got through last week. Globex halved their invoice work. "
            "Call me at 415-555-0134.",
            "opening",
            "fail",
        ),
    ],
)
def test_issue_13_probes(touch: int, text: str, check: str, want: str) -> None:
    assert _status(touch, text, check) == want


@pytest.mark.parametrize(
    ("touch", "text", "check", "want"),
    [
        # a conditional offer in other words leaves the next step with them
        (
            3,
            HI + "I've left two messages about Acme's invoices. This will be my final message. "
            "Should you wish to discuss it, call me at 415-555-0134.",
            "touch_wording",
            "pass",
        ),
        # the last message about something named is the reason, and the reminder the hook
        (
            3,
            HI + "I left you a couple of messages about the carrier invoices, so this is my last "
            "one. If you ever want to talk, call me at 415-555-0134.",
            "hook",
            "pass",
        ),
        # ... but "this is my last message" alone never says what it was about
        (
            3,
            HI + "This is my last message; I'll leave it with you. Call me at 415-555-0134.",
            "purpose",
            "fail",
        ),
        (
            3,
            HI + "This is my last message; I'll leave it with you. Call me at 415-555-0134.",
            "hook",
            "fail",
        ),
        # a topic with a claim any vendor could make says why (weakly: the hook warns)
        (
            1,
            HI + "I'm calling about your freight invoices, we help companies like yours save time "
            "and money. Call me at 415-555-0134.",
            "purpose",
            "pass",
        ),
        (
            1,
            HI + "I'm calling about your freight invoices, we help companies like yours save time "
            "and money. Call me at 415-555-0134.",
            "hook",
            "warn",
        ),
        # a topic alone is still only a topic
        (
            1,
            HI + "I'm calling about your freight invoices. Call me at 415-555-0134.",
            "purpose",
            "warn",
        ),
    ],
)
def test_phrasings_from_the_dev_half(touch: int, text: str, check: str, want: str) -> None:
    assert _status(touch, text, check) == want


FROM_DEV4 = [
    # "last time I called" is the previous call, not the last one
    (
        3,
        HI + "Last time I called I mentioned Globex. Call me at 415-555-0134.",
        "touch_wording",
        "fail",
    ),
    # "the last you'll hear from me until the new year" promises more
    (
        3,
        HI + "That's the last you'll hear from me until the new year, so I'll leave it with you. "
        "Call me at 415-555-0134.",
        "touch_wording",
        "fail",
    ),
    # a change that happens again is news, not a refer-back
    (
        2,
        HI + "Carrier fuel surcharges change again in January. Globex found nine errors in their "
        "first month. Call me at 415-555-0134.",
        "touch_wording",
        "warn",
    ),
    # the prospect's own company is not a peer customer
    (
        1,
        HI + "We're rather good at saving firms like Acme a few quid. Call me at 415-555-0134.",
        "hook",
        "warn",
    ),
    # "it's up to you" is a hand-off, not a result ("down to 5 hours")
    (
        3,
        HI + "I've left you a couple of messages and this is the last one. If you ever want to "
        "talk it's up to you. Call me at 415-555-0134.",
        "hook",
        "fail",
    ),
    # "touch base" as the opener is a check-in, and a first voicemail may still say it
    (
        1,
        HI + "Just reaching out to touch base. Globex halved their invoice time.",
        "opening",
        "fail",
    ),
    (
        1,
        HI + "Just reaching out to touch base. Globex halved their invoice time.",
        "touch_wording",
        "pass",
    ),
    # following up on a named earlier message refers back; "just circling back" checks in
    (
        2,
        "Hi Dana, Chris again from Northwind Logistics, following up on my voicemail from "
        "Monday. New since then: Globex caught 9 overcharges. Call me at 415-555-0134.",
        "opening",
        "pass",
    ),
    (
        2,
        "Hi Dana, Chris from Northwind Logistics, just circling back on my voicemail. "
        "Call me at 415-555-0134.",
        "opening",
        "fail",
    ),
    # "did you receive it?" after saying a message was sent
    (
        2,
        HI + "I had sent you one mail last week regarding our system, did you receive it?",
        "opening",
        "fail",
    ),
    # the number "reaches me": an ask with its means
    (
        3,
        HI + "This is my last message about the invoices; whenever suits you, the line that "
        "reaches me is 415-555-0134.",
        "call_to_action",
        "pass",
    ),
]


FROM_DEV5 = [
    # the prospect's own figures are homework, not proof of a result
    (
        1,
        HI + "I see Acme ships about 2,000 freight loads a month. Call me at 415-555-0134.",
        "hook",
        "fail",
    ),
    (
        1,
        HI + "Your team checks around 2,000 carrier invoices every month. Globex cut that "
        "from 10 to 5 hours. Call me at 415-555-0134.",
        "hook",
        "pass",
    ),
    # how long the vendor has been around is no result for the prospect
    (
        1,
        HI + "We've been in business forty years. Call me at 415-555-0134.",
        "hook",
        "fail",
    ),
    # a vendor describing itself is a claim any vendor could make
    (
        1,
        HI + "I'm calling about your freight bills. We're a proactive, best-of-breed "
        "partner. Call me at 415-555-0134.",
        "hook",
        "warn",
    ),
    # "nothing new to add" brings nothing new
    (
        2,
        HI + "Picking up the thread from my message last week. Nothing new to add, I just "
        "didn't want it to go cold. Call me at 415-555-0134.",
        "touch_wording",
        "fail",
    ),
    # did-you-get in other words
    (
        2,
        HI + "Did you ever get my emails about the invoices? Call me at 415-555-0134.",
        "opening",
        "fail",
    ),
    (
        2,
        HI + "I've sent you a couple of emails over the last week. Did they reach you okay? "
        "Call me at 415-555-0134.",
        "opening",
        "fail",
    ),
]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # the only ask leaves the prospect to find the number: a weak ask
        (HI + "Globex halved their invoice time. Whenever it suits, you've got my number.", "warn"),
        (HI + "Globex halved their invoice time. Just let me know.", "warn"),
        # ... unless there is a real ask beside it
        (HI + "Globex halved their invoice time. Call me at 415-555-0134, or let me know.", "pass"),
    ],
)
def test_an_ask_without_its_means_is_weak(text: str, want: str) -> None:
    assert _status(1, text, "call_to_action") == want


FROM_DEV6 = [
    # the number as the ask, in other words
    (
        1,
        HI + "Globex halved their invoice time. Should you care to explore it, "
        "415-555-0134 rings straight through to my desk. Many thanks.",
        "call_to_action",
        "pass",
    ),
    (
        3,
        HI + "This is my last message about the invoices. If you'd rather talk, "
        "415-555-0134 is my line. Thanks.",
        "call_to_action",
        "pass",
    ),
    (
        2,
        HI + "Following up on my voicemail: Globex caught 11 overcharges. Worth a short call?",
        "call_to_action",
        "pass",
    ),
    # a last message and a hand-off in other words
    (
        3,
        HI + "I've reached out a few times about the invoices. I won't be filling up your "
        "voicemail any more after today; the ball's in your court.",
        "touch_wording",
        "pass",
    ),
]

FROM_DEV7 = [
    # a reason in other words; who a vendor serves is no result
    (
        1,
        HI + "The reason for the ring: I'd like to see whether we could check Acme's carrier "
        "invoices for you. Call me at 415-555-0134.",
        "purpose",
        "pass",
    ),
    (
        1,
        HI + "I'm calling because we help growing logistics companies streamline their "
        "processes and save time and money. Call me at 415-555-0134.",
        "hook",
        "warn",
    ),
    # "watch your inbox" is a next step, not no ask (the conventions accept pass or warn)
    (
        1,
        HI + "Globex halved their invoice time with us. Rather than ask you to ring back, "
        "keep an eye on your inbox for a note from me later today.",
        "call_to_action",
        "warn",
    ),
    # last for now is not last; stopping the bugging is
    (
        3,
        HI + "I've called a couple of times about the invoices. That'll be my last message "
        "for now; I'll leave it with you. Call me at 415-555-0134.",
        "touch_wording",
        "fail",
    ),
    (
        3,
        HI + "I've pinged you a couple of times about the invoices. I'll stop bugging you "
        "after this one, promise. Ball's in your court: call me at 415-555-0134.",
        "touch_wording",
        "pass",
    ),
    # "another go at reaching you" refers back; it is no new reason
    (
        2,
        HI + "Having another go at reaching you; I'd really like to connect. "
        "Ring me back on 415-555-0134.",
        "touch_wording",
        "fail",
    ),
]

FROM_DEV8 = [
    # a note that vanished into spam asks whether it arrived
    (
        2,
        HI + "Just making sure my note from Monday didn't vanish into your junk folder. "
        "Since then Globex published their full-year numbers. Call me at 415-555-0134.",
        "opening",
        "fail",
    ),
    # "I emailed you on Monday" refers back
    (
        2,
        HI + "I emailed you on Monday about the invoices, so here is one thing that wasn't "
        "in it: we can audit last quarter for free. Call me at 415-555-0134.",
        "touch_wording",
        "pass",
    ),
    # "one last time", "won't keep bothering you", "if it ever climbs your list"
    (
        3,
        HI + "Trying you one last time about the invoices, and I won't keep bothering you "
        "after this. If halving that work ever climbs your list, call me at 415-555-0134.",
        "touch_wording",
        "pass",
    ),
    # leaving the next move with them, without saying it is the last: half a last message
    (
        3,
        HI + "I've tried you a few times about the invoices, so I'll leave the next move "
        "with you. Globex halved theirs. Call me at 415-555-0134.",
        "touch_wording",
        "warn",
    ),
    # the topic named after the voicemail it follows up on: a topic, not no reason
    (
        2,
        HI + "Following up on my voicemail from last Tuesday about your invoices, "
        "any thoughts? Call me at 415-555-0134.",
        "purpose",
        "warn",
    ),
]


@pytest.mark.parametrize(
    ("touch", "text", "check", "want"),
    [
        *(pytest.param(*case, id=f"dev4-{n}") for n, case in enumerate(FROM_DEV4)),
        *(pytest.param(*case, id=f"dev5-{n}") for n, case in enumerate(FROM_DEV5)),
        *(pytest.param(*case, id=f"dev6-{n}") for n, case in enumerate(FROM_DEV6)),
        *(pytest.param(*case, id=f"dev7-{n}") for n, case in enumerate(FROM_DEV7)),
        *(pytest.param(*case, id=f"dev8-{n}") for n, case in enumerate(FROM_DEV8)),
    ],
)
def test_phrasings_from_the_later_dev_files(touch: int, text: str, check: str, want: str) -> None:
    """Wordings the fourth to eighth blind dev files taught the rubric (#13)."""
    assert _status(touch, text, check) == want


def test_the_reps_own_company_name_is_not_the_prospects_situation() -> None:
    """ "Brightline Payroll" says what the rep sells, not the prospect's payroll (dev 8)."""
    context = Context(
        touch=1,
        rep=Rep(name="Priya Nair", company="Brightline Payroll", phone="312-555-0172"),
        prospect=Prospect(
            name="Tom Becker",
            company="Halvorsen Foods",
            situation="Runs payroll for 600 hourly workers; fixes timecard errors by hand.",
        ),
        offer=OFFER,
    )

    def personalization(text: str) -> str:
        report = check_script(text, source="t", context=context, rubric=load_rubric())
        return next(c.status for c in report.checks if c.id == "personalization")

    intro = "Hello, this is Priya Nair with Brightline Payroll. "
    assert personalization(intro + "We help HR teams. Call me at 312-555-0172.") == "fail"
    # the same words about *their* payroll and timecards still count
    assert (
        personalization(
            intro + "Your payroll for six hundred hourly workers means timecard fixes by hand. "
            "Call me at 312-555-0172."
        )
        == "pass"
    )


def test_evidence_names_the_phrase_that_decided() -> None:
    context = Context(touch=2, rep=REP, prospect=PROSPECT, offer=OFFER)
    text = HI + "Did you get my email? Call me at 415-555-0134."
    report = check_script(text, source="t", context=context, rubric=load_rubric())
    opening = next(c for c in report.checks if c.id == "opening")
    # the lexicon is opened: the very phrase inside {did_you_get} that matched
    assert opening.evidence[0].phrase.startswith(
        "opening.did_you_get_patterns: {did_you_get} did you [ever|actually] (get|receive"
    )
    assert opening.evidence[0].text == "Did you get my email?"


def test_explain_in_the_cli_names_phrase_and_place(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coach.cli import app

    script = tmp_path / "script.txt"
    script.write_text(HI + "Did you get my email? Globex halved theirs. Call me at 415-555-0134.")
    args = ["check", str(script), "--touch", "2", "--callback", "415-555-0134"]
    shown = CliRunner().invoke(app, [*args, "--explain"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "Why each check came out as it did" in shown.output
    assert "opening.did_you_get_patterns" in shown.output
    assert "breaks a hard rule" in shown.output
    as_json = CliRunner().invoke(app, [*args, "--json", "--explain"])
    import json

    data = json.loads(as_json.output)
    opening = next(c for c in data["checks"] if c["id"] == "opening")
    assert opening["evidence"][0]["phrase"].startswith("opening.did_you_get_patterns")
    assert data["band"] == "amber"
