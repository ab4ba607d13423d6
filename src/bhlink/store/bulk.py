"""Bulk loading in the unit of work's transaction: COPY on PostgreSQL, executemany on SQLite.

For synthetic practices and imports of many rows: rows go straight to the tables without the
ORM's per-object bookkeeping. Callers keep the services' invariants themselves (ids, change
numbers, the integration's counter); this module only moves rows fast.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

import orjson
import psycopg
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Table, insert, inspect, text, update
from sqlalchemy.orm import Session

from bhlink.store.tables import Base, Integration
from bhlink.store.types import JSONDoc, UTCDateTime

# Rows per executemany on SQLite: big enough to amortise the call, small enough for memory.
_SQLITE_CHUNK = 20_000
_SQLITE_CACHE_KIB = 256 * 1024


class BulkWriter:
    """Inserts many rows of one table at a time; everything commits with the unit of work."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._prepared = False

    @property
    def _dialect(self) -> str:
        return self._s.get_bind().dialect.name

    def has_table(self, name: str) -> bool:
        """Whether the database schema has this table (for optional modules such as notes)."""
        return inspect(self._s.connection()).has_table(name)

    def insert(self, model: type[Base], rows: Iterable[Any]) -> int:
        """Insert `rows` (dataclasses whose field names are columns of `model`); returns how many.

        `rows` may be a generator of any length: PostgreSQL streams it through one
        `COPY … FROM STDIN` (a writer thread sends while the next rows are being made); SQLite
        takes it in chunks, each one executemany of the compiled `INSERT`.
        """
        stream = iter(rows)
        first = next(stream, None)
        if first is None:
            return 0
        table = model.__table__
        assert isinstance(table, Table)
        given = {field.name for field in dataclasses.fields(first)}
        unknown = sorted(given - set(table.c.keys()))
        if unknown:
            raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
        # Table order: the compiled INSERT lists its columns in this order.
        columns = [column.name for column in table.columns if column.name in given]
        values = map(attrgetter(*columns), itertools.chain([first], stream))
        if self._dialect == "postgresql":
            return self._copy(table, columns, values)
        count = 0
        while chunk := list(itertools.islice(values, _SQLITE_CHUNK)):
            self._executemany(table, columns, chunk)
            count += len(chunk)
        return count

    def _executemany(self, table: Table, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """One executemany of the compiled INSERT, values converted column by column.

        Each column's bind processor (the same the ORM applies: UTC datetimes stored naive,
        JSON as text) runs over the whole column at once, a fraction of the cost of building a
        parameter dict per row. Timestamps repeat a lot (created_at is updated_at, sessions
        start on the hour), so each distinct one is converted once per call.
        """
        connection = self._s.connection()
        if not self._prepared:
            # A large page cache keeps the index b-trees in memory while they grow.
            connection.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
            self._prepared = True
        dialect = connection.dialect
        cells: list[Sequence[Any]] = list(zip(*rows, strict=True))
        converted: dict[Any, Any] = {}
        for index, name in enumerate(columns):
            column_type = table.c[name].type
            processor = column_type.dialect_impl(dialect).bind_processor(dialect)
            if processor is None:
                continue
            if isinstance(column_type, UTCDateTime):
                for value in set(cells[index]):
                    if value not in converted:
                        converted[value] = processor(value)
                cells[index] = [converted[value] for value in cells[index]]
            else:
                cells[index] = list(map(processor, cells[index]))
        statement = str(insert(table).compile(dialect=dialect, column_keys=columns))
        connection.exec_driver_sql(statement, list(zip(*cells, strict=True)))

    def _copy(self, table: Table, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
        json_at = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSONDoc)]
        connection = self._s.connection().connection.driver_connection
        assert isinstance(connection, psycopg.Connection)
        names = ", ".join(f'"{name}"' for name in columns)
        count = 0
        with connection.cursor() as cursor:
            statement = f'COPY "{table.name}" ({names}) FROM STDIN'
            with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
                for row in rows:
                    if json_at:
                        cells = list(row)
                        for i in json_at:
                            if cells[i] is not None:
                                cells[i] = orjson.dumps(cells[i]).decode()
                        copy.write_row(cells)
                    else:
                        copy.write_row(row)
                    count += 1
        return count

    def set_change_counter(self, integration_id: str, change_seq: int, at: datetime) -> None:
        """Move the integration's change counter (and its clock) to the newest bulk-loaded row."""
        self._s.execute(
            update(Integration)
            .where(Integration.id == integration_id)
            .values(change_seq=change_seq, last_change_at=at)
        )

    def analyze(self, models: Sequence[type[Base]]) -> None:
        """Refresh the planner's statistics of these tables after a large load."""
        for model in models:
            name = model.__tablename__
            if self.has_table(name):
                self._s.execute(text(f'ANALYZE "{name}"'))
