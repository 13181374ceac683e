"""Inputs built at bench time: long takes for the growth curve, the batch's file list.

A 10-minute FLAC is too big for the repository, so the growth curve's takes
are made here from the fixture takes with sox, into ``bench/out/takes/``
(git-ignored), and reused while their recipe is unchanged.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.lib import FIXTURES, OUT

#: 16 kHz speech takes in three voices, joined in this order (and again) for long takes
SPEECH = (
    "t1_good_slt",
    "t1_good_kal",
    "t2_good_espeak",
    "t3_good_slt",
    "t2_did_you_get_espeak",
    "t1_trick_kal",
)


def manifest() -> dict[str, dict[str, Any]]:
    return tomllib.loads((FIXTURES / "fixtures.toml").read_text())


def fixture_path(name: str) -> Path:
    return FIXTURES / str(manifest()[name]["file"])


def long_take(seconds: float) -> Path:
    """A take of exactly ``seconds`` of continuous speech (several voices), 16 kHz FLAC.

    The :data:`SPEECH` takes one after another, round again as often as
    needed, cut at ``seconds`` with a 50 ms fade so the cut does not click.
    Every take has its own 0.3 s lead-in and 0.6 s tail, so the speech has
    a sentence-length pause every ~28 s, like a real long message.
    """
    sox = shutil.which("sox")
    if sox is None:
        raise SystemExit("bench: sox is needed to build the long takes (apt install sox)")
    parts: list[Path] = []
    total = 0.0
    while total < seconds:
        name = SPEECH[len(parts) % len(SPEECH)]
        parts.append(fixture_path(name))
        total += float(manifest()[name]["duration_s"])
    recipe = f"{seconds}|" + "|".join(p.name for p in parts)
    tag = hashlib.sha256(recipe.encode()).hexdigest()[:8]
    target = OUT / "takes" / f"speech_{seconds:g}s_{tag}.flac"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part.flac")
    subprocess.run(
        [sox, "-R", "-D", "-V1", *map(str, parts), "-r", "16000", "-c", "1", "-b", "16",
         str(partial), "trim", "0", f"{seconds}", "fade", "0", f"{seconds}", "0.05"],
        check=True,
    )  # fmt: skip
    partial.rename(target)
    return target


def batch(count: int) -> list[Path]:
    """``count`` takes for one ``coach score`` call: the fixture takes, in turn.

    Every recorded take of the manifest (the benchmark inputs left out:
    they repeat other takes), so the batch has every voice, rate and format.
    """
    takes = [name for name in manifest() if not name.startswith("bench_")]
    return [fixture_path(takes[i % len(takes)]) for i in range(count)]


def total_seconds(paths: Sequence[Path]) -> float:
    by_file = {v["file"]: float(v["duration_s"]) for v in manifest().values()}
    return sum(by_file[p.name] for p in paths)
