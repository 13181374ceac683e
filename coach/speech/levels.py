"""Levels hop by hop and the silence gate: where speech stops and the room's noise begins.

Shared by the recorder's level meter and the piece cutter that transcribes a
take while it is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from coach.speech.audio import SAMPLE_RATE

#: samples in one 10 ms hop at 16 kHz, the unit the silence gate judges
HOP = SAMPLE_RATE // 100


def hop_levels_db(y: np.ndarray) -> np.ndarray:
    """RMS level of each whole hop of 16 kHz ``y``, dBFS [shape=(len(y) // HOP,)]."""
    n = y.size // HOP
    power = np.mean(np.square(y[: n * HOP].reshape(n, HOP), dtype=np.float64), axis=1)
    levels: np.ndarray = 10.0 * np.log10(np.maximum(power, 1e-12))
    return levels


def noise_gate_db(
    recent_db: Iterable[float], *, silence_db: float, margin_db: float, headroom_db: float = 12.0
) -> float:
    """The level below which audio counts as silence, dBFS.

    ``silence_db``, or ``margin_db`` above the room's noise floor (the 10th
    percentile of ``recent_db``, the levels of recent hops or blocks) when
    that is higher — a fan or a hissy laptop microphone would otherwise leave
    no silence at all — but never within ``headroom_db`` of the loudest
    level, so a rep talking without a break is not taken for the noise floor.
    Fewer than 100 levels and the floor is not trusted yet.
    """
    levels = np.fromiter(recent_db, dtype=np.float64)
    if levels.size < 100:
        return silence_db
    raised = float(np.percentile(levels, 10)) + margin_db
    return max(silence_db, min(raised, float(np.max(levels)) - headroom_db))


#: hops per block of the running gate: each block's gate is set from the hops before it
GATE_BLOCK = 100
#: hops of history the running gate looks back over (~30 s)
GATE_HISTORY = 3000
#: a run of loud hops this long is speech, not a click or a key press (hops)
MIN_SPEECH_HOPS = 15
#: Whisper hears a take up to this long after its last speech, seconds
TAIL_PAD_S = 0.5


@dataclass(frozen=True)
class Heard:
    """The stretch of a take Whisper is given: from the start to ``cut``.

    ``speech_end`` is where the last speech ends; ``cut`` is
    :data:`TAIL_PAD_S` later, or the end of the audio when that comes first
    (samples at 16 kHz; ``speech_end`` is 0 when nothing was said).
    """

    cut: int
    speech_end: int

    @property
    def speech_end_s(self) -> float:
        return self.speech_end / SAMPLE_RATE


class SpeechEnd:
    """Where the speech of a growing 16 kHz stream ends, hop by hop, looking only back.

    Each hop is judged against a gate (:func:`noise_gate_db`) set from the
    hops before its block, never from later ones, so the answer for the
    first *n* samples of a take does not change when more are fed — as long
    as no speech follows — and does not depend on the block sizes fed.
    That is what lets ``coach record`` hear a take while it is recorded
    exactly as ``coach score`` hears the saved file (:func:`heard`).
    """

    def __init__(self, *, silence_db: float = -45.0, margin_db: float = 10.0) -> None:
        self.silence_db = silence_db
        self.margin_db = margin_db
        self.size = 0  # samples fed
        self._rest = np.zeros(0, dtype=np.float32)  # the samples of a hop not yet whole
        self._levels: list[float] = []
        self._gate = silence_db
        self._run = 0
        self._end = 0  # end of the last speech, samples

    def feed(self, y: np.ndarray) -> None:
        self.size += y.size
        y = np.concatenate([self._rest, np.asarray(y, dtype=np.float32)])
        whole = y.size - y.size % HOP
        self._rest = y[whole:].copy()
        for level in hop_levels_db(y[:whole]).tolist():
            i = len(self._levels)
            if i % GATE_BLOCK == 0:
                self._gate = noise_gate_db(
                    self._levels[-GATE_HISTORY:],
                    silence_db=self.silence_db,
                    margin_db=self.margin_db,
                )
            self._levels.append(level)
            if level >= self._gate:
                self._run += 1
                if self._run >= MIN_SPEECH_HOPS:
                    self._end = (i + 1) * HOP
            else:
                self._run = 0

    @property
    def heard(self) -> Heard:
        """What Whisper is given of the stream so far."""
        if self._end == 0:
            return Heard(cut=self.size, speech_end=0)
        return Heard(
            cut=min(self.size, self._end + round(TAIL_PAD_S * SAMPLE_RATE)),
            speech_end=self._end,
        )

    @property
    def settled(self) -> bool:
        """Whether speech has been heard and :data:`TAIL_PAD_S` of quiet has followed it."""
        return self._end > 0 and self.heard.cut < self.size


def heard(y: np.ndarray) -> Heard:
    """What Whisper is given of a whole 16 kHz take (see :class:`SpeechEnd`)."""
    ends = SpeechEnd()
    ends.feed(y)
    return ends.heard
