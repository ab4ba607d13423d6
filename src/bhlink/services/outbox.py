"""Domain events: written to the outbox in the same transaction as the change they describe."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bhlink.domain.ids import new_id
from bhlink.services.context import Actor
from bhlink.store.tables import OutboxEvent
from bhlink.store.unit_of_work import UnitOfWork


def emit(
    uow: UnitOfWork,
    actor: Actor,
    event_type: str,
    resource_type: str,
    resource_id: str,
    *,
    change_seq: int,
    occurred_at: datetime,
    changed_fields: Iterable[str] = (),
) -> OutboxEvent:
    """Append one event (thin: type, resource and changed field names, never the PHI itself)."""
    event = OutboxEvent(
        id=new_id("evt"),
        integration_id=actor.integration_id,
        change_seq=change_seq,
        type=event_type,
        resource_type=resource_type,
        resource_id=resource_id,
        changed_fields=sorted(set(changed_fields)),
        occurred_at=occurred_at,
        actor_id=actor.actor_id,
    )
    uow.add(event)
    return event
