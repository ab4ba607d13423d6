"""Engines and sessions: SQLite tuned for durability (WAL, FULL sync, immediate writes), or PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from bhlink.store.unit_of_work import UnitOfWork


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


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: every commit is fsynced before we acknowledge it (PHI must survive power loss).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Every request writes at least an audit row, so take the write lock up front:
        # upgrading a read transaction later fails at once with SQLITE_BUSY instead of waiting.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


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
            connect_args={"check_same_thread": False, "timeout": 15},
            # Parameters carry PHI: keep them out of SQL logs and out of StatementError text.
            hide_parameters=True,
            **pool_args,
        )
        _configure_sqlite(engine)
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

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    def new_session(self) -> Session:
        """A fresh session (store-internal; callers outside store use `unit_of_work`)."""
        return self._sessions()

    def begin(self) -> UnitOfWork:
        """A unit of work the caller must commit or close."""
        return UnitOfWork(self._sessions())

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
