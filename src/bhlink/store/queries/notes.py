"""Queries over clinical notes: lookups with signatures and addenda, pages, versions, lock-due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from bhlink.store.queries.paging import Page, keyset_page
from bhlink.store.queries.patients import _on_caseload
from bhlink.store.tables import (
    Appointment,
    ClinicalNote,
    NoteVersion,
    Patient,
    Task,
)

_WITH_CHILDREN = (selectinload(ClinicalNote.signatures), selectinload(ClinicalNote.addenda))
PSYCHOTHERAPY_NOTE = "psychotherapy_note"
# Statuses in which a note counts as signed (pending_cosign does not: the co-signature is due).
SIGNED_STATUSES = ("signed", "locked", "amended")
LOCKABLE_STATUSES = ("signed", "amended")


@dataclass(frozen=True)
class NoteFilter:
    """GET /clinical-notes filters plus the caller's visibility limits."""

    patient_id: str | None = None
    provider_id: str | None = None
    status: str | None = None
    note_type: str | None = None
    appointment_id: str | None = None
    updated_after: datetime | None = None
    # None: every patient; a list: notes of these providers or of patients on their caseloads.
    caseload_provider_ids: Sequence[str] | None = None
    # None: every psychotherapy note; a list: only those written or supervised by these providers.
    psychotherapy_provider_ids: Sequence[str] | None = None
    exclude_psychotherapy: bool = False


class NoteQueries:
    """Clinical note lookups, all scoped to one integration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, integration_id: str, note_id: str) -> ClinicalNote | None:
        """A note with its signatures and addenda, or None."""
        return self._s.scalar(
            select(ClinicalNote)
            .where(ClinicalNote.id == note_id, ClinicalNote.integration_id == integration_id)
            .options(*_WITH_CHILDREN)
        )

    def by_reference(self, integration_id: str, reference_id: str) -> ClinicalNote | None:
        """A note by the caller's referenceId."""
        return self._s.scalar(
            select(ClinicalNote)
            .where(
                ClinicalNote.integration_id == integration_id,
                ClinicalNote.reference_id == reference_id,
            )
            .options(*_WITH_CHILDREN)
        )

    def versions(self, note_id: str) -> list[NoteVersion]:
        """Every content version of a note, oldest first."""
        return list(
            self._s.scalars(
                select(NoteVersion)
                .where(NoteVersion.note_id == note_id)
                .order_by(NoteVersion.version)
            )
        )

    def for_patient(
        self, integration_id: str, patient_id: str, *, include_psychotherapy: bool
    ) -> list[ClinicalNote]:
        """Every note of a patient (for exports), oldest first."""
        query = select(ClinicalNote).where(
            ClinicalNote.integration_id == integration_id, ClinicalNote.patient_id == patient_id
        )
        if not include_psychotherapy:
            query = query.where(ClinicalNote.note_type != PSYCHOTHERAPY_NOTE)
        return list(
            self._s.scalars(query.options(*_WITH_CHILDREN).order_by(ClinicalNote.created_at))
        )

    def lock_due(
        self, integration_id: str, signed_before: datetime, limit: int
    ) -> list[ClinicalNote]:
        """Signed notes past their auto-lock time, locked FOR UPDATE (SKIP LOCKED on PostgreSQL).

        SKIP LOCKED lets two requests that both notice a due note not lock it twice: the second
        one skips the row the first is locking and sees it locked once that commits.
        """
        query = (
            select(ClinicalNote)
            .where(
                ClinicalNote.integration_id == integration_id,
                ClinicalNote.status.in_(LOCKABLE_STATUSES),
                ClinicalNote.locked_at.is_(None),
                ClinicalNote.signed_at <= signed_before,
            )
            .order_by(ClinicalNote.signed_at)
            .limit(limit)
            .options(*_WITH_CHILDREN)
        )
        if self._s.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=ClinicalNote)
        return list(self._s.scalars(query))

    def signed_for_appointments(
        self, integration_id: str, appointment_ids: Sequence[str]
    ) -> set[tuple[str, str]]:
        """(appointmentId, patientId) pairs that have a signed note."""
        if not appointment_ids:
            return set()
        rows = self._s.execute(
            select(ClinicalNote.appointment_id, ClinicalNote.patient_id).where(
                ClinicalNote.integration_id == integration_id,
                ClinicalNote.appointment_id.in_(appointment_ids),
                ClinicalNote.status.in_(SIGNED_STATUSES),
            )
        )
        return {(str(a), str(p)) for a, p in rows}

    def completed_without_task(
        self,
        integration_id: str,
        completed_before: datetime,
        task_type: str,
        limit: int,
        *,
        completed_after: datetime,
    ) -> list[Appointment]:
        """Appointments completed in (completed_after, completed_before] with no `task_type` task yet."""
        has_task = exists().where(
            Task.integration_id == integration_id,
            Task.task_type == task_type,
            Task.reference == Appointment.id,
        )
        return list(
            self._s.scalars(
                select(Appointment)
                .where(
                    Appointment.integration_id == integration_id,
                    Appointment.status == "completed",
                    Appointment.status_changed_at <= completed_before,
                    Appointment.status_changed_at > completed_after,
                    ~has_task,
                )
                .order_by(Appointment.status_changed_at)
                .limit(limit)
                .options(selectinload(Appointment.attendees))
            )
        )

    def page(
        self, integration_id: str, flt: NoteFilter, *, after_seq: int | None, limit: int
    ) -> Page[ClinicalNote]:
        """A page of notes in change order."""
        filters: list[ColumnElement[bool]] = [ClinicalNote.integration_id == integration_id]
        for column, value in (
            (ClinicalNote.patient_id, flt.patient_id),
            (ClinicalNote.provider_id, flt.provider_id),
            (ClinicalNote.status, flt.status),
            (ClinicalNote.note_type, flt.note_type),
            (ClinicalNote.appointment_id, flt.appointment_id),
        ):
            if value is not None:
                filters.append(column == value)
        if flt.updated_after is not None:
            filters.append(ClinicalNote.updated_at > flt.updated_after)
        if flt.caseload_provider_ids is not None:
            ids = flt.caseload_provider_ids
            visible_patients = select(Patient.id).where(_on_caseload(ids))
            filters.append(
                or_(
                    ClinicalNote.provider_id.in_(ids),
                    ClinicalNote.patient_id.in_(visible_patients),
                )
            )
        if flt.exclude_psychotherapy:
            filters.append(ClinicalNote.note_type != PSYCHOTHERAPY_NOTE)
        elif flt.psychotherapy_provider_ids is not None:
            own = flt.psychotherapy_provider_ids
            filters.append(
                or_(
                    ClinicalNote.note_type != PSYCHOTHERAPY_NOTE,
                    and_(
                        ClinicalNote.note_type == PSYCHOTHERAPY_NOTE,
                        or_(
                            ClinicalNote.provider_id.in_(own),
                            ClinicalNote.supervisor_provider_id.in_(own),
                        ),
                    ),
                )
            )
        return keyset_page(
            self._s,
            ClinicalNote,
            filters,
            after_seq=after_seq,
            limit=limit,
            options=_WITH_CHILDREN,
        )

    def integrations_with_lock_due(self, signed_before: datetime) -> list[str]:
        """Integrations that have notes past their auto-lock time (for the lock-due command)."""
        return list(
            self._s.scalars(
                select(ClinicalNote.integration_id)
                .where(
                    ClinicalNote.status.in_(LOCKABLE_STATUSES),
                    ClinicalNote.locked_at.is_(None),
                    ClinicalNote.signed_at <= signed_before,
                )
                .distinct()
            )
        )


def attendee_patients(appointment: Appointment) -> list[str]:
    """The patients an appointment was for (the attendees of a group session)."""
    if appointment.patient_id:
        return [appointment.patient_id]
    return [
        a.patient_id for a in appointment.attendees if a.attendance not in ("absent", "no_show")
    ]
