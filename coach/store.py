"""The practice store: every scored take, its report and a FLAC copy of its audio.

This is the only module with SQL.  The database is ``data_dir()/coach.db``
(``COACH_HOME`` or ``--store`` moves it); the audio lives beside it in
``audio/<id>.flac``.  Schema changes are numbered :data:`MIGRATIONS`, each
applied once in its own ``BEGIN IMMEDIATE`` transaction and recorded in the
``migrations`` table.  WAL mode and a busy timeout let several ``coach``
processes save at once: a writer waits for the lock instead of failing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from coach.errors import CoachError
from coach.paths import data_dir
from coach.report import Report, report_from_json, to_json

#: how long a writer waits for another writer's lock before giving up, seconds
BUSY_TIMEOUT_S = 30.0

#: (version, SQL), applied in order; never edit a released one — add the next number
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            rep TEXT NOT NULL DEFAULT '',
            card_id TEXT NOT NULL DEFAULT '',
            touch INTEGER,
            prospect TEXT NOT NULL DEFAULT '',
            model TEXT,
            score INTEGER NOT NULL,
            source TEXT NOT NULL,
            audio_path TEXT,
            report_json TEXT NOT NULL
        );
        CREATE INDEX sessions_created_at ON sessions (created_at);
        """,
    ),
)


class StoreError(CoachError):
    """The store cannot be opened, read or written, or a session does not exist."""


def store_path() -> Path:
    """The default database: ``data_dir()/coach.db``."""
    return data_dir() / "coach.db"


@dataclass(frozen=True)
class Session:
    """One saved take.

    ``audio_path`` is relative to the database's folder (``audio/7.flac``), so
    the folder can be moved whole; :attr:`audio` is the full path.
    """

    id: int
    created_at: str
    rep: str
    card_id: str
    touch: int | None
    prospect: str
    model: str | None
    score: int
    source: str
    audio_path: str | None
    report_json: str
    folder: Path

    @property
    def audio(self) -> Path | None:
        return None if self.audio_path is None else self.folder / self.audio_path

    @property
    def report(self) -> Report:
        return report_from_json(json.loads(self.report_json))

    @property
    def top_fix(self) -> str:
        fixes = json.loads(self.report_json).get("fixes") or []
        return str(fixes[0]) if fixes else ""

    def summary(self) -> dict[str, Any]:
        """The row as plain JSON data (what ``coach sessions --json`` prints)."""
        return {
            "id": self.id,
            "created_at": self.created_at,
            "rep": self.rep,
            "card": self.card_id,
            "touch": self.touch,
            "prospect": self.prospect,
            "model": self.model,
            "score": self.score,
            "source": self.source,
            "audio": None if self.audio is None else str(self.audio),
            "top_fix": self.top_fix,
        }


_COLUMNS = (
    "id, created_at, rep, card_id, touch, prospect, model, score, source, audio_path, report_json"
)


class Store:
    """An open store.  Use as a context manager, or call :meth:`close`.

    Raises
    ------
    StoreError
        The file is not a SQLite database, or is one another program made, or
        was written by a newer coach.  The file is never changed in that case.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else store_path()
        self.folder = self.path.parent
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder — give --store a database file path")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}") from None
        try:
            self._check()
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"cannot use the store {self.path}: {exc}") from None
        except BaseException:
            self._db.close()
            raise

    def _check(self) -> None:
        """Refuse a file that is not ours before anything writes to it."""
        try:
            tables = {
                r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path} is not a Voice Coach database ({exc}) — move it aside; "
                "it was not changed"
            ) from None
        if tables and "migrations" not in tables:
            raise StoreError(
                f"{self.path} is not a Voice Coach database (it has other tables and no "
                "migrations table) — move it aside or give another --store; it was not changed"
            )

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front (waits while another writes)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def version(self) -> int:
        """The highest migration applied."""
        row = self._db.execute("SELECT MAX(version) FROM migrations").fetchone()
        return int(row[0] or 0)

    def _migrate(self) -> None:
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS migrations ("
            "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        newest = MIGRATIONS[-1][0]
        if self.version() > newest:
            raise StoreError(
                f"{self.path} was written by a newer coach (schema {self.version()}, "
                f"this one knows up to {newest}) — upgrade coach"
            )
        for number, sql in MIGRATIONS:
            if number <= self.version():
                continue
            with self._write() as db:
                # Checked inside the lock: another process may have applied it meanwhile.
                if db.execute("SELECT 1 FROM migrations WHERE version = ?", (number,)).fetchone():
                    continue
                for statement in sql.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(
                    "INSERT INTO migrations (version, applied_at) VALUES (?, ?)",
                    (number, _now()),
                )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(
        self,
        report: Report,
        *,
        rep: str = "",
        card_id: str = "",
        prospect: str = "",
        audio: Any = None,
    ) -> Session:
        """Save a scored take; ``audio`` is its 16 kHz samples (``None``: no audio kept).

        The FLAC is written to a temporary name first and renamed inside the
        transaction, so a session never points at a half-written file.
        """
        from coach.audio import write_flac

        audio_dir = self.folder / "audio"
        tmp: Path | None = None
        try:
            if audio is not None:
                audio_dir.mkdir(parents=True, exist_ok=True)
                tmp = audio_dir / f".saving-{uuid.uuid4().hex}.flac"
                write_flac(audio, tmp)
            with self._write() as db:
                cur = db.execute(
                    "INSERT INTO sessions (created_at, rep, card_id, touch, prospect, model,"
                    " score, source, audio_path, report_json)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
                    (
                        _now(),
                        rep,
                        card_id,
                        report.touch,
                        prospect,
                        report.model,
                        report.score,
                        report.source,
                        json.dumps(to_json(report), ensure_ascii=False),
                    ),
                )
                session_id = int(cur.lastrowid or 0)
                if tmp is not None:
                    relative = f"audio/{session_id}.flac"
                    os.replace(tmp, self.folder / relative)
                    tmp = None
                    db.execute(
                        "UPDATE sessions SET audio_path = ? WHERE id = ?", (relative, session_id)
                    )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot save the session to {self.path}: {exc}") from None
        except OSError as exc:
            raise StoreError(f"cannot save the session audio in {audio_dir}: {exc}") from None
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        return self.get(session_id)

    def sessions(
        self,
        *,
        rep: str | None = None,
        touch: int | None = None,
        since: date | None = None,
        min_score: int | None = None,
    ) -> list[Session]:
        """Saved sessions, newest first, filtered by every criterion given.

        ``rep`` matches case-insensitively; ``since`` is a UTC date, inclusive.
        """
        where: list[str] = []
        args: list[Any] = []
        if rep is not None:
            where.append("rep = ? COLLATE NOCASE")
            args.append(rep)
        if touch is not None:
            where.append("touch = ?")
            args.append(touch)
        if since is not None:
            where.append("created_at >= ?")
            args.append(since.isoformat())
        if min_score is not None:
            where.append("score >= ?")
            args.append(min_score)
        sql = f"SELECT {_COLUMNS} FROM sessions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, id DESC"
        return [self._session(row) for row in self._read(sql, args)]

    def get(self, session_id: int) -> Session:
        """The session with this id.

        Raises
        ------
        StoreError
            No such session.
        """
        rows = self._read(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", [session_id])
        if not rows:
            raise StoreError(
                f"no session {session_id} in {self.path} — run coach sessions to list them"
            )
        return self._session(rows[0])

    def delete(self, session_id: int) -> Session:
        """Remove a session and its audio; returns what was removed."""
        session = self.get(session_id)
        try:
            with self._write() as db:
                db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot delete session {session_id} from {self.path}: {exc}"
            ) from None
        if session.audio is not None:
            session.audio.unlink(missing_ok=True)
        return session

    def _read(self, sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the store {self.path}: {exc}") from None

    def _session(self, row: tuple[Any, ...]) -> Session:
        fields = dict(zip(_COLUMNS.split(", "), row, strict=True))
        return Session(**fields, folder=self.folder)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
