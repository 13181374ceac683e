"""Hearing a take: the one way its words are found, for a file and a live take alike.

``coach score`` and ``coach record`` must judge the same take the same way,
so both call :func:`hear` on the same samples: Whisper is given the take up
to shortly after its last speech (:func:`coach.speech.levels.heard`), then
any speech it left off the end is decoded again
(:func:`~coach.speech.transcribe.recover_tail`) and so is a number it did not
hear whole (:func:`~coach.speech.numbers.rehear_numbers`).  Decoding is
deterministic (a fixed seed), so the same samples give the same words.

A live take is heard while it is recorded: each time the rep falls quiet,
the take so far is heard in the background (:mod:`coach.practice.live`).  If
the rep says nothing more before stopping, the take's heard stretch is the
one already decoded — the same samples — and the report is ready at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coach.speech.levels import Heard, heard
from coach.speech.numbers import rehear_numbers
from coach.speech.transcribe import Transcript, recover_tail
from coach.speech.verify import second_opinion, verify_numbers

if TYPE_CHECKING:
    from coach.speech.transcribe import DecodeOptions, Transcriber


def hear(
    model: Transcriber,
    y: np.ndarray,
    *,
    options: DecodeOptions,
    span: Heard | None = None,
) -> Transcript:
    """The words of a 16 kHz take.

    ``span`` is ``heard(y)``, when the caller has it already.  Only
    ``y[:span.cut]`` is read, so a longer array with the same start gives
    the same words.
    """
    span = span or heard(y)
    z = y[: span.cut]
    transcript = model.transcribe(z, options=options)
    transcript = recover_tail(
        transcript, z, speech_end_s=span.speech_end_s, model=model, options=options
    )
    transcript = rehear_numbers(transcript, z, model=model, options=options)
    transcript = verify_numbers(transcript, z, model=model, expected=options.callback)
    return second_opinion(transcript, z, model=model, expected=options.callback, options=options)
