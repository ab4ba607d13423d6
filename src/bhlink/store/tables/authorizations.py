"""Prior authorizations (payer, patient, codes, units, dates) and the alerts raised on them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bhlink.store.tables.base import ID, Base, BigIntPK, TenantRecord
from bhlink.store.types import JSONDoc, UTCDateTime


class Authorization(TenantRecord, Base):
    """A payer's approval of units of some service codes for one patient between two dates.

    Units used and scheduled are never stored: they are counted from charges and open
    appointments whenever they are needed (services/authorizations.py).
    """

    __tablename__ = "authorizations"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    payer_id: Mapped[str] = mapped_column(ID, ForeignKey("payers.id"), nullable=False)
    member_id: Mapped[str | None] = mapped_column(String(80))
    auth_number: Mapped[str] = mapped_column(String(80), nullable=False)
    service_codes: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False, default=list)
    units_authorized: Mapped[int] = mapped_column(Integer, nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    notes: Mapped[str | None] = mapped_column(Text)


class AuthorizationAlert(Base):
    """An exhausted/expiring/low-units warning raised once, until the condition clears."""

    __tablename__ = "authorization_alerts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    authorization_id: Mapped[str] = mapped_column(
        ID, ForeignKey("authorizations.id"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    units_available: Mapped[int] = mapped_column(BigInteger, nullable=False)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)


Index("ix_authorizations_sync", Authorization.integration_id, Authorization.change_seq)
Index(
    "uq_authorizations_reference",
    Authorization.integration_id,
    Authorization.reference_id,
    unique=True,
)
Index("ix_authorizations_patient", Authorization.integration_id, Authorization.patient_id)
Index("ix_authorization_alerts_auth", AuthorizationAlert.authorization_id, AuthorizationAlert.kind)
