#!/usr/bin/env python3
"""How soon after ``coach record`` stops does the report appear?

Plays a 30 s take into the virtual microphone (``scripts/virtual-mic``) while
``coach record --json --max-seconds 32`` runs as a real process, and reads
the ``after_stop`` time it reports (``COACH_TIMINGS=1``): seconds from the
stop to the report being ready.  Two ways to stop, each round:

``enter``
    The rep stops right after the last word: Ctrl-C (which stops like Enter;
    stdin is not a terminal here) 0.3 s after the take's speech ends.  The
    hard case: the last stretch of speech is still to transcribe.
``max-seconds``
    ``--max-seconds 32`` ends the take, 5 s after the speech; the last
    piece was transcribed during that silence.

The same take is then scored from its file with ``coach score --json`` (the
whole process), for comparison.

    python bench/bench_record.py                     # bench_30s.flac, base, 3 rounds
    python bench/bench_record.py --rounds 5 --model tiny.en

Target (SPEC "Performance"): feedback within 2 s of stopping, on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VMIC = ROOT / "scripts" / "virtual-mic"
DEFAULT_FILE = ROOT / "audio_fixtures" / "bench_30s.flac"
MAX_SECONDS = 32.0


def speech_end_s(path: Path) -> float:
    """When the last sound of ``path`` ends, seconds (10 ms hops above -45 dBFS)."""
    import numpy as np

    from coach.audio import load
    from coach.live import hop_levels_db

    loud = np.flatnonzero(hop_levels_db(load(path).samples) > -45.0)
    return float(loud[-1] + 1) / 100


def timings_of(stderr: str) -> dict[str, float]:
    line = next(x for x in stderr.splitlines() if x.startswith("timings: "))
    return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def record_once(
    take: Path, *, stop: str, model: str, env: dict[str, str], speech_end: float, scratch: Path
) -> tuple[dict[str, float], Path]:
    home = Path(tempfile.mkdtemp(prefix="home-", dir=scratch))
    run_env = {**env, "COACH_HOME": str(home), "COACH_TIMINGS": "1"}
    cmd = [sys.executable, "-m", "coach", "record", "--json", "--model", model]
    err = (home / "stderr").open("w+")
    proc = subprocess.Popen(
        [*cmd, "--max-seconds", str(MAX_SECONDS)],
        env=run_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=err,
    )
    takes = home / "takes"
    while not any(p.stat().st_size > 10_000 for p in takes.glob("*.wav")):
        if proc.poll() is not None:
            raise SystemExit(f"coach record ended early:\n{(home / 'stderr').read_text()}")
        time.sleep(0.02)
    time.sleep(0.3)
    began = time.monotonic()
    player = subprocess.Popen([str(VMIC), "play", str(take)], env=env)
    if stop == "enter":
        time.sleep(max(0.0, began + speech_end + 0.3 - time.monotonic()))
        proc.send_signal(signal.SIGINT)
    if proc.wait(timeout=120) != 0:
        raise SystemExit(f"coach record failed:\n{(home / 'stderr').read_text()}")
    player.terminate()
    player.wait()
    err.close()
    return timings_of((home / "stderr").read_text()), next(takes.glob("*.wav"))


def score_file_s(path: Path, *, model: str) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "coach", "score", str(path), "--json", "--model", model],
        check=True,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--model", default="base")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from coach import models

    models.resolve(args.model)  # assemble once, outside the timings
    scratch = Path(tempfile.mkdtemp(prefix="bench-record-"))
    vmic_dir = scratch / "vmic"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    env.update(COACH_VMIC_DIR=str(vmic_dir), PULSE_SERVER=f"unix:{vmic_dir}/native")
    subprocess.run([str(VMIC), "up"], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        end = speech_end_s(args.file)
        results: dict[str, list[dict[str, float]]] = {"enter": [], "max-seconds": []}
        scored: list[float] = []
        once = {"model": args.model, "env": env, "speech_end": end, "scratch": scratch}
        record_once(args.file, stop="enter", **once)  # warms the page cache
        for _ in range(args.rounds):
            for stop in results:
                timings, take = record_once(args.file, stop=stop, **once)
                results[stop].append(timings)
            scored.append(score_file_s(take, model=args.model))
    finally:
        subprocess.run([str(VMIC), "down"], env=env, check=False)
        shutil.rmtree(scratch, ignore_errors=True)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"file: {args.file.name} (speech ends at {end:.1f} s), model: {args.model}, "
        f"rounds: {args.rounds} (medians)"
    )
    for stop, runs in results.items():
        after = [r["after_stop"] for r in runs]
        last = [r["transcribe_after_stop"] for r in runs]
        print(
            f"after stop, {stop:<12} {statistics.median(after):5.2f} s   "
            f"runs: {', '.join(f'{t:.2f}' for t in after)}   "
            f"(last piece {statistics.median(last):.2f} s, "
            f"pieces {statistics.median(r.get('live_pieces', 0) for r in runs):.0f})"
        )
    print("target: < 2.00 s after stop")
    print(
        f"{'coach score FILE --json':<24} {statistics.median(scored):5.2f} s   "
        f"runs: {', '.join(f'{t:.2f}' for t in scored)}   (the same takes, whole process)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
