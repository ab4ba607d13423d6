"""Helpers every write shares: stamping change numbers and versions, diffing changed fields."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Conflict, FieldProblem
from bhlink.store.unit_of_work import UniqueViolation, UnitOfWork


class Stampable(Protocol):
    """A tenant-owned record (see store.tables.base.TenantRecord)."""

    @property
    def integration_id(self) -> str:
        """The owning integration."""

    created_at: datetime
    updated_at: datetime
    change_seq: int
    version: int


def stamp_new(uow: UnitOfWork, record: Stampable) -> tuple[int, datetime]:
    """Give a new record its first change number, timestamps and version."""
    seq, at = uow.next_change(record.integration_id, utcnow())
    record.change_seq = seq
    record.created_at = at
    record.updated_at = at
    record.version = 1
    return seq, at


def stamp_update(uow: UnitOfWork, record: Stampable) -> tuple[int, datetime]:
    """Move an updated record to the end of the change order and bump its version."""
    seq, at = uow.next_change(record.integration_id, utcnow())
    record.change_seq = seq
    record.updated_at = at
    record.version = record.version + 1
    return seq, at


def apply_changes(record: Any, values: Mapping[str, Any]) -> list[str]:
    """Set attributes that differ; return the names that changed (for events and audit)."""
    changed: list[str] = []
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


def flush_unique_reference(uow: UnitOfWork, kind: str) -> None:
    """Flush; a unique violation there is a referenceId used twice: a 409 naming the field."""
    try:
        uow.flush()
    except UniqueViolation as exc:
        raise Conflict(
            detail=f"another {kind} has this referenceId",
            errors=[FieldProblem("referenceId", "already used")],
            code="duplicate_reference",
        ) from exc
