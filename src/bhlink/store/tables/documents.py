"""Uploaded documents (metadata; the bytes live in a DocumentStorage) and patient consents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bhlink.store.tables.base import ID, Base, TenantRecord
from bhlink.store.types import UTCDateTime


class Document(TenantRecord, Base):
    """A file in a patient's chart; `sha256` is checked on every download."""

    __tablename__ = "documents"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    document_type: Mapped[str] = mapped_column(String(30), nullable=False)
    title: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(60), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(300), nullable=False)
    uploaded_by: Mapped[str | None] = mapped_column(String(64))


class Consent(TenantRecord, Base):
    """A consent the patient gave, with scope and expiry; Part 2 consents carry §2.31 elements."""

    __tablename__ = "consents"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    consent_type: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    scope: Mapped[str | None] = mapped_column(Text)
    discloser: Mapped[str | None] = mapped_column(String(200))
    recipient: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(Text)
    information_description: Mapped[str | None] = mapped_column(Text)
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    expires_on: Mapped[date | None] = mapped_column(Date)
    expiration_event: Mapped[str | None] = mapped_column(String(300))
    signed_by: Mapped[str | None] = mapped_column(String(200))
    signature_date: Mapped[date | None] = mapped_column(Date)
    document_id: Mapped[str | None] = mapped_column(ID, ForeignKey("documents.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(300))


for _table in (Document, Consent):
    Index(f"ix_{_table.__tablename__}_sync", _table.integration_id, _table.change_seq)
    Index(
        f"uq_{_table.__tablename__}_reference",
        _table.integration_id,
        _table.reference_id,
        unique=True,
    )
    Index(f"ix_{_table.__tablename__}_patient", _table.integration_id, _table.patient_id)
