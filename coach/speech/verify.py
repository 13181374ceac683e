"""Weighing a heard number against the rep's own: the model's doubt, not the rep's fault.

Beam search keeps a handful of hypotheses and can lose the best one: on real
voices ``base`` hears "nine seven two, two zero zero, five five nine zero"
as 972-200-590 — one 5 of a pair gone — while, asked how well each text fits
the sound, it rates the rep's 972-200-5590 higher.  So when a number is heard a
digit or two away from the rep's own (:data:`MAX_EDITS`), the stretch of audio
around it is read again with both texts forced
(:meth:`coach.speech.transcribe.Transcriber.reader`), each written the
ways Whisper writes numbers, and the rep's number replaces the heard one only
when the model itself finds it the better fit — better than what was heard
and better than every number one swap of two digits away from it (:func:`swaps`,
the commonest slip of a rep's tongue) that is as near what was heard.  It
costs a second encoding of the stretch and a forced read per text: ~0.5–1 s
on 2 cores, only for a take whose number was heard a digit or two off.  Nothing primes the decoding:
a number the rep really said wrong fits the sound worse than what was heard
and stays as heard (measured on near-miss variants, bench/RESULTS.md).

When the number is still not the rep's, :func:`second_opinion` asks a second
model (``tiny.en``) to hear the number's sentence: its exact hearing of the
rep's number is taken, or both models' fits are added to weigh it; two
hearings that disagree are kept for the callback check to say as doubt.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from coach.speech.numbers import REHEAR_MAX_S, digit_distance, find_phone_numbers, number_stretch
from coach.speech.transcribe import SAMPLE_RATE, Transcript, Word, loops, shift

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy as np

    from coach.speech.transcribe import DecodeOptions, Transcriber

    Reader = Callable[[Sequence[str]], list[float]]

#: the most digits a heard number may differ from the rep's and still be weighed against it
MAX_EDITS = 2
#: tokens the second opinion may write a window: a loop stops here, not at 448
SECOND_MAX_TOKENS = 128

_TRAIL = re.compile(r"[.,;:!?]*$")


def written_forms(digits: str) -> tuple[str, ...]:
    """The ways Whisper writes a spoken number: grouped, dashed, comma- and space-separated."""
    forms = ["-".join(digits), ", ".join(digits), " ".join(digits)]
    if len(digits) == 10:
        forms.insert(0, f"{digits[:3]}-{digits[3:6]}-{digits[6:]}")
        forms.append(f"{digits[:3]} {digits[3:6]} {digits[6:]}")
    elif len(digits) == 7:
        forms.insert(0, f"{digits[:3]}-{digits[3:]}")
    return tuple(forms)


def swaps(digits: str) -> list[str]:
    """Every number made from ``digits`` by swapping two different neighbours."""
    return [
        digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
        for i in range(len(digits) - 1)
        if digits[i] != digits[i + 1]
    ]


def verify_numbers(
    transcript: Transcript,
    audio: np.ndarray,
    *,
    model: Transcriber,
    expected: str | None,
    judges: Sequence[Transcriber] = (),
    rivals: Sequence[str] = (),
) -> Transcript:
    """Replace each heard near miss of ``expected`` by it where the model finds it fits better.

    Parameters
    ----------
    transcript : Transcript
        The take as heard.
    audio : np.ndarray
        The 16 kHz samples it was heard from.
    model : Transcriber
        The model that heard it.
    expected : str or None
        The rep's number, digits only; ``None`` leaves the transcript alone.
    judges : sequence of Transcriber
        More models whose fits are added to ``model``'s (a second opinion).
    rivals : sequence of str
        More numbers heard (digits) that the rep's must fit better than.
    """
    if not expected:
        return transcript
    words = list(transcript.words)
    changed = False
    for number in reversed(find_phone_numbers(words)):
        if number.digits == expected or digit_distance(number.digits, expected) > MAX_EDITS:
            continue
        first, start, end = number_stretch(words, number, audio.size / SAMPLE_RATE)
        last = number.last_word
        if end - start > REHEAR_MAX_S:
            continue
        lead = " ".join(w.text for w in words[first : number.first_word])
        said = " ".join(w.text for w in words[number.first_word : last + 1])
        trail = _TRAIL.search(said)
        stop = trail.group() if trail else ""
        others = [d for d in dict.fromkeys(rivals) if d not in (expected, number.digits)]
        heard = [said, *(f + stop for d in (number.digits, *others) for f in written_forms(d))]
        mine = [f + stop for f in written_forms(expected)]
        stretch = audio[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)]
        readers = [m.reader(stretch) for m in (model, *judges)]
        read = _summed(readers, lead)
        fits = read([*heard, *mine])
        best_heard = max(fits[: len(heard)])
        best_mine = max(range(len(mine)), key=lambda i: fits[len(heard) + i])
        if fits[len(heard) + best_mine] <= best_heard:
            continue
        # The commonest slip is two digits swapped: the rep's number must fit better
        # than every number one swap from it that is as near what was heard.
        near = digit_distance(number.digits, expected)
        slips = [
            written_forms(s)[best_mine] + stop
            for s in swaps(expected)
            if digit_distance(number.digits, s) <= near
        ]
        against = read(slips)
        if against and fits[len(heard) + best_mine] <= max(against):
            continue
        probability = math.exp(fits[len(heard) + best_mine] / len(readers))
        begin, finish = words[number.first_word].start, words[last].end
        new = _spread(mine[best_mine], begin, finish, probability=probability)
        found = find_phone_numbers(new)
        if len(found) != 1 or found[0].digits != expected:
            new = _spread(written_forms(expected)[0] + stop, begin, finish, probability=probability)
        words[number.first_word : last + 1] = new
        changed = True
    if not changed:
        return transcript
    return replace(transcript, text=" ".join(w.text for w in words), words=tuple(words))


def second_opinion(
    transcript: Transcript,
    audio: np.ndarray,
    *,
    model: Transcriber,
    expected: str | None,
    options: DecodeOptions,
) -> Transcript:
    """Ask a second model when the number heard is not the rep's own.

    ``base`` and ``tiny.en`` were trained apart and miss different digits: on
    the real-voice dev takes ``base`` heard "five five" for "five five five"
    where ``tiny.en`` heard all three, and the other way round.  When what
    ``model`` heard (after :func:`verify_numbers`) is not ``expected`` — a
    near miss, another number, a loop, or digits that made no number — the
    number's stretch (the whole take when there is no number to find it by)
    is decoded by :meth:`~coach.speech.transcribe.Transcriber.second`:

    * if it hears exactly the rep's number, its words for the number replace
      the first model's there (a wrong number the rep said is not heard as the
      rep's by either model: 0 of 48 near misses passed, bench ``realvoices --wrong``);
    * otherwise both models weigh the rep's number against what each heard,
      their fits added (:func:`verify_numbers` with ``judges``), and what the
      second model heard is kept (``Transcript.second``): when the two
      hearings disagree, the callback check says so as the coach's doubt,
      never as the rep's slip.
    """
    if not expected:
        return transcript
    words = list(transcript.words)
    found = find_phone_numbers(words)
    if found and all(n.digits == expected for n in found):
        return transcript
    if not found and not any(c.isdigit() for w in words for c in w.text):
        return transcript  # no number said: nothing for a second opinion to settle
    other = model.second()
    take_s = audio.size / SAMPLE_RATE
    start, end = 0.0, take_s
    looped = loops(words)
    if found and not looped:
        off = [n for n in found if n.digits != expected]  # not empty: returned above
        nearest = min(off, key=lambda n: digit_distance(n.digits, expected))
        _, start, end = number_stretch(words, nearest, take_s)
        if end - start > REHEAR_MAX_S:
            start, end = 0.0, take_s
    again = other.transcribe(
        audio[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)],
        options=replace(options, extra={**options.extra, "max_new_tokens": SECOND_MAX_TOKENS}),
    )
    heard = shift(again, start).words
    theirs = find_phone_numbers(list(heard))
    if len(theirs) == 1 and theirs[0].digits == expected:
        said = heard[theirs[0].first_word : theirs[0].last_word + 1]
        return _splice(transcript, said, looped)
    weighed = verify_numbers(
        transcript,
        audio,
        model=model,
        expected=expected,
        judges=(other,),
        rivals=[n.digits for n in theirs if digit_distance(n.digits, expected) <= MAX_EDITS],
    )
    return replace(weighed, second=tuple(n.digits for n in theirs))


def _summed(readers: Sequence[Reader], lead: str) -> Reader:
    """Each text's fit after ``lead``, added over the models' ``readers``."""

    def read(texts: Sequence[str]) -> list[float]:
        lines = [f"{lead} {text}".strip() for text in texts]
        return [sum(fits) for fits in zip(*(r(lines) for r in readers), strict=True)]

    return read


def _splice(
    transcript: Transcript, number: Sequence[Word], looped: Sequence[tuple[int, int]]
) -> Transcript:
    """``transcript`` with ``number``'s words in place of what it had over their time.

    Dropped: the words whose middle falls in the number's time, any word
    carrying a digit that overlaps it, and the words of a loop.
    """
    start, end = number[0].start, number[-1].end
    in_loop = {i for first, last in looped for i in range(first, last + 1)}

    def replaced(i: int, w: Word) -> bool:
        if i in in_loop or start <= (w.start + w.end) / 2 <= end:
            return True
        return any(c.isdigit() for c in w.text) and w.start < end and w.end > start

    kept = [w for i, w in enumerate(transcript.words) if not replaced(i, w)]
    before = [w for w in kept if w.end <= start]
    words = (*before, *number, *kept[len(before) :])
    return replace(transcript, text=" ".join(w.text for w in words), words=words)


def _spread(text: str, start: float, end: float, *, probability: float) -> list[Word]:
    """``text``'s words, sharing the time from ``start`` to ``end`` evenly."""
    parts = text.split()
    step = (end - start) / len(parts)
    return [
        Word(
            part,
            round(start + i * step, 3),
            round(start + (i + 1) * step, 3),
            round(probability, 3),
        )
        for i, part in enumerate(parts)
    ]
