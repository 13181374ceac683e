"""The report's measurements of a take, taken before any verdict.

Plain numbers over the transcript, the acoustics and the callback numbers:
length, speech time, words a minute, silences, fillers, pitch spread,
loudness.  The rules read the same measurements; nothing here reads a rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coach.speech.acoustics import Acoustics
    from coach.speech.fillers import FilledPause
    from coach.speech.numbers import PhoneNumber
    from coach.speech.transcribe import Transcript


@dataclass(frozen=True)
class NumberMetric:
    """A callback number as it was spoken."""

    digits: str
    start: float
    end: float
    digits_per_s: float


@dataclass(frozen=True)
class Metrics:
    """The measurements shown beside the checks (seconds, words, dBFS, semitones).

    Acoustic fields are ``None`` for a written script.
    """

    duration_s: float
    speech_s: float | None
    words: int
    wpm: float | None
    leading_silence_s: float | None
    longest_pause_s: float | None
    filler_count: int
    pitch_variation_st: float | None
    loudness_dbfs: float | None
    phone_numbers: tuple[NumberMetric, ...] = ()
    #: syllable nuclei a second of speaking time, from the audio alone (#15)
    syllables_per_s: float | None = None
    #: seconds from the start of the speech to its end: the length the ``length`` check
    #: judges (``duration_s`` less the quiet before and after); ``None`` for a script (#16)
    message_s: float | None = None
    #: hesitations heard in the audio with no word written for them, counted in
    #: ``filler_count`` (#15): ``(start, end)`` seconds
    filled_pauses: tuple[FilledPause, ...] = ()


def message_seconds(acoustics: Acoustics) -> float:
    """Seconds from the first speech to the last: the take less its quiet start and end."""
    a = acoustics
    return round(max(0.0, a.duration_s - a.leading_silence_s - a.trailing_silence_s), 2)


def spoken_words(transcript: Transcript, numbers: Sequence[PhoneNumber]) -> int:
    """Words said: a phone number counts as its digits, not as the one word Whisper
    prints ("415-555-0134" is ten spoken words).

    The count :func:`speaking_rate` divides, and the one the pace check
    compares with its minimum, so the two never disagree about a take.
    """
    words = len(transcript.words)
    for n in numbers:
        words += len(n.digits) - (n.last_word - n.first_word + 1)
    return words


def speaking_rate(
    transcript: Transcript, numbers: Sequence[PhoneNumber], acoustics: Acoustics | None
) -> float | None:
    """Spoken words (:func:`spoken_words`) per minute over speaking time.

    ``None`` for a written script or a take without speech.
    """
    a = acoustics
    if a is None or a.speech_s <= 0:
        return None
    words = spoken_words(transcript, numbers)
    return words / a.speech_s * 60 if words > 0 else None


def measure_take(
    transcript: Transcript,
    acoustics: Acoustics | None,
    numbers: Sequence[PhoneNumber],
    *,
    filler_count: int,
    target_wpm: float,
    filled_pauses: Sequence[FilledPause] = (),
) -> Metrics:
    """The metrics of one take; ``acoustics`` is ``None`` for a written script.

    A script's length is where its last word ends at ``target_wpm``, and its
    pace is ``target_wpm`` itself.  ``filler_count`` counts the fillers written
    and ``filled_pauses`` (heard only) alike.
    """
    words = len(transcript.words)
    a = acoustics
    spoken = tuple(
        NumberMetric(n.digits, n.start, n.end, round(n.digits_per_s, 2)) for n in numbers
    )
    if a is None:
        return Metrics(
            duration_s=round(transcript.words[-1].end if words else 0.0, 2),
            speech_s=None,
            words=words,
            wpm=round(target_wpm, 1),
            leading_silence_s=None,
            longest_pause_s=None,
            filler_count=filler_count,
            pitch_variation_st=None,
            loudness_dbfs=None,
            phone_numbers=spoken,
        )
    wpm = speaking_rate(transcript, numbers, a)
    return Metrics(
        duration_s=round(a.duration_s, 2),
        speech_s=round(a.speech_s, 2),
        words=words,
        wpm=None if wpm is None else round(wpm, 1),
        leading_silence_s=round(a.leading_silence_s, 2),
        longest_pause_s=round(a.longest_pause_s, 2),
        filler_count=filler_count,
        pitch_variation_st=(
            None if a.pitch_variation_st is None else round(a.pitch_variation_st, 2)
        ),
        loudness_dbfs=round(a.loudness_dbfs, 1),
        phone_numbers=spoken,
        syllables_per_s=None if a.syllables_per_s is None else round(a.syllables_per_s, 2),
        message_s=message_seconds(a),
        filled_pauses=tuple(filled_pauses),
    )
