"""Engines and sessions: SQLite tuned for durability (WAL, FULL sync, immediate writes), or PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from bhlink.store.unit_of_work import UnitOfWork

# Execution option a unit of work sets to start its SQLite transaction as a reader.
READ_FIRST = "bhlink_read_first"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class _WriterLock:
    """One SQLite writer per process at a time, queued on a lock instead of SQLite's busy loop.

    SQLite admits one writer; the others retry on a timer that sleeps 1, 2, 5 … 100 ms, so under
    load a waiting request idles long after the lock is free. Threads of one process queue here
    instead and start the moment the writer before them commits; only the processes of a
    multi-worker server still meet in SQLite's busy handler. The lock is held from
    `BEGIN IMMEDIATE` until the connection's commit, rollback or close returns.
    """

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout
        self._holder: _Connection | None = None

    def acquire(self, conn: _Connection) -> None:
        deadline = time.monotonic() + self._timeout
        while not self._lock.acquire(timeout=0.5):
            holder = self._holder
            # Self-healing: a holder that left its transaction without telling us (it cannot,
            # short of a bug) must not stop every writer of the process.
            if holder is not None and not holder.in_transaction:
                self.release(holder)
            if time.monotonic() > deadline:
                raise sqlite3.OperationalError("database is locked")
        self._holder = conn
        conn.holds_writer = True

    def release(self, conn: _Connection) -> None:
        if conn.holds_writer and self._holder is conn:
            conn.holds_writer = False
            self._holder = None
            self._lock.release()


class _Connection(sqlite3.Connection):
    """A sqlite3 connection that hands the process's writer lock on when its transaction ends."""

    writer: _WriterLock | None = None
    holds_writer = False
    deferred = False

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._ended()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._ended()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._ended()

    def _ended(self) -> None:
        self.deferred = False
        if self.writer is not None:
            self.writer.release(self)

    def begin_writing(self, cursor: sqlite3.Cursor) -> None:
        """Start a write transaction: take the process's writer lock, then SQLite's."""
        if self.writer is not None:
            self.writer.acquire(self)
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._ended()
            raise


class _NoResultRows(logging.Filter):
    """Drop SQLAlchemy's DEBUG "Row (...)" records: result rows hold PHI and secret hashes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


_ROW_FILTER = _NoResultRows()


def _guard_engine_logging() -> None:
    # An operator who turns sqlalchemy logging up to DEBUG must still not write PHI to the logs:
    # statement parameters are hidden by `hide_parameters`, result rows by this filter.
    engine_logger = logging.getLogger("sqlalchemy.engine.Engine")
    if _ROW_FILTER not in engine_logger.filters:
        engine_logger.addFilter(_ROW_FILTER)


def _configure_sqlite(engine: Engine, busy_timeout: float) -> None:
    writer = _WriterLock(busy_timeout)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: _Connection, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        dbapi_conn.writer = writer
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: every commit is fsynced before we acknowledge it (PHI must survive power loss).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        dbapi_conn: _Connection = conn.connection.driver_connection
        if conn.get_execution_options().get(READ_FIRST):
            # A reader (GET): no lock while it reads; its first write upgrades (below).
            conn.exec_driver_sql("BEGIN")
            dbapi_conn.deferred = True
            return
        # Writers take the write lock up front, so everything they read stays true until they
        # commit: upgrading later could fail at once with SQLITE_BUSY_SNAPSHOT.
        cursor = dbapi_conn.cursor()
        try:
            dbapi_conn.begin_writing(cursor)
        finally:
            cursor.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _upgrade_reader(conn: Any, cursor: sqlite3.Cursor, statement: str, *_: Any) -> None:
        dbapi_conn: _Connection = conn.connection.driver_connection
        if dbapi_conn.deferred and statement.lstrip()[:7].upper().startswith(_WRITES):
            # A reader's first write (its audit rows at commit, a session's last-seen time):
            # end the read snapshot and start over as a writer, so the write never meets
            # SQLITE_BUSY_SNAPSHOT. What it read stays read-committed, as on PostgreSQL.
            dbapi_conn.deferred = False
            cursor.execute("COMMIT")
            dbapi_conn.begin_writing(cursor)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Build an engine for `url` (sqlite:///path or postgresql+psycopg://…)."""
    parsed = make_url(url)
    _guard_engine_logging()
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # NullPool takes no pool sizes: a private in-memory database has no pool to size.
        pool_args: dict[str, Any] = (
            {"poolclass": NullPool}
            if database in ("", ":memory:")
            else {"pool_size": pool_size, "max_overflow": pool_size}
        )
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15, "factory": _Connection},
            # Parameters carry PHI: keep them out of SQL logs and out of StatementError text.
            hide_parameters=True,
            **pool_args,
        )
        _configure_sqlite(engine, busy_timeout=15.0)
        return engine
    # Keep options given in the URL (e.g. a search_path) and pin the session time zone to UTC.
    options = " ".join(filter(None, [str(parsed.query.get("options", "")), "-c timezone=UTC"]))
    return create_engine(
        parsed.difference_update_query(["options"]),
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_pre_ping=True,
        connect_args={"options": options},
        hide_parameters=True,  # parameters carry PHI (see the SQLite branch)
    )


class Database:
    """One engine and its session factory; hands out units of work."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        # Sessions whose SQLite transactions start as readers (see `begin`).
        self._reader_sessions = (
            sessionmaker(
                self.engine.execution_options(**{READ_FIRST: True}),
                expire_on_commit=False,
                autoflush=True,
            )
            if self.dialect == "sqlite"
            else self._sessions
        )

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    def new_session(self) -> Session:
        """A fresh session (store-internal; callers outside store use `unit_of_work`)."""
        return self._sessions()

    def begin(self, *, read_first: bool = False) -> UnitOfWork:
        """A unit of work the caller must commit or close.

        `read_first`: the work mostly reads (an HTTP GET). On SQLite its transaction starts as
        a reader and becomes a writer only at its first write, usually the audit rows at
        commit, so concurrent reads no longer queue behind one write lock. Writers (the
        default) hold the write lock from their first statement, which keeps their checks
        (double booking, unique names) true until they commit. PostgreSQL needs neither.
        """
        return UnitOfWork(self._reader_sessions() if read_first else self._sessions())

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """A unit of work closed on exit; it commits only when the caller says so."""
        uow = self.begin()
        try:
            yield uow
        finally:
            uow.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
