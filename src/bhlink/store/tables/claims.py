"""Claims and their lines, status history, submission batches, EDI files and control numbers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bhlink.store.tables.base import ID, Base, BigIntPK, TenantRecord
from bhlink.store.types import JSONDoc, UTCDateTime


class Claim(TenantRecord, Base):
    """One 837P/837I claim: a patient, a payer, diagnoses and service lines.

    `patient_control_number` is CLM01 (at most 20 characters; see domain/claim_lifecycle.py)
    and is what 835 CLP01 and 277CA TRN02 send back. Money totals are running sums of the
    postings (integer cents).
    """

    __tablename__ = "claims"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    payer_id: Mapped[str] = mapped_column(ID, ForeignKey("payers.id"), nullable=False)
    claim_type: Mapped[str] = mapped_column(String(4), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    frequency_code: Mapped[str] = mapped_column(String(1), nullable=False, default="1")
    patient_control_number: Mapped[str] = mapped_column(String(20), nullable=False)
    original_claim_id: Mapped[str | None] = mapped_column(ID)
    replaced_by_claim_id: Mapped[str | None] = mapped_column(ID)
    payer_claim_control_number: Mapped[str | None] = mapped_column(String(50))
    member_id: Mapped[str] = mapped_column(String(80), nullable=False)
    billing_provider: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False)
    rendering_provider_id: Mapped[str | None] = mapped_column(ID, ForeignKey("providers.id"))
    diagnosis_codes: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False, default=list)
    place_of_service: Mapped[str] = mapped_column(String(2), nullable=False)
    prior_authorization: Mapped[str | None] = mapped_column(String(80))
    total_charge_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    patient_responsibility_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    adjustment_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    submission_channel: Mapped[str] = mapped_column(String(30), nullable=False)
    batch_id: Mapped[str | None] = mapped_column(ID)
    edi_file_id: Mapped[str | None] = mapped_column(ID)
    scrub_problems: Mapped[list[dict[str, str]]] = mapped_column(
        JSONDoc, nullable=False, default=list
    )
    override_reason: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    adjudicated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[ClaimLine]] = relationship(
        order_by="ClaimLine.line_number", lazy="raise", cascade="all, delete-orphan"
    )


class ClaimLine(Base):
    """One service line; REF*6R carries `charge_id` so 835 lines come back to it."""

    __tablename__ = "claim_lines"
    __table_args__ = (UniqueConstraint("claim_id", "line_number"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    claim_id: Mapped[str] = mapped_column(ID, ForeignKey("claims.id"), nullable=False)
    line_number: Mapped[int] = mapped_column(Integer, nullable=False)
    charge_id: Mapped[str] = mapped_column(ID, ForeignKey("charges.id"), nullable=False)
    appointment_id: Mapped[str | None] = mapped_column(ID)
    service_code: Mapped[str] = mapped_column(String(5), nullable=False)
    modifiers: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False, default=list)
    units: Mapped[int] = mapped_column(Integer, nullable=False)
    charge_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    place_of_service: Mapped[str] = mapped_column(String(2), nullable=False)
    diagnosis_pointers: Mapped[list[int]] = mapped_column(JSONDoc, nullable=False, default=list)
    service_date: Mapped[date] = mapped_column(Date, nullable=False)
    rendering_provider_id: Mapped[str | None] = mapped_column(ID)
    revenue_code: Mapped[str | None] = mapped_column(String(4))
    authorization_id: Mapped[str | None] = mapped_column(ID)
    paid_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    patient_responsibility_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    adjustment_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    adjudicated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    denied: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ClaimEvent(Base):
    """One step of a claim's history: a status change or an acknowledgment, and its source."""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    claim_id: Mapped[str] = mapped_column(ID, ForeignKey("claims.id"), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    reference: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)


class ClaimBatch(Base):
    """One submission run for one payer: one interchange sent through one channel."""

    __tablename__ = "claim_batches"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    payer_id: Mapped[str] = mapped_column(ID, ForeignKey("payers.id"), nullable=False)
    claim_type: Mapped[str] = mapped_column(String(4), nullable=False)
    channel: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    edi_file_id: Mapped[str] = mapped_column(ID, nullable=False)
    claim_count: Mapped[int] = mapped_column(Integer, nullable=False)
    remote_name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EdiControlCounter(Base):
    """The last ISA13/GS06/ST02 handed out per integration; taken under a row lock."""

    __tablename__ = "edi_control_counters"

    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class EdiFile(Base):
    """An X12 file we wrote or received, kept verbatim with its SHA-256.

    Inbound files are unique per integration by hash: the same file applied twice is
    recognised and changes nothing.
    """

    __tablename__ = "edi_files"
    __table_args__ = (UniqueConstraint("integration_id", "direction", "sha256"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    direction: Mapped[str] = mapped_column(String(10), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    filename: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    interchange_control_number: Mapped[str | None] = mapped_column(String(9))
    group_control_number: Mapped[str | None] = mapped_column(String(9))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


Index("ix_claims_sync", Claim.integration_id, Claim.change_seq)
Index("uq_claims_reference", Claim.integration_id, Claim.reference_id, unique=True)
Index("uq_claims_pcn", Claim.integration_id, Claim.patient_control_number, unique=True)
Index("ix_claims_status", Claim.integration_id, Claim.status)
Index("ix_claims_patient", Claim.integration_id, Claim.patient_id)
Index("ix_claim_lines_claim", ClaimLine.claim_id)
Index("ix_claim_lines_charge", ClaimLine.charge_id)
Index("ix_claim_events_claim", ClaimEvent.claim_id, ClaimEvent.id)
Index("ix_claim_batches_group", ClaimBatch.integration_id, ClaimBatch.created_at)
Index("ix_edi_files_group", EdiFile.integration_id, EdiFile.group_control_number)
