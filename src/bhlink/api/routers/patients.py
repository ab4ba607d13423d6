"""/patients and its Echo/PIMSY alias /clients: seed 003 list filters, create-or-update, patch."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, IfMatch, UowDep, bad_query
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response
from bhlink.api.routing import TransactionalRoute
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.patients import PatientPatch, PatientRead, PatientWrite, patient_read
from bhlink.services import patients
from bhlink.store.queries.patients import PatientFilter

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["patients"]
)

_ID_PATTERN = r"^[a-z]+_[0-9a-z]+$"
PatientIdQuery = Annotated[
    str | None, Query(alias="patientId", min_length=3, max_length=40, pattern=_ID_PATTERN)
]
ProviderIdQuery = Annotated[
    str | None, Query(alias="providerId", min_length=3, max_length=40, pattern=_ID_PATTERN)
]
LocationIdQuery = Annotated[
    str | None, Query(alias="locationId", min_length=3, max_length=40, pattern=_ID_PATTERN)
]


def parse_timestamp(name: str, value: str | None) -> datetime | None:
    """An ISO 8601 timestamp query parameter; it must say its offset (Z or ±hh:mm)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as exc:
        raise bad_query(name, "is not an ISO 8601 timestamp (e.g. 2026-01-20T11:02:43Z)") from exc
    if parsed.tzinfo is None:
        raise bad_query(name, "must carry a UTC offset, e.g. 2026-01-20T11:02:43Z")
    return parsed.astimezone(UTC)


def parse_date(name: str, value: str | None) -> date | None:
    """A YYYY-MM-DD query parameter (a full timestamp is accepted and cut to its date)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise bad_query(name, "is not a date (YYYY-MM-DD)") from exc


def _list(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    patient_id: PatientIdQuery = None,
    mrn: Annotated[str | None, Query(max_length=64)] = None,
    updated_after: Annotated[
        str | None, Query(alias="updatedAfter", max_length=40, description="ISO 8601 timestamp")
    ] = None,
    active_on: Annotated[
        str | None, Query(alias="activeOn", max_length=40, description="ISO 8601 date")
    ] = None,
    provider_id: ProviderIdQuery = None,
    status: Annotated[str | None, Query(pattern="^(active|inactive|discharged|deceased)$")] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    flt = PatientFilter(
        patient_id=patient_id,
        mrn=mrn,
        updated_after=parse_timestamp("updatedAfter", updated_after),
        active_on=parse_date("activeOn", active_on),
        provider_id=provider_id,
        status=status,
    )
    paging = listing.start(box, actor.integration_id, {"patients": flt.__dict__}, cursor, page_size)
    result = patients.page(uow, actor, flt, after_seq=paging.after_seq, limit=page_size)
    return listing.respond(box, paging, result, patient_read)


def _create(body: PatientWrite, actor: CurrentActor, uow: UowDep) -> Response:
    patient, created = patients.upsert(uow, actor, body)
    return json_response(
        patient_read(patient), 201 if created else 200, etag_version=patient.version
    )


def _get(patient_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    patient = patients.get(uow, actor, patient_id)
    return json_response(patient_read(patient), etag_version=patient.version)


def _patch(
    patient_id: str, body: PatientPatch, actor: CurrentActor, uow: UowDep, if_match: IfMatch
) -> Response:
    patient = patients.patch(uow, actor, patient_id, body, if_match)
    return json_response(patient_read(patient), etag_version=patient.version)


for _collection in ("patients", "clients"):
    _tag: list[str | Enum] = [_collection]
    router.add_api_route(
        f"/{_collection}",
        _list,
        methods=["GET"],
        response_model=ListEnvelope[PatientRead],
        responses=READ_ERRORS,
        name=f"{_collection}.list",
        tags=_tag,
        summary=f"List {_collection}",
        description="Seed filters; pages in change order with a signed `nextCursor` (exact incremental sync).",
    )
    router.add_api_route(
        f"/{_collection}",
        _create,
        methods=["POST"],
        response_model=PatientRead,
        status_code=201,
        responses={
            200: {"model": PatientRead, "description": "Updated an existing record"},
            **WRITE_ERRORS,
        },
        name=f"{_collection}.upsert",
        dependencies=[Idempotent],
        tags=_tag,
        summary=f"Create or update a {_collection[:-1]}",
        description="Updates the record named by patientId, referenceId or mrn; otherwise creates one.",
    )
    router.add_api_route(
        f"/{_collection}/{{patient_id}}",
        _get,
        methods=["GET"],
        response_model=PatientRead,
        responses=READ_ERRORS,
        name=f"{_collection}.get",
        tags=_tag,
        summary=f"Get a {_collection[:-1]}",
    )
    router.add_api_route(
        f"/{_collection}/{{patient_id}}",
        _patch,
        methods=["PATCH"],
        response_model=PatientRead,
        responses=WRITE_ERRORS,
        name=f"{_collection}.patch",
        tags=_tag,
        summary=f"Update some fields of a {_collection[:-1]}",
    )
