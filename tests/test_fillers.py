"""Filled pauses heard in the audio: the detector on real takes, the word rule, the wiring.

The takes with filled pauses are ``audio_fixtures/fillers/`` (real FSDD digits with
"um"/"uh" spliced in; ``takes.toml`` says where); the takes without are the
real-voice number takes of ``audio_fixtures/real/``.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coach.context import Context
from coach.pipeline import judge_take
from coach.report import report_from_json, to_json
from coach.rubric.checks import Take
from coach.speech.acoustics import measure
from coach.speech.audio import load
from coach.speech.fillers import FilledPause, FillerOptions, VoicedRun, filled_pauses, voiced_runs
from coach.speech.transcribe import Transcript, Word
from coach.team import schema
from coach.team.store import Store
from coach.views.terminal import transcript_text
from tests.test_rules_audio import RUBRIC, acoustics, check, words_at

FILLERS = Path(__file__).resolve().parent.parent / "audio_fixtures" / "fillers"
REAL = FILLERS.parent / "real"
TAKES: dict[str, dict[str, Any]] = tomllib.loads((FILLERS / "takes.toml").read_text())
TOLERANCE_S = 0.15


def _near(pause: tuple[float, float], run: VoicedRun | FilledPause) -> bool:
    """Found where it starts (±0.15 s), and within it (a pause may be found in part)."""
    return abs(run.start - pause[0]) <= TOLERANCE_S and run.end <= pause[1] + TOLERANCE_S


@pytest.mark.parametrize("name", ["dev_jackson_3", "dev_nicolas_3", "dev_nicolas_2"])
def test_a_real_take_with_filled_pauses_has_steady_runs_where_they_are(name: str) -> None:
    take = TAKES[name]
    heard = measure(load(FILLERS / take["file"]).samples, sr=16_000)
    steady = [r for r in heard.voiced_runs if r.steady]
    for pause in take["fillers"]:
        if pause["end"] - pause["start"] < 0.3:
            continue
        span = (pause["start"], pause["end"])
        assert any(abs(r.start - span[0]) <= TOLERANCE_S for r in steady), (span, steady)
    # with no words to account for them, the steady runs are the filled pauses
    found = filled_pauses(heard.voiced_runs, ())
    assert found and all(
        any(
            _near((p["start"], p["end"]), f) or p["start"] - TOLERANCE_S <= f.start <= p["end"]
            for p in take["fillers"]
        )
        for f in found
    ), found


@pytest.mark.parametrize(
    "name",
    ["dev_jackson_1_clean", "dev_nicolas_5_phone", "dev_yweweler_2_clean", "test_jackson_4_phone"],
)
def test_real_speech_without_filled_pauses_has_no_steady_run(name: str) -> None:
    heard = measure(load(REAL / f"{name}.flac").samples, sr=16_000)
    assert heard.voiced_runs, "the digits are voiced"
    assert [r for r in heard.voiced_runs if r.steady] == []


def test_a_held_tone_is_steady_and_a_glide_is_not() -> None:
    sr = 16_000
    t = np.arange(int(0.5 * sr)) / sr
    held = 0.3 * np.sin(2 * np.pi * 150 * t)
    glide = 0.3 * np.sin(2 * np.pi * (150 * t + 400 * t**2))  # 150 -> 550 Hz
    f0_held = np.full(50, 150.0)
    f0_glide = 150 + 800 * np.arange(50) / 100
    frames = np.arange(50)
    (run,) = voiced_runs(held.astype(np.float32), sr=sr, frames=frames, f0=f0_held, hop_length=160)
    assert run.steady and run.start == 0.0 and run.end == 0.5
    (moving,) = voiced_runs(
        glide.astype(np.float32), sr=sr, frames=frames, f0=f0_glide, hop_length=160
    )
    assert not moving.steady
    # too long to be a hesitation: a held note
    long = voiced_runs(
        np.tile(held, 3).astype(np.float32),
        sr=sr,
        frames=np.arange(150),
        f0=np.full(150, 150.0),
        hop_length=160,
    )
    assert not long[0].steady


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("min_s", -1.0, "min_s must be a finite number of seconds >= 0, got -1.0"),
        ("max_s", 0.1, "max_s must be above min_s=0.2, got 0.1"),
        ("mfcc_spread", float("nan"), "mfcc_spread must be a finite number > 0, got nan"),
    ],
)
def test_bad_options_are_refused_by_name(field: str, value: float, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace("+", r"\+")):
        FillerOptions(**{field: value})


RUNS = (
    VoicedRun(1.0, 1.3),  # "my"
    VoicedRun(1.5, 2.0, steady=True),  # a hesitation
    VoicedRun(2.1, 2.4),  # "four"
    VoicedRun(3.0, 3.5, steady=True),  # a held vowel
    VoicedRun(3.55, 3.8, steady=True),  # ... the rest of it, cut by the tracker
)


@pytest.mark.parametrize(
    ("words", "found"),
    [
        # no word near the steady runs: both are filled pauses (the last two are one)
        ([Word("my", 1.0, 1.3), Word("four", 2.1, 2.4)], [(1.5, 2.0), (3.0, 3.8)]),
        # Whisper stretched "four" back over the hesitation: it is still one
        ([Word("my", 1.0, 1.3), Word("four", 1.45, 2.4)], [(1.5, 2.0), (3.0, 3.8)]),
        # a word over the steady run alone accounts for it ("uh" written, or a held word)
        ([Word("uh", 1.5, 2.0), Word("four", 2.1, 2.4)], [(3.0, 3.8)]),
        ([Word("my", 1.0, 1.3), Word("four", 2.1, 2.4), Word("oh", 2.95, 3.9)], [(1.5, 2.0)]),
    ],
)
def test_a_steady_run_no_word_accounts_for_is_a_filled_pause(
    words: list[Word], found: list[tuple[float, float]]
) -> None:
    assert [(p.start, p.end) for p in filled_pauses(RUNS, words)] == found


def _take(text: str, runs: tuple[VoicedRun, ...]) -> Take:
    words = words_at(text)
    return Take(
        Transcript(text, words),
        acoustics(words[-1].end + 0.5, voiced_runs=runs),
        (),
        Context(touch=1),
    )


TEXT = "Hi Dana, it's Chris Walker with Northwind, call me back when you can"


def test_filled_pauses_count_as_fillers_and_the_check_says_when() -> None:
    # words_at: 13 words, 0.4 s each from 0.5 s; a hesitation after "Walker" (ends 2.5 s)
    pause = VoicedRun(2.55, 3.0, steady=True)
    runs = (VoicedRun(2.1, 2.45), pause, VoicedRun(3.0, 3.3))
    words = words_at(TEXT)
    shifted = tuple(
        replace(w, start=w.start + 0.6, end=w.end + 0.6) if w.start >= 2.5 else w for w in words
    )
    take = Take(
        Transcript(TEXT, shifted),
        acoustics(shifted[-1].end + 0.5, voiced_runs=runs),
        (),
        Context(touch=1),
    )
    assert take.filled_pauses == (FilledPause(2.55, 3.0),)
    result = check(take, "fillers")
    assert result.status == "pass"
    assert "a filled pause (“um”) at 0:02" in result.message
    assert [(e.text, e.start) for e in result.evidence] == [("[um]", 2.55)]
    report = judge_take(take, RUBRIC, source="take.wav", model="base", timings={})
    assert report.metrics.filler_count == 1
    assert report.metrics.filled_pauses == (FilledPause(2.55, 3.0),)
    shown = transcript_text(report).plain
    assert "Chris Walker [um] with Northwind" in shown


def test_a_filler_written_and_heard_counts_once() -> None:
    text = "Hi Dana, it's Chris um Walker with Northwind"
    words = words_at(text)  # "um" is 2.1-2.5 s
    runs = (VoicedRun(1.7, 2.05), VoicedRun(2.12, 2.45, steady=True), VoicedRun(2.55, 2.85))
    take = Take(
        Transcript(text, words),
        acoustics(words[-1].end + 0.5, voiced_runs=runs),
        (),
        Context(touch=1),
    )
    report = judge_take(take, RUBRIC, source="take.wav", model="base", timings={})
    assert report.metrics.filler_count == 1
    assert report.metrics.filled_pauses == ()
    assert "“um” at 0:02" in check(take, "fillers").message


def test_many_filled_pauses_fail_the_check() -> None:
    runs = tuple(VoicedRun(20.0 + 2 * i, 20.4 + 2 * i, steady=True) for i in range(8))
    take = _take(TEXT, runs)  # the words end at 5.7 s: every run is between words
    result = check(take, "fillers")
    assert result.status == "fail"
    assert result.message.startswith("8 fillers, 8 a minute")
    assert "a filled pause (“um”) at 0:20" in result.message


def _report_with_pauses() -> Any:
    runs = (VoicedRun(20.0, 20.4, steady=True),)
    return judge_take(_take(TEXT, runs), RUBRIC, source="take.wav", model="base", timings={})


def test_filled_pauses_go_through_the_json_and_the_store(coach_home: Path) -> None:
    report = _report_with_pauses()
    data = to_json(report)
    assert data["metrics"]["filled_pauses"] == [{"start": 20.0, "end": 20.4}]
    schema.convert(data, schema.ReportDoc)
    assert report_from_json(json.loads(json.dumps(data))).metrics.filled_pauses == (
        FilledPause(20.0, 20.4),
    )
    with Store() as store:
        saved = store.save(report, rep="Chris Walker")
        again = store.get(saved.id)
    assert again.report.metrics.filled_pauses == (FilledPause(20.0, 20.4),)
    assert to_json(again.report) == data


def test_a_report_from_before_filled_pauses_still_loads() -> None:
    data = to_json(_report_with_pauses())
    del data["metrics"]["filled_pauses"]
    schema.convert(data, schema.ReportDoc)
    assert report_from_json(data).metrics.filled_pauses == ()
    data["metrics"]["filled_pauses"] = [{"start": -1.0, "end": 2.0}]
    with pytest.raises(schema.SchemaError, match="filled_pauses"):
        schema.convert(data, schema.ReportDoc)


@pytest.mark.model
def test_coach_hears_a_filled_pause_whisper_does_not_write(transcriber: Any) -> None:
    from coach.pipeline import score_file
    from coach.speech.audio import DEFAULT_MAX_MINUTES

    take = TAKES[FOUND_BY_DETECTOR]
    report = score_file(
        FILLERS / take["file"],
        transcriber=transcriber,
        context=Context(touch=1),
        rubric=RUBRIC,
        max_minutes=DEFAULT_MAX_MINUTES,
    )
    truth = [(p["start"], p["end"]) for p in take["fillers"]]
    assert report.metrics.filled_pauses
    for found in report.metrics.filled_pauses:
        assert any(_near(t, found) for t in truth), (found, truth)
    assert report.metrics.filler_count >= len(report.metrics.filled_pauses)
    (fillers,) = [c for c in report.checks if c.id == "fillers"]
    assert "a filled pause (“um”) at" in fillers.message


#: a dev take where Whisper writes no filler and the detector finds one (bench fillers)
FOUND_BY_DETECTOR = "dev_jackson_3"
