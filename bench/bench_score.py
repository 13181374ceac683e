#!/usr/bin/env python3
"""How much does the coach add on top of faster-whisper alone?

Times, side by side in one run and alternating, the whole
``coach score FILE --json`` process against a bare faster-whisper process
transcribing the same file with the same model folder and decoding settings
(import + load + transcribe in both), and prints the medians and the ratio.

    python bench/bench_score.py                       # 30 s fixture, base, 5 rounds
    python bench/bench_score.py --model tiny.en --rounds 7 audio_fixtures/bench_60s.flac

Target (SPEC "Performance"): ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "audio_fixtures" / "bench_30s.flac"

# Exactly the settings coach.transcribe uses by default.
BARE = """
import os, sys
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8",
                     cpu_threads=os.cpu_count() or 1, local_files_only=True)
segments, info = model.transcribe(sys.argv[2], beam_size=int(sys.argv[3]), language="en",
                                  word_timestamps=True)
print(sum(len(s.words or ()) for s in segments))
"""


# Sessions the timed runs save go to a throwaway store, not the user's.
ENV = {**os.environ, "COACH_HOME": tempfile.mkdtemp(prefix="coach-bench-")}


def timed(cmd: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--model", default="base")
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from coach import models

    folder = str(models.resolve(args.model))  # assemble once, outside the timings
    coach_cmd = [
        sys.executable,
        "-m",
        "coach",
        "score",
        str(args.file),
        "--json",
        "--model",
        args.model,
        "--beam-size",
        str(args.beam_size),
    ]
    bare_cmd = [sys.executable, "-c", BARE, folder, str(args.file), str(args.beam_size)]

    # One untimed run of each warms the page cache and numba's on-disk cache.
    timed(coach_cmd)
    timed(bare_cmd)
    coach_t: list[float] = []
    bare_t: list[float] = []
    for _ in range(args.rounds):
        bare_t.append(timed(bare_cmd))
        coach_t.append(timed(coach_cmd))

    c, b = statistics.median(coach_t), statistics.median(bare_t)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"file: {args.file.name}, model: {args.model}, beam size: {args.beam_size}, "
        f"rounds: {args.rounds} (alternating, medians)"
    )
    print(
        f"{'faster-whisper alone':<24} {b:6.2f} s   runs: {', '.join(f'{t:.2f}' for t in bare_t)}"
    )
    print(f"{'coach score --json':<24} {c:6.2f} s   runs: {', '.join(f'{t:.2f}' for t in coach_t)}")
    print(f"{'ratio':<24} {c / b:6.2f}×   (target ≤ 1.30)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
