"""Rules on wording that fits which voicemail this is, and on how it opens.

The field's cadence: #1 introduces who and why; #2 (4–7 days later) gives a
new "here's why we should talk"; #3 says plainly it is the last message and
leaves the next step with the prospect; there is no #4.  When the store knows
when the previous voicemail to this prospect was left (``--sent``), the gap
is checked too (``Context.days_since_previous``).
"""

from __future__ import annotations

from coach.rubric.checks import Check, Evidence, Match, Take, clock
from coach.rubric.config import CheckConfig


def _evidence(matches: list[Match]) -> tuple[Evidence, ...]:
    return tuple(m.evidence for m in matches)


def _first(matches: list[Match]) -> str:
    m = matches[0]
    return f"“{m.evidence.text}” at {clock(m.start)}"


def touch_wording(take: Take, cfg: CheckConfig) -> Check:
    """Wording fits the touch, and a follow-up comes 4–7 days after the last voicemail."""
    check = _wording(take, cfg)
    gap = take.context.days_since_previous
    touch = take.context.touch
    if gap is None or touch is None or touch < 2 or check.status in ("fail", "skip"):
        return check
    soonest, latest = cfg.num("min_gap_days"), cfg.num("max_gap_days")
    if soonest <= gap <= latest:
        return check
    days = f"{gap:.0f} day{'s' if round(gap) != 1 else ''}"
    if gap < soonest:
        message = f"Voicemail #{touch} only {days} after #{touch - 1}: too soon."
        advice = f"Leave {soonest:.0f}–{latest:.0f} days between voicemails to a prospect."
    else:
        message = f"Voicemail #{touch} {days} after #{touch - 1}: the thread has gone cold."
        advice = (
            "Leave this voicemail all the same: re-introduce yourself in a few words and give "
            f"a fresh reason to call. Next time, follow up {soonest:.0f}–{latest:.0f} days after "
            "the last one."
        )
    if check.status == "warn":
        message = f"{message} Also: {check.message}"
    return Check("touch_wording", "warn", message, advice, check.evidence)


def _wording(take: Take, cfg: CheckConfig) -> Check:
    """The wording half of :func:`touch_wording`."""
    touch = take.context.touch
    if touch is None:
        return Check(
            "touch_wording",
            "skip",
            "Which voicemail this is was not given.",
            "Pass --touch 1, 2 or 3 (or use a scenario card) to check the wording fits.",
        )
    if touch > cfg.num("max_touches"):
        return Check(
            "touch_wording",
            "fail",
            f"This would be voicemail #{touch}: don't call more than "
            f"{cfg.num('max_touches'):.0f} times.",
            "Stop here: leave it in their hands, or try email or a letter instead.",
            hard_rule="a 4th voicemail",
        )
    if touch == 1:
        follow_up = take.find(cfg.patterns("follow_up_patterns"))
        if follow_up:
            return Check(
                "touch_wording",
                "fail",
                f"A first voicemail that sounds like a follow-up: {_first(follow_up)}.",
                "This is the introduction: say who you are and why you are calling.",
                _evidence(follow_up[:2]),
            )
        return Check(
            "touch_wording", "pass", "Reads as an introduction, as a first message should."
        )
    if touch == 2:
        return _second(take, cfg)
    return _third(take, cfg)


def _second(take: Take, cfg: CheckConfig) -> Check:
    """#2: refer back briefly, then a new "here's why we should talk"."""
    from coach.rubric.rules.content import reasons

    refer = take.find(cfg.patterns("refer_back_patterns"))
    said_new = take.find_except(
        cfg.patterns("new_reason_patterns"), cfg.patterns("not_new_patterns")
    )
    fresh = said_new or reasons(take, cfg.sibling("hook"))
    stale = take.find(cfg.patterns("checking_in_patterns"))
    repeat = take.find(cfg.patterns("repeat_patterns"))
    if repeat and refer and not said_new:
        return Check(
            "touch_wording",
            "warn",
            f"The follow-up repeats the first message: {_first(repeat)}.",
            "Bring something new — a result, an idea, a change on their side.",
            _evidence(repeat[:1]),
        )
    if not fresh:
        what = _first(stale) if stale else _first(refer) if refer else ""
        return Check(
            "touch_wording",
            "fail",
            f"The follow-up only checks in: {what}."
            if what
            else "A second voicemail with no new reason to talk.",
            "Give a new reason to talk — a result, an idea, a change on their side — "
            "instead of checking in.",
            _evidence((stale or refer)[:2]),
        )
    if not refer:
        return Check(
            "touch_wording",
            "warn",
            f"A new reason ({_first(fresh)}) but no word that you called before.",
            "Refer back in a few words (“I left you a message last week”), then the new reason.",
            _evidence(fresh[:1]),
        )
    return Check(
        "touch_wording",
        "pass",
        f"The follow-up refers back ({_first(refer)}) and brings something new: {_first(fresh)}.",
        "",
        _evidence(refer[:1] + fresh[:1]),
    )


def _third(take: Take, cfg: CheckConfig) -> Check:
    """#3: says plainly it is the last message and leaves the next step to the prospect."""
    closing = take.find(cfg.patterns("last_message_patterns"))
    hand_off = take.find(cfg.patterns("hand_off_patterns"))
    more = take.find(cfg.patterns("more_contact_patterns"))
    if more:
        return Check(
            "touch_wording",
            "fail",
            f"A third voicemail that promises more contact: {_first(more)}.",
            "Make this voicemail your last: “I'll leave this with you” — and then really stop.",
            _evidence(more[:1] + closing[:1]),
        )
    if closing and hand_off:
        return Check(
            "touch_wording",
            "pass",
            f"A clear last message ({_first(closing)}) that leaves it with them: "
            f"{_first(hand_off)}.",
            "",
            _evidence(closing[:1] + hand_off[:1]),
        )
    if closing or hand_off:
        said = closing or hand_off
        missing = (
            "leave the next step to them: “It's over to you.”"
            if closing
            else "say plainly it is your last message."
        )
        return Check(
            "touch_wording",
            "warn",
            f"Half a last message ({_first(said)}): also {missing}",
            "Say this is your last voicemail and leave the next step to them: "
            "“I'll leave this with you.”",
            _evidence(said[:1]),
        )
    return Check(
        "touch_wording",
        "fail",
        "A third voicemail that does not say it is the last one.",
        "Say plainly this is your last message and leave it in their hands: "
        "“I'll leave this with you.”",
    )


def opening(take: Take, cfg: CheckConfig) -> Check:
    """No "did you get my email", no "just checking in" opener, no apologetic start."""
    did_you_get = take.early(take.find(cfg.patterns("did_you_get_patterns")), cfg.num("window_s"))
    if did_you_get:
        return Check(
            "opening",
            "fail",
            f"Opens on “did you get my …”: {_first(did_you_get)}.",
            "Drop “did you get my email”; open with your name and a reason to talk.",
            _evidence(did_you_get[:1]),
            hard_rule="a “did you get my…” opener",
        )
    stale = take.early(take.find(cfg.patterns("stale_opener_patterns")), cfg.num("opener_s"))
    if stale:
        return Check(
            "opening",
            "fail",
            f"Opens by checking in: {_first(stale)}.",
            "Open with who you are and something worth their time.",
            _evidence(stale[:1]),
        )
    sorry = take.early(take.find(cfg.patterns("apology_patterns")), cfg.num("apology_s"))
    if sorry:
        return Check(
            "opening",
            "warn" if cfg.flag("apology_warns") else "pass",
            f"Opens apologetically: {_first(sorry)}."
            if cfg.flag("apology_warns")
            else f"No did-you-get or checking-in opener, but it starts with an apology: "
            f"{_first(sorry)}.",
            # Only pointed out unless the team counts it: a passing check carries no advice.
            "Skip the apology; a confident, friendly opener earns more callbacks."
            if cfg.flag("apology_warns")
            else "",
            _evidence(sorry[:1]),
        )
    return Check("opening", "pass", "A clean, confident opening.")
