"""Columns that hold SecretBox ciphertext, found by their `info` flag, for key rotation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, and_, select, update
from sqlalchemy.orm import Session

from bhlink.store.tables import Base


@dataclass(frozen=True)
class EncryptedColumn:
    """One column flagged `info=SECRETBOX`."""

    table: str
    column: str

    @property
    def label(self) -> str:
        """`table.column`."""
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class StoredCiphertext:
    """One non-null ciphertext, its row's primary key and (if the table has one) integration."""

    key: tuple[object, ...]
    value: str
    integration_id: str | None


class SecretQueries:
    """Reads and rewrites of encrypted columns, whatever table they live in."""

    def __init__(self, session: Session) -> None:
        self._s = session

    @staticmethod
    def columns() -> list[EncryptedColumn]:
        """Every flagged column of the schema, in a stable order."""
        found = [
            EncryptedColumn(table.name, column.name)
            for table in Base.metadata.sorted_tables
            for column in table.columns
            if column.info.get("secretbox")
        ]
        return sorted(found, key=lambda c: c.label)

    @staticmethod
    def _table(column: EncryptedColumn) -> Table:
        return Base.metadata.tables[column.table]

    def values(self, column: EncryptedColumn) -> list[StoredCiphertext]:
        """Every non-null value of the column (encrypted columns sit on small tables)."""
        table = self._table(column)
        keys = list(table.primary_key.columns)
        tenant = table.columns.get("integration_id")
        target = table.columns[column.column]
        selected = [*keys, target] + ([tenant] if tenant is not None else [])
        rows = self._s.execute(select(*selected).where(target.is_not(None)).order_by(*keys))
        return [
            StoredCiphertext(
                key=tuple(row[: len(keys)]),
                value=str(row[len(keys)]),
                integration_id=str(row[-1]) if tenant is not None else None,
            )
            for row in rows
        ]

    def replace(self, column: EncryptedColumn, stored: StoredCiphertext, new_value: str) -> None:
        """Swap one ciphertext, only if it is still the one read (no lost concurrent update)."""
        table = self._table(column)
        target = table.columns[column.column]
        match = [c == v for c, v in zip(table.primary_key.columns, stored.key, strict=True)]
        result = self._s.execute(
            update(table).where(and_(*match, target == stored.value)).values({target: new_value})
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LookupError(f"{column.label}: a row changed during rotation; run it again")
