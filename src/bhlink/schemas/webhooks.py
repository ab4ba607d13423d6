"""Webhook shapes: endpoint admin requests and responses, deliveries, the event log and payloads."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import Field

from bhlink.schemas.base import ApiModel, OptStr200, UtcDateTime, WriteModel, format_utc

Id = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$")]
Url = Annotated[str, Field(min_length=1, max_length=2000)]
Description = Annotated[str | None, Field(default=None, max_length=500)]
# Patterns are checked against the event catalogue by the service, which names the bad item.
EventTypes = Annotated[list[str], Field(max_length=100)]
EndpointStatus = Literal["enabled", "disabled"]
DeliveryStatus = Literal["pending", "in_flight", "delivered", "failed"]


class WebhookCreate(WriteModel):
    """POST /webhooks: where to send which events, and whether to include the resource."""

    url: Url
    event_types: EventTypes
    description: Description = None
    include_resource: bool = False
    reference_id: OptStr200 = None


class WebhookPatch(WriteModel):
    """PATCH /webhooks/{id}: the fields to change."""

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description = None
    include_resource: bool | None = None


class WebhookRead(ApiModel):
    """A webhook endpoint as returned (never with its secret)."""

    webhook_id: str
    url: str
    description: str | None
    event_types: list[str]
    include_resource: bool
    status: EndpointStatus
    disabled_reason: str | None
    disabled_at: UtcDateTime | None
    failing_since: UtcDateTime | None
    previous_secret_expires_at: UtcDateTime | None
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class WebhookCreated(WebhookRead):
    """The create response: the only time the signing secret is shown."""

    secret: str


class SecretRotation(WriteModel):
    """POST /webhooks/{id}/rotate-secret: how long the old secret keeps signing (default 24 h)."""

    overlap_hours: Annotated[int | None, Field(default=None, ge=0, le=168)] = None


class SecretRotated(ApiModel):
    """The new secret (shown once) and when the previous one stops signing."""

    webhook_id: str
    secret: str
    previous_secret_expires_at: UtcDateTime | None


class ResourceRef(ApiModel):
    """What an event is about."""

    type: str
    id: str


class EventRead(ApiModel):
    """One event of the log; also the thin webhook payload."""

    id: str
    type: str
    occurred_at: UtcDateTime
    integration_id: str
    resource: ResourceRef
    changed_fields: list[str]


class AttemptRead(ApiModel):
    """One HTTP attempt of a delivery."""

    attempt_number: int
    attempted_at: UtcDateTime
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None
    outcome: str
    reason: str | None
    next_attempt_at: UtcDateTime | None


class DeliveryRead(ApiModel):
    """One event sent (or to be sent) to one endpoint, with its attempts."""

    delivery_id: str
    webhook_id: str
    event_id: str
    event_type: str
    resource: ResourceRef
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: UtcDateTime | None
    last_attempt_at: UtcDateTime | None
    last_status_code: int | None
    last_latency_ms: int | None
    last_response_excerpt: str | None
    last_error: str | None
    delivered_at: UtcDateTime | None
    created_at: UtcDateTime
    attempts: list[AttemptRead]


class Redelivery(WriteModel):
    """POST /events/{id}/redeliver: one endpoint, or (when absent) every subscribed endpoint."""

    webhook_id: Id | None = None


class RedeliveryRead(ApiModel):
    """The deliveries queued again by a redeliver request."""

    event_id: str
    deliveries: list[DeliveryRead]


class EventTypeRead(ApiModel):
    """One entry of the event-type catalogue."""

    type: str
    description: str


def webhook_read(w: Any) -> WebhookRead:
    """Response shape of a stored endpoint (the secret is never part of it)."""
    return WebhookRead(
        webhook_id=w.id,
        url=w.url,
        description=w.description,
        event_types=list(w.event_types),
        include_resource=w.include_resource,
        status=w.status,
        disabled_reason=w.disabled_reason,
        disabled_at=w.disabled_at,
        failing_since=w.failing_since,
        previous_secret_expires_at=w.previous_secret_expires_at,
        reference_id=w.reference_id,
        version=w.version,
        created_at=w.created_at,
        updated_at=w.updated_at,
    )


def webhook_created(w: Any, secret: str) -> WebhookCreated:
    """The create response: the endpoint plus its secret in clear, this once."""
    return WebhookCreated(**webhook_read(w).model_dump(), secret=secret)


def event_read(e: Any) -> EventRead:
    """Response shape of an outbox event."""
    return EventRead(
        id=e.id,
        type=e.type,
        occurred_at=e.occurred_at,
        integration_id=e.integration_id,
        resource=ResourceRef(type=e.resource_type, id=e.resource_id),
        changed_fields=list(e.changed_fields or []),
    )


def attempt_read(a: Any) -> AttemptRead:
    """Response shape of a delivery attempt."""
    return AttemptRead(
        attempt_number=a.attempt_number,
        attempted_at=a.attempted_at,
        status_code=a.status_code,
        latency_ms=a.latency_ms,
        response_excerpt=a.response_excerpt,
        error=a.error,
        outcome=a.outcome,
        reason=a.reason,
        next_attempt_at=a.next_attempt_at,
    )


def delivery_read(d: Any) -> DeliveryRead:
    """Response shape of a delivery (its attempt log loaded)."""
    return DeliveryRead(
        delivery_id=d.id,
        webhook_id=d.endpoint_id,
        event_id=d.event_id,
        event_type=d.event_type,
        resource=ResourceRef(type=d.resource_type, id=d.resource_id),
        status=d.status,
        attempt_count=d.attempts,
        next_attempt_at=d.next_attempt_at,
        last_attempt_at=d.last_attempt_at,
        last_status_code=d.last_status_code,
        last_latency_ms=d.last_latency_ms,
        last_response_excerpt=d.last_response_excerpt,
        last_error=d.last_error,
        delivered_at=d.delivered_at,
        created_at=d.created_at,
        attempts=[attempt_read(a) for a in d.attempt_log],
    )


def webhook_body(e: Any, data: dict[str, Any] | None) -> bytes:
    """The exact bytes POSTed to a receiver: the thin event, plus ``data`` when included.

    Thin by default (ids and changed field names, no PHI): receivers fetch what they need
    through the API, where access rules and auditing apply.
    """
    payload: dict[str, Any] = {
        "id": e.id,
        "type": e.type,
        "occurredAt": format_utc(e.occurred_at),
        "integrationId": e.integration_id,
        "resource": {"type": e.resource_type, "id": e.resource_id},
        "changedFields": list(e.changed_fields or []),
    }
    if data is not None:
        payload["data"] = data
    return orjson.dumps(payload)
