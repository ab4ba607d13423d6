"""Providers, locations and payers: the practice's directory."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bhlink.store.tables.base import ID, Base, TenantRecord
from bhlink.store.types import JSONDoc


class Provider(TenantRecord, Base):
    """A clinician or other rendering provider."""

    __tablename__ = "providers"

    npi: Mapped[str | None] = mapped_column(String(10))
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    credentials: Mapped[str | None] = mapped_column(String(50))
    taxonomy: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    supervisor_id: Mapped[str | None] = mapped_column(ID, ForeignKey("providers.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")


class Location(TenantRecord, Base):
    """A clinic site (or the virtual telehealth location)."""

    __tablename__ = "locations"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    phone: Mapped[str | None] = mapped_column(String(40))
    timezone: Mapped[str | None] = mapped_column(String(64))
    default_place_of_service: Mapped[str] = mapped_column(String(2), nullable=False, default="11")
    npi: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")


class Payer(TenantRecord, Base):
    """An insurer as the practice bills it: EDI id, filing indicator, telehealth policy."""

    __tablename__ = "payers"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    edi_payer_id: Mapped[str] = mapped_column(String(80), nullable=False)
    claim_filing_indicator: Mapped[str] = mapped_column(String(2), nullable=False, default="CI")
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    # {"placeOfService": "02"|"10"|"either", "modifier": "95"|"GT"|"93"|null}
    telehealth_policy: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False, default=dict)
    timely_filing_days: Mapped[int] = mapped_column(Integer, nullable=False, default=365)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")


for _table in (Provider, Location, Payer):
    Index(f"ix_{_table.__tablename__}_sync", _table.integration_id, _table.change_seq)
    Index(
        f"uq_{_table.__tablename__}_reference",
        _table.integration_id,
        _table.reference_id,
        unique=True,
    )
Index("uq_providers_npi", Provider.integration_id, Provider.npi, unique=True)
