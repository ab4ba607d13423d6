"""Webhook endpoints, one delivery per (event, endpoint), and the log of every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bhlink.store.tables.base import ID, Base, BigIntPK, TenantRecord
from bhlink.store.tables.records import OutboxEvent
from bhlink.store.types import JSONDoc, UTCDateTime


class WebhookEndpoint(TenantRecord, Base):
    """A receiver URL subscribed to some event types, with its signing secret(s).

    Secrets are stored encrypted with the server key (services.crypto.SecretBox), never in
    clear. During a rotation the previous secret keeps signing until `previous_secret_expires_at`.
    `subscribed_after_seq` is the integration change number at creation: only events written
    after the endpoint existed are fanned out to it.
    """

    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    description: Mapped[str | None] = mapped_column(String(500))
    event_types: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False)
    include_resource: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="enabled")
    disabled_reason: Mapped[str | None] = mapped_column(String(40))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    secret_enc: Mapped[str] = mapped_column(String(512), nullable=False)
    previous_secret_enc: Mapped[str | None] = mapped_column(String(512))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Start of the current run of failed attempts (None after any success): 5 days → disabled.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    subscribed_after_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)


class WebhookDelivery(Base):
    """One event to one endpoint: its state in the retry schedule and its last attempt.

    status: pending (waiting for `next_attempt_at`), in_flight (claimed by `lease_owner` until
    `lease_expires_at`), delivered, failed (schedule exhausted or endpoint disabled).
    `round_attempts` counts attempts since the delivery was (re)queued and indexes the retry
    schedule; `attempts` counts every attempt ever made.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "endpoint_id"),)

    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(ID, nullable=False, unique=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    endpoint_id: Mapped[str] = mapped_column(ID, ForeignKey("webhook_endpoints.id"), nullable=False)
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("outbox_events.id"), nullable=False)
    event_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    event_type: Mapped[str] = mapped_column(String(80), nullable=False)
    resource_type: Mapped[str] = mapped_column(String(40), nullable=False)
    resource_id: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    round_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_latency_ms: Mapped[int | None] = mapped_column(Integer)
    last_response_excerpt: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        order_by="DeliveryAttempt.attempt_number", lazy="raise"
    )


class DeliveryAttempt(Base):
    """One HTTP attempt of a delivery: what the receiver answered and what was decided."""

    __tablename__ = "delivery_attempts"
    __table_args__ = (UniqueConstraint("delivery_id", "attempt_number"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    delivery_id: Mapped[str] = mapped_column(
        ID, ForeignKey("webhook_deliveries.id"), nullable=False
    )
    endpoint_id: Mapped[str] = mapped_column(ID, nullable=False)
    attempt_number: Mapped[int] = mapped_column(Integer, nullable=False)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    latency_ms: Mapped[int] = mapped_column(Integer, nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(64))
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    # delivered | retry | failed | endpoint_disabled
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(40))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker_id: Mapped[str | None] = mapped_column(String(64))


Index("ix_webhook_endpoints_sync", WebhookEndpoint.integration_id, WebhookEndpoint.change_seq)
Index(
    "uq_webhook_endpoints_reference",
    WebhookEndpoint.integration_id,
    WebhookEndpoint.reference_id,
    unique=True,
)
# The claim query: due work by time.
Index("ix_webhook_deliveries_due", WebhookDelivery.status, WebhookDelivery.next_attempt_at)
# The per-resource ordering check: earlier unfinished deliveries of the same resource.
Index(
    "ix_webhook_deliveries_resource",
    WebhookDelivery.endpoint_id,
    WebhookDelivery.resource_type,
    WebhookDelivery.resource_id,
    WebhookDelivery.event_seq,
)
Index("ix_webhook_deliveries_endpoint", WebhookDelivery.endpoint_id, WebhookDelivery.seq)
Index("ix_webhook_deliveries_lease", WebhookDelivery.lease_owner, WebhookDelivery.status)
Index("ix_delivery_attempts_endpoint", DeliveryAttempt.endpoint_id, DeliveryAttempt.id)
# Catch-up by resource (GET /events?resourceId=) reads the outbox by resource in seq order.
Index(
    "ix_outbox_resource",
    OutboxEvent.integration_id,
    OutboxEvent.resource_id,
    OutboxEvent.seq,
)
