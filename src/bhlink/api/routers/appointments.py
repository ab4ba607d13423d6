"""/appointments: seed 003 create-or-update, status transitions, filtered lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, IfMatch, SettingsDep, UowDep
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response
from bhlink.api.routers.patients import (
    LocationIdQuery,
    PatientIdQuery,
    ProviderIdQuery,
    parse_timestamp,
)
from bhlink.api.routing import TransactionalRoute
from bhlink.schemas.appointments import (
    AppointmentPatch,
    AppointmentRead,
    AppointmentWrite,
    StatusChange,
    appointment_read,
)
from bhlink.schemas.base import ListEnvelope
from bhlink.services import appointments
from bhlink.store.queries.scheduling import AppointmentFilter

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["appointments"]
)
Timestamp = Annotated[
    str | None, Query(max_length=40, description="ISO 8601 timestamp with offset")
]


@router.get(
    "/appointments",
    response_model=ListEnvelope[AppointmentRead],
    responses=READ_ERRORS,
    name="appointments.list",
)
def list_appointments(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    patient_id: PatientIdQuery = None,
    provider_id: ProviderIdQuery = None,
    location_id: LocationIdQuery = None,
    status: Annotated[
        str | None, Query(pattern="^(scheduled|confirmed|checked_in|completed|cancelled|no_show)$")
    ] = None,
    start_from: Annotated[Timestamp, Query(alias="startFrom")] = None,
    start_to: Annotated[Timestamp, Query(alias="startTo")] = None,
    updated_after: Annotated[Timestamp, Query(alias="updatedAfter")] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """Appointments by patient, provider, location, status, start-time range or `updatedAfter`."""
    flt = AppointmentFilter(
        patient_id=patient_id,
        provider_id=provider_id,
        location_id=location_id,
        status=status,
        start_from=parse_timestamp("startFrom", start_from),
        start_to=parse_timestamp("startTo", start_to),
        updated_after=parse_timestamp("updatedAfter", updated_after),
    )
    paging = listing.start(
        box, actor.integration_id, {"appointments": flt.__dict__}, cursor, page_size
    )
    page = appointments.page(uow, actor, flt, after_seq=paging.after_seq, limit=page_size)
    return listing.respond(box, paging, page, appointment_read)


@router.post(
    "/appointments",
    response_model=AppointmentRead,
    status_code=201,
    responses={200: {"model": AppointmentRead, "description": "Updated"}, **WRITE_ERRORS},
    dependencies=[Idempotent],
    name="appointments.upsert",
)
def upsert_appointment(
    body: AppointmentWrite, actor: CurrentActor, uow: UowDep, settings: SettingsDep
) -> Response:
    """Create or update an appointment (by appointmentId or referenceId); 409 on double-booking."""
    appt, created = appointments.upsert(
        uow, actor, body, telehealth_base_url=settings.telehealth_base_url
    )
    return json_response(appointment_read(appt), 201 if created else 200, etag_version=appt.version)


@router.get(
    "/appointments/{appointment_id}",
    response_model=AppointmentRead,
    responses=READ_ERRORS,
    name="appointments.get",
)
def get_appointment(appointment_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One appointment."""
    appt = appointments.get(uow, actor, appointment_id)
    return json_response(appointment_read(appt), etag_version=appt.version)


@router.patch(
    "/appointments/{appointment_id}",
    response_model=AppointmentRead,
    responses=WRITE_ERRORS,
    name="appointments.patch",
)
def patch_appointment(
    appointment_id: str,
    body: AppointmentPatch,
    actor: CurrentActor,
    uow: UowDep,
    settings: SettingsDep,
    if_match: IfMatch,
) -> Response:
    """Change some fields (reschedule, reassign, telehealth)."""
    appt = appointments.patch(
        uow,
        actor,
        appointment_id,
        body,
        if_match=if_match,
        telehealth_base_url=settings.telehealth_base_url,
    )
    return json_response(appointment_read(appt), etag_version=appt.version)


@router.post(
    "/appointments/{appointment_id}/status",
    response_model=AppointmentRead,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="appointments.status",
)
def change_status(
    appointment_id: str, body: StatusChange, actor: CurrentActor, uow: UowDep, if_match: IfMatch
) -> Response:
    """Move through scheduled → confirmed → checked_in → completed, or cancelled (with reason) / no_show."""
    appt = appointments.change_status(uow, actor, appointment_id, body, if_match=if_match)
    return json_response(appointment_read(appt), etag_version=appt.version)
