"""The event outbox: appends in the writer's transaction, reads for catch-up."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bhlink.store.tables import OutboxEvent


class OutboxQueries:
    """Outbox rows of one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def for_resource(self, integration_id: str, resource_id: str) -> list[OutboxEvent]:
        """Events about one resource, oldest first."""
        return list(
            self._s.scalars(
                select(OutboxEvent)
                .where(
                    OutboxEvent.integration_id == integration_id,
                    OutboxEvent.resource_id == resource_id,
                )
                .order_by(OutboxEvent.seq)
            )
        )

    def count(self, integration_id: str) -> int:
        """How many events the integration has emitted."""
        query = select(func.count()).where(OutboxEvent.integration_id == integration_id)
        return int(self._s.scalar(query) or 0)
