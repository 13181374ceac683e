"""The coach.report/1 shape, in the fast loop: a text take, no Whisper.

The take's audio is a fixture (so every acoustic metric is there) and its
transcript is its script, timed at a speaking pace; the JSON is what
``coach score --json`` prints for it.  test_score_fixtures.py checks the same
shape end to end with the real model.
"""

from __future__ import annotations

import json
from pathlib import Path

from coach.context import Context, Rep
from coach.pipeline import score_transcribed
from coach.report import SCHEMA, report_from_json, to_json
from coach.rubric.config import load_rubric
from coach.speech.audio import load
from coach.speech.transcribe import Transcript
from tests.scripts import METRIC_KEYS, REPORT_KEYS

RUBRIC = load_rubric()


def test_a_text_take_has_the_spec_shape(fixtures_dir: Path) -> None:
    audio = load(fixtures_dir / "t1_good_slt.flac")
    script = (fixtures_dir / "t1_good_slt.txt").read_text(encoding="utf-8")
    context = Context(touch=1, rep=Rep(phone="4155550134"))
    report = score_transcribed(
        audio, Transcript.from_text(script, wpm=150), model="base", context=context, rubric=RUBRIC
    )
    data = json.loads(json.dumps(to_json(report)))
    assert list(data) == REPORT_KEYS
    assert data["schema"] == SCHEMA
    assert (data["touch"], data["model"]) == (1, "base")
    assert set(data["transcript"]) == {"text", "words"}
    assert set(data["transcript"]["words"][0]) == {"word", "start", "end", "probability"}
    assert list(data["metrics"]) == METRIC_KEYS
    spoken = ("speech_s", "wpm", "loudness_dbfs", "syllables_per_s", "message_s")
    assert all(data["metrics"][k] is not None for k in spoken)
    assert set(data["metrics"]["phone_numbers"][0]) == {"digits", "start", "end", "digits_per_s"}
    assert set(data["checks"][0]) == {"id", "status", "message", "advice", "evidence"}
    assert [c["id"] for c in data["checks"]] == list(RUBRIC.tables)
    assert 0 <= data["score"] <= 100
    assert len(data["fixes"]) <= 3
    assert to_json(report_from_json(data)) == data


def test_a_pass_has_no_advice_in_the_json_even_from_an_older_report() -> None:
    """A report saved before #16 may carry a tip on a passing check; the JSON drops it,
    a problem's advice stays."""
    from dataclasses import replace

    from tests.scripts import WEAK, script_report

    report = script_report(WEAK)
    old = replace(
        report,
        checks=tuple(replace(c, advice=c.advice or "Say it again.") for c in report.checks),
    )
    checks = to_json(old)["checks"]
    assert {c["status"] for c in checks} >= {"pass", "fail"}
    assert [c["id"] for c in checks if c["status"] == "pass" and c["advice"]] == []
    assert all(c["advice"] for c in checks if c["status"] in ("warn", "fail"))
