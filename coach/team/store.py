"""The practice store: every scored take, its report and a FLAC copy of its audio.

This is the only module with SQL.  The database is ``data_dir()/coach.db``
(``COACH_HOME`` or ``--store`` moves it); the audio lives beside it in
``audio/<id>.flac``.  Schema changes are numbered :data:`MIGRATIONS`, each
applied once in its own ``BEGIN IMMEDIATE`` transaction and recorded in the
``migrations`` table.  WAL mode and a busy timeout let several ``coach``
processes save at once: a writer waits for the lock instead of failing.

The same store runs on a PostgreSQL server (a team's): open a
``postgresql://`` URL instead of a file.  The SQL here is written once, in
SQLite's dialect; :mod:`coach.team.store_pg` translates it, so both back ends
share one migration history.  On PostgreSQL a write transaction takes an
advisory lock up front, as ``BEGIN IMMEDIATE`` does, and the audio lives in a
folder of this machine (``audio_dir``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from coach.errors import CoachError
from coach.paths import data_dir
from coach.report import Report, report_from_json, to_json
from coach.team import schema, store_pg
from coach.team.review import Comment, Override, Weights, apply_overrides
from coach.team.store_files import (
    diagnosis,
    disk_full,
    is_own_audio,
    remove,
    sweep_temp_audio,
    temp_name,
    writable,
)

if TYPE_CHECKING:
    from coach.rubric.checks import Status

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
    (
        2,
        # uid: the session's identity across machines (export/import adds nothing twice);
        # sent_at: the take was actually left for the prospect (cadence per prospect);
        # weights_json: the rubric's weights and points at save time, so a lead's
        # override re-scores the take the way it was scored.
        """
        ALTER TABLE sessions ADD COLUMN uid TEXT;
        ALTER TABLE sessions ADD COLUMN prospect_company TEXT NOT NULL DEFAULT '';
        ALTER TABLE sessions ADD COLUMN sent_at TEXT;
        ALTER TABLE sessions ADD COLUMN reviewed_at TEXT;
        ALTER TABLE sessions ADD COLUMN weights_json TEXT;
        UPDATE sessions SET uid = lower(hex(randomblob(16))) WHERE uid IS NULL;
        CREATE UNIQUE INDEX sessions_uid ON sessions (uid);
        CREATE INDEX sessions_sent ON sessions (prospect, sent_at);
        CREATE TABLE comments (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            at_s REAL,
            text TEXT NOT NULL,
            author TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX comments_session ON comments (session_id);
        CREATE TABLE overrides (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            check_id TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT NOT NULL,
            author TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX overrides_session ON overrides (session_id);
        """,
    ),
    (
        3,
        # The team server's accounts (#17): users with a role and a team, an argon2 hash
        # of their password (empty until one is set), and their API tokens, kept only as
        # the sha256 of the token (32 random bytes: nothing to brute-force, so a fast hash).
        # On a rep's own store, pushed_at is when the take reached the team server and
        # sync remembers up to when reviews were pulled from each server.
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('rep', 'lead', 'admin')),
            team TEXT NOT NULL DEFAULT '',
            password_hash TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE TABLE tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            token_sha256 TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE INDEX tokens_user ON tokens (user_id);
        ALTER TABLE sessions ADD COLUMN pushed_at TEXT;
        CREATE TABLE sync (
            server TEXT PRIMARY KEY,
            reviews_until TEXT NOT NULL
        );
        """,
    ),
    (
        4,
        # The team server's web app (#17): the key its login cookies are signed with,
        # made once and kept here so a restarted server keeps everyone logged in.
        """
        CREATE TABLE server_keys (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """,
    ),
)


class StoreError(CoachError):
    """The store cannot be opened, read or written, or a session does not exist."""


class RottenRow(StoreError):
    """A stored session whose fields no longer fit the schema (edited by hand, damaged)."""


def store_path() -> Path:
    """The default database: ``data_dir()/coach.db``."""
    return data_dir() / "coach.db"


@dataclass(frozen=True)
class Adoption:
    """A session from another store for :meth:`Store.adopt`.

    ``fields`` are :class:`Session` columns (not ``id`` or ``audio_path``);
    ``comments`` and ``overrides`` are their tables' columns (not ``id`` or
    ``session_id``); ``audio`` writes the session's FLAC to the path it is
    given (``None``: no audio).
    """

    fields: dict[str, Any]
    audio: Callable[[Path], None] | None
    comments: list[dict[str, Any]]
    overrides: list[dict[str, Any]]


@dataclass(frozen=True)
class Session:
    """One saved take.

    ``audio_path`` is relative to the database's folder (``audio/7.flac``), so
    the folder can be moved whole; :attr:`audio` is the full path.  ``score``
    is the score as reviewed (a lead's overrides applied); the report keeps
    the score the coach gave.  ``sent_at`` is set when the rep actually left
    this voicemail for the prospect.
    """

    id: int
    uid: str
    created_at: str
    rep: str
    card_id: str
    touch: int | None
    prospect: str
    prospect_company: str
    model: str | None
    score: int
    source: str
    audio_path: str | None
    report_json: str
    sent_at: str | None
    reviewed_at: str | None
    weights_json: str | None
    folder: Path

    @property
    def audio(self) -> Path | None:
        return None if self.audio_path is None else self.folder / self.audio_path

    @property
    def report(self) -> Report:
        """The report as the coach made it, before any review."""
        return report_from_json(json.loads(self.report_json))

    @property
    def weights(self) -> Weights | None:
        """The rubric's weights and points the take was scored with (``None``: not kept)."""
        if self.weights_json is None:
            return None
        data = json.loads(self.weights_json)
        return Weights(weights=data["weights"], points=data["points"])

    @property
    def top_fix(self) -> str:
        fixes = json.loads(self.report_json).get("fixes") or []
        return str(fixes[0]) if fixes else ""

    def summary(self) -> dict[str, Any]:
        """The row as plain JSON data (what ``coach sessions --json`` prints)."""
        return {
            "id": self.id,
            "uid": self.uid,
            "created_at": self.created_at,
            "rep": self.rep,
            "card": self.card_id,
            "touch": self.touch,
            "prospect": self.prospect,
            "prospect_company": self.prospect_company,
            "model": self.model,
            "score": self.score,
            "source": self.source,
            "audio": None if self.audio is None else str(self.audio),
            "sent_at": self.sent_at,
            "reviewed_at": self.reviewed_at,
            "top_fix": self.top_fix,
        }


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch to WAL, waiting while another process opens the same new store.

    The switch needs the file to itself, and SQLite answers "database is
    locked" at once, without the busy timeout, when two connections race for
    it (waiting could deadlock them).  So wait here, as a writer would.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


_COLUMNS = (
    "id, uid, created_at, rep, card_id, touch, prospect, prospect_company, model, score, source,"
    " audio_path, report_json, sent_at, reviewed_at, weights_json"
)
_TIMES = ("created_at", "sent_at", "reviewed_at")
_COMMENT_COLUMNS = "id, uid, session_id, at_s, text, author, created_at"
_OVERRIDE_COLUMNS = "id, uid, session_id, check_id, status, reason, author, created_at"


class _Db(Protocol):
    """A connection as the store uses it: ``sqlite3.Connection`` or :class:`store_pg.Connection`."""

    def execute(self, sql: str, args: Sequence[Any] = ..., /) -> Any: ...

    def close(self) -> None: ...


class Store:
    """An open store.  Use as a context manager, or call :meth:`close`.

    ``path`` is a SQLite file (``None``: :func:`store_path`) or a PostgreSQL
    URL (``postgresql://…`` or ``postgres://…``, e.g.
    ``postgresql:///coach?host=/run/postgresql``).  A PostgreSQL store keeps
    its audio in ``audio_dir`` (``data_dir()/team-audio`` unless given), laid
    out as beside a SQLite file: ``audio/<id>.flac``.

    Raises
    ------
    StoreError
        The file is not a SQLite database, or is one another program made, or
        was written by a newer coach; the server cannot be reached, has no such
        database, or the database holds another program's tables.  The file or
        database is never changed in that case.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        write: bool = True,
        audio_dir: str | Path | None = None,
    ) -> None:
        #: sessions a listing left out because their row cannot be read (one line each)
        self.skipped: list[str] = []
        #: the server's URL when the store is on PostgreSQL
        self.url: str | None = str(path) if store_pg.is_url(path) else None
        #: the SQLite file (``None`` on PostgreSQL)
        self.path: Path | None = None
        if self.url is not None:
            #: what messages call the store: its file, or its URL without the password
            self.where = store_pg.redact(self.url)
            #: the folder audio paths are relative to
            self.folder = (
                Path(audio_dir).expanduser() if audio_dir is not None else data_dir() / "team-audio"
            )
            self._open_pg()
            return
        self._file = Path(path).expanduser() if path is not None else store_path()
        self.path = self._file
        self.where = str(self._file)
        self.folder = self._file.parent
        self._errors: tuple[type[Exception], ...] = (sqlite3.Error,)
        if self._file.is_dir():
            raise StoreError(f"{self._file} is a folder — give --store a database file path")
        try:
            try:
                self._db: _Db = self._open(write=write)
            except sqlite3.Error:
                if write or not self._file.is_file() or not disk_full(self._file):
                    raise
                # A full disk cannot take the WAL index; a command that only reads
                # still reads the store as it is.
                self._db = self._read_only()
        except sqlite3.Error as exc:
            raise StoreError(
                diagnosis(self._file, exc) or f"cannot use the store {self._file}: {exc}"
            ) from None
        except OSError as exc:
            raise StoreError(f"cannot open the store {self._file}: {exc}") from None

    def _open_pg(self) -> None:
        """Connect, refuse a database that is not ours, then migrate (as :meth:`_open`)."""
        self._errors = store_pg.errors()
        try:
            self._pg = store_pg.Connection(self.url or "", lock_timeout_s=BUSY_TIMEOUT_S)
        except self._errors as exc:
            raise self._failed("cannot use the store", exc) from None
        self._db = self._pg
        try:
            self._check_pg()
            self._migrate()
            sweep_temp_audio(self.folder / "audio")
        except self._errors as exc:
            self._pg.close()
            raise self._failed("cannot use the store", exc) from None
        except BaseException:
            self._pg.close()
            raise

    def _check_pg(self) -> None:
        """Refuse a database that is not ours before anything writes to it."""
        objects = self._pg.objects()
        if objects and ("table", "migrations") not in objects:
            raise StoreError(
                f"{self.where} is not a Voice Coach database (it has other tables or views and "
                "no migrations table) — give another database; it was not changed"
            )

    def _open(self, *, write: bool) -> sqlite3.Connection:
        """Connect, refuse a file that is not ours, then set up and migrate.

        ``write=False`` (a command that only reads) falls back to reading a
        store that cannot be written (a read-only folder or file) as it is.
        """
        if not write and self._file.is_file() and not writable(self._file):
            return self._read_only()
        self.folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(
            self._file, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            self._db = db
            self._check()
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            _use_wal(db)
            db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            sweep_temp_audio(self.folder / "audio")
        except BaseException:
            db.close()
            raise
        return db

    def _read_only(self) -> sqlite3.Connection:
        """Open a store nobody can write here (``immutable``: not even a WAL index is made)."""
        uri = self._file.resolve().as_uri()
        last: sqlite3.Error | None = None
        for query in ("?mode=ro", "?mode=ro&immutable=1"):
            db = sqlite3.connect(
                uri + query, uri=True, isolation_level=None, check_same_thread=False
            )
            try:
                self._db = db
                self._check()
                if self.version() != MIGRATIONS[-1][0]:
                    raise StoreError(
                        f"{self._file} needs upgrading to this coach's schema and cannot be "
                        "written — make it writable and run any coach command once"
                    )
                return db
            except sqlite3.Error as exc:
                db.close()
                last = exc
            except BaseException:
                db.close()
                raise
        assert last is not None
        raise last

    def _check(self) -> None:
        """Refuse a file that is not ours before anything writes to it."""
        try:
            # Every kind of object, not just tables: a file holding only a view is not empty.
            objects = {
                (r[0], r[1]) for r in self._db.execute("SELECT type, name FROM sqlite_master")
            }
        except sqlite3.DatabaseError as exc:
            if diagnosis(self._file, exc):
                raise
            raise StoreError(
                f"{self._file} is not a Voice Coach database ({exc}) — move it aside; "
                "it was not changed"
            ) from None
        if objects and ("table", "migrations") not in objects:
            raise StoreError(
                f"{self._file} is not a Voice Coach database (it has other tables or views and "
                "no migrations table) — move it aside or give another --store; it was not changed"
            )

    @contextmanager
    def _write(self) -> Iterator[_Db]:
        """One write transaction, taking the write lock up front (waits while another writes)."""
        if self.url is None:
            self._db.execute("BEGIN IMMEDIATE")
        else:
            self._db.execute("BEGIN")
        try:
            if self.url is not None:
                self._pg.lock()  # inside the try: a lock that times out is rolled back
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
        create = (
            "CREATE TABLE IF NOT EXISTS migrations ("
            "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        if self.url is None:
            self._db.execute(create)
        elif ("table", "migrations") not in self._pg.objects():
            # Under the write lock: two processes opening a new database at once would
            # otherwise both create the table, and one would fail on PostgreSQL's catalog.
            with self._write() as db:
                db.execute(create)
        newest = MIGRATIONS[-1][0]
        if self.version() > newest:
            raise StoreError(
                f"{self.where} was written by a newer coach (schema {self.version()}, "
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
        prospect_company: str = "",
        audio: Any = None,
        sent_at: str | None = None,
        weights: Weights | None = None,
    ) -> Session:
        """Save a scored take; ``audio`` is its 16 kHz samples (``None``: no audio kept).

        ``sent_at`` (an ISO time) marks a take the rep actually left for the
        prospect; ``weights`` are what it was scored with, kept so a review
        re-scores it the same way.  The FLAC is written to a temporary name
        first and renamed inside the transaction, so a session never points at
        a half-written file.
        """
        from coach.speech.audio import write_flac
        from coach.team.cadence import iso, parse_when

        # In the store's form (UTC, Z) whatever ISO time or date was given: read back as saved.
        sent_at = None if sent_at is None else iso(parse_when(sent_at))

        audio_dir = self.folder / "audio"
        tmp: Path | None = None
        try:
            if audio is not None:
                audio_dir.mkdir(parents=True, exist_ok=True)
                tmp = audio_dir / temp_name("saving")
                write_flac(audio, tmp)
            with self._write() as db:
                session_id = self._insert(
                    db,
                    uid=uuid.uuid4().hex,
                    created_at=_now(),
                    rep=rep,
                    card_id=card_id,
                    touch=report.touch,
                    prospect=prospect,
                    prospect_company=prospect_company,
                    model=report.model,
                    score=report.score,
                    source=report.source,
                    report_json=json.dumps(to_json(report), ensure_ascii=False),
                    sent_at=sent_at,
                    reviewed_at=None,
                    weights_json=None if weights is None else _weights_json(weights),
                )
                if tmp is not None:
                    self._place_audio(db, session_id, tmp)
                    tmp = None
        except self._errors as exc:
            raise self._failed("cannot save the session to", exc) from None
        except OSError as exc:
            raise StoreError(f"cannot save the session audio in {audio_dir}: {exc}") from None
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        return self.get(session_id)

    def _insert(self, db: _Db, **fields: Any) -> int:
        names = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        sql = f"INSERT INTO sessions ({names}) VALUES ({marks})"
        if self.url is not None:
            return int(db.execute(sql + " RETURNING id", list(fields.values())).fetchone()[0])
        cur = db.execute(sql, list(fields.values()))
        return int(cur.lastrowid or 0)

    def _place_audio(self, db: _Db, session_id: int, tmp: Path, *, ext: str = "flac") -> None:
        """Move a finished FLAC to ``audio/<id>.flac`` (or Opus to ``.ogg``) and point at it."""
        relative = f"audio/{session_id}.{ext}"
        os.replace(tmp, self.folder / relative)
        db.execute("UPDATE sessions SET audio_path = ? WHERE id = ?", (relative, session_id))

    def sessions(
        self,
        *,
        rep: str | None = None,
        touch: int | None = None,
        since: date | None = None,
        min_score: int | None = None,
        prospect: str | None = None,
        reviewed: bool | None = None,
    ) -> list[Session]:
        """Saved sessions, newest first, filtered by every criterion given.

        ``rep`` and ``prospect`` match case-insensitively; ``since`` is a UTC
        date, inclusive; ``reviewed`` keeps only the takes a lead reviewed
        (``True``) or only those not reviewed yet (``False``).
        """
        where: list[str] = []
        args: list[Any] = []
        if rep is not None:
            where.append("rep = ? COLLATE NOCASE")
            args.append(rep)
        if touch is not None:
            touch = min(touch, schema.SQLITE_MAX_INT)  # no session has a bigger one: none match
            where.append("touch = ?")
            args.append(touch)
        if since is not None:
            where.append("created_at >= ?")
            args.append(since.isoformat())
        if min_score is not None:
            where.append("score >= ?")
            args.append(min_score)
        if prospect is not None:
            where.append("prospect = ? COLLATE NOCASE")
            args.append(prospect)
        if reviewed is not None:
            where.append(f"reviewed_at IS {'NOT ' if reviewed else ''}NULL")
        sql = f"SELECT {_COLUMNS} FROM sessions"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, id DESC"
        return self._sessions(self._read(sql, args))

    def review_queue(self, *, rep: str | None = None) -> list[Session]:
        """Sessions for a lead to review: unreviewed first, then newest first."""
        sessions = self.sessions(rep=rep)
        return sorted(sessions, key=lambda s: s.reviewed_at is not None)

    def get(self, session_id: int) -> Session:
        """The session with this id.

        Raises
        ------
        StoreError
            No such session.
        """
        fits = 0 < session_id <= schema.SQLITE_MAX_INT
        rows = (
            self._read(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", [session_id])
            if fits
            else []
        )
        if not rows:
            raise StoreError(
                f"no session {session_id} in {self.where} — run coach sessions to list them"
            )
        return self._session(rows[0])

    def _raw(self, session_id: int) -> Session:
        """The row as it is, unchecked: only for removing it."""
        row = self._read(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", [session_id])[0]
        fields = dict(zip(_COLUMNS.split(", "), row, strict=True))
        audio = fields["audio_path"]
        fields["audio_path"] = audio if isinstance(audio, str) and is_own_audio(audio) else None
        return Session(**fields, folder=self.folder)

    def by_uid(self, uid: str) -> Session | None:
        """The session with this uid (its identity across machines), if it is here."""
        rows = self._read(f"SELECT {_COLUMNS} FROM sessions WHERE uid = ?", [uid])
        return self._session(rows[0]) if rows else None

    def delete(self, session_id: int) -> Session:
        """Remove a session, its review and its audio; returns what was removed.

        A row that cannot be read (:class:`RottenRow`) can still be removed:
        that is the way out the error names.
        """
        try:
            session = self.get(session_id)
        except RottenRow:
            session = self._raw(session_id)
        try:
            with self._write() as db:
                db.execute("DELETE FROM comments WHERE session_id = ?", (session_id,))
                db.execute("DELETE FROM overrides WHERE session_id = ?", (session_id,))
                db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        except self._errors as exc:
            raise self._failed(f"cannot delete session {session_id} from", exc) from None
        if session.audio is not None:
            session.audio.unlink(missing_ok=True)
        return session

    # -- review ----------------------------------------------------------------

    def comments(self, session_id: int) -> list[Comment]:
        """A session's comments in take order (whole-take comments first)."""
        rows = self._read(
            f"SELECT {_COMMENT_COLUMNS} FROM comments WHERE session_id = ?"
            " ORDER BY at_s IS NOT NULL, at_s, created_at, id",
            [session_id],
        )
        return [Comment(*row) for row in self._checked(rows, "comment", schema.CommentDoc)]

    def comment_counts(self) -> dict[int, int]:
        """How many comments each session has (sessions with none are left out).

        Only comments that can be read count, as in :meth:`comments`.
        """
        rows = self._read(f"SELECT {_COMMENT_COLUMNS} FROM comments", [])
        return dict(Counter(row[2] for row in self._checked(rows, "comment", schema.CommentDoc)))

    def overrides(self, session_id: int) -> list[Override]:
        """A session's overrides, oldest first (the latest per check is the one in force)."""
        rows = self._read(
            f"SELECT {_OVERRIDE_COLUMNS} FROM overrides WHERE session_id = ?"
            " ORDER BY created_at, id",
            [session_id],
        )
        return [Override(*row) for row in self._checked(rows, "override", schema.OverrideDoc)]

    def _checked(
        self, rows: list[tuple[Any, ...]], kind: str, doc: type[Any]
    ) -> list[tuple[Any, ...]]:
        """The review rows that fit the schema; each one that does not noted in :attr:`skipped`."""
        good = []
        for row in rows:
            item = dict(zip(doc.__struct_fields__, row[1:2] + row[3:], strict=True))
            try:
                schema.convert(item, doc)
            except schema.SchemaError as exc:
                line = (
                    f"a {kind} (id {row[0]}) of session {row[2]} in {self.where} "
                    f"cannot be read ({exc}) — it is left out"
                )
                if line not in self.skipped:
                    self.skipped.append(line)
                continue
            good.append(row)
        return good

    def reviewed_report(self, session: Session) -> Report:
        """The session's report with the lead's overrides applied."""
        return apply_overrides(
            session.report, self.overrides(session.id), session.weights or _default_weights()
        )

    def add_comment(
        self, session_id: int, text: str, *, at_s: float | None = None, author: str = ""
    ) -> Comment:
        """Pin a comment to a moment of the take (``at_s``) or to all of it."""
        self.get(session_id)
        uid = uuid.uuid4().hex
        try:
            with self._write() as db:
                db.execute(
                    f"INSERT INTO comments ({_COMMENT_COLUMNS[4:]}) VALUES (?, ?, ?, ?, ?, ?)",
                    (uid, session_id, at_s, text, author, _now()),
                )
                self._reviewed(db, session_id)
        except self._errors as exc:
            raise self._failed("cannot save the comment in", exc) from None
        return next(c for c in self.comments(session_id) if c.uid == uid)

    def add_override(
        self, session_id: int, check_id: str, status: Status, reason: str, *, author: str = ""
    ) -> Override:
        """Record a lead's verdict on one check and re-score the session with it."""
        self.get(session_id)
        uid = uuid.uuid4().hex
        try:
            with self._write() as db:
                db.execute(
                    f"INSERT INTO overrides ({_OVERRIDE_COLUMNS[4:]}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (uid, session_id, check_id, status, reason, author, _now()),
                )
                self._rescore(db, session_id)
                self._reviewed(db, session_id)
        except self._errors as exc:
            raise self._failed("cannot save the override in", exc) from None
        return next(o for o in self.overrides(session_id) if o.uid == uid)

    def mark_reviewed(self, session_id: int) -> Session:
        """Mark a session reviewed without a comment or an override."""
        self.get(session_id)
        try:
            with self._write() as db:
                self._reviewed(db, session_id)
        except self._errors as exc:
            raise self._failed(f"cannot mark session {session_id} reviewed in", exc) from None
        return self.get(session_id)

    @staticmethod
    def _reviewed(db: _Db, session_id: int) -> None:
        db.execute(
            "UPDATE sessions SET reviewed_at = COALESCE(reviewed_at, ?) WHERE id = ?",
            (_now(), session_id),
        )

    def _rescore(self, db: _Db, session_id: int) -> None:
        """Set the session's score from its report and overrides (inside a write)."""
        session = self._session(
            db.execute(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone()
        )
        rows = db.execute(
            f"SELECT {_OVERRIDE_COLUMNS} FROM overrides WHERE session_id = ?", (session_id,)
        ).fetchall()
        overrides = [Override(*row) for row in self._checked(rows, "override", schema.OverrideDoc)]
        report = apply_overrides(session.report, overrides, session.weights or _default_weights())
        db.execute("UPDATE sessions SET score = ? WHERE id = ?", (report.score, session_id))

    # -- cadence ---------------------------------------------------------------

    def sent_to(self, prospect: str, company: str = "") -> list[Session]:
        """Voicemails actually left for this prospect, oldest first.

        The prospect is matched by name, case-insensitively, and by company
        when both sides know it.
        """
        rows = self._read(
            f"SELECT {_COLUMNS} FROM sessions WHERE sent_at IS NOT NULL"
            " AND prospect = ? COLLATE NOCASE ORDER BY sent_at, id",
            [prospect],
        )
        sent = self._sessions(rows)
        if company:
            folded = company.casefold()
            sent = [
                s for s in sent if not s.prospect_company or s.prospect_company.casefold() == folded
            ]
        return sent

    # -- moving sessions between stores ------------------------------------------

    def adopt(self, items: Sequence[Adoption]) -> list[tuple[bool, int]]:
        """Add sessions from another store, by uid, with their audio and review: all or nothing.

        One transaction for all of them: if anything fails, no row is added and
        no audio file is left (the FLACs are written to temporary names first
        and removed again).  A session already here is not added again, but
        review items it lacks are.  Returns, per item, whether the session was
        new and how many review items were added.

        Raises
        ------
        ValueError
            A key that is not one of the columns (they become SQL names).
        """
        for item in items:
            _only(item.fields, _COLUMNS, but=("id", "audio_path"))
            for part in item.comments:
                _only(part, _COMMENT_COLUMNS, but=("id", "session_id"))
            for part in item.overrides:
                _only(part, _OVERRIDE_COLUMNS, but=("id", "session_id"))
        audio_dir = self.folder / "audio"
        staged: dict[int, Path] = {}
        placed: list[Path] = []
        done: list[tuple[bool, int]] = []
        try:
            for n, item in enumerate(items):
                if item.audio is not None and self.by_uid(item.fields["uid"]) is None:
                    audio_dir.mkdir(parents=True, exist_ok=True)
                    staged[n] = audio_dir / temp_name("importing")
                    item.audio(staged[n])
            with self._write() as db:
                for n, item in enumerate(items):
                    done.append(self._adopt_one(db, item, staged.pop(n, None), placed))
        except self._errors as exc:
            remove(placed)
            raise self._failed("cannot import into", exc) from None
        except OSError as exc:
            remove(placed)
            raise StoreError(f"cannot write imported audio in {audio_dir}: {exc}") from None
        except BaseException:
            remove(placed)
            raise
        finally:
            remove(staged.values())
        return done

    def _adopt_one(
        self, db: _Db, item: Adoption, tmp: Path | None, placed: list[Path]
    ) -> tuple[bool, int]:
        found = db.execute(
            "SELECT id FROM sessions WHERE uid = ?", (item.fields["uid"],)
        ).fetchone()
        new = found is None
        if new:
            session_id = self._insert(db, **item.fields)
            if tmp is not None:
                self._place_audio(db, session_id, tmp)
                placed.append(self.folder / f"audio/{session_id}.flac")
        else:
            session_id = int(found[0])
        added = self._add_review(db, session_id, item.comments, item.overrides)
        if added:
            self._reviewed(db, session_id)
        return new, added

    def _add_review(
        self,
        db: _Db,
        session_id: int,
        comments: list[dict[str, Any]],
        overrides: list[dict[str, Any]],
    ) -> int:
        """Insert the review items not here yet (by uid), re-scoring if an override came."""
        added = 0
        for table, parts in (("comments", comments), ("overrides", overrides)):
            for part in parts:
                if db.execute(f"SELECT 1 FROM {table} WHERE uid = ?", (part["uid"],)).fetchone():
                    continue
                values = {**part, "session_id": session_id}
                names = ", ".join(values)
                marks = ", ".join("?" for _ in values)
                db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(values.values()))
                added += 1
        if added and overrides:
            self._rescore(db, session_id)
        return added

    # -- the team server: accounts and tokens ------------------------------------

    def add_user(self, name: str, role: str, team: str, *, password_hash: str = "") -> User:
        """A new account; its name must be free (compared case-insensitively)."""
        try:
            with self._write() as db:
                if db.execute(
                    "SELECT 1 FROM users WHERE name = ? COLLATE NOCASE", (name,)
                ).fetchone():
                    raise StoreError(
                        f"there is a user named {name!r} in {self.where} already — "
                        "pick another name, or coach users token NAME for a new token"
                    )
                db.execute(
                    "INSERT INTO users (name, role, team, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, role, team, password_hash, _now()),
                )
        except self._errors as exc:
            raise self._failed("cannot add the user to", exc) from None
        found = self.user(name)
        assert found is not None
        return found

    def users(self) -> list[User]:
        """Every account, by name."""
        rows = self._read(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name", [])
        return [_user(row) for row in rows]

    def user(self, name: str) -> User | None:
        """The account of this name (case-insensitively), if there is one."""
        rows = self._read(
            f"SELECT {_USER_COLUMNS} FROM users WHERE name = ? COLLATE NOCASE", [name]
        )
        return _user(rows[0]) if rows else None

    def add_token(self, user: User, token_sha256: str) -> None:
        """Keep a new API token for ``user``, as its sha256 only."""
        try:
            with self._write() as db:
                db.execute(
                    "INSERT INTO tokens (user_id, token_sha256, created_at) VALUES (?, ?, ?)",
                    (user.id, token_sha256, _now()),
                )
        except self._errors as exc:
            raise self._failed("cannot add the token to", exc) from None

    def user_by_token(self, token_sha256: str) -> User | None:
        """The account a token that is not revoked belongs to, else ``None``."""
        rows = self._read(
            f"SELECT {', '.join('u.' + c for c in _USER_COLUMNS.split(', '))} FROM tokens t"
            " JOIN users u ON u.id = t.user_id"
            " WHERE t.token_sha256 = ? AND t.revoked_at IS NULL",
            [token_sha256],
        )
        return _user(rows[0]) if rows else None

    def revoke_tokens(self, user: User, *, token_sha256: str | None = None) -> int:
        """Revoke all of ``user``'s live tokens, or only the one given; how many were revoked."""
        sql = "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"
        args: list[Any] = [_now(), user.id]
        if token_sha256 is not None:
            sql += " AND token_sha256 = ?"
            args.append(token_sha256)
        try:
            with self._write() as db:
                return int(db.execute(sql, args).rowcount)
        except self._errors as exc:
            raise self._failed("cannot revoke tokens in", exc) from None

    def set_password(self, user: User, password_hash: str) -> None:
        """Replace ``user``'s password (an argon2 hash; empty: they cannot log in)."""
        try:
            with self._write() as db:
                db.execute(
                    "UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user.id)
                )
        except self._errors as exc:
            raise self._failed("cannot set the password in", exc) from None

    def server_key(self, name: str, make: Callable[[], str]) -> str:
        """The server's key called ``name``: made by ``make`` the first time, then kept."""
        try:
            with self._write() as db:
                row = db.execute("SELECT value FROM server_keys WHERE name = ?", (name,)).fetchone()
                if row is not None:
                    return str(row[0])
                value = make()
                db.execute(
                    "INSERT INTO server_keys (name, value, created_at) VALUES (?, ?, ?)",
                    (name, value, _now()),
                )
                return value
        except self._errors as exc:
            raise self._failed("cannot keep the server's key in", exc) from None

    def live_tokens(self, user: User) -> int:
        """How many tokens of ``user`` are not revoked."""
        rows = self._read(
            "SELECT COUNT(*) FROM tokens WHERE user_id = ? AND revoked_at IS NULL", [user.id]
        )
        return int(rows[0][0])

    # -- the team server: pushed takes, their audio, reviews going back ------------

    def attach_audio(self, session_id: int, write: Callable[[Path], None], *, ext: str) -> bool:
        """Give a session without audio its file ``audio/<id>.<ext>``; False if it has one.

        ``write`` writes the audio to the temporary path it is given; it is
        renamed inside the transaction, as :meth:`save` does.
        """
        if ext not in ("flac", "ogg"):
            raise ValueError(f"audio is kept as flac or ogg, not {ext!r}")
        audio_dir = self.folder / "audio"
        tmp = audio_dir / temp_name("receiving", ext)
        try:
            audio_dir.mkdir(parents=True, exist_ok=True)
            write(tmp)
            with self._write() as db:
                row = db.execute(
                    "SELECT audio_path FROM sessions WHERE id = ?", (session_id,)
                ).fetchone()
                if row is None:
                    raise StoreError(f"no session {session_id} in {self.where}")
                if row[0] is not None:
                    return False
                self._place_audio(db, session_id, tmp, ext=ext)
            return True
        except self._errors as exc:
            raise self._failed("cannot save the session audio in", exc) from None
        except OSError as exc:
            raise StoreError(f"cannot save the session audio in {audio_dir}: {exc}") from None
        finally:
            tmp.unlink(missing_ok=True)

    def unpushed(self) -> list[Session]:
        """Sessions not sent to the team server yet, oldest first."""
        rows = self._read(
            f"SELECT {_COLUMNS} FROM sessions WHERE pushed_at IS NULL ORDER BY created_at, id", []
        )
        return self._sessions(rows)

    def mark_pushed(self, session_id: int) -> None:
        """Note that the team server has this session (``coach sync`` sends it no more)."""
        try:
            with self._write() as db:
                db.execute(
                    "UPDATE sessions SET pushed_at = COALESCE(pushed_at, ?) WHERE id = ?",
                    (_now(), session_id),
                )
        except self._errors as exc:
            raise self._failed("cannot note the session as sent in", exc) from None

    def reviews_of(self, rep: str, *, since: str | None = None) -> list[dict[str, Any]]:
        """The review of each of ``rep``'s sessions reviewed (or commented) since ``since``.

        One object per session in the bundle's shape: ``uid``, ``reviewed_at``
        and all its ``comments`` and ``overrides`` (without the store's ids).
        ``since`` is an ISO time in the store's form (``None``: every review).
        """
        sql = f"SELECT {_COLUMNS} FROM sessions s WHERE s.rep = ? AND s.reviewed_at IS NOT NULL"
        args: list[Any] = [rep]
        if since is not None:
            sql += (
                " AND (s.reviewed_at >= ?"
                " OR EXISTS (SELECT 1 FROM comments c WHERE c.session_id = s.id"
                " AND c.created_at >= ?)"
                " OR EXISTS (SELECT 1 FROM overrides o WHERE o.session_id = s.id"
                " AND o.created_at >= ?))"
            )
            args += [since, since, since]
        sql += " ORDER BY s.created_at, s.id"
        reviews = []
        for session in self._sessions(self._read(sql, args)):
            reviews.append(
                {
                    "uid": session.uid,
                    "reviewed_at": session.reviewed_at,
                    "comments": [_review_part(c) for c in self.comments(session.id)],
                    "overrides": [_review_part(o) for o in self.overrides(session.id)],
                }
            )
        return reviews

    def visible_to(self, user: User) -> list[Session]:
        """The sessions ``user`` may see, newest first: a rep their own, a lead their team's
        reps', an admin every one."""
        sql = f"SELECT {_COLUMNS} FROM sessions"
        args: list[Any] = []
        if user.role == "rep":
            sql += " WHERE rep = ?"
            args.append(user.name)
        elif user.role == "lead":
            sql += " WHERE rep IN (SELECT name FROM users WHERE team = ? AND role = 'rep')"
            args.append(user.team)
        elif user.role != "admin":
            return []
        sql += " ORDER BY created_at DESC, id DESC"
        return self._sessions(self._read(sql, args))

    def adopt_reviews(self, reviews: Sequence[dict[str, Any]]) -> int:
        """Add the review items of sessions held here (by uid), in one transaction.

        ``reviews`` are :meth:`reviews_of` objects, checked by the caller; a
        session not held here is passed over.  A session marked reviewed keeps
        the lead's time.  Returns how many comments and overrides were new.
        """
        for review in reviews:
            for part in review["comments"]:
                _only(part, _COMMENT_COLUMNS, but=("id", "session_id"))
            for part in review["overrides"]:
                _only(part, _OVERRIDE_COLUMNS, but=("id", "session_id"))
        added = 0
        try:
            with self._write() as db:
                for review in reviews:
                    row = db.execute(
                        "SELECT id FROM sessions WHERE uid = ?", (review["uid"],)
                    ).fetchone()
                    if row is None:
                        continue
                    session_id = int(row[0])
                    added += self._add_review(
                        db, session_id, review["comments"], review["overrides"]
                    )
                    if review["reviewed_at"] is not None:
                        db.execute(
                            "UPDATE sessions SET reviewed_at = COALESCE(reviewed_at, ?)"
                            " WHERE id = ?",
                            (review["reviewed_at"], session_id),
                        )
        except self._errors as exc:
            raise self._failed("cannot add the reviews to", exc) from None
        return added

    def reviews_until(self, server: str) -> str | None:
        """Up to when reviews were pulled from ``server`` (its clock), if ever."""
        rows = self._read("SELECT reviews_until FROM sync WHERE server = ?", [server])
        return str(rows[0][0]) if rows else None

    def set_reviews_until(self, server: str, when: str) -> None:
        try:
            with self._write() as db:
                db.execute("DELETE FROM sync WHERE server = ?", (server,))
                db.execute("INSERT INTO sync (server, reviews_until) VALUES (?, ?)", (server, when))
        except self._errors as exc:
            raise self._failed("cannot note the sync in", exc) from None

    def _read(self, sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
        try:
            rows: list[tuple[Any, ...]] = self._db.execute(sql, args).fetchall()
            return rows
        except self._errors as exc:
            raise self._failed("cannot read the store", exc) from None
        except UnicodeEncodeError:
            raise StoreError("a value to look up is not valid UTF-8 text — retype it") from None
        except OverflowError:
            raise StoreError(f"a number to look up is too big for {self.where}") from None

    def _failed(self, doing: str, exc: Exception) -> StoreError:
        """One line for a database error: what the disk, file or server says, else what failed."""
        if self.url is not None:
            said = store_pg.diagnosis(self.where, exc)
            return StoreError(said or f"{doing} {self.where}: {store_pg.one_line(exc)}")
        assert isinstance(exc, sqlite3.Error)
        return StoreError(diagnosis(self._file, exc) or f"{doing} {self._file}: {exc}")

    def _session(self, row: tuple[Any, ...]) -> Session:
        """A row as a :class:`Session`, its times, report and weights checked first.

        Raises
        ------
        RottenRow
            A field does not fit the schema (see :mod:`coach.team.schema`).
        """
        fields = dict(zip(_COLUMNS.split(", "), row, strict=True))
        try:
            schema.convert({k: fields[k] for k in _TIMES}, schema.RowDoc)
            for key, kind in (
                ("report_json", schema.ReportDoc),
                ("weights_json", schema.WeightsDoc),
            ):
                if key == "report_json" or fields[key] is not None:
                    schema.decode(fields[key] if isinstance(fields[key], str) else "", kind)
            for key in ("rep", "card_id", "prospect", "prospect_company", "source"):
                if not isinstance(fields[key], str):
                    raise schema.SchemaError(f"{key} is not text")
            if not isinstance(fields["score"], int) or not 0 <= fields["score"] <= 100:
                raise schema.SchemaError("its score is not a whole number from 0 to 100")
        except schema.SchemaError as exc:
            sid = fields["id"]
            raise RottenRow(
                f"session {sid} in {self.where} cannot be read ({exc}) — "
                f"coach sessions delete {sid} removes it"
            ) from None
        return Session(**fields, folder=self.folder)

    def _sessions(self, rows: list[tuple[Any, ...]]) -> list[Session]:
        """The rows that read, each one that does not noted in :attr:`skipped`."""
        sessions = []
        for row in rows:
            try:
                sessions.append(self._session(row))
            except RottenRow as exc:
                if str(exc) not in self.skipped:
                    self.skipped.append(str(exc))
        return sessions


@dataclass(frozen=True)
class User:
    """An account on the team server: a rep pushes takes, a lead reviews a team's, an admin all."""

    id: int
    name: str
    role: str
    team: str
    password_hash: str
    created_at: str


_USER_COLUMNS = "id, name, role, team, password_hash, created_at"


def _user(row: tuple[Any, ...]) -> User:
    return User(
        id=int(row[0]),
        name=str(row[1]),
        role=str(row[2]),
        team=str(row[3]),
        password_hash=str(row[4]),
        created_at=str(row[5]),
    )


def _review_part(item: Comment | Override) -> dict[str, Any]:
    """A comment or override in the bundle's shape: without the ids of one store."""
    return {k: v for k, v in asdict(item).items() if k not in ("id", "session_id")}


def _only(row: dict[str, Any], columns: str, *, but: tuple[str, ...]) -> None:
    """Refuse keys that are not ``columns`` (a comma list) minus ``but``."""
    allowed = set(columns.split(", ")) - set(but)
    unknown = set(row) - allowed
    if unknown:
        raise ValueError(f"not columns of the store: {', '.join(sorted(unknown))}")


def _weights_json(weights: Weights) -> str:
    return json.dumps({"weights": weights.weights, "points": weights.points})


def _default_weights() -> Weights:
    """For sessions saved before weights were kept: the shipped rubric's."""
    from coach.rubric.config import load_rubric

    return Weights.of(load_rubric(None))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
