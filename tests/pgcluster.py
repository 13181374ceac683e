"""A throwaway PostgreSQL cluster the store tests run on (``pg_cluster`` in conftest.py).

``initdb`` makes a cluster in a temporary folder (trust login for the role
``coach``), ``pg_ctl`` starts it listening only on a Unix socket in that
folder (no TCP port, nothing to collide with), and the run stops it and removes
the folder at the end.  PostgreSQL refuses to run as root, so as root the
folder is handed to ``nobody`` and both tools run through ``runuser -u
nobody``; the tests, as root, reach the socket all the same.  Each test gets
a database of its own (:meth:`Cluster.fresh`).
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.team.store import Store
from tests import needs

#: the role the cluster is made for; trust login, no password
ROLE = "coach"
#: settings for a cluster whose data is thrown away: no fsync, no TCP
SETTINGS = "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, else Debian's newest."""
    found = shutil.which("initdb"), shutil.which("pg_ctl")
    if found[0] and found[1]:
        return Path(found[0]).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _version(folder: str) -> int:
    name = Path(folder).parent.name
    return int(name) if name.isdigit() else 0


def missing() -> str | None:
    if binaries() is None:
        return "PostgreSQL's initdb and pg_ctl not found — apt install postgresql"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: PostgreSQL refuses to run as root"
    return None


def unavailable(reason: str) -> None:
    """Skip off CI; under CI the PostgreSQL store tests must run, so fail instead."""
    needs.unavailable("the PostgreSQL store tests", reason)


@dataclass
class Cluster:
    """A running cluster: its folder (data, socket, log) and where its tools are."""

    folder: Path
    bin: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql:///{database}?host={self.folder}&user={ROLE}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE / DROP DATABASE)."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def fresh(self) -> str:
        """A new, empty database; its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.split("///", 1)[1].split("?", 1)[0]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def log(self, lines: int = 40) -> str:
        path = self.folder / "log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _run(cluster_folder: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """A PostgreSQL tool, as ``nobody`` when we are root (initdb and postgres refuse root)."""
    prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        prefix + args,
        cwd=cluster_folder,  # nobody may not read the working folder of the run
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=120,
    )


def up() -> Cluster:
    """Make and start a cluster (about a second); skips or fails as :func:`unavailable` says."""
    reason = missing()
    if reason:
        unavailable(reason)
    tools = binaries()
    assert tools is not None
    # A short path of our own under /tmp: a socket's path is limited to ~107 bytes, and
    # pytest's own temporary folders are closed to the unprivileged user.
    folder = Path(tempfile.mkdtemp(prefix="coach-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, user="nobody")
    cluster = Cluster(folder, tools)
    made = _run(folder, [str(tools / "initdb"), "-D", str(cluster.data), "-A", "trust", "-U", ROLE])
    if made.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        unavailable(f"initdb failed: {made.stderr.strip() or made.stdout.strip()}")
    started = _run(
        folder,
        [
            str(tools / "pg_ctl"),
            "-D",
            str(cluster.data),
            "-o",
            f"-k {folder} {SETTINGS}",
            "-l",
            str(folder / "log"),
            "-w",
            "start",
        ],
    )
    if started.returncode != 0:
        said = cluster.log()
        shutil.rmtree(folder, ignore_errors=True)
        unavailable(f"pg_ctl start failed: {started.stderr.strip()}\n{said}")
    return cluster


def down(cluster: Cluster) -> None:
    _run(
        cluster.folder, [str(cluster.bin / "pg_ctl"), "-D", str(cluster.data), "-m", "fast", "stop"]
    )
    shutil.rmtree(cluster.folder, ignore_errors=True)


@dataclass
class StoreAt:
    """Where a parametrised test's store is: a SQLite file or a fresh PostgreSQL database."""

    backend: str
    #: what :class:`~coach.team.store.Store` is given: the file, or the URL
    location: str | Path

    def open(self, **kwargs: Any) -> Store:
        return Store(self.location, **kwargs)

    def sql(self, statement: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """One statement on the database itself, behind the store's back (committed)."""
        if self.backend == "sqlite":
            db = sqlite3.connect(self.location)
            try:
                with db:
                    return db.execute(statement, args).fetchall()
            finally:
                db.close()
        import psycopg

        with psycopg.connect(str(self.location), autocommit=True) as conn:
            cur = conn.execute(statement.replace("?", "%s"), list(args))
            return cur.fetchall() if cur.description else []
