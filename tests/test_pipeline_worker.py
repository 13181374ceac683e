"""The acoustics worker: a take is scored even when the worker dies or hangs."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach import pipeline
from coach.context import Context
from coach.rubric.config import load_rubric
from coach.speech import acoustics
from coach.speech.audio import load

PARENT = os.getpid()


@pytest.fixture
def fresh_pool() -> Iterator[None]:
    """A new worker for the test, and a normal one again after it."""
    pipeline._drop_pool()
    yield
    pipeline._drop_pool()
    pipeline._FORK_HUNG = False


def _hang_in_the_worker(samples: Any, sr: int) -> acoustics.Acoustics:
    if os.getpid() != PARENT:  # only the forked worker: the parent must still measure
        time.sleep(3600)
    return _measure(samples, sr=sr)


def _die_in_the_worker(samples: Any, sr: int) -> acoustics.Acoustics:
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return _measure(samples, sr=sr)


_measure = acoustics.measure


@pytest.mark.model
@pytest.mark.parametrize("stand_in", [_hang_in_the_worker, _die_in_the_worker])
def test_take_is_scored_when_the_worker_hangs_or_dies(
    stand_in: Any,
    fresh_pool: None,
    transcriber: Any,
    fixtures_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(acoustics, "measure", stand_in)
    monkeypatch.setattr(pipeline, "ACOUSTICS_WAIT_S", (1.0, 0.0))
    audio = load(fixtures_dir / "t1_good_slt.flac")
    began = time.monotonic()
    report = pipeline.score_audio(
        audio, transcriber=transcriber, context=Context(), rubric=load_rubric(None)
    )
    assert time.monotonic() - began < 60
    assert report.metrics.speech_s is not None and report.metrics.speech_s > 10
    assert {c.id: c.status for c in report.checks}["pauses"] != "skip"
    if stand_in is _hang_in_the_worker:
        assert pipeline._FORK_HUNG  # from now on a thread, not another fork
