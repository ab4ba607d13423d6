"""Patients (clients), their insurance policies and care teams."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bhlink.store.tables.base import ID, Base, TenantRecord
from bhlink.store.types import UTCDateTime


class Patient(TenantRecord, Base):
    """A patient; `part2` marks records protected by 42 CFR Part 2."""

    __tablename__ = "patients"

    mrn: Mapped[str] = mapped_column(String(64), nullable=False)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    middle_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    dob: Mapped[date] = mapped_column(Date, nullable=False)
    sex: Mapped[str] = mapped_column(String(10), nullable=False)
    gender_identity: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(50))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    primary_provider_id: Mapped[str | None] = mapped_column(ID, ForeignKey("providers.id"))
    portal_status: Mapped[str] = mapped_column(String(20), nullable=False, default="not_invited")
    portal_invited_on: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    active_from: Mapped[date] = mapped_column(Date, nullable=False)
    active_until: Mapped[date | None] = mapped_column(Date)
    part2: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    # lazy="raise": a query that forgets to load these fails loudly instead of doing N+1.
    insurance: Mapped[list[InsurancePolicy]] = relationship(
        order_by="InsurancePolicy.position", lazy="raise", cascade="all, delete-orphan"
    )
    care_team: Mapped[list[CareTeamMember]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )


class InsurancePolicy(Base):
    """One coverage of a patient, ranked primary/secondary/tertiary."""

    __tablename__ = "insurance_policies"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    type: Mapped[str] = mapped_column(String(12), nullable=False)
    payer_id: Mapped[str] = mapped_column(ID, ForeignKey("payers.id"), nullable=False)
    member_id: Mapped[str] = mapped_column(String(80), nullable=False)
    group_number: Mapped[str | None] = mapped_column(String(80))
    relationship: Mapped[str] = mapped_column(String(12), nullable=False, default="self")
    subscriber_first_name: Mapped[str | None] = mapped_column(String(100))
    subscriber_last_name: Mapped[str | None] = mapped_column(String(100))
    subscriber_dob: Mapped[date | None] = mapped_column(Date)
    subscriber_sex: Mapped[str | None] = mapped_column(String(10))
    effective_start: Mapped[date | None] = mapped_column(Date)
    effective_end: Mapped[date | None] = mapped_column(Date)


class CareTeamMember(Base):
    """A provider on a patient's care team (puts the patient on that provider's caseload)."""

    __tablename__ = "care_team_members"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), primary_key=True)
    provider_id: Mapped[str] = mapped_column(ID, ForeignKey("providers.id"), primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False, default="member")


Index("ix_patients_sync", Patient.integration_id, Patient.change_seq)
# updatedAfter: counts the changed records and finds the first of them (queries.paging).
Index("ix_patients_updated", Patient.integration_id, Patient.updated_at)
Index("uq_patients_mrn", Patient.integration_id, Patient.mrn, unique=True)
Index("uq_patients_reference", Patient.integration_id, Patient.reference_id, unique=True)
Index("ix_patients_primary_provider", Patient.integration_id, Patient.primary_provider_id)
Index("ix_insurance_patient", InsurancePolicy.patient_id, InsurancePolicy.position)
Index("ix_care_team_provider", CareTeamMember.provider_id)
