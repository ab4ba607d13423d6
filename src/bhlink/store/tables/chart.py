"""The patient's chart lists: problem list (diagnoses), medications and allergies."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bhlink.store.tables.base import ID, Base, TenantRecord


class PatientDiagnosis(TenantRecord, Base):
    """One entry of the problem list: an ICD-10-CM code, its rank and dates."""

    __tablename__ = "patient_diagnoses"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(10), nullable=False)
    description: Mapped[str] = mapped_column(String(300), nullable=False)
    rank: Mapped[str] = mapped_column(String(10), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    onset_date: Mapped[date | None] = mapped_column(Date)
    resolved_date: Mapped[date | None] = mapped_column(Date)
    diagnosed_by_provider_id: Mapped[str | None] = mapped_column(ID, ForeignKey("providers.id"))
    notes: Mapped[str | None] = mapped_column(Text)


class PatientMedication(TenantRecord, Base):
    """A medication the patient takes or took, possibly fed by an e-prescribing partner."""

    __tablename__ = "patient_medications"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    rxnorm_code: Mapped[str | None] = mapped_column(String(12))
    dose: Mapped[str | None] = mapped_column(String(100))
    route: Mapped[str | None] = mapped_column(String(20))
    frequency: Mapped[str | None] = mapped_column(String(100))
    prescriber_provider_id: Mapped[str | None] = mapped_column(ID, ForeignKey("providers.id"))
    prescriber_name: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date)
    stop_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    source_system: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)


class PatientAllergy(TenantRecord, Base):
    """An allergy or intolerance, with its reaction and severity."""

    __tablename__ = "patient_allergies"

    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"), nullable=False)
    substance: Mapped[str] = mapped_column(String(200), nullable=False)
    rxnorm_code: Mapped[str | None] = mapped_column(String(12))
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    reaction: Mapped[str | None] = mapped_column(String(300))
    severity: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    onset_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)


for _table in (PatientDiagnosis, PatientMedication, PatientAllergy):
    Index(f"ix_{_table.__tablename__}_sync", _table.integration_id, _table.change_seq)
    Index(
        f"uq_{_table.__tablename__}_reference",
        _table.integration_id,
        _table.reference_id,
        unique=True,
    )
    Index(f"ix_{_table.__tablename__}_patient", _table.integration_id, _table.patient_id)
