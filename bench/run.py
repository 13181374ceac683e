"""Run the benchmark suite: print every table, write ``bench/RESULTS.md``.

    python -m bench                      # everything, ~20 min on 2 cores
    python -m bench --quick              # a smoke run, ~3 min (fewer rounds and lengths)
    python -m bench --only speed record  # some sections
    python -m bench --before 028ca8d     # also time the coach as it was at a commit, side by side
    python -m bench --only blind --out /tmp/blind.md  # the blind corpus alone (seconds, no model)

Sections (issue 7): ``speed`` (coach score vs faster-whisper alone, start-up,
stages), ``record`` (after-stop latency through the virtual microphone),
``growth`` (10 s to 10 min), ``batch`` (20 takes in one call), ``accuracy``
(WER, callback numbers, rubric agreement per model and decoding setting),
``realvoices`` (the callback number on real voices, per speaker, quality and split: issue 15),
``parity`` (a live take against the same take scored from its file, every fixture
take with a number), ``blind`` (the text rubric against the blind corpus of ``tests/blind/``: dev,
test and the old corpus; text only, seconds), ``delivery`` (pitch spread, speaking time and
syllables on real voices, clean against a telephone copy; issue 15, seconds), ``phoneline``
(``--phone-line``: the callback number through a phone's transcript, real voices and fixtures;
issue 15), ``fillers`` (a verbatim prompt's fillers and harm, the filled-pause detector's
precision and recall; issue 15, ~10 min), ``pace`` (the pace check on real voices against
their true pace, by the words alone and by the syllables where the words cannot be right;
issue 15, ~10 min), ``load`` (the team server on PostgreSQL: 8 reps pushing through cut
connections while 50 leads read for 60 s; p50/p95 page times, nothing lost; issue 17, ~2 min).
Timings are whole processes, alternating, medians; ratios are against a
baseline measured in the same run.  Not part of the test suite: the numbers
depend on the machine and how busy it is.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import (
    accuracy,
    blind,
    delivery,
    fillers,
    growth,
    load,
    pace,
    parity,
    phoneline,
    realvoices,
    record,
    speed,
)
from bench.accuracy import Setting
from bench.lib import NOW, ROOT, Coach, Section, checkout, load_average, machine

SECTIONS = (
    "speed",
    "record",
    "parity",
    "growth",
    "batch",
    "accuracy",
    "realvoices",
    "blind",
    "delivery",
    "phoneline",
    "fillers",
    "pace",
    "load",
)
RESULTS = ROOT / "bench" / "RESULTS.md"


@dataclass(frozen=True)
class Plan:
    """How much of each section a run does."""

    startup_rounds: int
    speed_rounds: int
    speed_takes: tuple[str, ...]  # manifest names of the benchmark inputs
    speed_models: tuple[str, ...]
    record_rounds: int
    record_stops: tuple[str, ...]
    growth: tuple[tuple[float, int], ...]  # (seconds, rounds)
    conditioning_rounds: int  # faster-whisper alone on the longest take, conditioning on/off
    batch_count: int
    batch_rounds: int
    accuracy: tuple[Setting, ...] = field(default_factory=tuple)
    accuracy_takes: tuple[str, ...] = ()  # default: every recorded fixture take
    parity_takes: tuple[str, ...] = ()  # default: every fixture take with a number
    realvoice_settings: tuple[realvoices.RealSetting, ...] = realvoices.SETTINGS
    realvoices_splits: tuple[str, ...] = realvoices.SPLITS


FULL = Plan(
    startup_rounds=10,
    speed_rounds=5,
    speed_takes=("bench_10s", "bench_30s", "bench_60s"),
    speed_models=("tiny.en", "base"),
    record_rounds=3,
    record_stops=("enter", "max-seconds"),
    growth=((10, 3), (20, 3), (30, 3), (45, 3), (60, 3), (120, 2), (300, 2), (600, 2)),
    conditioning_rounds=2,
    batch_count=20,
    batch_rounds=1,
    accuracy=(
        Setting("base", 1, True),
        Setting("base", 5, True),
        Setting("base", 1, False),
        Setting("base", 1, True, condition=False),
        Setting("tiny.en", 1, True),
        Setting("tiny.en", 5, True),
    ),
)
QUICK = Plan(
    startup_rounds=3,
    speed_rounds=3,
    speed_takes=("bench_30s",),
    speed_models=("base",),
    record_rounds=1,
    record_stops=("enter",),
    growth=((10, 1), (60, 1)),
    conditioning_rounds=0,
    batch_count=6,
    batch_rounds=1,
    accuracy=(Setting("base", 1, True), Setting("tiny.en", 1, True)),
    accuracy_takes=("t1_good_slt", "t1_good_kal", "t2_good_espeak", "t1_phone_8k"),
    parity_takes=("t1_good_slt", "t1_grouped_end_kal", "t1_grouped_both_espeak"),
    realvoice_settings=(realvoices.RealSetting("base", 1),),
    realvoices_splits=("dev",),
)


def sections(plan: Plan, coaches: Sequence[Coach]) -> dict[str, Callable[[], Section]]:
    return {
        "speed": lambda: speed.section(
            speed.fixture_takes(plan.speed_takes),
            models=plan.speed_models,
            rounds=plan.speed_rounds,
            startup_rounds=plan.startup_rounds,
            coaches=coaches,
        ),
        "record": lambda: record.section(rounds=plan.record_rounds, stops=plan.record_stops),
        "growth": lambda: growth.growth_section(
            plan.growth, model="base", conditioning_rounds=plan.conditioning_rounds
        ),
        "batch": lambda: growth.batch_section(
            plan.batch_count, model="base", rounds=plan.batch_rounds, coaches=coaches
        ),
        "accuracy": lambda: accuracy.section(plan.accuracy, plan.accuracy_takes),
        "realvoices": lambda: realvoices.section(plan.realvoice_settings, plan.realvoices_splits),
        "blind": blind.section,
        "parity": lambda: parity.section(list(plan.parity_takes) or None),
        "delivery": delivery.section,
        "phoneline": lambda: phoneline.section(plan.realvoices_splits),
        "fillers": fillers.section,
        "pace": lambda: pace.section(plan.realvoices_splits),
        "load": load.section,
    }


def header(
    info: dict[str, str], *, command: str, took_s: float, loads: tuple[str, str], before: str
) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{command}` (issue 7) — regenerated by every run; do not edit by hand.",
        "",
        "| | |",
        "|---|---|",
        f"| date | {info['date']} |",
        f"| machine | {info['cpu']}, {info['ram']} RAM, {info['os']} |",
        f"| Python | {info['python']} |",
        f"| packages | {info['packages']} |",
        f"| commit | {info['commit']} |",
        f"| load average | at the start {loads[0]}; at the end {loads[1]} |",
        f"| run time | {took_s / 60:.1f} min |",
    ]
    if before:
        lines.append(f"| compared with | {before} |")
    lines += [
        "",
        "A load average above 0 at the start means other work shared the cores: "
        "ratios are still fair (alternating runs, same conditions for both sides), "
        "absolute times are then pessimistic.",
        "",
    ]
    return "\n".join(lines)


def summary(done: Sequence[Section]) -> str:
    lines = ["## Summary", "", "| what | measured | target |", "|---|---|---|"]
    for s in done:
        lines.extend(f"| {what} | {value} | {target} |" for what, value, target in s.summary)
    lines.append("")
    return "\n".join(lines)


def before_note(coach: Coach, ref: str) -> str:
    """What changed in ``coach/`` between ``ref`` and now, for the header."""
    import subprocess

    log = subprocess.run(
        ["git", "log", "--format=%h %s", f"{ref}..HEAD", "--", "coach"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    changes = "; ".join(log.splitlines()) or "no commits to coach/ since"
    return f"the coach at `{coach.label}` (rows marked {coach.label}); changes since: {changes}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="a smoke run (~3 min)")
    add("--only", nargs="+", choices=SECTIONS, metavar="SECTION", help="run only these sections")
    add(
        "--skip", nargs="+", choices=SECTIONS, default=[], metavar="SECTION", help="leave these out"
    )
    add("--before", metavar="REF", help="also time the coach of this commit (speed, batch)")
    add("--out", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args(argv)
    # Killed (kill, timeout): unwind like Ctrl-C, so the virtual microphone and the
    # throwaway homes are cleaned up by their `finally` and atexit handlers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    plan = QUICK if args.quick else FULL
    coaches: list[Coach] = [NOW]
    before = ""
    if args.before:
        old = checkout(args.before)
        coaches.append(old)
        before = before_note(old, args.before)
    chosen = [s for s in (args.only or SECTIONS) if s not in args.skip]
    command = "python -m bench" + "".join(
        f" {flag}"
        for flag in (
            "--quick" if args.quick else "",
            f"--only {' '.join(args.only)}" if args.only else "",
            f"--skip {' '.join(args.skip)}" if args.skip else "",
            f"--before {args.before}" if args.before else "",
        )
        if flag
    )
    info = machine()
    start_load = load_average()
    print(f"{command}: {', '.join(chosen)} on {info['cpu']}; load average {start_load}")
    began = time.perf_counter()
    done: list[Section] = []
    makers = sections(plan, coaches)
    for name in chosen:
        t = time.perf_counter()
        print(f"\n== {name} ...", flush=True)
        try:
            section = makers[name]()
        except Exception as exc:  # one broken section must not cost the others' numbers
            traceback.print_exc()
            section = Section(name, f"**Not measured**: the section failed: `{exc!r}`.")
        section.seconds = time.perf_counter() - t
        for table in section.tables:
            table.show()
        print(f"({name}: {section.seconds / 60:.1f} min)", flush=True)
        done.append(section)
    took = time.perf_counter() - began
    text = "\n".join(
        [
            header(
                info,
                command=command,
                took_s=took,
                loads=(start_load, load_average()),
                before=before,
            ),
            summary(done),
            *(s.markdown() for s in done),
        ]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text.rstrip() + "\n")
    print(f"\nwrote {args.out} ({took / 60:.1f} min)")
    return 0
