"""What every section shares: paths, timed child processes, tables, the machine.

Every number in ``RESULTS.md`` is measured by a section of this package in
the run that writes it; nothing here holds a result.
"""

from __future__ import annotations

import atexit
import datetime as dt
import importlib.metadata
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"
#: takes built at bench time (too big for the repository) and other scratch; git-ignored
OUT = ROOT / "bench" / "out"
CORES = os.cpu_count() or 1

#: the versions RESULTS.md records (the speech stack and what the coach pins)
PACKAGES = (
    "faster-whisper",
    "ctranslate2",
    "librosa",
    "numpy",
    "scipy",
    "numba",
    "av",
    "typer",
    "rich",
)


def coach_env(**extra: str) -> dict[str, str]:
    """The environment child ``coach`` processes run in.

    A throwaway ``COACH_HOME`` (no profile, no saved sessions from the user's
    store leak in; the timed runs' sessions go there and are thrown away).
    """
    home = tempfile.mkdtemp(prefix="home-", dir=_scratch())
    return {**os.environ, "COACH_HOME": home, **extra}


_SCRATCH: list[Path] = []


def _scratch() -> Path:
    """One temporary folder for this run's throwaway homes, removed when the run ends."""
    if not _SCRATCH:
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix="coach-bench-")))
        atexit.register(shutil.rmtree, _SCRATCH[0], ignore_errors=True)
    return _SCRATCH[0]


def coach_cmd(*args: str) -> list[str]:
    """``coach ARGS``, this checkout's (``python -m coach``, as every timed coach runs)."""
    return [sys.executable, "-m", "coach", *args]


@dataclass(frozen=True)
class Job:
    """A command and the environment it runs in."""

    cmd: Sequence[str]
    env: Mapping[str, str]


@dataclass(frozen=True)
class Coach:
    """Which coach a timed run uses: this checkout, or an older commit's (``--before``).

    An older commit's ``coach/`` package is unpacked into ``bench/out/`` and
    put first on ``PYTHONPATH``; it runs with this checkout's virtualenv.
    """

    label: str
    package_dir: Path | None = None

    def job(self, *args: str, env: Mapping[str, str]) -> Job:
        if self.package_dir is None:
            return Job(coach_cmd(*args), env)
        return Job(coach_cmd(*args), {**env, "PYTHONPATH": str(self.package_dir)})


NOW = Coach("now")


def checkout(ref: str) -> Coach:
    """The coach as it was at git ``ref``, unpacked once into ``bench/out/before-SHA``."""
    sha = _git("rev-parse", "--short", ref)
    if sha == "?":
        raise SystemExit(f"bench: --before {ref!r} is not a commit of this repository")
    target = OUT / f"before-{sha}"
    if not (target / "coach" / "__init__.py").is_file():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha, "coach"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return Coach(f"@{sha}", target)


@dataclass(frozen=True)
class Run:
    """One finished child process: wall time, CPU time of it and its children, stderr."""

    wall_s: float
    cpu_s: float
    stderr: str


def run(cmd: Sequence[str], *, env: Mapping[str, str] | None = None) -> Run:
    """Run ``cmd`` to completion, stdout discarded, and time it.

    It runs in ``bench/out/`` so that ``python -m coach`` finds the coach
    its ``PYTHONPATH`` says (the current directory would come first).  CPU
    time is user + system of the process and every descendant it waited for
    (``RUSAGE_CHILDREN``: the acoustics worker process is reaped by the coach
    before it exits, so its CPU counts).
    """
    OUT.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(
        list(cmd),
        cwd=OUT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=dict(env) if env is not None else None,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: "a check failed" under --strict is still a run
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, done.stderr)


def alternate(jobs: Mapping[str, Job], *, rounds: int, warmup: bool = True) -> dict[str, list[Run]]:
    """Run each job once per round, in turn, so slow spells of a noisy machine hit all.

    One untimed run of each first warms the page cache (model files, numba's
    on-disk cache).
    """
    if warmup:
        for job in jobs.values():
            run(job.cmd, env=job.env)
    runs: dict[str, list[Run]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, job in jobs.items():
            runs[name].append(run(job.cmd, env=job.env))
    return runs


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def walls(runs: Sequence[Run]) -> list[float]:
    return [r.wall_s for r in runs]


def timings_of(stderr: str) -> list[dict[str, float]]:
    """Every ``timings: k=v ...`` line a ``COACH_TIMINGS=1`` coach printed, in order."""
    found = []
    for line in stderr.splitlines():
        if line.startswith("timings: "):
            found.append({k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])})
    return found


def fmt_s(seconds: float, digits: int = 2) -> str:
    return f"{seconds:.{digits}f} s"


def fmt_runs(values: Sequence[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


# -- tables ------------------------------------------------------------------


@dataclass
class Table:
    """One result table: a title, a header row, rows of text and notes under it."""

    title: str
    columns: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: str) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines.extend("| " + " | ".join(row) + " |" for row in self.rows)
        for note in self.notes:
            lines.extend(("", note))
        return "\n".join(lines) + "\n"

    def show(self) -> None:
        """Print as soon as the section has it: a rich table on a terminal, else markdown."""
        from rich import box
        from rich.console import Console
        from rich.markdown import Markdown
        from rich.table import Table as RichTable

        console = Console(highlight=False)
        if not console.is_terminal:  # a log file: the markdown reads (and greps) better
            print(self.markdown(), flush=True)
            return
        table = RichTable(title=self.title, box=box.SIMPLE_HEAD, title_justify="left")
        for column in self.columns:
            table.add_column(column.replace("**", ""))
        for row in self.rows:
            table.add_row(*(cell.replace("**", "").replace("`", "") for cell in row))
        console.print(table)
        for note in self.notes:
            console.print(Markdown(note))
        console.print()


@dataclass
class Section:
    """What one part of the suite measured: its heading, an intro and its tables."""

    heading: str
    intro: str
    tables: list[Table] = field(default_factory=list)
    #: the key numbers for the summary at the top: (what, measured, target and verdict)
    summary: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def markdown(self) -> str:
        parts = [f"## {self.heading}", "", self.intro.strip(), ""]
        parts.extend(t.markdown() for t in self.tables)
        return "\n".join(parts)


# -- the machine ---------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return None


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine() -> dict[str, str]:
    """What the numbers were measured on and with."""
    ram = _ram_gib()
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": f"{_cpu_model()}, {CORES} cores ({platform.machine()})",
        "ram": f"{ram:.1f} GiB" if ram is not None else "?",
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "packages": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "commit": _git("rev-parse", "--short", "HEAD")
        + (" (uncommitted changes)" if dirty else ""),
    }


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"
