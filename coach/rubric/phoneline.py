"""What the prospect sees: whether the number and the name survive a phone's transcript.

A finding beside the checks, never one of them: the score is the rubric's,
and the phone line (``--phone-line``, :mod:`coach.speech.phoneline`) only
says what a prospect reading a visual-voicemail transcript would see.  Said
as what the phone shows, never as the rep's fault — a service's transcript
garbles clear speech too — with what makes a number or a name hard to
garble.
"""

from __future__ import annotations

from dataclasses import dataclass

from coach.rubric.checks import Take
from coach.rubric.rules.number import spoken_form
from coach.speech.transcribe import Transcript

#: seconds either side of what the rep said that the phone's words are quoted from
QUOTE_PAD_S = 0.4
#: the most words of the phone's transcript a finding quotes
QUOTE_WORDS = 12
#: how every finding starts ("… shows 415-555-0143 — a prospect reading it …")
FINDING_START = "A phone's transcript of this take "


@dataclass(frozen=True)
class PhoneLine:
    """The take's transcript as a prospect's phone would show it, and what did not survive.

    Attributes
    ----------
    transcript : str
        The phone's transcript.
    numbers : tuple of str
        The phone numbers in it, as digits, in order.
    number_survives : bool or None
        Whether the rep's number is shown and no number the take did not
        have; ``None`` when there is nothing to compare (no number known, or
        the coach did not hear the rep's number in the take itself).
    name_survives : bool or None
        Whether the rep's name is shown; ``None`` when no name is known or
        the take does not say it.
    codec : str
        The channel the take went through ("AMR-NB 12.2 kbit/s").
    findings : tuple of str
        What a prospect reading it would get wrong, one sentence each.
    """

    transcript: str
    numbers: tuple[str, ...]
    number_survives: bool | None
    name_survives: bool | None
    codec: str
    findings: tuple[str, ...] = ()


def _quote(phone: Transcript, start: float, end: float) -> str:
    """The phone's words over ``start``–``end`` seconds (padded), as a reader sees them."""
    words = [
        w.text for w in phone.words if w.end >= start - QUOTE_PAD_S and w.start <= end + QUOTE_PAD_S
    ]
    if len(words) > QUOTE_WORDS:
        words = [*words[:QUOTE_WORDS], "…"]
    return " ".join(words)


def _number(phone: Transcript, shown: list[str], take: Take) -> tuple[bool | None, str]:
    """Whether the rep's number survives, and the finding when it does not."""
    said = {n.digits for n in take.numbers}
    mine = take.context.callback_digits()
    if mine is None and len(said) == 1:
        mine = next(iter(said))  # no number known: the one the take gives
    if mine is None or mine not in said:
        return None, ""  # not in the take itself: callback_number speaks to that
    wrong = [d for d in shown if d not in said]
    if mine in shown and not wrong:
        return True, ""
    groups = spoken_form(mine).replace("-", " … ")
    if wrong:
        also = f" (beside {spoken_form(mine)})" if mine in shown else ""
        return False, (
            f"{FINDING_START}shows {spoken_form(wrong[0])}{also} — "
            "a prospect reading it would get the wrong number; "
            f"say the number slower, in groups: {groups}."
        )
    if shown:  # only another number the take gives
        return False, (
            f"{FINDING_START}shows only {spoken_form(shown[0])}, not "
            f"{spoken_form(mine)} — a prospect reading it would not see your number; "
            f"say it slower, in groups: {groups}."
        )
    first = next(n for n in take.numbers if n.digits == mine)
    quote = _quote(phone, first.start, first.end)
    seen = f"“{quote}”" if quote else "nothing"
    return False, (
        f"{FINDING_START}shows {seen} where you say {spoken_form(mine)} — "
        "no phone number, so a prospect reading it would have to listen for it; "
        f"say the number slower, in groups: {groups}."
    )


def _name(phone: Transcript, take: Take, *, min_ratio: float) -> tuple[bool | None, str]:
    """Whether the rep's name survives, and the finding when it does not."""
    name = take.context.rep.name
    if not name:
        return None, ""
    said = take.find_name(name, min_ratio=min_ratio)
    if not said:
        return None, ""  # never said: identity speaks to that
    on_phone = Take(phone, take.acoustics, (), take.context)
    if on_phone.find_name(name, min_ratio=min_ratio):
        return True, ""
    quote = _quote(phone, said[0].start, said[0].words[-1].end)
    seen = f"“{quote}”" if quote else "nothing"
    return False, (
        f"{FINDING_START}shows {seen} where you say your name — "
        f"a prospect reading it would not see that {name} called; "
        "say your name a little slower, on its own before your company."
    )


def read_on_phone(phone: Transcript, take: Take, *, codec: str, min_ratio: float) -> PhoneLine:
    """Compare the phone's transcript ``phone`` of a take with what the coach heard (``take``).

    ``min_ratio`` is how alike a name must be to count as said (the
    ``identity`` check's, so the two agree on what "your name" is).
    """
    from coach.speech.numbers import find_phone_numbers

    shown = [n.digits for n in find_phone_numbers(phone.words)]
    number_survives, number_finding = _number(phone, shown, take)
    name_survives, name_finding = _name(phone, take, min_ratio=min_ratio)
    return PhoneLine(
        transcript=phone.text,
        numbers=tuple(shown),
        number_survives=number_survives,
        name_survives=name_survives,
        codec=codec,
        findings=tuple(f for f in (number_finding, name_finding) if f),
    )
