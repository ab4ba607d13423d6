"""Billing set-up and charges: revenue settings, fee schedules, payer rules, charges, the ledger.

Money is stored as integer cents everywhere: exact on SQLite and PostgreSQL alike (SQLite
has no fixed-point type, and claims must balance to the cent).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bhlink.store.tables.base import ID, Base, BigIntPK, TenantRecord
from bhlink.store.types import JSONDoc, UTCDateTime


class RevenueSettings(Base):
    """One integration's billing set-up: billing providers, submitter, receiver, channels."""

    __tablename__ = "revenue_settings"

    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False, default=dict)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class FeeScheduleEntry(Base):
    """One payer's rate for one unit of a service code ('' modifier = the base rate)."""

    __tablename__ = "fee_schedule_entries"
    __table_args__ = (UniqueConstraint("payer_id", "service_code", "modifier"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    payer_id: Mapped[str] = mapped_column(ID, ForeignKey("payers.id"), nullable=False)
    service_code: Mapped[str] = mapped_column(String(5), nullable=False)
    modifier: Mapped[str] = mapped_column(String(2), nullable=False, default="")
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)


class PayerBillingRules(Base):
    """Per-payer claim rules the scrubber applies (authorization, rounding, codes, channel)."""

    __tablename__ = "payer_billing_rules"

    payer_id: Mapped[str] = mapped_column(ID, ForeignKey("payers.id"), primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False, default=dict)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Charge(TenantRecord, Base):
    """A service ticket: one billable service line, from a completed appointment or the API."""

    __tablename__ = "charges"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    payer_id: Mapped[str | None] = mapped_column(ID, ForeignKey("payers.id"))
    provider_id: Mapped[str] = mapped_column(ID, ForeignKey("providers.id"), nullable=False)
    appointment_id: Mapped[str | None] = mapped_column(ID, ForeignKey("appointments.id"))
    authorization_id: Mapped[str | None] = mapped_column(ID, ForeignKey("authorizations.id"))
    location_id: Mapped[str | None] = mapped_column(ID, ForeignKey("locations.id"))
    service_code: Mapped[str] = mapped_column(String(5), nullable=False)
    modifiers: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False, default=list)
    units: Mapped[int] = mapped_column(Integer, nullable=False)
    minutes: Mapped[int | None] = mapped_column(Integer)
    place_of_service: Mapped[str] = mapped_column(String(2), nullable=False)
    diagnosis_codes: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False, default=list)
    service_date: Mapped[date] = mapped_column(Date, nullable=False)
    charge_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    claim_id: Mapped[str | None] = mapped_column(ID)
    source: Mapped[str] = mapped_column(String(20), nullable=False)


class LedgerEntry(Base):
    """One money movement on a patient account: a charge, a payment, an adjustment.

    Balances are sums over entries; reversals post entries of the opposite sign, so the
    ledger is append-only and every figure can be traced to the file that caused it.
    """

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    payer_id: Mapped[str | None] = mapped_column(ID)
    claim_id: Mapped[str | None] = mapped_column(ID)
    charge_id: Mapped[str | None] = mapped_column(ID)
    remittance_id: Mapped[str | None] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    category: Mapped[str | None] = mapped_column(String(30))
    group_code: Mapped[str | None] = mapped_column(String(2))
    reason_code: Mapped[str | None] = mapped_column(String(8))
    amount_cents: Mapped[int] = mapped_column(BigInteger, nullable=False)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


Index("ix_charges_sync", Charge.integration_id, Charge.change_seq)
Index("uq_charges_reference", Charge.integration_id, Charge.reference_id, unique=True)
Index("ix_charges_appointment", Charge.integration_id, Charge.appointment_id)
Index("ix_charges_patient", Charge.integration_id, Charge.patient_id)
Index("ix_charges_authorization", Charge.authorization_id)
Index("ix_fee_schedule_payer", FeeScheduleEntry.integration_id, FeeScheduleEntry.payer_id)
Index("ix_ledger_patient", LedgerEntry.integration_id, LedgerEntry.patient_id)
Index("ix_ledger_claim", LedgerEntry.claim_id)
Index("ix_ledger_remittance", LedgerEntry.remittance_id)
