"""Columns that hold SecretBox ciphertext, found by their `info` flag, for key rotation.

Two kinds: a text column whose whole value is ciphertext (`info=SECRETBOX`), and a JSON document
whose values under certain keys, at any depth, are ciphertext (`info=secretbox_in_json(...)`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, select, update
from sqlalchemy.orm import Session

from bhlink.store.tables import Base


@dataclass(frozen=True)
class EncryptedColumn:
    """One flagged column; `json_keys` is empty for a text column."""

    table: str
    column: str
    json_keys: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """`table.column`."""
        return f"{self.table}.{self.column}"


@dataclass
class StoredCiphertext:
    """One row's stored value (text, or a JSON document), its primary key and integration."""

    key: tuple[object, ...]
    value: Any
    integration_id: str | None
    changed: bool = field(default=False)


def map_ciphertexts(
    column: EncryptedColumn, value: Any, rewrite: Callable[[str], str]
) -> tuple[Any, int]:
    """Apply `rewrite` to every ciphertext in a stored value; returns the new value and a count."""
    if not column.json_keys:
        return rewrite(value), 1
    count = 0

    def walk(node: Any) -> Any:
        nonlocal count
        if isinstance(node, dict):
            result = {}
            for key, inner in node.items():
                if key in column.json_keys and isinstance(inner, str):
                    result[key] = rewrite(inner)
                    count += 1
                else:
                    result[key] = walk(inner)
            return result
        if isinstance(node, list):
            return [walk(inner) for inner in node]
        return node

    return walk(value), count


class SecretQueries:
    """Reads and rewrites of encrypted columns, whatever table they live in."""

    def __init__(self, session: Session) -> None:
        self._s = session

    @staticmethod
    def columns() -> list[EncryptedColumn]:
        """Every flagged column of the schema, in a stable order."""
        found = [
            EncryptedColumn(
                table.name, column.name, tuple(column.info.get("secretbox_json_keys", ()))
            )
            for table in Base.metadata.sorted_tables
            for column in table.columns
            if column.info.get("secretbox") or column.info.get("secretbox_json_keys")
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
                value=row[len(keys)],
                integration_id=str(row[-1]) if tenant is not None else None,
            )
            for row in rows
        ]

    def replace(self, column: EncryptedColumn, stored: StoredCiphertext, new_value: Any) -> None:
        """Store the re-encrypted value in place of the one read."""
        table = self._table(column)
        target = table.columns[column.column]
        match = [c == v for c, v in zip(table.primary_key.columns, stored.key, strict=True)]
        if not column.json_keys:
            # A text value must still be the one read: no lost concurrent update.
            match.append(target == stored.value)
        result = self._s.execute(update(table).where(and_(*match)).values({target: new_value}))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LookupError(f"{column.label}: a row changed during rotation; run it again")
