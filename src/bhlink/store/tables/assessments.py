"""Measurement-based care: scored results, explicit baselines, form assignments, risk flags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bhlink.store.tables.base import ID, Base, TenantRecord
from bhlink.store.types import JSONDoc, UTCDateTime


class AssessmentResult(TenantRecord, Base):
    """One completed instrument, scored by the engine at write time and never edited.

    The engine's conclusions (total, band, subscales, critical items, interpretations) are
    stored as computed so a later engine release cannot silently rewrite a clinical record;
    `instrument_version` says which rules produced them. Baselines and change flags are
    not stored: they depend on the practice's baseline mode and are derived on read.
    """

    __tablename__ = "assessment_results"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    provider_id: Mapped[str | None] = mapped_column(ID, ForeignKey("providers.id"))
    instrument_id: Mapped[str] = mapped_column(String(40), nullable=False)
    instrument_version: Mapped[str] = mapped_column(String(20), nullable=False)
    # A client-supplied episode-of-care id (EchoVantage/PIMSY programs); null = no episode.
    episode_id: Mapped[str | None] = mapped_column(String(64))
    assignment_id: Mapped[str | None] = mapped_column(ID)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    collected_via: Mapped[str] = mapped_column(String(20), nullable=False)
    # Option values per question id, as submitted (normalised by the engine).
    answers: Mapped[dict[str, int]] = mapped_column(JSONDoc, nullable=False)
    # The sex the cut-offs were chosen with (AUDIT-C), so the band can be reproduced.
    sex_used: Mapped[str | None] = mapped_column(String(10))
    total: Mapped[float | None] = mapped_column(Float)
    severity: Mapped[str | None] = mapped_column(String(40))
    severity_label: Mapped[str | None] = mapped_column(String(80))
    prorated: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    subscales: Mapped[dict[str, float]] = mapped_column(JSONDoc, nullable=False, default=dict)
    # [{"questionId", "reason", "score"}] from the engine's critical-item rules.
    critical_items: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDoc, nullable=False, default=list
    )
    # [{"code", "message"}]
    interpretations: Mapped[list[dict[str, str]]] = mapped_column(
        JSONDoc, nullable=False, default=list
    )


class AssessmentBaseline(Base):
    """The result a clinician chose as a patient's baseline on one instrument (one at a time)."""

    __tablename__ = "assessment_baselines"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    result_id: Mapped[str] = mapped_column(ID, ForeignKey("assessment_results.id"), nullable=False)
    set_by: Mapped[str] = mapped_column(String(64), nullable=False)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AssessmentAssignment(TenantRecord, Base):
    """A one-time link a patient completes an instrument through.

    Only the SHA-256 of the link's token is stored: the link is shown once, to whoever
    created the assignment, and cannot be recovered from the database.
    """

    __tablename__ = "assessment_assignments"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    provider_id: Mapped[str | None] = mapped_column(ID, ForeignKey("providers.id"))
    instrument_id: Mapped[str] = mapped_column(String(40), nullable=False)
    episode_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_id: Mapped[str | None] = mapped_column(ID)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)


class RiskFlag(TenantRecord, Base):
    """A risk raised on a patient by a critical answer; acknowledged, never deleted."""

    __tablename__ = "risk_flags"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    result_id: Mapped[str] = mapped_column(ID, ForeignKey("assessment_results.id"), nullable=False)
    instrument_id: Mapped[str] = mapped_column(String(40), nullable=False)
    # [{"questionId" (or null for a risk tier), "reason", "score"}]
    triggers: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    followup_id: Mapped[str | None] = mapped_column(ID)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledgement_note: Mapped[str | None] = mapped_column(Text)


Index("ix_assessment_results_sync", AssessmentResult.integration_id, AssessmentResult.change_seq)
Index(
    "ix_assessment_results_series",
    AssessmentResult.integration_id,
    AssessmentResult.patient_id,
    AssessmentResult.instrument_id,
    AssessmentResult.completed_at,
)
Index(
    "uq_assessment_results_reference",
    AssessmentResult.integration_id,
    AssessmentResult.reference_id,
    unique=True,
)
Index("uq_assessment_assignments_token", AssessmentAssignment.token_hash, unique=True)
Index(
    "ix_assessment_assignments_sync",
    AssessmentAssignment.integration_id,
    AssessmentAssignment.change_seq,
)
Index("ix_risk_flags_patient", RiskFlag.integration_id, RiskFlag.patient_id, RiskFlag.change_seq)
