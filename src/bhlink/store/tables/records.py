"""Cross-cutting records: the audit log, the event outbox and idempotency keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bhlink.store.tables.base import ID, Base, BigIntPK
from bhlink.store.types import JSONDoc, UTCDateTime


class AuditEvent(Base):
    """One append-only, hash-chained audit row (ASTM E2147 fields: who, what, when, where, outcome).

    Rows belong to one of a few chains per integration so concurrent requests need not queue
    behind a single lock; each row's hash covers its content and the previous row's hash in
    its chain, so an edit, deletion or reordering breaks verification from that row on.
    """

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("integration_id", "chain", "chain_seq"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    chain: Mapped[int] = mapped_column(Integer, nullable=False)
    chain_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_type: Mapped[str] = mapped_column(String(12), nullable=False)
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(80), nullable=False)
    resource_type: Mapped[str | None] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(12), nullable=False)
    source_ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditChainHead(Base):
    """The tip of one audit chain; locking it orders the appends to that chain."""

    __tablename__ = "audit_chain_heads"

    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), primary_key=True)
    chain: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class OutboxEvent(Base):
    """A domain event written in the same transaction as the change it describes."""

    __tablename__ = "outbox_events"

    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(ID, nullable=False, unique=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    change_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    type: Mapped[str] = mapped_column(String(80), nullable=False)
    resource_type: Mapped[str] = mapped_column(String(40), nullable=False)
    resource_id: Mapped[str] = mapped_column(String(64), nullable=False)
    changed_fields: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False, default=list)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[str | None] = mapped_column(String(64))
    # Webhook fan-out bookkeeping (filled in by the delivery worker).
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyKey(Base):
    """A client's Idempotency-Key: claimed before the work, completed in the work's transaction."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("integration_id", "principal_id", "method", "path", "key"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    integration_id: Mapped[str] = mapped_column(String(40), nullable=False)
    principal_id: Mapped[str] = mapped_column(String(64), nullable=False)
    method: Mapped[str] = mapped_column(String(8), nullable=False)
    path: Mapped[str] = mapped_column(String(300), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSONDoc)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


Index("ix_audit_events_time", AuditEvent.integration_id, AuditEvent.occurred_at)
Index("ix_audit_events_patient", AuditEvent.integration_id, AuditEvent.patient_id)
Index("ix_outbox_integration_seq", OutboxEvent.integration_id, OutboxEvent.seq)
Index("ix_outbox_undispatched", OutboxEvent.dispatched_at, OutboxEvent.seq)
Index("ix_idempotency_created", IdempotencyKey.created_at)
