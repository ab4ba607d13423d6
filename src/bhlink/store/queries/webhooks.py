"""Webhook storage: endpoints, the outbox fan-out, delivery claims under leases, the event log.

Concurrency (PostgreSQL): the fan-out and the claim lock their rows with
``SELECT … FOR UPDATE SKIP LOCKED``, the clause PostgreSQL documents for "multiple consumers
accessing a queue-like table" (https://www.postgresql.org/docs/current/sql-select.html,
"The Locking Clause"): several workers read the same queue without waiting on, or taking,
each other's rows. On SQLite the clause is not rendered; every write transaction there starts
with ``BEGIN IMMEDIATE`` (store/db.py), so claims are serialised by the database lock instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased, selectinload

from bhlink.store.queries.paging import Page, keyset_page
from bhlink.store.tables import DeliveryAttempt, OutboxEvent, WebhookDelivery, WebhookEndpoint

PENDING = "pending"
IN_FLIGHT = "in_flight"
DELIVERED = "delivered"
FAILED = "failed"
UNFINISHED = (PENDING, IN_FLIGHT)


@dataclass(frozen=True)
class EventFilter:
    """Filters of GET /events: type (exact or ``group.*`` prefix), resource, time window."""

    type_exact: str | None = None
    type_prefix: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    occurred_after: datetime | None = None
    occurred_before: datetime | None = None


@dataclass(frozen=True)
class QueueDepth:
    """How much delivery work is waiting, over every integration (for /metrics)."""

    undispatched_events: int
    deliveries_by_status: dict[str, int]
    endpoints_by_status: dict[str, int]
    failing_endpoints: list[str]


class WebhookQueries:
    """Endpoints, deliveries and attempts; event-log reads over the outbox."""

    def __init__(self, session: Session) -> None:
        self._s = session

    # Endpoints -------------------------------------------------------------------------------

    def endpoint(
        self, integration_id: str, endpoint_id: str, *, lock: bool = False
    ) -> WebhookEndpoint | None:
        """An endpoint of this integration, optionally locked for update."""
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.integration_id == integration_id
        )
        if lock:
            query = query.with_for_update()
        return self._s.scalar(query)

    def endpoint_by_id(self, endpoint_id: str) -> WebhookEndpoint | None:
        """An endpoint by id in any integration (the worker's view)."""
        return self._s.get(WebhookEndpoint, endpoint_id)

    def endpoints_by_ids(self, endpoint_ids: Sequence[str]) -> dict[str, WebhookEndpoint]:
        """Endpoints by id, any integration (the worker loads a claimed batch at once)."""
        if not endpoint_ids:
            return {}
        rows = self._s.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.id.in_(sorted(set(endpoint_ids))))
        )
        return {row.id: row for row in rows}

    def endpoint_by_reference(
        self, integration_id: str, reference_id: str
    ) -> WebhookEndpoint | None:
        """An endpoint by the caller's referenceId."""
        return self._s.scalar(
            select(WebhookEndpoint).where(
                WebhookEndpoint.integration_id == integration_id,
                WebhookEndpoint.reference_id == reference_id,
            )
        )

    def endpoints_page(
        self, integration_id: str, *, status: str | None, after_seq: int | None, limit: int
    ) -> Page[WebhookEndpoint]:
        """Endpoints in change order (keyset)."""
        filters: list[ColumnElement[bool]] = [WebhookEndpoint.integration_id == integration_id]
        if status is not None:
            filters.append(WebhookEndpoint.status == status)
        return keyset_page(self._s, WebhookEndpoint, filters, after_seq=after_seq, limit=limit)

    def enabled_endpoints(self, integration_ids: Sequence[str]) -> list[WebhookEndpoint]:
        """Enabled endpoints of these integrations (fan-out subscribers)."""
        if not integration_ids:
            return []
        return list(
            self._s.scalars(
                select(WebhookEndpoint)
                .where(
                    WebhookEndpoint.integration_id.in_(sorted(set(integration_ids))),
                    WebhookEndpoint.status == "enabled",
                )
                .order_by(WebhookEndpoint.id)
            )
        )

    def delete_endpoint(self, endpoint: WebhookEndpoint) -> None:
        """Delete an endpoint with its deliveries and their attempts."""
        delivery_ids = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint.id)
        self._s.execute(
            delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(delivery_ids))
        )
        self._s.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
        self._s.delete(endpoint)
        self._s.flush()

    # Fan-out ---------------------------------------------------------------------------------

    def take_undispatched(self, limit: int) -> list[OutboxEvent]:
        """The oldest events not yet fanned out, locked; rows another worker holds are skipped."""
        return list(
            self._s.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.dispatched_at.is_(None))
                .order_by(OutboxEvent.seq)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )

    def existing_pairs(self, event_ids: Sequence[str]) -> set[tuple[str, str]]:
        """(event id, endpoint id) of deliveries that already exist for these events."""
        if not event_ids:
            return set()
        rows = self._s.execute(
            select(WebhookDelivery.event_id, WebhookDelivery.endpoint_id).where(
                WebhookDelivery.event_id.in_(list(event_ids))
            )
        )
        return {(str(event_id), str(endpoint_id)) for event_id, endpoint_id in rows}

    def events_by_ids(self, event_ids: Sequence[str]) -> dict[str, OutboxEvent]:
        """Outbox events by id, any integration."""
        if not event_ids:
            return {}
        rows = self._s.scalars(
            select(OutboxEvent).where(OutboxEvent.id.in_(sorted(set(event_ids))))
        )
        return {row.id: row for row in rows}

    # Deliveries ------------------------------------------------------------------------------

    def claim_due(self, now: datetime, limit: int) -> list[WebhookDelivery]:
        """Lock up to ``limit`` deliveries that may be attempted now, oldest due first.

        Due: pending with ``next_attempt_at <= now``, or in flight under a lapsed lease (its
        worker died). Only enabled endpoints. Order per resource: a delivery waits while an
        earlier event about the same resource is unfinished for the same endpoint, or is not
        yet fanned out at all (another worker may be fanning it out right now).
        """
        d = WebhookDelivery
        earlier = aliased(WebhookDelivery)
        earlier_unfinished = exists().where(
            earlier.endpoint_id == d.endpoint_id,
            earlier.resource_type == d.resource_type,
            earlier.resource_id == d.resource_id,
            earlier.event_seq < d.event_seq,
            earlier.status.in_(UNFINISHED),
        )
        earlier_undispatched = exists().where(
            OutboxEvent.dispatched_at.is_(None),
            OutboxEvent.integration_id == d.integration_id,
            OutboxEvent.resource_type == d.resource_type,
            OutboxEvent.resource_id == d.resource_id,
            OutboxEvent.seq < d.event_seq,
        )
        due = or_(
            and_(d.status == PENDING, d.next_attempt_at <= now),
            and_(d.status == IN_FLIGHT, d.lease_expires_at <= now),
        )
        query = (
            select(d)
            .join(WebhookEndpoint, WebhookEndpoint.id == d.endpoint_id)
            .where(due, WebhookEndpoint.status == "enabled", ~earlier_unfinished)
            .where(~earlier_undispatched)
            .order_by(d.next_attempt_at, d.seq)
            .limit(limit)
            .with_for_update(of=d, skip_locked=True)
        )
        return list(self._s.scalars(query))

    def delivery_for_update(self, delivery_id: str) -> WebhookDelivery | None:
        """A delivery locked for recording an attempt's outcome."""
        return self._s.scalar(
            select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
        )

    def delivery(self, integration_id: str, delivery_id: str) -> WebhookDelivery | None:
        """A delivery of this integration with its attempts."""
        return self._s.scalar(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.integration_id == integration_id,
            )
            .options(selectinload(WebhookDelivery.attempt_log))
        )

    def deliveries_for_event(
        self, integration_id: str, event_id: str, *, lock: bool = False
    ) -> list[WebhookDelivery]:
        """Every delivery of one event (one per endpoint)."""
        query = (
            select(WebhookDelivery)
            .where(
                WebhookDelivery.integration_id == integration_id,
                WebhookDelivery.event_id == event_id,
            )
            .options(selectinload(WebhookDelivery.attempt_log))
            .order_by(WebhookDelivery.seq)
        )
        if lock:
            query = query.with_for_update()
        return list(self._s.scalars(query))

    def deliveries_page(
        self,
        integration_id: str,
        endpoint_id: str,
        *,
        status: str | None,
        event_id: str | None,
        before_seq: int | None,
        limit: int,
    ) -> Page[WebhookDelivery]:
        """An endpoint's deliveries, newest first (keyset on the delivery sequence)."""
        filters: list[ColumnElement[bool]] = [
            WebhookDelivery.integration_id == integration_id,
            WebhookDelivery.endpoint_id == endpoint_id,
        ]
        if status is not None:
            filters.append(WebhookDelivery.status == status)
        if event_id is not None:
            filters.append(WebhookDelivery.event_id == event_id)
        query = select(WebhookDelivery).where(*filters)
        if before_seq is not None:
            query = query.where(WebhookDelivery.seq < before_seq)
        rows = list(
            self._s.scalars(
                query.options(selectinload(WebhookDelivery.attempt_log))
                .order_by(WebhookDelivery.seq.desc())
                .limit(limit + 1)
            )
        )
        total = int(
            self._s.scalar(select(func.count()).select_from(WebhookDelivery).where(*filters)) or 0
        )
        return Page(rows=rows[:limit], total=total, has_more=len(rows) > limit)

    def renew_leases(self, owner: str, until: datetime) -> set[str]:
        """Push back the lease of every delivery ``owner`` still holds; returns their ids."""
        result = self._s.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.lease_owner == owner, WebhookDelivery.status == IN_FLIGHT)
            .values(lease_expires_at=until)
            .returning(WebhookDelivery.id)
        )
        return {str(row[0]) for row in result}

    def release(self, owner: str, delivery_ids: Sequence[str]) -> int:
        """Hand claimed deliveries back to the queue, due at once; returns how many."""
        if not delivery_ids:
            return 0
        result = self._s.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(list(delivery_ids)),
                WebhookDelivery.lease_owner == owner,
                WebhookDelivery.status == IN_FLIGHT,
            )
            .values(status=PENDING, lease_owner=None, lease_expires_at=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # Event log -------------------------------------------------------------------------------

    def event(self, integration_id: str, event_id: str) -> OutboxEvent | None:
        """One outbox event of this integration."""
        return self._s.scalar(
            select(OutboxEvent).where(
                OutboxEvent.id == event_id, OutboxEvent.integration_id == integration_id
            )
        )

    def events_page(
        self, integration_id: str, flt: EventFilter, *, after_seq: int | None, limit: int
    ) -> Page[OutboxEvent]:
        """Events in outbox order (keyset on ``seq``), with the filtered total."""
        filters: list[ColumnElement[bool]] = [OutboxEvent.integration_id == integration_id]
        if flt.type_exact is not None:
            filters.append(OutboxEvent.type == flt.type_exact)
        if flt.type_prefix is not None:
            # The prefix is a validated group name ([a-z0-9_]); escape "_" for LIKE.
            pattern = flt.type_prefix.replace("_", r"\_") + ".%"
            filters.append(OutboxEvent.type.like(pattern, escape="\\"))
        if flt.resource_type is not None:
            filters.append(OutboxEvent.resource_type == flt.resource_type)
        if flt.resource_id is not None:
            filters.append(OutboxEvent.resource_id == flt.resource_id)
        if flt.occurred_after is not None:
            filters.append(OutboxEvent.occurred_at > flt.occurred_after)
        if flt.occurred_before is not None:
            filters.append(OutboxEvent.occurred_at < flt.occurred_before)
        query = select(OutboxEvent).where(*filters)
        if after_seq is not None:
            query = query.where(OutboxEvent.seq > after_seq)
        rows = list(self._s.scalars(query.order_by(OutboxEvent.seq).limit(limit + 1)))
        total = int(
            self._s.scalar(select(func.count()).select_from(OutboxEvent).where(*filters)) or 0
        )
        return Page(rows=rows[:limit], total=total, has_more=len(rows) > limit)

    # Metrics ---------------------------------------------------------------------------------

    def queue_depth(self) -> QueueDepth:
        """Counts over every integration: undispatched events, deliveries and endpoints."""
        undispatched = int(
            self._s.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.dispatched_at.is_(None))
            )
            or 0
        )
        deliveries = {
            str(status): int(count)
            for status, count in self._s.execute(
                select(WebhookDelivery.status, func.count())
                .where(WebhookDelivery.status.in_(UNFINISHED))
                .group_by(WebhookDelivery.status)
            )
        }
        endpoints = {
            str(status): int(count)
            for status, count in self._s.execute(
                select(WebhookEndpoint.status, func.count()).group_by(WebhookEndpoint.status)
            )
        }
        failing = list(
            self._s.scalars(
                select(WebhookEndpoint.id)
                .where(WebhookEndpoint.failing_since.is_not(None))
                .order_by(WebhookEndpoint.id)
            )
        )
        return QueueDepth(
            undispatched_events=undispatched,
            deliveries_by_status={status: deliveries.get(status, 0) for status in UNFINISHED},
            endpoints_by_status=endpoints,
            failing_endpoints=failing,
        )
