"""Shared fixtures: paths into audio_fixtures/, the real Whisper model, a clean cache."""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pgcluster import Cluster, StoreAt
from tests.pgcluster import down as pg_down
from tests.pgcluster import up as pg_up
from tests.vmic import VirtualMic, down, missing, restart_if_gone, unavailable, up

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"


def fixture_manifest() -> dict[str, dict[str, Any]]:
    """The takes in audio_fixtures/ with their ground truth (fixtures.toml)."""
    with (FIXTURES / "fixtures.toml").open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(autouse=True)
def coach_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh COACH_HOME per test: no real profile, cards or takes leak in or out."""
    home = tmp_path / "coach-home"
    monkeypatch.setenv("COACH_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def transcriber() -> Any:
    """The bundled ``base`` model, loaded once for the whole run."""
    from coach.speech import models
    from coach.speech.transcribe import Transcriber

    return Transcriber(str(models.resolve("base")), name="base")


@pytest.fixture(scope="session")
def _session_mic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualMic]:
    reason = missing()
    if reason:
        unavailable(reason)
    # A short path: a unix socket's path has a limit of ~107 bytes.
    mic = up(tmp_path_factory.mktemp("vmic"))
    yield mic
    down(mic)


@pytest.fixture
def vmic(_session_mic: VirtualMic) -> Iterator[VirtualMic]:
    """The run's one virtual microphone, running; nothing still plays into it after a test.

    A server that went away between tests is started again, with a warning that carries
    its log, so one lost server cannot fail every microphone test after it.
    """
    said = restart_if_gone(_session_mic)
    if said is not None:
        warnings.warn(f"the virtual microphone's server had gone away; log:\n{said}", stacklevel=1)
    yield _session_mic
    _session_mic.stop_players()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Kill any process a test started with multiprocessing and left running.

    Python joins such children when it exits, so one hung child would keep the
    whole run (and CI) waiting after the last test has finished.
    """
    import multiprocessing

    for child in multiprocessing.active_children():
        child.kill()
        child.join(timeout=5)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """The run's one throwaway PostgreSQL cluster (see tests/pgcluster.py)."""
    cluster = pg_up()
    yield cluster
    pg_down(cluster)


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh, empty database of its own for this test; its URL."""
    url = pg_cluster.fresh()
    yield url
    pg_cluster.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_at(request: pytest.FixtureRequest, coach_home: Path) -> StoreAt:
    """The test's store on each back end: ``coach.db`` in COACH_HOME, or a fresh database.

    A PostgreSQL store keeps its audio in its default folder, ``COACH_HOME/team-audio``.
    """
    if request.param == "sqlite":
        return StoreAt("sqlite", coach_home / "coach.db")
    return StoreAt("postgresql", request.getfixturevalue("pg_url"))
