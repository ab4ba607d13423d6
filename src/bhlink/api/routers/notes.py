"""/clinical-notes (ICANotes) and its TherapyNotes alias /notes: drafts, signing, addenda, packets."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, IfMatch, SettingsDep, UowDep
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS, problems
from bhlink.api.responses import json_response, list_response
from bhlink.api.routers.patients import PatientIdQuery, ProviderIdQuery, parse_timestamp
from bhlink.api.routing import TransactionalRoute
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.notes import (
    AddendumWrite,
    NotePacket,
    NotePatch,
    NoteRead,
    NoteVersionRead,
    NoteWrite,
    SignRequest,
    note_read,
    note_version_read,
)
from bhlink.services import note_packets, notes
from bhlink.store.queries.notes import NoteFilter

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["clinical notes"]
)
_ID = r"^[a-z]+_[0-9a-z]+$"
AppointmentIdQuery = Annotated[
    str | None, Query(alias="appointmentId", min_length=3, max_length=40, pattern=_ID)
]
NoteStatusQuery = Annotated[
    str | None, Query(pattern="^(draft|pending_cosign|signed|locked|amended)$")
]
NoteTypeQuery = Annotated[
    str | None,
    Query(
        alias="type",
        pattern="^(intake|progress|med_management|discharge|group|crisis|psychotherapy_note)$",
    ),
]
Timestamp = Annotated[str | None, Query(alias="updatedAfter", max_length=40)]


def _list(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    settings: SettingsDep,
    patient_id: PatientIdQuery = None,
    provider_id: ProviderIdQuery = None,
    status: NoteStatusQuery = None,
    note_type: NoteTypeQuery = None,
    appointment_id: AppointmentIdQuery = None,
    updated_after: Timestamp = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    flt = NoteFilter(
        patient_id=patient_id,
        provider_id=provider_id,
        status=status,
        note_type=note_type,
        appointment_id=appointment_id,
        updated_after=parse_timestamp("updatedAfter", updated_after),
    )
    paging = listing.start(box, actor.integration_id, {"notes": flt.__dict__}, cursor, page_size)
    page = notes.page(uow, actor, flt, settings, after_seq=paging.after_seq, limit=page_size)
    return listing.respond(box, paging, page, note_read)


def _create(
    body: NoteWrite, actor: CurrentActor, uow: UowDep, settings: SettingsDep, if_match: IfMatch
) -> Response:
    row, created = notes.upsert(uow, actor, body, settings, if_match=if_match)
    return json_response(note_read(row), 201 if created else 200, etag_version=row.version)


def _get(note_id: str, actor: CurrentActor, uow: UowDep, settings: SettingsDep) -> Response:
    row = notes.get(uow, actor, note_id, settings)
    return json_response(note_read(row), etag_version=row.version)


def _patch(
    note_id: str,
    body: NotePatch,
    actor: CurrentActor,
    uow: UowDep,
    settings: SettingsDep,
    if_match: IfMatch,
) -> Response:
    row = notes.patch(uow, actor, note_id, body, settings, if_match=if_match)
    return json_response(note_read(row), etag_version=row.version)


def _sign(
    note_id: str,
    actor: CurrentActor,
    uow: UowDep,
    settings: SettingsDep,
    body: SignRequest | None = None,
) -> Response:
    row = notes.sign(uow, actor, note_id, settings)
    return json_response(note_read(row), etag_version=row.version)


def _cosign(
    note_id: str,
    actor: CurrentActor,
    uow: UowDep,
    settings: SettingsDep,
    body: SignRequest | None = None,
) -> Response:
    row = notes.cosign(uow, actor, note_id, settings)
    return json_response(note_read(row), etag_version=row.version)


def _lock(note_id: str, actor: CurrentActor, uow: UowDep, settings: SettingsDep) -> Response:
    row = notes.lock(uow, actor, note_id, settings)
    return json_response(note_read(row), etag_version=row.version)


def _addendum(
    note_id: str, body: AddendumWrite, actor: CurrentActor, uow: UowDep, settings: SettingsDep
) -> Response:
    row = notes.add_addendum(uow, actor, note_id, body, settings, amendment=False)
    return json_response(note_read(row), 201, etag_version=row.version)


def _amend(
    note_id: str, body: AddendumWrite, actor: CurrentActor, uow: UowDep, settings: SettingsDep
) -> Response:
    row = notes.add_addendum(uow, actor, note_id, body, settings, amendment=True)
    return json_response(note_read(row), 201, etag_version=row.version)


def _versions(note_id: str, actor: CurrentActor, uow: UowDep, settings: SettingsDep) -> Response:
    rows = notes.versions(uow, actor, note_id, settings)
    items = [note_version_read(v) for v in rows]
    return list_response(items, page=1, page_size=len(items), total=len(items), next_cursor=None)


Recipient = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Third party the packet is disclosed to (42 CFR Part 2 consent checked).",
    ),
]
IncludePsychotherapy = Annotated[
    bool,
    Query(
        alias="includePsychotherapyNotes",
        description="Admins only: release a psychotherapy note (audited).",
    ),
]


def _packet(
    note_id: str,
    actor: CurrentActor,
    uow: UowDep,
    settings: SettingsDep,
    recipient: Recipient = None,
    include_psychotherapy_notes: IncludePsychotherapy = False,
) -> Response:
    request = note_packets.PacketRequest(recipient, include_psychotherapy_notes)
    packet, _ = note_packets.build(uow, actor, note_id, settings, request)
    return json_response(packet)


def _packet_pdf(
    note_id: str,
    actor: CurrentActor,
    uow: UowDep,
    settings: SettingsDep,
    recipient: Recipient = None,
    include_psychotherapy_notes: IncludePsychotherapy = False,
) -> Response:
    request = note_packets.PacketRequest(recipient, include_psychotherapy_notes)
    pdf = note_packets.build_pdf(uow, actor, note_id, settings, request)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{note_id}.pdf"'},
    )


def _route(
    path: str,
    endpoint: Callable[..., Any],
    method: str,
    name: str,
    collection: str,
    summary: str,
    **kwargs: Any,
) -> None:
    tag: list[str | Enum] = ["clinical notes"]
    router.add_api_route(
        f"/{collection}{path}",
        endpoint,
        methods=[method],
        name=f"{collection}.{name}",
        tags=tag,
        summary=summary,
        **kwargs,
    )


for _collection in ("clinical-notes", "notes"):
    _route(
        "",
        _list,
        "GET",
        "list",
        _collection,
        "List notes",
        response_model=ListEnvelope[NoteRead],
        responses=READ_ERRORS,
        description="Filters patientId, providerId, status, type, appointmentId, updatedAfter; "
        "clinicians see their caseload; psychotherapy notes only their author and admins.",
    )
    _route(
        "",
        _create,
        "POST",
        "upsert",
        _collection,
        "Create or update a draft note",
        response_model=NoteRead,
        status_code=201,
        dependencies=[Idempotent],
        responses={200: {"model": NoteRead, "description": "Updated the draft"}, **WRITE_ERRORS},
        description="Notes are created as drafts (AI drafts and imports included); "
        "a referenceId that names an existing draft updates it.",
    )
    _route(
        "/{note_id}",
        _get,
        "GET",
        "get",
        _collection,
        "Get a note",
        response_model=NoteRead,
        responses=READ_ERRORS,
    )
    _route(
        "/{note_id}",
        _patch,
        "PATCH",
        "patch",
        _collection,
        "Edit a draft (If-Match required)",
        response_model=NoteRead,
        responses={**WRITE_ERRORS, **problems(428)},
    )
    _route(
        "/{note_id}/sign",
        _sign,
        "POST",
        "sign",
        _collection,
        "Sign a draft",
        response_model=NoteRead,
        responses=WRITE_ERRORS,
        dependencies=[Idempotent],
    )
    _route(
        "/{note_id}/cosign",
        _cosign,
        "POST",
        "cosign",
        _collection,
        "Co-sign a supervisee's note",
        response_model=NoteRead,
        responses=WRITE_ERRORS,
        dependencies=[Idempotent],
    )
    _route(
        "/{note_id}/lock",
        _lock,
        "POST",
        "lock",
        _collection,
        "Lock a signed note",
        response_model=NoteRead,
        responses=WRITE_ERRORS,
        dependencies=[Idempotent],
    )
    _route(
        "/{note_id}/addenda",
        _addendum,
        "POST",
        "addenda",
        _collection,
        "Add an addendum",
        response_model=NoteRead,
        status_code=201,
        responses=WRITE_ERRORS,
        dependencies=[Idempotent],
    )
    _route(
        "/{note_id}/amend",
        _amend,
        "POST",
        "amend",
        _collection,
        "Amend (correct) a signed note",
        response_model=NoteRead,
        status_code=201,
        responses=WRITE_ERRORS,
        dependencies=[Idempotent],
    )
    _route(
        "/{note_id}/versions",
        _versions,
        "GET",
        "versions",
        _collection,
        "Content versions of a note",
        response_model=ListEnvelope[NoteVersionRead],
        responses=READ_ERRORS,
    )
    _route(
        "/{note_id}/packet",
        _packet,
        "GET",
        "packet",
        _collection,
        "Machine-readable note packet",
        response_model=NotePacket,
        responses={**READ_ERRORS, **problems(409)},
        description="The note, its versions, signatures, addenda and audit events, with "
        "contentVerified; `recipient` makes it a disclosure (Part 2 consent checked).",
    )
    _route(
        "/{note_id}/packet.pdf",
        _packet_pdf,
        "GET",
        "packet_pdf",
        _collection,
        "PDF of a signed note",
        responses={
            200: {"content": {"application/pdf": {}}, "description": "The PDF"},
            **READ_ERRORS,
            **problems(409),
        },
    )
