"""Several takes in one call: two at a time on two cores, results in the order given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.context import Context, Prospect, Rep
from coach.errors import AudioError
from coach.pipeline import batch_jobs, score_files
from coach.report import Report
from coach.rubric.config import load_rubric

runner = CliRunner()


@pytest.mark.parametrize(
    ("takes", "cores", "jobs"),
    [(1, 2, 1), (1, 8, 1), (2, 1, 1), (20, 1, 1), (2, 2, 2), (20, 2, 2), (20, 8, 2)],
)
def test_batch_jobs(takes: int, cores: int, jobs: int) -> None:
    assert batch_jobs(takes, cores=cores) == jobs


@pytest.mark.model
def test_two_at_a_time_keeps_the_order_and_reports_a_bad_file(
    fixtures_dir: Path, tmp_path: Path
) -> None:
    from coach.speech import models
    from coach.speech.transcribe import Transcriber

    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    paths = [fixtures_dir / "t1_trick_kal.flac", bad, fixtures_dir / "t2_did_you_get_espeak.flac"]
    loads: list[int] = []

    def load() -> Transcriber:
        loads.append(1)
        return Transcriber(str(models.resolve("base")), name="base", threads=1, workers=2)

    context = Context(touch=1, rep=Rep("Chris Walker", "Northwind Logistics", "4155550134"),
                      prospect=Prospect("Dana Reyes", company="Acme"))  # fmt: skip
    results = list(
        score_files(
            paths,
            transcriber=load,
            context=context,
            rubric=load_rubric(),
            max_minutes=15,
            jobs=2,
        )
    )
    assert [p for p, _ in results] == paths
    assert loads == [1], "the model is loaded once for the batch"
    first, failed, last = (r for _, r in results)
    assert isinstance(failed, AudioError)
    assert isinstance(first, Report) and isinstance(last, Report)
    assert first.source == str(paths[0]) and last.source == str(paths[2])
    for report in (first, last):
        assert "4155550134" in [n.digits for n in report.metrics.phone_numbers]


@pytest.mark.model
def test_score_several_files_json_in_order(fixtures_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    takes = [fixtures_dir / "t1_trick_kal.flac", bad, fixtures_dir / "t2_did_you_get_espeak.flac"]
    result = runner.invoke(app, ["score", *map(str, takes), "--json", "--no-save"])
    assert result.exit_code == 2
    reports = json.loads(result.stdout)
    assert [r["source"] for r in reports] == [str(takes[0]), str(takes[2])]
    assert "is not a readable audio file" in result.stderr
