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
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from coach.speech.numbers import REHEAR_MAX_S, digit_distance, find_phone_numbers, number_stretch
from coach.speech.transcribe import SAMPLE_RATE, Transcript, Word

if TYPE_CHECKING:
    import numpy as np

    from coach.speech.transcribe import Transcriber

#: the most digits a heard number may differ from the rep's and still be weighed against it
MAX_EDITS = 2

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
    transcript: Transcript, audio: np.ndarray, *, model: Transcriber, expected: str | None
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
        heard = [said, *(f + stop for f in written_forms(number.digits))]
        mine = [f + stop for f in written_forms(expected)]
        read = model.reader(audio[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)])
        fits = read([f"{lead} {text}".strip() for text in (*heard, *mine)])
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
        rivals = read([f"{lead} {text}".strip() for text in slips])
        if rivals and fits[len(heard) + best_mine] <= max(rivals):
            continue
        new = _spread(
            mine[best_mine],
            words[number.first_word].start,
            words[last].end,
            probability=math.exp(fits[len(heard) + best_mine]),
        )
        found = find_phone_numbers(new)
        if len(found) != 1 or found[0].digits != expected:
            new = _spread(
                written_forms(expected)[0] + stop,
                words[number.first_word].start,
                words[last].end,
                probability=math.exp(fits[len(heard) + best_mine]),
            )
        words[number.first_word : last + 1] = new
        changed = True
    if not changed:
        return transcript
    return replace(transcript, text=" ".join(w.text for w in words), words=tuple(words))


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
