"""Appointments: create-or-update (seed 003), status transitions, group sessions, lists."""

from __future__ import annotations

from datetime import datetime

from pydantic.alias_generators import to_camel

from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput, PreconditionFailed
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.domain.scheduling import (
    BLOCKS_TIME,
    TELEHEALTH_POS,
    TERMINAL,
    AppointmentStatus,
    check_times,
    check_transition,
)
from bhlink.schemas.appointments import (
    AppointmentFields,
    AppointmentPatch,
    AppointmentWrite,
    StatusChange,
)
from bhlink.services import audit, authorizations, outbox
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import flush_unique_reference, stamp_new, stamp_update
from bhlink.store.queries.paging import Page
from bhlink.store.queries.scheduling import AppointmentFilter
from bhlink.store.tables import Appointment, AppointmentAttendee, Location, Provider
from bhlink.store.unit_of_work import UnitOfWork

_STATUS_EVENTS = {
    AppointmentStatus.CANCELLED: "appointment.cancelled",
    AppointmentStatus.COMPLETED: "appointment.completed",
    AppointmentStatus.NO_SHOW: "appointment.no_show",
    AppointmentStatus.CHECKED_IN: "appointment.checked_in",
    AppointmentStatus.CONFIRMED: "appointment.confirmed",
    AppointmentStatus.SCHEDULED: "appointment.updated",
}


# A change to any of these can move an appointment onto or off an authorization.
_AUTHORIZATION_FIELDS = {"startTime", "endTime", "serviceCode", "authorizationId", "patientId"}


def _patients_of(body: AppointmentFields, current: Appointment | None) -> list[str]:
    if body.patient_ids is not None:
        return list(body.patient_ids)
    if body.patient_id is not None:
        return [body.patient_id]
    if current is None:
        return []
    return (
        [m.patient_id for m in current.attendees]
        if current.is_group
        else [current.patient_id or ""]
    )


def _check_references(
    uow: UnitOfWork, actor: Actor, body: AppointmentFields, patients: list[str], creating: bool
) -> None:
    problems: list[FieldProblem] = []
    if creating:
        if not patients:
            problems.append(
                FieldProblem("patientId", "is required (or patientIds for a group session)")
            )
        for name in ("provider_id", "start_time", "end_time"):
            if getattr(body, name) is None:
                problems.append(
                    FieldProblem(to_camel(name), "is required to create an appointment")
                )
    if len(patients) != len(set(patients)):
        problems.append(FieldProblem("patientIds", "a patient may appear once"))
    if patients:
        visible = uow.patients.visible_ids(
            actor.integration_id, patients, actor.caseload_provider_ids
        )
        field_name = "patientIds" if body.patient_ids is not None else "patientId"
        for index, pid in enumerate(patients):
            if pid not in visible:
                where = f"{field_name}[{index}]" if body.patient_ids is not None else field_name
                problems.append(FieldProblem(where, "no such patient in this integration"))
    if (
        body.provider_id is not None
        and uow.practice.get(Provider, actor.integration_id, body.provider_id) is None
    ):
        problems.append(FieldProblem("providerId", "no such provider in this integration"))
    if (
        body.location_id is not None
        and uow.practice.get(Location, actor.integration_id, body.location_id) is None
    ):
        problems.append(FieldProblem("locationId", "no such location in this integration"))
    if problems:
        raise InvalidInput(detail="the appointment cannot be saved as sent", errors=problems)


def _check_overlap(uow: UnitOfWork, actor: Actor, appt: Appointment) -> None:
    if appt.allow_overlap or appt.status not in BLOCKS_TIME:
        return
    clashes = uow.appointments.overlapping(
        actor.integration_id,
        appt.provider_id,
        appt.start_time,
        appt.end_time,
        [s.value for s in BLOCKS_TIME],
        appt.id,
    )
    if clashes:
        raise Conflict(
            detail="the provider is already booked at that time; send allowOverlap: true to double-book",
            errors=[FieldProblem("startTime", f"overlaps appointment {clashes[0]}")],
            code="provider_double_booked",
        )


def _apply(
    appt: Appointment, body: AppointmentFields, patients: list[str], telehealth_base_url: str
) -> list[str]:
    sent = body.model_fields_set
    changed: list[str] = []

    def put(attr: str, value: object, api_name: str) -> None:
        if getattr(appt, attr) != value:
            setattr(appt, attr, value)
            changed.append(api_name)

    for name in (
        "provider_id",
        "location_id",
        "appointment_type",
        "service_code",
        "start_time",
        "end_time",
        "notes",
        "authorization_id",
        "reference_id",
    ):
        if name in sent:
            put(name, getattr(body, name), to_camel(name))
    if "diagnosis_codes" in sent:
        put("diagnosis_codes", list(body.diagnosis_codes or []), "diagnosisCodes")
    if "allow_overlap" in sent and body.allow_overlap is not None:
        put("allow_overlap", body.allow_overlap, "allowOverlap")
    if "reminders" in sent and body.reminders is not None:
        put("reminder_email", body.reminders.email, "reminders")
        put("reminder_sms", body.reminders.sms, "reminders")
    if "telehealth" in sent and body.telehealth is not None:
        put("telehealth_enabled", body.telehealth.enabled, "telehealth")
        link = body.telehealth.link
        if body.telehealth.enabled and link is None:
            link = appt.telehealth_link or f"{telehealth_base_url.rstrip('/')}/{appt.id}"
        put("telehealth_link", link if body.telehealth.enabled else None, "telehealth")
    if "place_of_service" in sent:
        put("place_of_service", body.place_of_service, "placeOfService")
    elif appt.place_of_service is None and appt.telehealth_enabled:
        # CMS POS 02: telehealth provided other than in the patient's home (the safe default
        # when the patient's location is not known; clients send "10" for home).
        put("place_of_service", "02", "placeOfService")
    if "patient_id" in sent or "patient_ids" in sent:
        is_group = body.patient_ids is not None
        put("is_group", is_group, "patientIds" if is_group else "patientId")
        put("patient_id", None if is_group else patients[0], "patientId")
        current = [m.patient_id for m in appt.attendees]
        wanted = patients if is_group else []
        if current != wanted:
            appt.attendees = [
                AppointmentAttendee(patient_id=pid, integration_id=appt.integration_id)
                for pid in wanted
            ]
            changed.append("patientIds")
    return sorted(set(changed))


def upsert(
    uow: UnitOfWork, actor: Actor, body: AppointmentWrite, *, telehealth_base_url: str
) -> tuple[Appointment, bool]:
    """POST /appointments: update the one named by appointmentId/referenceId, else create."""
    require(actor, Entitlement.APPOINTMENTS, write=True)
    existing: Appointment | None = None
    if body.appointment_id is not None:
        existing = uow.appointments.get(actor.integration_id, body.appointment_id)
        if existing is None:
            raise not_found("appointment")
    elif body.reference_id is not None:
        existing = uow.appointments.by_reference(actor.integration_id, body.reference_id)
    if existing is not None:
        return _update(uow, actor, existing, body, telehealth_base_url=telehealth_base_url), False
    patients = _patients_of(body, None)
    _check_references(uow, actor, body, patients, creating=True)
    appt = Appointment(
        id=new_id("apt"),
        integration_id=actor.integration_id,
        status=AppointmentStatus.SCHEDULED.value,
        attendees=[],
        diagnosis_codes=[],
        telehealth_enabled=False,
        reminder_email=False,
        reminder_sms=False,
        is_group=False,
        allow_overlap=False,
    )
    _apply(appt, body, patients, telehealth_base_url)
    problems = check_times(appt.start_time, appt.end_time)
    problems += _check_telehealth_pos(appt)
    if problems:
        raise InvalidInput(detail="the appointment times are not valid", errors=problems)
    # Take the tenant's change lock before checking the schedule and the authorization: two
    # concurrent bookings of one slot then see each other instead of both passing the check.
    seq, at = stamp_new(uow, appt)
    _check_overlap(uow, actor, appt)
    authorizations.check_appointment(uow, actor, appt, body.authorization_override)
    uow.add(appt)
    _flush(uow)
    _record(uow, actor, appt, "appointment.created", seq, at, ["*"])
    authorizations.refresh_for_patient(uow, actor, appt.patient_id)
    return appt, True


def _check_telehealth_pos(appt: Appointment) -> list[FieldProblem]:
    if not appt.telehealth_enabled and appt.place_of_service in TELEHEALTH_POS:
        return [
            FieldProblem(
                "placeOfService", "02 and 10 are telehealth places of service; enable telehealth"
            )
        ]
    return []


def _flush(uow: UnitOfWork) -> None:
    flush_unique_reference(uow, "appointment")


def _record(
    uow: UnitOfWork,
    actor: Actor,
    appt: Appointment,
    event: str,
    seq: int,
    at: datetime,
    changed: list[str],
) -> None:
    patients = [appt.patient_id] if appt.patient_id else [m.patient_id for m in appt.attendees]
    for pid in patients:
        audit.record(
            uow,
            actor,
            event,
            resource_type="appointment",
            resource_id=appt.id,
            patient_id=pid,
            detail={"fields": changed},
        )
    outbox.emit(
        uow,
        actor,
        event,
        "appointment",
        appt.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=changed,
    )


def _update(
    uow: UnitOfWork,
    actor: Actor,
    appt: Appointment,
    body: AppointmentFields,
    *,
    telehealth_base_url: str,
    if_match: int | None = None,
) -> Appointment:
    _ensure_visible(uow, actor, appt)
    if if_match is not None and if_match != appt.version:
        raise PreconditionFailed(
            detail="the appointment changed since you read it", code="version_mismatch"
        )
    if AppointmentStatus(appt.status) in TERMINAL:
        raise Conflict(
            detail=f"a {appt.status} appointment cannot be changed; book a new one",
            errors=[FieldProblem("status", f"is {appt.status}")],
            code="appointment_closed",
        )
    patients = _patients_of(body, appt)
    _check_references(
        uow,
        actor,
        body,
        patients
        if ("patient_id" in body.model_fields_set or "patient_ids" in body.model_fields_set)
        else [],
        creating=False,
    )
    changed = _apply(appt, body, patients, telehealth_base_url)
    problems = check_times(appt.start_time, appt.end_time) + _check_telehealth_pos(appt)
    if problems:
        raise InvalidInput(detail="the appointment times are not valid", errors=problems)
    if not changed:
        return appt
    seq, at = stamp_update(uow, appt)  # the change lock first, as in upsert
    if {"startTime", "endTime", "providerId"} & set(changed):
        _check_overlap(uow, actor, appt)
    if _AUTHORIZATION_FIELDS & set(changed):
        authorizations.check_appointment(uow, actor, appt, body.authorization_override)
    _flush(uow)
    _record(uow, actor, appt, "appointment.updated", seq, at, changed)
    authorizations.refresh_for_patient(uow, actor, appt.patient_id)
    return appt


def patch(
    uow: UnitOfWork,
    actor: Actor,
    appointment_id: str,
    body: AppointmentPatch,
    *,
    if_match: int | None,
    telehealth_base_url: str,
) -> Appointment:
    """PATCH /appointments/{id}."""
    require(actor, Entitlement.APPOINTMENTS, write=True)
    appt = uow.appointments.get(actor.integration_id, appointment_id)
    if appt is None:
        raise not_found("appointment")
    if body.patient_id is not None and body.patient_ids is not None:
        raise InvalidInput(
            detail="patientId and patientIds are exclusive",
            errors=[FieldProblem("patientIds", "give either patientId or patientIds")],
        )
    return _update(
        uow, actor, appt, body, telehealth_base_url=telehealth_base_url, if_match=if_match
    )


def _ensure_visible(uow: UnitOfWork, actor: Actor, appt: Appointment) -> None:
    if actor.caseload_provider_ids is None or appt.provider_id in actor.caseload_provider_ids:
        return
    patients = [appt.patient_id] if appt.patient_id else [m.patient_id for m in appt.attendees]
    if not uow.patients.visible_ids(actor.integration_id, patients, actor.caseload_provider_ids):
        raise not_found("appointment")


def change_status(
    uow: UnitOfWork,
    actor: Actor,
    appointment_id: str,
    change: StatusChange,
    *,
    if_match: int | None = None,
) -> Appointment:
    """Move an appointment through its state machine (cancel needs a reason)."""
    require(actor, Entitlement.APPOINTMENTS, write=True)
    appt = uow.appointments.get(actor.integration_id, appointment_id)
    if appt is None:
        raise not_found("appointment")
    _ensure_visible(uow, actor, appt)
    if if_match is not None and if_match != appt.version:
        raise PreconditionFailed(
            detail="the appointment changed since you read it", code="version_mismatch"
        )
    target = AppointmentStatus(change.status)
    current = AppointmentStatus(appt.status)
    if target == AppointmentStatus.CANCELLED and change.reason is None:
        raise InvalidInput(
            detail="a cancellation needs a reason",
            errors=[FieldProblem("reason", "is required when cancelling")],
        )
    if target != AppointmentStatus.CANCELLED and change.reason is not None:
        raise InvalidInput(
            detail="only cancellations take a reason",
            errors=[FieldProblem("reason", "only allowed with status cancelled")],
        )
    check_transition(current, target)
    if current == target:
        return appt
    appt.status = target.value
    appt.cancel_reason = change.reason
    seq, at = stamp_update(uow, appt)
    appt.status_changed_at = at
    if target == AppointmentStatus.SCHEDULED and not appt.allow_overlap:
        _check_overlap(uow, actor, appt)
    _flush(uow)
    _record(
        uow,
        actor,
        appt,
        _STATUS_EVENTS[target],
        seq,
        at,
        ["status"] + (["cancelReason"] if change.reason else []),
    )
    authorizations.refresh_for_patient(uow, actor, appt.patient_id)
    return appt


def get(uow: UnitOfWork, actor: Actor, appointment_id: str) -> Appointment:
    """GET /appointments/{id} (audited read)."""
    require(actor, Entitlement.APPOINTMENTS)
    appt = uow.appointments.get(actor.integration_id, appointment_id)
    if appt is None:
        raise not_found("appointment")
    _ensure_visible(uow, actor, appt)
    patients = [appt.patient_id] if appt.patient_id else [m.patient_id for m in appt.attendees]
    for pid in patients:
        audit.record(
            uow,
            actor,
            "appointment.read",
            resource_type="appointment",
            resource_id=appt.id,
            patient_id=pid,
        )
    return appt


def page(
    uow: UnitOfWork, actor: Actor, flt: AppointmentFilter, *, after_seq: int | None, limit: int
) -> Page[Appointment]:
    """GET /appointments: filtered page in change order, limited to the caseload, audited."""
    require(actor, Entitlement.APPOINTMENTS)
    if flt.patient_id is not None:
        ensure_patient_visible(uow, actor, flt.patient_id)
    if actor.caseload_provider_ids is not None:
        flt = AppointmentFilter(
            **{**flt.__dict__, "caseload_provider_ids": actor.caseload_provider_ids}
        )
    result = uow.appointments.page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    reads: list[tuple[str, str | None]] = []
    for appt in result.rows:
        for pid in [appt.patient_id] if appt.patient_id else [m.patient_id for m in appt.attendees]:
            reads.append((appt.id, pid))
    audit.record_many(uow, actor, "appointment.read", "appointment", reads)
    return result
