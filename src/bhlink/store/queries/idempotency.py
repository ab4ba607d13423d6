"""Idempotency keys: claim, complete, release."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bhlink.store.tables import IdempotencyKey


class IdempotencyQueries:
    """Rows of the idempotency_keys table."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def find(
        self,
        integration_id: str,
        principal_id: str,
        method: str,
        path: str,
        key: str,
        *,
        lock: bool = False,
    ) -> IdempotencyKey | None:
        """The key row for this scope, optionally locked."""
        query = select(IdempotencyKey).where(
            IdempotencyKey.integration_id == integration_id,
            IdempotencyKey.principal_id == principal_id,
            IdempotencyKey.method == method,
            IdempotencyKey.path == path,
            IdempotencyKey.key == key,
        )
        if lock:
            query = query.with_for_update()
        return self._s.scalar(query)

    def get(self, key_id: str) -> IdempotencyKey | None:
        """A key row by id."""
        return self._s.get(IdempotencyKey, key_id)

    def purge_older_than(self, cutoff: datetime) -> int:
        """Delete keys created before `cutoff`; returns how many."""
        result = self._s.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
