"""Treatment plans: the plan, its problem → goal → objective → intervention tree, versions, signatures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bhlink.store.tables.base import ID, Base, TenantRecord
from bhlink.store.types import JSONDoc, UTCDateTime


class TreatmentPlan(TenantRecord, Base):
    """A patient's treatment plan; `items` hold its problems, goals, objectives, interventions."""

    __tablename__ = "treatment_plans"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    provider_id: Mapped[str] = mapped_column(ID, ForeignKey("providers.id"), nullable=False)
    title: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    effective_date: Mapped[date] = mapped_column(Date, nullable=False)
    review_interval_days: Mapped[int] = mapped_column(Integer, nullable=False)
    review_due_date: Mapped[date] = mapped_column(Date, nullable=False)
    last_reviewed_on: Mapped[date | None] = mapped_column(Date)
    # The content version the current signatures cover; bumped by every structural change.
    content_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    items: Mapped[list[PlanItem]] = relationship(
        order_by="PlanItem.position", lazy="raise", cascade="all, delete-orphan"
    )
    signatures: Mapped[list[PlanSignature]] = relationship(
        order_by="PlanSignature.signed_at", lazy="raise", cascade="all, delete-orphan"
    )


class PlanItem(Base):
    """One node of the plan tree. `kind` is problem, goal, objective or intervention.

    Measurable objectives keep their threshold structured (instrument, comparator, value as
    decimal text) so measurement-based care can evaluate new scores against it.
    """

    __tablename__ = "treatment_plan_items"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    plan_id: Mapped[str] = mapped_column(ID, ForeignKey("treatment_plans.id"), nullable=False)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    parent_id: Mapped[str | None] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(14), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    diagnosis_code: Mapped[str | None] = mapped_column(String(10))
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(16))
    progress: Mapped[int | None] = mapped_column(Integer)
    frequency: Mapped[str | None] = mapped_column(String(200))
    provider_id: Mapped[str | None] = mapped_column(ID)
    measure_instrument: Mapped[str | None] = mapped_column(String(40))
    measure_comparator: Mapped[str | None] = mapped_column(String(2))
    measure_value: Mapped[str | None] = mapped_column(String(24))
    last_score: Mapped[str | None] = mapped_column(String(24))
    last_scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PlanVersion(Base):
    """A snapshot of the whole plan at one version (the plan's history)."""

    __tablename__ = "treatment_plan_versions"

    plan_id: Mapped[str] = mapped_column(ID, ForeignKey("treatment_plans.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(64))


class PlanSignature(Base):
    """A clinician's or the client's (or guardian's) signature on one content version."""

    __tablename__ = "treatment_plan_signatures"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    plan_id: Mapped[str] = mapped_column(ID, ForeignKey("treatment_plans.id"), nullable=False)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    content_version: Mapped[int] = mapped_column(Integer, nullable=False)
    signer_role: Mapped[str] = mapped_column(String(12), nullable=False)
    signer_name: Mapped[str | None] = mapped_column(String(200))
    relationship_to_patient: Mapped[str | None] = mapped_column(String(20))
    signer_user_id: Mapped[str | None] = mapped_column(String(64))
    signer_provider_id: Mapped[str | None] = mapped_column(ID)
    recorded_by_user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    method: Mapped[str] = mapped_column(String(20), nullable=False)
    document_id: Mapped[str | None] = mapped_column(ID)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


Index("ix_treatment_plans_sync", TreatmentPlan.integration_id, TreatmentPlan.change_seq)
Index(
    "uq_treatment_plans_reference",
    TreatmentPlan.integration_id,
    TreatmentPlan.reference_id,
    unique=True,
)
Index("ix_treatment_plans_patient", TreatmentPlan.integration_id, TreatmentPlan.patient_id)
Index("ix_treatment_plans_review", TreatmentPlan.integration_id, TreatmentPlan.review_due_date)
Index("ix_plan_items_plan", PlanItem.plan_id, PlanItem.position)
Index("ix_plan_items_measure", PlanItem.integration_id, PlanItem.measure_instrument)
Index("ix_plan_signatures_plan", PlanSignature.plan_id)
