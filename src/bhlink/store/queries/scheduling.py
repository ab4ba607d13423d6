"""Queries over appointments: lookups, provider overlap, filtered pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from bhlink.domain.scheduling import MAX_DURATION
from bhlink.store.queries.loading import load_collections
from bhlink.store.queries.paging import Page, changed_after, keyset_page
from bhlink.store.queries.patients import _on_caseload
from bhlink.store.tables import Appointment, AppointmentAttendee, Patient


@dataclass(frozen=True)
class AppointmentFilter:
    """The list filters of GET /appointments plus the caller's visibility limits."""

    patient_id: str | None = None
    provider_id: str | None = None
    location_id: str | None = None
    status: str | None = None
    start_from: datetime | None = None
    start_to: datetime | None = None
    updated_after: datetime | None = None
    caseload_provider_ids: Sequence[str] | None = None


def _involves_patient(patient_id: str) -> ColumnElement[bool]:
    group = select(AppointmentAttendee.appointment_id).where(
        AppointmentAttendee.patient_id == patient_id
    )
    return or_(Appointment.patient_id == patient_id, Appointment.id.in_(group))


class AppointmentQueries:
    """Appointment lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, integration_id: str, appointment_id: str) -> Appointment | None:
        """An appointment of this integration with its attendees, or None."""
        return self._one(
            select(Appointment).where(
                Appointment.id == appointment_id, Appointment.integration_id == integration_id
            )
        )

    def _one(self, query: Select[Appointment]) -> Appointment | None:
        appointment = self._s.scalar(query)
        if appointment is not None:
            load_collections(self._s, [appointment], Appointment.attendees)
        return appointment

    def by_reference(self, integration_id: str, reference_id: str) -> Appointment | None:
        """An appointment by the caller's referenceId."""
        return self._one(
            select(Appointment).where(
                Appointment.integration_id == integration_id,
                Appointment.reference_id == reference_id,
            )
        )

    def overlapping(
        self,
        integration_id: str,
        provider_id: str,
        start: datetime,
        end: datetime,
        blocking_statuses: Sequence[str],
        exclude_id: str | None,
    ) -> list[str]:
        """Ids of the provider's time-blocking appointments that overlap [start, end)."""
        query = select(Appointment.id).where(
            Appointment.integration_id == integration_id,
            Appointment.provider_id == provider_id,
            Appointment.start_time < end,
            # No appointment lasts longer than MAX_DURATION, so one that overlaps [start, end)
            # started after start - MAX_DURATION: the provider-time index range stays a day
            # wide instead of the provider's whole history.
            Appointment.start_time > start - MAX_DURATION,
            Appointment.end_time > start,
            Appointment.status.in_(blocking_statuses),
        )
        if exclude_id is not None:
            query = query.where(Appointment.id != exclude_id)
        return list(self._s.scalars(query.limit(5)))

    def page(
        self, integration_id: str, flt: AppointmentFilter, *, after_seq: int | None, limit: int
    ) -> Page[Appointment]:
        """A page of appointments in change order."""
        filters: list[ColumnElement[bool]] = [Appointment.integration_id == integration_id]
        seek: list[ColumnElement[bool]] = []
        if flt.patient_id is not None:
            filters.append(_involves_patient(flt.patient_id))
        if flt.provider_id is not None:
            filters.append(Appointment.provider_id == flt.provider_id)
        if flt.location_id is not None:
            filters.append(Appointment.location_id == flt.location_id)
        if flt.status is not None:
            filters.append(Appointment.status == flt.status)
        if flt.start_from is not None:
            filters.append(Appointment.start_time >= flt.start_from)
        if flt.start_to is not None:
            filters.append(Appointment.start_time < flt.start_to)
        if flt.updated_after is not None:
            changed, start = changed_after(Appointment, integration_id, flt.updated_after)
            filters.append(changed)
            seek.append(start)
        if flt.caseload_provider_ids is not None:
            ids = flt.caseload_provider_ids
            visible_patients = select(Patient.id).where(_on_caseload(ids))
            attended = select(AppointmentAttendee.appointment_id).where(
                AppointmentAttendee.patient_id.in_(visible_patients)
            )
            filters.append(
                or_(
                    Appointment.provider_id.in_(ids),
                    Appointment.patient_id.in_(visible_patients),
                    Appointment.id.in_(attended),
                )
            )
        page = keyset_page(
            self._s, Appointment, filters, after_seq=after_seq, limit=limit, seek=seek
        )
        load_collections(self._s, page.rows, Appointment.attendees)
        return page
