"""Queries over patients, with their insurance and care team loaded in bulk (never N+1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, inspect, or_, select
from sqlalchemy.orm import Session

from bhlink.store.queries.loading import load_collections
from bhlink.store.queries.paging import Page, changed_after, keyset_page
from bhlink.store.tables import CareTeamMember, Patient

_CHILDREN = (Patient.insurance, Patient.care_team)


@dataclass(frozen=True)
class PatientFilter:
    """Seed 003 filters plus the caller's visibility limits."""

    patient_id: str | None = None
    mrn: str | None = None
    updated_after: datetime | None = None
    active_on: date | None = None
    provider_id: str | None = None
    status: str | None = None
    # None: every patient of the integration; a list: only these providers' caseloads.
    caseload_provider_ids: Sequence[str] | None = None
    exclude_part2: bool = False


def _on_caseload(provider_ids: Sequence[str]) -> ColumnElement[bool]:
    team = select(CareTeamMember.patient_id).where(CareTeamMember.provider_id.in_(provider_ids))
    return or_(Patient.primary_provider_id.in_(provider_ids), Patient.id.in_(team))


class PatientQueries:
    """Patient lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session
        self._held: dict[str, Patient] = {}

    def get(
        self, integration_id: str, patient_id: str, *, with_children: bool = True
    ) -> Patient | None:
        """A patient of this integration (with insurance and care team), or None.

        A patient this unit of work already fetched is not fetched again (one booking looks
        its patient up three times), nor are children it has loaded (or changed). The session
        keeps unchanged objects only weakly, so the unit of work holds them here.
        """
        patient = self._held.get(patient_id)
        if patient is None or patient not in self._s:
            patient = self._s.get(Patient, patient_id)
        if patient is None or patient.integration_id != integration_id:
            return None
        self._held[patient_id] = patient
        if with_children:
            self._children(patient)
        return patient

    def _one(self, query: Select[Patient]) -> Patient | None:
        patient = self._s.scalar(query)
        if patient is not None:
            self._children(patient)
        return patient

    def _children(self, patient: Patient) -> None:
        unloaded = inspect(patient).unloaded
        missing = [child for child in _CHILDREN if child.key in unloaded]
        if missing:
            load_collections(self._s, [patient], *missing)

    def by_reference(self, integration_id: str, reference_id: str) -> Patient | None:
        """A patient by the caller's referenceId."""
        return self._one(
            select(Patient).where(
                Patient.integration_id == integration_id, Patient.reference_id == reference_id
            )
        )

    def by_mrn(self, integration_id: str, mrn: str) -> Patient | None:
        """A patient by medical record number."""
        return self._one(
            select(Patient).where(Patient.integration_id == integration_id, Patient.mrn == mrn)
        )

    def is_on_caseload(self, patient_id: str, provider_ids: Sequence[str]) -> bool:
        """Whether the patient is on any of these providers' caseloads."""
        if not provider_ids:
            return False
        return (
            self._s.scalar(
                select(Patient.id).where(Patient.id == patient_id, _on_caseload(provider_ids))
            )
            is not None
        )

    def visible_ids(
        self, integration_id: str, patient_ids: Sequence[str], provider_ids: Sequence[str] | None
    ) -> set[str]:
        """Which of `patient_ids` exist here and, if a caseload is given, are on it."""
        if not patient_ids:
            return set()
        query = select(Patient.id).where(
            Patient.integration_id == integration_id, Patient.id.in_(patient_ids)
        )
        if provider_ids is not None:
            query = query.where(_on_caseload(provider_ids))
        return set(self._s.scalars(query))

    def page(
        self, integration_id: str, flt: PatientFilter, *, after_seq: int | None, limit: int
    ) -> Page[Patient]:
        """A page of patients in change order."""
        filters: list[ColumnElement[bool]] = [Patient.integration_id == integration_id]
        seek: list[ColumnElement[bool]] = []
        if flt.patient_id is not None:
            filters.append(Patient.id == flt.patient_id)
        if flt.mrn is not None:
            filters.append(Patient.mrn == flt.mrn)
        if flt.updated_after is not None:
            changed, start = changed_after(Patient, integration_id, flt.updated_after)
            filters.append(changed)
            seek.append(start)
        if flt.active_on is not None:
            filters.append(Patient.active_from <= flt.active_on)
            filters.append(
                or_(Patient.active_until.is_(None), Patient.active_until >= flt.active_on)
            )
        if flt.provider_id is not None:
            filters.append(_on_caseload([flt.provider_id]))
        if flt.status is not None:
            filters.append(Patient.status == flt.status)
        if flt.caseload_provider_ids is not None:
            filters.append(_on_caseload(flt.caseload_provider_ids))
        if flt.exclude_part2:
            filters.append(Patient.part2.is_(False))
        page = keyset_page(self._s, Patient, filters, after_seq=after_seq, limit=limit, seek=seek)
        load_collections(self._s, page.rows, *_CHILDREN)
        return page
