"""End to end on real audio: the bundled Whisper model on every fixture take.

Ground truth is ``audio_fixtures/fixtures.toml``: the digits each take says
and the status the audio-decidable checks must reach.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.context import Context, Prospect, Rep
from coach.pipeline import score_file
from coach.report import SCHEMA, Report, to_json
from coach.rubric.config import load_rubric
from tests.conftest import fixture_manifest
from tests.scripts import METRIC_KEYS, REPORT_KEYS

MANIFEST = fixture_manifest()
TAKES = {name: entry for name, entry in MANIFEST.items() if not name.startswith("bench_")}
RUBRIC = load_rubric()


def _context(entry: dict[str, Any]) -> Context:
    digits = entry.get("callback_digits", "")
    return Context(
        touch=entry.get("touch"),
        rep=Rep(
            name=entry.get("rep_name", ""),
            company=entry.get("rep_company", ""),
            phone=digits,
        ),
        prospect=Prospect(
            name=entry.get("prospect_name", ""), company=entry.get("prospect_company", "")
        ),
    )


_CACHE: dict[str, Report] = {}


def _score(name: str, transcriber: Any, fixtures_dir: Path) -> Report:
    if name not in _CACHE:
        entry = MANIFEST[name]
        _CACHE[name] = score_file(
            fixtures_dir / entry["file"],
            transcriber=transcriber,
            context=_context(entry),
            rubric=RUBRIC,
            max_minutes=15,
        )
    return _CACHE[name]


@pytest.mark.model
@pytest.mark.parametrize("name", sorted(TAKES))
def test_fixture_take(name: str, transcriber: Any, fixtures_dir: Path) -> None:
    entry = TAKES[name]
    report = _score(name, transcriber, fixtures_dir)
    got = {c.id: c.status for c in report.checks}
    wrong = {
        check: f"expected {want}, got {got[check]}"
        for check, want in entry.get("expect", {}).items()
        if got[check] != want
    }
    assert not wrong, f"{name}: {wrong}\n{report.transcript.text}"
    digits = entry.get("callback_digits", "")
    if digits:
        heard = [n.digits for n in report.metrics.phone_numbers]
        assert digits in heard, f"{name}: heard {heard}: {report.transcript.text}"


@pytest.mark.model
@pytest.mark.parametrize("suffix", [".mp3", ".m4a", ".ogg"])
def test_compressed_copies_give_the_same_number(
    suffix: str, transcriber: Any, fixtures_dir: Path
) -> None:
    entry = MANIFEST["t1_good_slt"]
    report = score_file(
        (fixtures_dir / entry["file"]).with_suffix(suffix),
        transcriber=transcriber,
        context=_context(entry),
        rubric=RUBRIC,
        max_minutes=15,
    )
    assert entry["callback_digits"] in [n.digits for n in report.metrics.phone_numbers]


@pytest.mark.model
def test_json_report_has_the_spec_shape(fixtures_dir: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "score",
            str(fixtures_dir / "t1_good_slt.flac"),
            "--json",
            "--touch",
            "1",
            "--callback",
            "415-555-0134",
        ],
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == REPORT_KEYS
    assert report["schema"] == SCHEMA
    assert report["touch"] == 1
    assert report["model"] == "base"
    assert set(report["transcript"]) == {"text", "words"}
    assert set(report["transcript"]["words"][0]) == {"word", "start", "end", "probability"}
    assert list(report["metrics"]) == METRIC_KEYS
    assert set(report["metrics"]["phone_numbers"][0]) == {"digits", "start", "end", "digits_per_s"}
    check = report["checks"][0]
    assert set(check) == {"id", "status", "message", "advice", "evidence"}
    ids = [c["id"] for c in report["checks"]]
    assert ids == list(RUBRIC.tables)
    assert 0 <= report["score"] <= 100
    assert len(report["fixes"]) <= 3


@pytest.mark.model
def test_several_files_give_a_list_and_a_bad_one_exits_2(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    good = fixtures_dir / "t1_trick_kal.flac"
    result = CliRunner().invoke(app, ["score", str(good), str(bad), "--json"])
    assert result.exit_code == 2
    reports = json.loads(result.stdout)
    assert [r["source"] for r in reports] == [str(good)]
    assert "notes.wav is not a readable audio file" in result.stderr


@pytest.mark.model
def test_scoring_touches_no_network(
    transcriber: Any, fixtures_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every socket refused, a take still scores: nothing is fetched at run time."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    from coach.speech import models
    from coach.speech.transcribe import Transcriber

    fresh = Transcriber(str(models.resolve("tiny.en")), name="tiny.en")
    report = score_file(
        fixtures_dir / "t1_trick_kal.flac",
        transcriber=fresh,
        context=Context(),
        rubric=RUBRIC,
        max_minutes=15,
    )
    assert report.transcript.words
    assert to_json(report)["model"] == "tiny.en"


def test_hotwords_name_people_and_companies_never_digits() -> None:
    from coach.practice.cards import find_card

    context = find_card("acme-t1").context()
    assert context.hotwords() == "Chris Walker, Northwind Logistics, Dana Reyes, Acme, Globex"
    assert Context(rep=Rep(name="Agent 007", company="3M")).hotwords() is None
    assert Context().hotwords() is None


@pytest.mark.model
def test_a_take_whisper_ends_early_with_hotwords_still_keeps_its_number(
    transcriber: Any, fixtures_dir: Path
) -> None:
    """With the card's names as hotwords, base drops this take's last sentence (the
    number); the tail is transcribed again without them and the number is heard."""
    from coach.practice.cards import find_card

    report = score_file(
        fixtures_dir / "t2_did_you_get_espeak.flac",
        transcriber=transcriber,
        context=find_card("acme-t2").context(),
        rubric=RUBRIC,
        max_minutes=15,
    )
    assert "Dana" in report.transcript.text
    assert [n.digits for n in report.metrics.phone_numbers] == ["4155550134"]
