"""How cost grows: seconds per audio second from 10 s to 10 min, and a batch of 20 takes.

Growth
    ``coach score`` (whole process) on takes of continuous speech of each
    length, built from the fixtures (:func:`bench.takes.long_take`), lengths
    in turn each round.  Whisper works in 30 s windows: the transcription
    of a 10 s take costs a whole window, so the cost per audio second falls
    until the takes fill their windows, then stays flat if the rest is linear.

Batch
    One ``coach score`` call with 20 takes: takes per minute, audio minutes per
    minute, and how busy the cores were — the CPU time of the process and its
    children over wall time × cores, and, sampled four times a second from
    /proc, how often both cores were busy.
"""

from __future__ import annotations

import math
import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench import takes as tk
from bench.lib import (
    CORES,
    NOW,
    OUT,
    Coach,
    Run,
    Section,
    Table,
    coach_env,
    fmt_runs,
    median,
    run,
    timings_of,
)
from bench.speed import default_beam, score_args

TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Point:
    seconds: float
    runs: list[Run]

    @property
    def wall(self) -> float:
        return median([r.wall_s for r in self.runs])

    def stage(self, name: str) -> float:
        return median([timings_of(r.stderr)[0].get(name, 0.0) for r in self.runs])


def growth(plan: Sequence[tuple[float, int]], *, model: str) -> list[Point]:
    """Run each ``(seconds, rounds)`` of ``plan``, lengths in turn within a round."""
    env = coach_env(COACH_TIMINGS="1")
    beam = default_beam()
    jobs = {
        s: NOW.job(*score_args([tk.long_take(s)], model=model, beam_size=beam), env=env)
        for s, _ in plan
    }
    first = jobs[plan[0][0]]
    run(first.cmd, env=first.env)  # warms the page cache and numba's
    runs: dict[float, list[Run]] = {s: [] for s, _ in plan}
    for r in range(max(n for _, n in plan)):
        for s, n in plan:
            if r < n:
                runs[s].append(run(jobs[s].cmd, env=jobs[s].env))
    return [Point(s, runs[s]) for s, _ in plan]


def _per_window(p: Point) -> float:
    """Transcription seconds per 30 s window Whisper decodes."""
    return p.stage("transcribe") / math.ceil(p.seconds / 30)


def linearity(points: Sequence[Point]) -> tuple[float, float, float]:
    """Spread of the per-window transcription time over the takes of 60 s and longer.

    Returns ``(lowest, highest, highest / lowest)``.  Linear growth keeps it
    flat: every 30 s of audio costs the same.  Takes under 60 s are left out
    (a partly filled window costs less, and they are all one or two windows).
    """
    long = [p for p in points if p.seconds >= 60] or list(points)
    each = [_per_window(p) for p in long]
    return min(each), max(each), max(each) / min(each)


def growth_table(points: Sequence[Point], *, model: str) -> Table:
    table = Table(
        f"Cost per audio second, `coach score --json`, `{model}`, beam {default_beam()} (medians)",
        [
            "take",
            "rounds",
            "whole process",
            "per audio s",
            "marginal per s",
            "transcribe",
            "**per 30 s window**",
            "everything else",
            "acoustics (parallel)",
            "runs",
        ],
    )
    previous: Point | None = None
    for p in points:
        marginal = (
            "—"
            if previous is None
            else f"{(p.wall - previous.wall) / (p.seconds - previous.seconds):.3f} s"
        )
        windows = math.ceil(p.seconds / 30)
        table.add(
            _label(p.seconds),
            str(len(p.runs)),
            f"{p.wall:.2f} s",
            f"{p.wall / p.seconds:.3f} s",
            marginal,
            f"{p.stage('transcribe'):.2f} s",
            f"**{_per_window(p):.2f} s** × {windows}",
            f"{p.wall - p.stage('transcribe'):.2f} s",
            f"{p.stage('acoustics'):.2f} s",
            fmt_runs([r.wall_s for r in p.runs], 1),
        )
        previous = p
    low, high, spread = linearity(points)
    table.notes.append(
        f"From 60 s on, every 30 s window Whisper decodes costs {low:.2f}–{high:.2f} s "
        f"(×{spread:.2f} between the cheapest and the dearest): "
        + ("linear within 25 %." if spread <= 1.25 else "**not linear within 25 %**.")
        + " `everything else` is the process minus the transcription (start-up, model load, "
        "decode, the coach's own stages): it hardly grows. Under 60 s a take pays that "
        "fixed part over fewer seconds, and a take shorter than 30 s still has its window "
        "padded to 30 s for the encoder, while the decoder's cost follows the words — "
        "hence the falling cost per audio second."
    )
    return table


# faster-whisper alone on one long take, conditioning on the previous window's
# text or not; prints what it found on stderr as JSON.
CONDITIONING = """
import json, os, sys, time
from faster_whisper import WhisperModel
folder, path, beam, hotwords, condition = sys.argv[1:6]
model = WhisperModel(folder, device="cpu", compute_type="int8",
                     cpu_threads=os.cpu_count() or 1, local_files_only=True)
began = time.perf_counter()
segments, _ = model.transcribe(path, beam_size=int(beam), language="en", word_timestamps=True,
                               hotwords=hotwords or None,
                               condition_on_previous_text=condition == "on")
segments = list(segments)
print(json.dumps({"seconds": time.perf_counter() - began,
                  "words": sum(len(s.words or ()) for s in segments),
                  "segments": len(segments),
                  "fallback": sum(s.temperature > 0 for s in segments)}), file=sys.stderr)
"""


def conditioning_table(seconds: float, *, model: str, rounds: int) -> Table:
    """faster-whisper alone on the longest take, with and without conditioning, alternating."""
    import json
    import sys

    from bench.lib import Job, alternate
    from bench.speed import hotwords, model_folder

    path = tk.long_take(seconds)
    env = coach_env()
    args = [model_folder(model), str(path), str(default_beam()), hotwords()]
    jobs = {c: Job([sys.executable, "-c", CONDITIONING, *args, c], env) for c in ("on", "off")}
    runs = alternate(jobs, rounds=rounds, warmup=False)
    table = Table(
        f"Why: faster-whisper alone on the {_label(seconds)} take, `{model}`, "
        f"beam {default_beam()}, conditioning on the previous window's text or not",
        [
            "condition_on_previous_text",
            "transcribe",
            "segments from a fallback decode (temperature > 0)",
            "segments",
            "words",
            "runs",
        ],
    )
    for name, rs in runs.items():
        found = [json.loads(r.stderr.strip().splitlines()[-1]) for r in rs]
        table.add(
            f"{name}" + (" (faster-whisper's and the coach's default)" if name == "on" else ""),
            f"{median([f['seconds'] for f in found]):.1f} s",
            ", ".join(str(f["fallback"]) for f in found),
            ", ".join(str(f["segments"]) for f in found),
            ", ".join(str(f["words"]) for f in found),
            fmt_runs([f["seconds"] for f in found], 1),
        )
    table.notes.append(
        "When a window's text fails Whisper's checks (compression ratio, log-probability) "
        "it is decoded again at a higher temperature, i.e. by random sampling: slower, and "
        "different from run to run. Conditioning on the previous window's text makes that "
        "likelier on long audio that repeats itself, as these takes (the fixture scripts "
        "over and over) do."
    )
    return table


def _label(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 120 else f"{seconds:g} s"


# -- batch ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Busy:
    """Cores busy over one process tree's life, sampled from /proc."""

    samples: list[float]  # cores busy in each interval

    def share(self, at_least: float) -> float:
        return sum(s >= at_least for s in self.samples) / max(1, len(self.samples))


def _tree_ticks(root: int) -> int:
    """CPU ticks of ``root``, its reaped children and its living descendants."""
    parent: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parent[pid] = int(fields[1])
        # utime, stime, and for the root also cutime, cstime (reaped children)
        ticks[pid] = int(fields[11]) + int(fields[12])
        if pid == root:
            ticks[pid] += int(fields[13]) + int(fields[14])
    total = 0
    for pid, t in ticks.items():
        p = pid
        while p > 1 and p != root:
            p = parent.get(p, 0)
        if p == root:
            total += t
    return total


def run_sampled(
    cmd: Sequence[str], *, env: Mapping[str, str], every_s: float = 0.25
) -> tuple[Run, Busy]:
    """:func:`bench.lib.run`, plus the cores the process tree kept busy, sample by sample."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        list(cmd),
        cwd=OUT,  # as bench.lib.run: PYTHONPATH, not the current directory, picks the coach
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=dict(env),
        text=True,
    )
    samples: list[float] = []
    last_t, last_ticks = time.perf_counter(), 0
    stderr_chunks: list[str] = []

    import threading

    reader = threading.Thread(
        target=lambda: stderr_chunks.append(proc.stderr.read() if proc.stderr else "")
    )
    reader.start()
    while proc.poll() is None:
        time.sleep(every_s)
        now, ticks = time.perf_counter(), _tree_ticks(proc.pid)
        if ticks and proc.poll() is None:
            samples.append((ticks - last_ticks) / TICK / (now - last_t))
            last_t, last_ticks = now, ticks
    reader.join()
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stderr = "".join(stderr_chunks)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # the first sample runs from the start, with the interpreter still loading
    return Run(wall, cpu, stderr), Busy(samples[1:])


def batch(
    count: int, *, model: str, coaches: Sequence[Coach], rounds: int
) -> tuple[Table, tuple[float, float]]:
    """One ``coach score`` call on ``count`` takes, for each coach, alternating.

    Returns the table and, for this checkout, takes per minute and CPU use.
    """
    paths = tk.batch(count)
    audio_min = tk.total_seconds(paths) / 60
    env = coach_env(COACH_TIMINGS="1")
    results: dict[str, list[tuple[Run, Busy]]] = {c.label: [] for c in coaches}
    for _ in range(rounds):
        for c in coaches:
            job = c.job(*score_args(paths, model=model, beam_size=default_beam()), env=env)
            results[c.label].append(run_sampled(job.cmd, env=job.env))
    table = Table(
        f"A batch of {count} takes ({audio_min:.1f} min of audio) in one `coach score --json` "
        f"call, `{model}`, beam {default_beam()}",
        [
            "coach",
            "rounds",
            "wall",
            "takes / min",
            "audio min / min",
            "CPU (all processes)",
            f"CPU ÷ (wall × {CORES})",
            "time ≥ 1.8 cores busy",
            "time ≤ 1.2 cores busy",
        ],
    )
    now = (0.0, 0.0)
    for name, rs in results.items():
        i = sorted(range(len(rs)), key=lambda k: rs[k][0].wall_s)[len(rs) // 2]
        r, busy = rs[i]  # the median run, by wall time
        if name == "now":
            now = (count / r.wall_s * 60, r.cpu_s / (r.wall_s * CORES))
        table.add(
            "this checkout" if name == "now" else name,
            str(len(rs)),
            f"{r.wall_s:.1f} s",
            f"{count / r.wall_s * 60:.1f}",
            f"{audio_min / r.wall_s * 60:.1f}",
            f"{r.cpu_s:.1f} s",
            f"{r.cpu_s / (r.wall_s * CORES):.0%}",
            f"{busy.share(1.8):.0%}",
            f"{1 - busy.share(1.2 + 1e-9):.0%}",
        )
    table.notes.append(
        "The takes are the fixture takes in turn (every voice, rate and format). "
        "CPU is user + system of the coach and its acoustics worker (`RUSAGE_CHILDREN`); "
        "the busy shares come from 4 samples a second of the process tree's CPU ticks "
        "(/proc). 100 % would be both cores busy all the time. "
        "The median run by wall time is shown."
    )
    return table, now


def growth_section(
    plan: Sequence[tuple[float, int]], *, model: str, conditioning_rounds: int = 0
) -> Section:
    s = Section(
        "How cost grows with the length of a take",
        "Issue 7, item 4; SPEC \u201cPerformance\u201d: cost grows linearly with audio length. "
        "The takes are built at bench time from the fixture takes (`bench/takes.py`, into "
        "`bench/out/takes/`).",
    )
    points = growth(plan, model=model)
    s.tables.append(growth_table(points, model=model))
    if conditioning_rounds:
        s.tables.append(
            conditioning_table(points[-1].seconds, model=model, rounds=conditioning_rounds)
        )
    low, high, spread = linearity(points)
    s.summary.append(
        (
            f"cost per audio second, `{model}`, {_label(points[0].seconds)} to "
            f"{_label(points[-1].seconds)}",
            f"{points[0].wall / points[0].seconds:.3f} s at {_label(points[0].seconds)}, "
            f"{points[-1].wall / points[-1].seconds:.3f} s at {_label(points[-1].seconds)}; "
            f"{low:.2f}–{high:.2f} s per 30 s window from 60 s",
            "linear (within 25 %) " + ("✔" if spread <= 1.25 else "✘"),
        )
    )
    return s


def batch_section(count: int, *, model: str, rounds: int, coaches: Sequence[Coach]) -> Section:
    s = Section(
        f"A batch of {count} takes in one `coach score` call",
        "Issue 7, item 4; SPEC \u201cPerformance\u201d: batch scoring keeps both cores busy.",
    )
    table, busiest = batch(count, model=model, coaches=coaches, rounds=rounds)
    s.tables.append(table)
    takes_per_min, share = busiest
    s.summary.append(
        (
            f"batch of {count}, `{model}`: takes per minute, CPU ÷ (wall × {CORES})",
            f"{takes_per_min:.1f} takes/min, {share:.0%}",
            "both cores busy " + ("✔" if share >= 0.85 else "✘"),
        )
    )
    return s
