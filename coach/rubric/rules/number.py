"""Rules on the callback number: is it there, is it right, can it be caught."""

from __future__ import annotations

from coach.rubric.checks import Check, Evidence, Status, Take, clock
from coach.rubric.config import CheckConfig


def spoken_form(digits: str) -> str:
    """``"4155550134"`` -> ``"415-555-0134"`` (NANP grouping; other lengths as-is)."""
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if len(digits) == 7:
        return f"{digits[:3]}-{digits[3:]}"
    return digits


_ORDINALS = ("first", "second", "third", "fourth", "fifth")


def _when(index: int, count: int, start: float) -> str:
    """Which instance of the number, for a message: "at 0:23" or "the second time, at 0:23"."""
    if count == 1:
        return f"at {clock(start)}"
    nth = _ORDINALS[index] if index < len(_ORDINALS) else f"#{index + 1}"
    return f"the {nth} time, at {clock(start)}"


def callback_number(take: Take, cfg: CheckConfig) -> Check:
    """A callback number is given and, when the rep's number is known, every instance is theirs.

    The prospect hears every instance, so one that is not the rep's number
    is not outweighed by one that is: a different number fails, one within
    ``near_miss_digits`` warns.  Heard speech can be misheard by the model
    as well as mis-said by the rep, so a near miss in a take is reported as
    what was heard, not as the rep's fault; in a written script it is a typo.
    """
    from coach.speech.numbers import digit_distance, normalize_number

    numbers = take.numbers
    script = take.is_script
    if not script and _unsure(take, cfg):
        doubt = _looped(take) or _two_hearings(take)
        if doubt is not None:
            return doubt
    if not numbers:
        return Check(
            "callback_number",
            "fail",
            "Your script gives no callback number." if script else "No callback number was heard.",
            "Say your number slowly, in groups, near the start and again at the end.",
            hard_rule="no callback number",
        )
    evidence = tuple(
        Evidence(n.text, n.start, n.end, _chars(take, n.first_word, n.last_word)) for n in numbers
    )
    said = ", ".join(f"{spoken_form(n.digits)} at {clock(n.start)}" for n in numbers)
    if not take.context.rep.phone:
        return Check(
            "callback_number",
            "pass",
            f"Callback number given: {said}; not checked against yours (none given).",
            "",
            evidence,
        )
    expected = normalize_number(take.context.rep.phone)
    mine = spoken_form(expected)
    misses = [digit_distance(n.digits, expected) for n in numbers]
    count = len(numbers)
    off = [(i, n, miss) for i, (n, miss) in enumerate(zip(numbers, misses, strict=True)) if miss]
    if not off:
        times = "" if count == 1 else f" all {count} times"
        how = "is in your script" if script else "came through digit for digit"
        return Check(
            "callback_number", "pass", f"Your number {mine} {how}{times} ({said}).", "", evidence
        )
    i, worst, miss = max(off, key=lambda o: o[2])
    where = _when(i, count, worst.start)
    heard = spoken_form(worst.digits)
    right = count - len(off)
    also = f" (it was right {right} of {count} times)" if right else ""
    groups = mine.replace("-", " … ")
    if miss > cfg.num("near_miss_digits"):
        verb = "your script gives" if script else "you gave"
        two = " — the prospect would hear two numbers" if right else ""
        return Check(
            "callback_number",
            "fail",
            f"{where[0].upper()}{where[1:]}, {verb} {heard}, not your number {mine}{also}{two}.",
            f"Give only your own number, {mine}, every time — slowly and in groups.",
            evidence,
            hard_rule="a number that is not yours",
        )
    if script:
        return Check(
            "callback_number",
            "fail",
            f"Your script says {heard} {where}; your number is {mine} — a typo.",
            f"Fix the number in your script: {mine}.",
            evidence,
            hard_rule="a number that is not yours",
        )
    return Check(
        "callback_number",
        "warn",
        f"{where[0].upper()}{where[1:]}, I heard {heard}, not quite your {mine}{also}. "
        "That may be my hearing rather than your delivery, but a prospect could mishear it "
        "the same way.",
        f"Say your number slowly, in groups, so no digit can slip: {groups}.",
        evidence,
    )


def _unsure(take: Take, cfg: CheckConfig) -> bool:
    """Whether the numbers heard would fail the check: none, or one not near the rep's."""
    from coach.speech.numbers import digit_distance, normalize_number

    if not take.numbers:
        return True
    if not take.context.rep.phone:
        return False
    expected = normalize_number(take.context.rep.phone)
    near = cfg.num("near_miss_digits")
    return any(digit_distance(n.digits, expected) > near for n in take.numbers)


def _two_hearings(take: Take) -> Check | None:
    """When a second model heard the number otherwise, uncertainty, not a verdict.

    The number was not heard as the rep's, so a second model was asked
    (:func:`coach.speech.verify.second_opinion`); if it heard something else
    again, the coach cannot tell what the rep said.  Two hearings that agree
    — the second heard only numbers the first heard too, or neither heard
    one — stand (the check fails as usual).
    """
    second = take.transcript.second
    first = tuple(n.digits for n in take.numbers)
    if second is None or (set(second) <= set(first) if second else not first):
        return None

    def said(heard: tuple[str, ...]) -> str:
        return " and ".join(spoken_form(d) for d in dict.fromkeys(heard)) or "no number"

    return _doubt(
        f"I could not make out your number for sure: I heard {said(first)}, and listening "
        f"again, {said(second)}.",
        tuple(
            Evidence(n.text, n.start, n.end, _chars(take, n.first_word, n.last_word))
            for n in take.numbers
        ),
    )


def _looped(take: Take) -> Check | None:
    """When Whisper looped (:func:`~coach.speech.transcribe.loops`), uncertainty, not a verdict.

    A transcript that repeats "2009, 2009, 2009, 2009" or "2-0-0-0-0-0-0-…"
    is the model failing on the take, and what it wrote there says nothing
    about the number the rep said: the check warns that the number could not
    be made out, and asks the rep to listen back — it never fails them for it.
    """
    from coach.speech.transcribe import loops

    words = take.transcript.words
    found = loops(words)
    if not found:
        return None
    first, last = found[0]
    text = " ".join(w.text for w in words[first : last + 1])
    if len(text) > 40:
        text = text[:40].rstrip(" ,-") + "…"
    return _doubt(
        f"I could not make out your number: my transcription broke down and repeats "
        f"“{text}” at {clock(words[first].start)}.",
        (Evidence(text, words[first].start, words[last].end, _chars(take, first, last)),),
    )


def _doubt(what: str, evidence: tuple[Evidence, ...]) -> Check:
    """The callback check as the coach's own doubt: a warn that never blames the rep."""
    return Check(
        "callback_number",
        "warn",
        f"{what} That is my hearing, not your delivery — listen back to check it came through.",
        "Say your number slowly, in groups, near the start and again at the end.",
        evidence,
    )


def _chars(take: Take, first: int, last: int) -> tuple[int, int] | None:
    words = take.transcript.words
    a, b = words[first].chars, words[last].chars
    return (a[0], b[1]) if a and b else None


def number_placement(take: Take, cfg: CheckConfig) -> Check:
    """Said early or repeated at the end — never only buried mid-message — and slowly."""
    numbers = take.numbers
    if not numbers:
        return Check("number_placement", "skip", "No callback number to place.")
    words = take.transcript.words
    begin = words[0].start if words else 0.0
    end = words[-1].end if words else take.duration_s
    length = end - begin
    early = [n for n in numbers if n.start - begin <= cfg.num("early_s")]
    at_end = [n for n in numbers if end - n.end <= cfg.num("end_window_s")]
    evidence = tuple(
        Evidence(n.text, n.start, n.end, _chars(take, n.first_word, n.last_word)) for n in numbers
    )
    times = " and ".join(clock(n.start) for n in numbers)
    once = len(numbers) == 1
    who = "Your script gives" if take.is_script else "You gave"
    where = f"{who} your number {'once, at' if once else 'at'} {times}"

    status: Status
    if early and at_end and len(numbers) > 1:
        status, message, advice = "pass", f"{where}: early and again at the end.", ""
    elif early and at_end:
        status, message, advice = "pass", f"{where}, early in a short message.", ""
    elif early:
        status, message, advice = "pass", f"{where}, early in the message.", ""
    elif at_end and length <= cfg.num("long_message_s"):
        status, message, advice = "pass", f"{where}, at the end of a short message.", ""
    elif at_end:
        status = "warn"
        message = f"{where}, only at the end of a {length:.0f} s message."
        advice = f"Say your number in the first {cfg.num('early_s'):.0f} s and again at the end."
    else:
        status = "fail" if length > cfg.num("long_message_s") else "warn"
        message = f"{where}, buried in the middle of a {length:.0f} s message."
        advice = f"Say your number in the first {cfg.num('early_s'):.0f} s and again at the end."

    if take.is_script:
        # A written number has no speed: only where it falls counts.
        return Check("number_placement", status, message, advice, evidence)
    slowest = min(numbers, key=lambda n: n.digits_per_s)
    limit = cfg.num("max_digits_per_s")
    if slowest.digits_per_s > limit:
        message += f" It went by at {slowest.digits_per_s:.1f} digits a second."
        if status == "pass":
            status = "warn"
            advice = (
                f"Slow the number down to under {limit:.1f} digits a second, in groups: "
                "three … three … four."
            )
    return Check("number_placement", status, message, advice, evidence)
