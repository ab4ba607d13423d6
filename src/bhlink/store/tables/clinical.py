"""Clinical notes with their content versions, signatures and addenda (append-only history)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bhlink.store.tables.base import ID, Base, TenantRecord
from bhlink.store.types import JSONDoc, UTCDateTime


class ClinicalNote(TenantRecord, Base):
    """A clinical note; its content changes only while it is a draft.

    `provider_id` is the author (the rendering clinician); `created_by_user_id` is whoever
    posted it (a clinician, or the service account of an AI drafting or import pipeline).
    `clinical_hash` is the SHA-256 the domain rules record at signing (bhlink.domain.notes);
    `content_hash` covers the whole signed record, encounter context included.
    """

    __tablename__ = "clinical_notes"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    provider_id: Mapped[str] = mapped_column(ID, ForeignKey("providers.id"), nullable=False)
    appointment_id: Mapped[str | None] = mapped_column(ID, ForeignKey("appointments.id"))
    created_by_user_id: Mapped[str | None] = mapped_column(String(64))
    note_type: Mapped[str] = mapped_column(String(24), nullable=False)
    note_format: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    source: Mapped[str] = mapped_column(String(12), nullable=False, default="clinician")
    sections: Mapped[dict[str, str]] = mapped_column(JSONDoc, nullable=False, default=dict)
    diagnosis_codes: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False, default=list)
    interventions: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False, default=list)
    mental_status_exam: Mapped[dict[str, str] | None] = mapped_column(JSONDoc)
    risk_assessment: Mapped[dict[str, str] | None] = mapped_column(JSONDoc)
    goals_addressed: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDoc, nullable=False, default=list
    )
    service_code: Mapped[str | None] = mapped_column(String(10))
    session_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    telehealth: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    content_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    supervisor_provider_id: Mapped[str | None] = mapped_column(ID, ForeignKey("providers.id"))
    clinical_hash: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_user_id: Mapped[str | None] = mapped_column(String(64))
    cosigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cosigned_by_user_id: Mapped[str | None] = mapped_column(String(64))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    signatures: Mapped[list[NoteSignature]] = relationship(
        order_by="NoteSignature.signed_at", lazy="raise", cascade="all, delete-orphan"
    )
    addenda: Mapped[list[NoteAddendum]] = relationship(
        order_by="NoteAddendum.position", lazy="raise", cascade="all, delete-orphan"
    )


class NoteVersion(Base):
    """One content version of a note: the full content as it stood, and its hash."""

    __tablename__ = "note_versions"

    note_id: Mapped[str] = mapped_column(ID, ForeignKey("clinical_notes.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    content: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(64))


class NoteSignature(Base):
    """A signature on a note: who, in which role, when, and over which content hash."""

    __tablename__ = "note_signatures"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    note_id: Mapped[str] = mapped_column(ID, ForeignKey("clinical_notes.id"), nullable=False)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(12), nullable=False)
    signer_user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    signer_provider_id: Mapped[str] = mapped_column(ID, nullable=False)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class NoteAddendum(Base):
    """Text appended to signed content, hash-chained to everything before it."""

    __tablename__ = "note_addenda"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    note_id: Mapped[str] = mapped_column(ID, ForeignKey("clinical_notes.id"), nullable=False)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    author_user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    author_provider_id: Mapped[str] = mapped_column(ID, nullable=False)
    reason: Mapped[str] = mapped_column(String(40), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    explanation: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    previous_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)


Index("ix_clinical_notes_sync", ClinicalNote.integration_id, ClinicalNote.change_seq)
Index(
    "uq_clinical_notes_reference",
    ClinicalNote.integration_id,
    ClinicalNote.reference_id,
    unique=True,
)
Index("ix_clinical_notes_patient", ClinicalNote.integration_id, ClinicalNote.patient_id)
Index("ix_clinical_notes_appointment", ClinicalNote.integration_id, ClinicalNote.appointment_id)
Index(
    "ix_clinical_notes_lock_due",
    ClinicalNote.integration_id,
    ClinicalNote.locked_at,
    ClinicalNote.signed_at,
)
Index("ix_note_signatures_note", NoteSignature.note_id)
Index("uq_note_addenda_position", NoteAddendum.note_id, NoteAddendum.position, unique=True)
