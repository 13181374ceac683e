"""Filled pauses ("um", "uh") heard in the audio, where Whisper writes no word.

Whisper leaves out most hesitations, and a verbatim-style prompt that makes
it write them breaks the rest of the transcript (bench ``fillers``), so the
coach listens for them itself, in two steps:

1. :func:`voiced_runs` (with the acoustics, before any transcript): the
   take's pitch track, already computed by
   :func:`coach.speech.acoustics.measure`, is cut into runs of voiced frames,
   and a run of ``min_s``–``max_s`` is *steady* when its pitch barely moves
   and its spectrum barely changes (MFCCs 1–12 stay close to their mean): a
   held vowel or nasal, as a hesitation is, and as a word's consonants and
   vowel glides are not.
2. :func:`filled_pauses` (once the words are known): a steady run that no
   transcript word accounts for.  Whisper's word times smear over a
   hesitation next to a word, so a word accounts for a steady run only when
   the run is the only voiced sound it overlaps; a word that also overlaps
   another voiced sound is that sound, and the steady run beside it is a
   filled pause.  When Whisper did write "um", the word accounts for the run
   and the rubric counts the word, not both.

Thresholds were tuned on the dev half of ``audio_fixtures/fillers/`` and checked
against the real-voice digit takes and the synthetic fixtures, where there
are none (bench ``fillers`` has precision and recall on the frozen half).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from coach.speech.transcribe import Word


#: how a filled pause heard only is shown in a transcript and in evidence
FILLED_PAUSE_MARK = "[um]"


@dataclass(frozen=True)
class VoicedRun:
    """Consecutive voiced frames, seconds from the start of the take."""

    start: float
    end: float
    #: held pitch and spectrum for ``min_s``–``max_s``: what a filled pause sounds like
    steady: bool = False


@dataclass(frozen=True)
class FilledPause:
    """A hesitation ("um", "uh") heard between words, seconds from the start of the take."""

    start: float
    end: float


@dataclass(frozen=True)
class FillerOptions:
    """What counts as a steady run (see :func:`voiced_runs`).

    Attributes
    ----------
    min_s, max_s : float
        A filled pause lasts 0.2–1.0 s: shorter is a syllable, longer a held
        note or a hum.
    join_gap_s : float
        Voiced frames this close are one run (the tracker drops a frame or
        two inside a vowel).
    pitch_range_st : float
        The P10–P90 range of the run's pitch, semitones, at most: a
        hesitation is held on one note or drifts down a little.
    mfcc_delta : float
        Mean Euclidean distance of MFCCs 1–12 between consecutive frames, at
        most: a word's consonants and glides move the spectrum every frame.
    mfcc_spread : float
        Mean distance of the frames' MFCCs 1–12 from their mean, at most: a
        word that drifts slowly (a diphthong) moves far in all.  The most
        telling of the three (dev: filled pauses 19–36, digits' vowels above
        40; docs/decisions.md).
    merge_gap_s : float
        Steady runs this close are one filled pause (a hesitation the
        tracker cut in two, as at an "um"'s turn from vowel to nasal).
    overlap_s : float
        A word overlapping another voiced run by less than this does not
        count as saying it (word edges are rough to ~20 ms).
    """

    min_s: float = 0.2
    max_s: float = 1.0
    join_gap_s: float = 0.03
    pitch_range_st: float = 4.0
    mfcc_delta: float = 20.0
    mfcc_spread: float = 38.0
    merge_gap_s: float = 0.1
    overlap_s: float = 0.03

    def __post_init__(self) -> None:
        for name in ("min_s", "max_s", "join_gap_s", "merge_gap_s", "overlap_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
        if self.max_s <= self.min_s:
            raise ValueError(f"max_s must be above min_s={self.min_s!r}, got {self.max_s!r}")
        for name in ("pitch_range_st", "mfcc_delta", "mfcc_spread"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


DEFAULT_OPTIONS = FillerOptions()


def voiced_runs(
    y: np.ndarray,
    *,
    sr: float,
    frames: np.ndarray,
    f0: np.ndarray,
    hop_length: int,
    options: FillerOptions = DEFAULT_OPTIONS,
) -> tuple[VoicedRun, ...]:
    """The runs of voiced frames of a take, each marked steady or not.

    Parameters
    ----------
    y : np.ndarray [shape=(n,), floating]
        Mono audio, full scale ±1.
    sr : number > 0
        Sample rate of ``y``, Hz.
    frames : np.ndarray [shape=(m,), int]
        Indices of the voiced frames, increasing (frame ``i`` is centred on
        sample ``i * hop_length``), as the acoustics' pitch tracker found them.
    f0 : np.ndarray [shape=(m,)]
        Pitch of those frames, Hz.
    hop_length : int > 0
        Samples between frames.
    options : FillerOptions

    Returns
    -------
    tuple of VoicedRun
        In time order; empty when nothing is voiced.
    """
    import numpy as np

    frames = np.asarray(frames)
    f0 = np.asarray(f0, dtype=np.float64)
    if frames.shape != f0.shape or frames.ndim != 1:
        raise ValueError(
            f"frames and f0 must be 1-D of one length, got {frames.shape} and {f0.shape}"
        )
    if frames.size == 0:
        return ()
    join = max(1, round(options.join_gap_s * sr / hop_length))
    breaks = np.flatnonzero(np.diff(frames) > join) + 1
    runs: list[VoicedRun] = []
    for idx in np.split(np.arange(frames.size), breaks):
        first, last = int(frames[idx[0]]), int(frames[idx[-1]])
        start, end = first * hop_length / sr, (last + 1) * hop_length / sr
        steady = options.min_s <= end - start <= options.max_s and _steady(
            y[first * hop_length : (last + 1) * hop_length],
            f0[idx],
            sr=sr,
            hop=hop_length,
            options=options,
        )
        runs.append(VoicedRun(round(start, 3), round(end, 3), steady))
    return tuple(runs)


def _steady(
    segment: np.ndarray, f0: np.ndarray, *, sr: float, hop: int, options: FillerOptions
) -> bool:
    import librosa
    import numpy as np

    semitones = 12.0 * np.log2(f0 / np.median(f0))
    p10, p90 = np.percentile(semitones, [10.0, 90.0])
    if p90 - p10 > options.pitch_range_st:
        return False
    n_fft = 1 << max(8, math.ceil(math.log2(0.032 * sr)))  # 32 ms windows: 512 at 16 kHz
    mfcc = librosa.feature.mfcc(
        y=segment.astype(np.float32), sr=sr, n_mfcc=13, n_fft=n_fft, hop_length=hop
    )[1:]
    if mfcc.shape[1] < 2:
        return False
    delta = float(np.mean(np.linalg.norm(np.diff(mfcc, axis=1), axis=0)))
    spread = float(np.mean(np.linalg.norm(mfcc - mfcc.mean(axis=1, keepdims=True), axis=0)))
    return delta <= options.mfcc_delta and spread <= options.mfcc_spread


def filled_pauses(
    runs: Sequence[VoicedRun], words: Sequence[Word], *, options: FillerOptions = DEFAULT_OPTIONS
) -> tuple[FilledPause, ...]:
    """The steady runs that no word of the transcript accounts for.

    A word accounts for a steady run it overlaps unless it also overlaps
    (by ``overlap_s`` or more) a voiced run that is not steady: then the word
    is that sound, its time stretched over the hesitation beside it.
    Steady runs closer than ``merge_gap_s`` become one filled pause.

    Parameters
    ----------
    runs : sequence of VoicedRun
        From :func:`voiced_runs`, in time order.
    words : sequence of Word
        The transcript's words, in time order.

    Returns
    -------
    tuple of FilledPause
        In time order.
    """
    plain = [r for r in runs if not r.steady]
    found: list[FilledPause] = []
    for run in runs:
        if not run.steady:
            continue
        if any(
            _overlap(w.start, w.end, run.start, run.end) > 0 and not _says_other(w, plain, options)
            for w in words
        ):
            continue
        if found and run.start - found[-1].end <= options.merge_gap_s:
            found[-1] = FilledPause(found[-1].start, run.end)
        else:
            found.append(FilledPause(run.start, run.end))
    return tuple(found)


def _says_other(word: Word, plain: Sequence[VoicedRun], options: FillerOptions) -> bool:
    return any(_overlap(word.start, word.end, r.start, r.end) >= options.overlap_s for r in plain)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)
