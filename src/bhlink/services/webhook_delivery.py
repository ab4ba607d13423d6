"""The delivery worker's transactions: fan events out, claim due deliveries, record outcomes.

At-least-once: an outbox event is marked dispatched in the same transaction that creates its
deliveries; a delivery is claimed (status in_flight, lease committed) before any HTTP call and
is settled only after the receiver answered, so a worker killed at any point leaves either an
unclaimed delivery or a lease that lapses and lets another worker send it again. Receivers
deduplicate on `webhook-id`, which is the event id and never changes across retries.

Order per resource: see WebhookQueries.claim_due. Payloads are rendered at claim time and
never stored: the full resource (opt-in) is read then, audited as a disclosure, and kept in
memory only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bhlink.events.delivery_client import DeliveryOutcome
from bhlink.events.event_types import EventType
from bhlink.events.retry_policy import (
    MAX_ATTEMPTS,
    DecisionKind,
    RandomSource,
    next_attempt,
)
from bhlink.schemas.appointments import appointment_read
from bhlink.schemas.base import dump
from bhlink.schemas.patients import patient_read
from bhlink.schemas.webhooks import webhook_body
from bhlink.services import audit, outbox
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
from bhlink.services.webhooks import (
    DISABLED,
    RESOURCE_TYPE,
    EgressContext,
    may_carry_phi,
    new_delivery,
    signing_secrets,
    subscribed,
)
from bhlink.store.queries.webhooks import DELIVERED, FAILED, IN_FLIGHT, PENDING
from bhlink.store.tables import (
    DeliveryAttempt,
    OutboxEvent,
    WebhookDelivery,
    WebhookEndpoint,
)
from bhlink.store.unit_of_work import UnitOfWork

WORKER_NAME = "bhlink webhook worker"


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery this worker holds under a lease, ready to send (kept in memory only)."""

    delivery_id: str
    integration_id: str
    endpoint_id: str
    msg_id: str
    event_type: str
    url: str
    secrets: tuple[str, ...]
    body: bytes
    lease_expires_at: datetime


@dataclass(frozen=True)
class Settled:
    """What recording an attempt decided (for logs and metrics)."""

    delivery_id: str
    endpoint_id: str
    outcome: str  # delivered | retry | failed | endpoint_disabled | lease_lost | gone_missing
    reason: str
    next_attempt_at: datetime | None = None


def fan_out(uow: UnitOfWork, *, now: datetime, batch_size: int) -> int:
    """Turn up to `batch_size` undispatched outbox events into deliveries; returns how many.

    Each event goes to the enabled endpoints of its integration that existed before it and whose
    filter selects its type. Test events are addressed when written and never fanned out.
    """
    events = uow.webhooks.take_undispatched(batch_size)
    if not events:
        return 0
    by_integration: dict[str, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in uow.webhooks.enabled_endpoints([e.integration_id for e in events]):
        by_integration[endpoint.integration_id].append(endpoint)
    # A redelivery may already have created some pairs; never insert them twice.
    existing = uow.webhooks.existing_pairs([e.id for e in events])
    for event in events:
        if event.type != EventType.WEBHOOK_TEST.value:
            for endpoint in by_integration.get(event.integration_id, []):
                if event.change_seq <= endpoint.subscribed_after_seq:
                    continue
                if (event.id, endpoint.id) in existing:
                    continue
                if subscribed(endpoint.event_types, event.type):
                    uow.add(new_delivery(event, endpoint.id, now))
        event.dispatched_at = now
    uow.flush()
    return len(events)


def _render_resource(
    uow: UnitOfWork, event: OutboxEvent
) -> tuple[dict[str, Any], list[str]] | None:
    """The resource as the API shows it, and the patients it concerns; None to send thin.

    Only patients and appointments are rendered. Records of 42 CFR Part 2 patients are never
    put in a payload (the reference requires them absent from webhooks without a consent).
    """
    integration_id = event.integration_id
    if event.resource_type == "patient":
        patient = uow.patients.get(integration_id, event.resource_id)
        if patient is None or patient.part2:
            return None
        return dump(patient_read(patient)), [patient.id]
    if event.resource_type == "appointment":
        appt = uow.appointments.get(integration_id, event.resource_id)
        if appt is None:
            return None
        patient_ids = (
            [appt.patient_id] if appt.patient_id else [m.patient_id for m in appt.attendees]
        )
        for patient_id in patient_ids:
            patient = uow.patients.get(integration_id, patient_id, with_children=False)
            if patient is None or patient.part2:
                return None
        return dump(appointment_read(appt)), patient_ids
    return None


def claim(
    uow: UnitOfWork,
    box: SecretBox,
    egress: EgressContext,
    *,
    owner: str,
    now: datetime,
    limit: int,
    lease: timedelta,
) -> list[ClaimedDelivery]:
    """Claim up to `limit` due deliveries for `owner` and render their payloads.

    The caller commits before sending anything: the committed lease is what stops a second
    worker from sending the same delivery at the same time.
    """
    rows = uow.webhooks.claim_due(now, limit)
    if not rows:
        return []
    endpoints = uow.webhooks.endpoints_by_ids([d.endpoint_id for d in rows])
    events = uow.webhooks.events_by_ids([d.event_id for d in rows])
    claimed: list[ClaimedDelivery] = []
    for delivery in rows:
        endpoint = endpoints[delivery.endpoint_id]
        event = events[delivery.event_id]
        data: dict[str, Any] | None = None
        if endpoint.include_resource and may_carry_phi(endpoint.url, egress):
            rendered = _render_resource(uow, event)
            if rendered is not None:
                data, patient_ids = rendered
                _audit_disclosure(uow, delivery, patient_ids, now)
        delivery.status = IN_FLIGHT
        delivery.lease_owner = owner
        delivery.lease_expires_at = now + lease
        delivery.updated_at = now
        claimed.append(
            ClaimedDelivery(
                delivery_id=delivery.id,
                integration_id=delivery.integration_id,
                endpoint_id=endpoint.id,
                msg_id=event.id,
                event_type=event.type,
                url=endpoint.url,
                secrets=tuple(signing_secrets(endpoint, box, now)),
                body=webhook_body(event, data),
                lease_expires_at=now + lease,
            )
        )
    uow.flush()
    return claimed


def _audit_disclosure(
    uow: UnitOfWork, delivery: WebhookDelivery, patient_ids: list[str], now: datetime
) -> None:
    # Written before the send: a disclosure is never unaudited, even if the worker dies mid-call.
    actor = Actor.system(delivery.integration_id, WORKER_NAME)
    for patient_id in patient_ids:
        audit.record(
            uow,
            actor,
            "webhook.disclosed",
            resource_type=delivery.resource_type,
            resource_id=delivery.resource_id,
            patient_id=patient_id,
            detail={"webhookId": delivery.endpoint_id, "deliveryId": delivery.id},
            now=now,
        )


def renew_leases(uow: UnitOfWork, *, owner: str, until: datetime) -> set[str]:
    """Extend every lease `owner` still holds (the worker's heartbeat); returns their ids."""
    return uow.webhooks.renew_leases(owner, until)


def release(uow: UnitOfWork, *, owner: str, delivery_ids: list[str]) -> int:
    """Give claimed, unsent deliveries back to the queue (graceful shutdown)."""
    return uow.webhooks.release(owner, delivery_ids)


def _status_for_policy(status: int | None) -> int | None:
    # next_attempt() accepts 100-599; anything else a broken receiver sends is "no valid reply".
    return status if status is not None and 100 <= status <= 599 else None


def _error_text(outcome: DeliveryOutcome) -> str | None:
    """`kind` or `kind:detail` (a refusal code or exception class name, never a URL)."""
    if outcome.error is None:
        return None
    text = outcome.error.value
    if outcome.error_detail:
        text = f"{text}:{outcome.error_detail}"
    return text[:64]


def record_outcome(
    uow: UnitOfWork,
    claimed: ClaimedDelivery,
    outcome: DeliveryOutcome,
    *,
    owner: str,
    attempted_at: datetime,
    finished_at: datetime,
    rng: RandomSource | None = None,
) -> Settled:
    """Store one attempt and move the delivery on: delivered, retry later, give up or disable."""
    delivery = uow.webhooks.delivery_for_update(claimed.delivery_id)
    if delivery is None:  # the endpoint was deleted while we were sending
        return Settled(claimed.delivery_id, claimed.endpoint_id, "gone_missing", "deleted")
    status_code = _status_for_policy(outcome.status_code)
    error = _error_text(outcome)
    attempt = DeliveryAttempt(
        integration_id=delivery.integration_id,
        delivery_id=delivery.id,
        endpoint_id=delivery.endpoint_id,
        attempt_number=delivery.attempts + 1,
        attempted_at=attempted_at,
        latency_ms=outcome.latency_ms,
        status_code=outcome.status_code,
        error=error,
        response_excerpt=outcome.response_excerpt or None,
        worker_id=owner,
        outcome="",
    )
    # Counted even when the lease was lost, so attempt numbers stay unique per delivery.
    delivery.attempts += 1
    if delivery.status != IN_FLIGHT or delivery.lease_owner != owner:
        # Our lease lapsed and the delivery moved on without us; log the attempt, change nothing.
        attempt.outcome, attempt.reason = "lease_lost", "lease_lost"
        uow.add(attempt)
        uow.flush()
        return Settled(delivery.id, delivery.endpoint_id, "lease_lost", "lease_lost")

    endpoint = uow.webhooks.endpoint_by_id(delivery.endpoint_id)
    if endpoint is None:  # pragma: no cover - deliveries are deleted with their endpoint
        return Settled(delivery.id, delivery.endpoint_id, "gone_missing", "deleted")
    succeeded = outcome.succeeded
    failing_since = None if succeeded else (endpoint.failing_since or finished_at)
    round_number = min(delivery.round_attempts + 1, MAX_ATTEMPTS)
    decision = next_attempt(
        round_number,
        finished_at,
        status_code,
        outcome.retry_after,
        rng,
        endpoint_failing_since=failing_since,
    )
    delivery.round_attempts = round_number
    delivery.last_attempt_at = attempted_at
    delivery.last_status_code = outcome.status_code
    delivery.last_latency_ms = outcome.latency_ms
    delivery.last_response_excerpt = outcome.response_excerpt or None
    delivery.last_error = error
    delivery.updated_at = finished_at
    delivery.lease_owner = None
    delivery.lease_expires_at = None
    delivery.next_attempt_at = decision.retry_at
    attempt.reason = decision.reason
    attempt.next_attempt_at = decision.retry_at
    if decision.kind is DecisionKind.DELIVERED:
        delivery.status = DELIVERED
        delivery.delivered_at = finished_at
        attempt.outcome = "delivered"
    elif decision.kind is DecisionKind.RETRY:
        delivery.status = PENDING
        attempt.outcome = "retry"
    elif decision.kind is DecisionKind.GIVE_UP:
        delivery.status = FAILED
        attempt.outcome = "failed"
    else:
        delivery.status = FAILED
        attempt.outcome = "endpoint_disabled"
    uow.add(attempt)
    if decision.kind is DecisionKind.DISABLE_ENDPOINT:
        _disable_endpoint(uow, endpoint, decision.reason, finished_at)
    if endpoint.failing_since != failing_since:
        endpoint.failing_since = failing_since
    uow.flush()
    return Settled(
        delivery.id, delivery.endpoint_id, attempt.outcome, decision.reason, decision.retry_at
    )


def _disable_endpoint(
    uow: UnitOfWork, endpoint: WebhookEndpoint, reason: str, now: datetime
) -> None:
    """Disable after a 410 or 5 days of failures, and tell the other subscribers."""
    if endpoint.status == DISABLED:
        return
    # The change lock first, then the endpoint row: the order API writes take them in.
    seq, at = uow.next_change(endpoint.integration_id, now)
    endpoint.status = DISABLED
    endpoint.disabled_reason = reason
    endpoint.disabled_at = at
    endpoint.change_seq = seq
    endpoint.updated_at = at
    endpoint.version += 1
    actor = Actor.system(endpoint.integration_id, WORKER_NAME)
    outbox.emit(
        uow,
        actor,
        EventType.WEBHOOK_ENDPOINT_DISABLED.value,
        RESOURCE_TYPE,
        endpoint.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["status"],
    )
    audit.record(
        uow,
        actor,
        "webhook.disabled",
        resource_type=RESOURCE_TYPE,
        resource_id=endpoint.id,
        detail={"reason": reason},
        now=at,
    )
