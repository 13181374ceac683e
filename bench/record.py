"""How soon after ``coach record`` stops does the feedback appear?

Plays a 30 s take into the virtual microphone (``scripts/virtual-mic``, a
private PulseAudio null sink) while ``coach record --json --max-seconds 32``
runs as a real process.  Two ways to stop, each round:

``enter``
    The rep stops right after the last word: Ctrl-C (which stops like Enter;
    stdin is not a terminal here) 0.3 s after the take's speech ends.  The
    hard case: the take is heard after the stop.
``max-seconds``
    ``--max-seconds 32`` ends the take, 5 s after the speech; the take was
    heard during that silence.

Two clocks: the coach's own ``after_stop`` timer (``COACH_TIMINGS=1``: from
the stop to the report being ready), and, for ``enter``, from the moment the
bench sends Ctrl-C to the first byte of the JSON on stdout — what the rep sees.

Target (SPEC "Performance"): feedback within 2 s of stopping, on 2 cores.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.lib import FIXTURES, ROOT, Section, Table, coach_cmd, fmt_runs, median, timings_of
from bench.speed import default_beam

VMIC = ROOT / "scripts" / "virtual-mic"
TAKE = FIXTURES / "bench_30s.flac"
MAX_SECONDS = 32.0
#: when the rep presses Enter (Ctrl-C here), after the last word
STOP_AFTER_S = 0.3


def speech_end_s(path: Path) -> float:
    """When the last sound of ``path`` ends, seconds (10 ms hops above -45 dBFS)."""
    import numpy as np

    from coach.speech.audio import load
    from coach.speech.levels import hop_levels_db

    loud = np.flatnonzero(hop_levels_db(load(path).samples) > -45.0)
    return float(loud[-1] + 1) / 100


@dataclass(frozen=True)
class Take:
    """One recorded take: the coach's timers and, for a Ctrl-C stop, the outside clock."""

    timings: dict[str, float]
    seen_s: float | None  # Ctrl-C to the first byte of the report on stdout
    same_numbers: bool  # every digit of every instance as `coach score` hears the saved take
    same_checks: int  # checks with the status `coach score` gives the saved take
    checks: int


def record_once(
    take: Path, *, stop: str, model: str, env: dict[str, str], speech_end: float, scratch: Path
) -> Take:
    home = Path(tempfile.mkdtemp(prefix="home-", dir=scratch))
    run_env = {**env, "COACH_HOME": str(home), "COACH_TIMINGS": "1"}
    cmd = coach_cmd("record", "--json", "--model", model, "--max-seconds", str(MAX_SECONDS))
    err = (home / "stderr").open("w+")
    proc = subprocess.Popen(
        cmd, env=run_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err
    )
    first_byte: list[float] = []
    printed: list[bytes] = []

    def read_stdout() -> None:
        assert proc.stdout is not None
        if head := proc.stdout.read(1):
            first_byte.append(time.perf_counter())
            printed.append(head + proc.stdout.read())

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    takes = home / "takes"
    # The take's WAV grows once the microphone is open: only then start playing.
    while not any(p.stat().st_size > 10_000 for p in takes.glob("*.wav")):
        if proc.poll() is not None:
            raise SystemExit(f"coach record ended early:\n{(home / 'stderr').read_text()}")
        time.sleep(0.02)
    time.sleep(0.3)
    began = time.monotonic()
    player = subprocess.Popen([str(VMIC), "play", str(take)], env=env)
    stopped: float | None = None
    if stop == "enter":
        time.sleep(max(0.0, began + speech_end + STOP_AFTER_S - time.monotonic()))
        stopped = time.perf_counter()
        proc.send_signal(signal.SIGINT)
    if proc.wait(timeout=120) != 0:
        raise SystemExit(f"coach record failed:\n{(home / 'stderr').read_text()}")
    reader.join(timeout=10)
    player.terminate()
    player.wait()
    err.close()
    timings = timings_of((home / "stderr").read_text())[0]
    seen = first_byte[0] - stopped if stopped is not None and first_byte else None
    live = json.loads(b"".join(printed))
    again = json.loads(
        subprocess.run(
            coach_cmd("score", live["source"], "--json", "--no-save", "--model", model),
            env=run_env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=True,
        ).stdout
    )
    numbers = [[n["digits"] for n in r["metrics"]["phone_numbers"]] for r in (live, again)]
    statuses = [{c["id"]: c["status"] for c in r["checks"]} for r in (live, again)]
    same = sum(statuses[0][k] == v for k, v in statuses[1].items())
    return Take(timings, seen, numbers[0] == numbers[1], same, len(statuses[1]))


def section(
    *, rounds: int, model: str = "base", stops: tuple[str, ...] = ("enter", "max-seconds")
) -> Section:
    s = Section(
        "After-stop latency of `coach record`",
        "Issue 7, item 3; SPEC \u201cPerformance\u201d: after `coach record` stops, feedback "
        "appears in under 2 s. `bench_30s.flac` is played in real time into the "
        "virtual microphone (`scripts/virtual-mic`) while `coach record --json` runs.",
    )
    scratch = Path(tempfile.mkdtemp(prefix="bench-record-"))
    vmic_dir = scratch / "vmic"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSE_")}
    env.update(COACH_VMIC_DIR=str(vmic_dir), PULSE_SERVER=f"unix:{vmic_dir}/native")
    # If the bench is killed before `down`, the server still ends by itself.
    env.setdefault("COACH_VMIC_IDLE", "120")
    up = subprocess.run([str(VMIC), "up"], env=env, capture_output=True, text=True, check=False)
    if up.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        s.intro += f"\n\n**Not measured**: `scripts/virtual-mic up` failed: {up.stderr.strip()}"
        return s
    try:
        end = speech_end_s(TAKE)
        results: dict[str, list[Take]] = {stop: [] for stop in stops}
        once = {"model": model, "env": env, "speech_end": end, "scratch": scratch}
        for _ in range(rounds):
            for stop in stops:
                results[stop].append(record_once(TAKE, stop=stop, **once))  # type: ignore[arg-type]
    finally:
        subprocess.run([str(VMIC), "down"], env=env, check=False, capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)

    table = Table(
        f"After the stop, `{model}`, beam {default_beam()} (the default), medians of {rounds}",
        [
            "how the take stopped",
            "report ready (coach's timer)",
            "≤ 2 s",
            "JSON on stdout (bench's clock)",
            "hearing left after the stop",
            "hearings while recording",
            "heard before the stop",
            "runs (coach's timer)",
            "numbers as `coach score` of the saved take",
            "checks as `coach score`",
        ],
    )
    labels = {
        "enter": f"Ctrl-C {STOP_AFTER_S} s after the last word (heard after the stop)",
        "max-seconds": (
            f"`--max-seconds {MAX_SECONDS:g}`, {MAX_SECONDS - end:.1f} s after the speech"
        ),
    }
    for stop, runs in results.items():
        after = [r.timings["after_stop"] for r in runs]
        seen = [r.seen_s for r in runs if r.seen_s is not None]
        if stop == "enter":
            s.summary.append(
                (
                    f"`coach record`: report ready after Ctrl-C, `{model}`, 30 s take",
                    f"{median(after):.2f} s",
                    "≤ 2 s " + ("✔" if median(after) <= 2.0 else "✘"),
                )
            )
        table.add(
            labels[stop],
            f"**{median(after):.2f} s**",
            "✔" if median(after) <= 2.0 else "✘",
            f"{median(seen):.2f} s" if seen else "—",
            f"{median([r.timings.get('transcribe_after_stop', 0.0) for r in runs]):.2f} s",
            f"{median([r.timings.get('live_hearings', 0.0) for r in runs]):.0f}",
            f"{sum(r.timings.get('live_used_early', 0.0) > 0 for r in runs)} of {len(runs)}",
            fmt_runs(after),
            f"{sum(r.same_numbers for r in runs)} of {len(runs)} takes",
            f"{sum(r.same_checks for r in runs)} of {sum(r.checks for r in runs)}",
        )
    table.notes.append(
        f"The take's speech ends at {end:.1f} s. Both `coach record` and `coach score` hear "
        "the take up to 0.5 s after its last speech with the same function; while recording, "
        "the take so far is heard each time the rep falls quiet for 0.5 s, and when the rep "
        "stops without saying more that hearing is the file's (the same samples), so only "
        "the acoustics and the rubric are left. Stopped sooner, the take is heard after the "
        "stop: a whole decode. Parity: the report shown after the stop against "
        "`coach score` of the saved take, field by field."
    )
    s.tables.append(table)
    return s
