"""Levels hop by hop and the silence gate: where speech stops and the room's noise begins.

Shared by the recorder's level meter and the piece cutter that transcribes a
take while it is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable

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
