"""Posted 835 remittances: payments, each claim's adjudication, and the exceptions queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bhlink.store.tables.base import ID, Base, BigIntPK, TenantRecord
from bhlink.store.types import JSONDoc, UTCDateTime


class Remittance(TenantRecord, Base):
    """One 835 transaction set: the payment (BPR/TRN), its claims and provider adjustments."""

    __tablename__ = "remittances"

    edi_file_id: Mapped[str] = mapped_column(ID, nullable=False)
    transaction_index: Mapped[int] = mapped_column(Integer, nullable=False)
    payer_id: Mapped[str | None] = mapped_column(ID, ForeignKey("payers.id"))
    payer_name: Mapped[str] = mapped_column(String(200), nullable=False)
    payer_identifier: Mapped[str | None] = mapped_column(String(80))
    payee_identifier: Mapped[str | None] = mapped_column(String(80))
    trace_number: Mapped[str] = mapped_column(String(80), nullable=False)
    payment_method: Mapped[str] = mapped_column(String(3), nullable=False)
    credit_debit: Mapped[str] = mapped_column(String(1), nullable=False)
    payment_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    claims_paid_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    provider_adjustment_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    provider_adjustments: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDoc, nullable=False, default=list
    )
    payment_date: Mapped[date | None] = mapped_column(Date)
    production_date: Mapped[date | None] = mapped_column(Date)
    claim_count: Mapped[int] = mapped_column(Integer, nullable=False)
    matched_claim_count: Mapped[int] = mapped_column(Integer, nullable=False)
    exception_count: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(30), nullable=False)


class RemittanceClaim(Base):
    """One CLP: how the payer adjudicated one claim (or its reversal), as posted."""

    __tablename__ = "remittance_claims"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    remittance_id: Mapped[str] = mapped_column(ID, ForeignKey("remittances.id"), nullable=False)
    claim_id: Mapped[str | None] = mapped_column(ID)
    patient_control_number: Mapped[str] = mapped_column(String(80), nullable=False)
    status_code: Mapped[str] = mapped_column(String(2), nullable=False)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    payer_claim_control_number: Mapped[str | None] = mapped_column(String(80))
    charge_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    patient_responsibility_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    contractual_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    other_adjustment_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    responsibility: Mapped[dict[str, int]] = mapped_column(JSONDoc, nullable=False, default=dict)
    adjustments: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, nullable=False)
    remarks: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, nullable=False)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class RemittanceException(Base):
    """Something in an 835 that could not be posted automatically and needs a person."""

    __tablename__ = "remittance_exceptions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    remittance_id: Mapped[str] = mapped_column(ID, ForeignKey("remittances.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    segment_id: Mapped[str] = mapped_column(String(3), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    reference: Mapped[str | None] = mapped_column(String(80))
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    message: Mapped[str] = mapped_column(String(300), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


Index("ix_remittances_sync", Remittance.integration_id, Remittance.change_seq)
Index("uq_remittances_reference", Remittance.integration_id, Remittance.reference_id, unique=True)
Index("ix_remittances_payer", Remittance.integration_id, Remittance.payer_id)
Index("ix_remittance_claims_remittance", RemittanceClaim.remittance_id)
Index("ix_remittance_claims_claim", RemittanceClaim.claim_id)
Index(
    "ix_remittance_exceptions_open",
    RemittanceException.integration_id,
    RemittanceException.status,
)
