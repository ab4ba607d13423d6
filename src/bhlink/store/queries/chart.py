"""Queries over a patient's chart lists: diagnoses, medications, allergies."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bhlink.store.queries.paging import Page, keyset_page
from bhlink.store.tables import PatientAllergy, PatientDiagnosis, PatientMedication

ChartRecord = TypeVar("ChartRecord", bound=PatientDiagnosis | PatientMedication | PatientAllergy)


class ChartQueries:
    """Chart list lookups, all scoped to one integration and patient."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(
        self, model: type[ChartRecord], integration_id: str, patient_id: str, record_id: str
    ) -> ChartRecord | None:
        """One entry of the patient's list, or None."""
        return self._s.scalar(
            select(model).where(
                model.integration_id == integration_id,
                model.patient_id == patient_id,
                model.id == record_id,
            )
        )

    def by_reference(
        self, model: type[ChartRecord], integration_id: str, reference_id: str
    ) -> ChartRecord | None:
        """An entry by the caller's referenceId."""
        return self._s.scalar(
            select(model).where(
                model.integration_id == integration_id, model.reference_id == reference_id
            )
        )

    def active_diagnoses(self, integration_id: str, patient_id: str) -> list[PatientDiagnosis]:
        """The patient's active problem-list entries."""
        return list(
            self._s.scalars(
                select(PatientDiagnosis).where(
                    PatientDiagnosis.integration_id == integration_id,
                    PatientDiagnosis.patient_id == patient_id,
                    PatientDiagnosis.status == "active",
                )
            )
        )

    def all_for_patient(
        self, model: type[ChartRecord], integration_id: str, patient_id: str
    ) -> list[ChartRecord]:
        """Every entry of one list for a patient (exports), oldest first."""
        return list(
            self._s.scalars(
                select(model)
                .where(model.integration_id == integration_id, model.patient_id == patient_id)
                .order_by(model.created_at)
            )
        )

    def page(
        self,
        model: type[ChartRecord],
        integration_id: str,
        patient_id: str,
        *,
        status: str | None,
        updated_after: datetime | None,
        after_seq: int | None,
        limit: int,
    ) -> Page[ChartRecord]:
        """A page of one list in change order."""
        filters: list[ColumnElement[bool]] = [
            model.integration_id == integration_id,
            model.patient_id == patient_id,
        ]
        if status is not None:
            filters.append(model.status == status)
        if updated_after is not None:
            filters.append(model.updated_at > updated_after)
        return keyset_page(self._s, model, filters, after_seq=after_seq, limit=limit)
