"""The team server under load: reps pushing takes while leads read, on PostgreSQL.

    python -m bench.load                         # 8 reps, 50 leads, 60 s (a throwaway cluster)
    python -m bench.load --leads 10 --seconds 15 --store postgresql:///coach?host=/run/postgresql

A real ``coach serve`` process over a PostgreSQL store (a throwaway cluster,
as the tests start one, unless ``--store`` names a database). Rep processes
each save takes to their own SQLite store with real audio and push them as
``coach score`` does after saving — through a loopback proxy that cuts a share
of the connections mid-request, and some takes twice — then run ``coach sync``
until nothing is left unsent. Meanwhile simulated leads (one asyncio task
each) log in and read what a lead reads, following the queue's links, 0.5–2 s
on each page, for a bounded time; one of them comments on takes. At the end
every rep's every take must be on the server exactly once, with its audio, and
noted as sent on the rep's laptop, and every comment back on the rep's laptop
once; the page times are p50/p95 over every request, and a traceback in
``coach serve``'s log counts as an error.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.lib import FIXTURES, ROOT, Section, Table

#: what a rep says in every take (judged as a written script: no Whisper in the load)
SCRIPT = (
    "Hi Dana, this is {rep} with Northwind Logistics, 415-555-0134. I'm calling because "
    "Globex cut the time they spend checking carrier invoices from ten hours a week to five, "
    "and Acme ships about as much. Worth a short call? Again, 415-555-0134."
)
#: the audio every take carries (a real 10 s take; every push encodes it to Opus)
AUDIO = FIXTURES / "bench_10s.flac"


@dataclass
class RepResult:
    name: str
    uids: list[str]
    pushes: int = 0
    twice: int = 0
    cut: int = 0
    unsent: int = 0
    syncs: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    reps: list[RepResult]
    times: dict[str, list[float]]
    errors: Counter[str]
    seconds: float
    on_server: list[tuple[str, str, bool]]  # (uid, rep, has audio)
    dropped: int
    #: comments a lead posted, by take uid: as posted, as the server keeps them, on the laptops
    posted: Counter[str] = field(default_factory=Counter)
    kept_comments: Counter[str] = field(default_factory=Counter)
    back_comments: Counter[str] = field(default_factory=Counter)
    #: the first traceback ``coach serve`` logged, if any
    server_log: str = ""

    def lost(self) -> list[str]:
        kept = {uid for uid, _, _ in self.on_server}
        return [uid for r in self.reps for uid in r.uids if uid not in kept]

    def duplicated(self) -> list[str]:
        counts = Counter(uid for uid, _, _ in self.on_server)
        return [uid for uid, n in counts.items() if n > 1]

    def without_audio(self) -> list[str]:
        return [uid for uid, _, audio in self.on_server if not audio]

    def reviews_astray(self) -> int:
        """Comments not kept exactly once on the server and on the rep's laptop."""
        takes = set(self.posted) | set(self.kept_comments) | set(self.back_comments)
        return sum(
            abs(self.kept_comments[u] - self.posted[u])
            + abs(self.back_comments[u] - self.posted[u])
            for u in takes
        )

    def misfiled(self) -> list[str]:
        owner = {uid: r.name for r in self.reps for uid in r.uids}
        return [uid for uid, rep, _ in self.on_server if owner.get(uid, rep) != rep]


# -- a proxy that cuts connections -------------------------------------------------------


class CuttingProxy:
    """A loopback TCP proxy that closes a share of connections partway through the request.

    The rep's client sees what a dropped Wi-Fi or a closed laptop lid gives it:
    a connection reset before the answer, the request perhaps half sent.
    """

    def __init__(self, target_port: int, *, share: float, seed: int = 7) -> None:
        self.target_port = target_port
        self.share = share
        self.random = random.Random(seed)
        self.cut = 0
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        budget = self.random.randint(40, 4000) if self.random.random() < self.share else None
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, cut: bool) -> None:
            nonlocal budget
            try:
                while data := await src.read(4096):
                    if cut and budget is not None:
                        if len(data) >= budget:
                            dst.write(data[:budget])
                            self.cut += 1
                            raise ConnectionResetError
                        budget -= len(data)
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                for w in (writer, up_w):
                    w.close()

        await asyncio.gather(pipe(reader, up_w, True), pipe(up_r, writer, False))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


# -- a rep ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepPlan:
    """What one rep process does: who, where its store is, where it pushes, how much."""

    name: str
    token: str
    folder: str
    proxy: str
    server: str
    takes: int
    seed: int
    deadline: float


def rep_main(plan: RepPlan, out: Any) -> None:
    """One rep's laptop, in its own process: save, push (cut or twice), then sync until done."""
    try:
        out.put(_rep(plan))
    except BaseException as exc:  # the parent waits for one answer a rep: always give it
        out.put(RepResult(plan.name, [], problems=[f"the rep process failed: {exc!r}"]))


def _rep(plan: RepPlan) -> RepResult:
    from coach.context import Context, Rep
    from coach.pipeline import check_script
    from coach.rubric.config import load_rubric
    from coach.speech.audio import load
    from coach.team.store import Store
    from coach.team.sync import SyncError, client, push, sync

    rng = random.Random(plan.seed)
    samples = load(AUDIO).samples
    rubric = load_rubric(None)
    result = RepResult(plan.name, [])
    with Store(Path(plan.folder) / "coach.db") as store:
        for _ in range(plan.takes):
            report = check_script(
                SCRIPT.format(rep=plan.name),
                source=str(AUDIO),
                context=Context(touch=1, rep=Rep(name=plan.name, company="Northwind Logistics")),
                rubric=rubric,
            )
            session = store.save(report, rep=plan.name, card_id="acme-t1", audio=samples)
            result.uids.append(session.uid)
            times = 2 if rng.random() < 0.3 else 1
            result.twice += times == 2
            for _ in range(times):
                result.pushes += 1
                try:
                    with client(plan.proxy, plan.token, timeout=10) as http:
                        push(store, session, http)
                except SyncError:
                    result.cut += 1
        while store.unpushed() and time.monotonic() < plan.deadline:
            result.syncs += 1
            done = sync(store, plan.server, plan.token)
            if done.problem:
                result.problems.append(done.problem)
                time.sleep(0.2)
        result.unsent = len(store.unpushed())
    return result


# -- the leads ------------------------------------------------------------------------------

#: seconds a lead spends on a page before the next click
THINK_S = (0.5, 2.0)
#: the password every simulated lead logs in with
PASSWORD = "load-test password"


async def _lead(
    http: Any,
    name: str,
    seconds: float,
    times: dict[str, list[float]],
    errors: Counter[str],
    comments: list[int],
    seed: int,
    reps: int,
    pushing: Callable[[], bool],
) -> None:
    """Log in, then read what a lead reads, following the queue's links; lead 0 also comments.

    Reading goes on for ``seconds`` and while the reps are still ``pushing``
    (and, for lead 0, until it has commented once), within a hard limit.
    """
    import re

    rng = random.Random(seed)
    form = await http.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    done = await http.post(
        "/login", data={"name": name, "password": PASSWORD, "csrf": token.group(1) if token else ""}
    )
    if done.status_code != 303:
        errors[f"login: HTTP {done.status_code}"] += 1
        return
    takes: list[str] = []
    end = time.monotonic() + seconds
    limit = end + 300

    def going() -> bool:
        now = time.monotonic()
        wanted = now < end or pushing() or (seed == 0 and not comments)
        return wanted and now < limit

    while going():
        page = rng.choice(["/", "/team", f"/reps/rep{rng.randint(1, reps)}", *takes[-5:]])
        kind = re.sub(r"\d+", "N", page)
        began = time.perf_counter()
        try:
            answer = await http.get(page)
            took = time.perf_counter() - began
            if answer.status_code != 200:
                errors[f"{kind}: HTTP {answer.status_code}"] += 1
                continue
            times.setdefault(kind, []).append(took)
            takes.extend(f"/takes/{n}" for n in re.findall(r'href="/takes/(\d+)"', answer.text))
            await asyncio.sleep(rng.uniform(*THINK_S))  # a person reads the page first
            if seed == 0 and kind == "/takes/N" and rng.random() < 0.3:
                csrf = re.search(r'name="csrf" value="([^"]+)"', answer.text)
                said = await http.post(
                    f"{page}/comment",
                    data={
                        "text": "Say the number slower",
                        "at": "2",
                        "csrf": csrf.group(1) if csrf else "",
                    },
                )
                if said.status_code == 303:
                    comments.append(int(page.rsplit("/", 1)[1]))
                else:
                    errors[f"comment: HTTP {said.status_code}"] += 1
        except Exception as exc:
            errors[f"{kind}: {type(exc).__name__}"] += 1


async def _leads(
    server: str, count: int, seconds: float, reps: int, pushing: Callable[[], bool]
) -> tuple[dict[str, list[float]], Counter[str], list[int]]:
    import httpx

    times: dict[str, list[float]] = {}
    errors: Counter[str] = Counter()
    comments: list[int] = []

    async def one(n: int) -> None:
        async with httpx.AsyncClient(base_url=server, timeout=60) as http:
            await _lead(http, f"lead{n + 1}", seconds, times, errors, comments, n, reps, pushing)

    await asyncio.gather(*(one(n) for n in range(count)))
    return times, errors, comments


# -- the run --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _cluster(location: str | None) -> Iterator[str]:
    """The store's URL: the one given, or a fresh database on a throwaway cluster."""
    if location:
        yield location
        return
    from tests.pgcluster import down, up

    cluster = up()
    try:
        yield cluster.fresh()
    finally:
        down(cluster)


@contextmanager
def _serving(location: str, audio_dir: Path) -> Iterator[str]:
    port = _free_port()
    log = (audio_dir.parent / "serve.log").open("wb")  # read on failure; a pipe would fill
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "serve", "--store", location, "--port", str(port),
         "--audio-dir", str(audio_dir)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/api/v1/sessions", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    said = (audio_dir.parent / "serve.log").read_text(errors="replace")
                    raise RuntimeError(f"coach serve did not start: {said}") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


def run(
    *,
    reps: int = 8,
    takes: int = 5,
    leads: int = 50,
    seconds: float = 60.0,
    cut: float = 0.2,
    location: str | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> LoadResult:
    from coach.team.accounts import hash_password, new_token, token_hash
    from coach.team.store import Store
    from coach.team.sync import sync

    with tempfile.TemporaryDirectory(prefix="coach-load-") as tmp, _cluster(location) as url:
        folder = Path(tmp)
        tokens: dict[str, str] = {}
        with Store(url, audio_dir=folder / "server-audio") as team:
            for n in range(reps):
                user = team.add_user(f"rep{n + 1}", "rep", "west")
                tokens[user.name] = new_token()
                team.add_token(user, token_hash(tokens[user.name]))
            secret = hash_password(PASSWORD)
            for n in range(leads):
                team.add_user(f"lead{n + 1}", "lead", "west", password_hash=secret)
        with _serving(url, folder / "server-audio") as server:
            proxy = CuttingProxy(int(server.rsplit(":", 1)[1]), share=cut)
            ctx = multiprocessing.get_context("spawn")
            out = ctx.Queue()
            began = time.monotonic()
            deadline = began + seconds + 120
            workers = [
                ctx.Process(
                    target=rep_main,
                    args=(
                        RepPlan(
                            name, token, str(folder / name), proxy.url, server, takes, n, deadline
                        ),
                        out,
                    ),
                )
                for n, (name, token) in enumerate(tokens.items())
            ]
            for w in workers:
                w.start()
            progress(
                f"{reps} reps pushing {takes} takes each; {leads} leads reading for {seconds:.0f} s"
            )
            times, errors, commented = asyncio.run(
                _leads(server, leads, seconds, reps, lambda: any(w.is_alive() for w in workers))
            )
            results = [out.get(timeout=max(1.0, deadline - time.monotonic())) for _ in workers]
            for w in workers:
                w.join(30)
            took = time.monotonic() - began
            proxy.close()
            # Each laptop syncs once more: every comment a lead made comes back, once.
            back: Counter[str] = Counter()
            for name, token in tokens.items():
                with Store(folder / name / "coach.db") as laptop:
                    sync(laptop, server, token)
                    for session in laptop.sessions():
                        back.update(session.uid for _ in laptop.comments(session.id))
        logged = (folder / "serve.log").read_text(errors="replace")
        # uvicorn logs "ERROR: Exception in ASGI application" then the traceback: its last
        # line names the exception
        blocks = logged.split("Traceback (most recent call last):")[1:]
        raised = [
            next(line for line in reversed(b.strip().splitlines()) if not line.startswith("ERROR:"))
            for b in blocks
        ]
        with Store(url, audio_dir=folder / "server-audio") as team:
            kept = [(s.uid, s.rep, s.audio_path is not None) for s in team.sessions()]
            posted = Counter(team.get(n).uid for n in commented)
            on_server = Counter({s.uid: len(team.comments(s.id)) for s in team.sessions()})
    errors.update(f"coach serve raised {line}" for line in raised)
    result = LoadResult(results, times, errors, took, kept, proxy.cut, +posted, +on_server, +back)
    result.server_log = "Traceback (most recent call last):" + blocks[0] if blocks else ""
    return result


def _ms(values: Sequence[float], q: float) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.0f} ms"


def section(leads: int = 50, seconds: float = 60.0, location: str | None = None) -> Section:
    result = run(leads=leads, seconds=seconds, location=location, progress=print)
    if result.server_log:
        print(f"coach serve's first traceback:\n{result.server_log}", file=sys.stderr)
    s = Section("The team server under load (#17)", __doc__.split("\n\n")[1].replace("\n", " "))
    pages = Table(
        f"{leads} leads reading for {seconds:.0f} s while 8 reps push",
        ("page", "requests", "p50", "p95", "max"),
    )
    for page, values in sorted(result.times.items()):
        pages.add(page, str(len(values)), _ms(values, 0.5), _ms(values, 0.95), _ms(values, 1.0))
    every = [t for v in result.times.values() for t in v]
    pages.add("**all**", str(len(every)), _ms(every, 0.5), _ms(every, 0.95), _ms(every, 1.0))
    pages.notes.append(
        f"Errors: {sum(result.errors.values())} "
        + (f"({dict(result.errors)})" if result.errors else "")
        + f"; {len(every) / seconds:.0f} requests a second."
    )
    s.tables.append(pages)
    reps = Table(
        "Takes pushed through a proxy that cut connections, then coach sync",
        ("rep", "takes", "pushes", "cut", "syncs", "unsent at the end"),
    )
    for r in result.reps:
        reps.add(r.name, str(len(r.uids)), str(r.pushes), str(r.cut), str(r.syncs), str(r.unsent))
    reps.notes.append(
        f"On the server: {len(result.on_server)} sessions; lost {len(result.lost())}, "
        f"duplicated {len(result.duplicated())}, without audio {len(result.without_audio())}, "
        f"under another rep {len(result.misfiled())}; connections cut {result.dropped}. "
        f"A lead's comments: {sum(result.posted.values())} posted, "
        f"{sum(result.kept_comments.values())} on the server, "
        f"{sum(result.back_comments.values())} back on the reps' laptops."
    )
    s.tables.append(reps)
    s.summary.append(
        (
            "team server: p95 of every lead request / takes lost or duplicated",
            f"{_ms(every, 0.95)} / {len(result.lost())} lost, "
            f"{len(result.duplicated())} duplicated, {sum(result.errors.values())} errors",
            "zero errors, nothing lost or duplicated",
        )
    )
    return s


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--store", help="a postgresql:// URL (default: a throwaway cluster)")
    args = parser.parse_args(argv)
    for table in section(args.leads, args.seconds, args.store).tables:
        print(table.markdown())
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
