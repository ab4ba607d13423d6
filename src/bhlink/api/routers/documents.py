"""/documents (multipart upload, list, metadata, download), consents, and record exports."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, SettingsDep, UowDep, get_db
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS, problems
from bhlink.api.responses import json_response
from bhlink.api.routers.patients import PatientIdQuery, parse_timestamp
from bhlink.api.routing import TransactionalRoute
from bhlink.domain.clock import utcnow
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.documents import (
    ConsentRead,
    ConsentRevoke,
    ConsentWrite,
    DocumentRead,
    consent_read,
    document_read,
)
from bhlink.services import consents, documents, exports
from bhlink.store.blobs import DocumentStorage
from bhlink.store.queries.documents import DocumentFilter

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["documents"]
)
# Multipart framing around the file (boundaries, part headers, the other form fields).
MULTIPART_OVERHEAD_BYTES = 64 * 1024
UPLOAD_PATH_PATTERN = r"^/integrations/[a-z]+_[0-9a-z]+/documents$"


def get_storage(request: Request) -> DocumentStorage:
    """The application's document storage."""
    storage: DocumentStorage = request.app.state.document_storage
    return storage


StorageDep = Annotated[DocumentStorage, Depends(get_storage)]


@router.post(
    "/documents",
    response_model=DocumentRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="documents.upload",
)
async def upload_document(
    actor: CurrentActor,
    uow: UowDep,
    settings: SettingsDep,
    storage: StorageDep,
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG or plain text")],
    patient_id: Annotated[str, Form(alias="patientId", min_length=3, max_length=40)],
    document_type: Annotated[str, Form(alias="type", max_length=30)],
    title: Annotated[str | None, Form(max_length=200)] = None,
    reference_id: Annotated[str | None, Form(alias="referenceId", max_length=200)] = None,
) -> Response:
    """Upload a document (multipart/form-data): allow-listed type, size limit, SHA-256 kept."""
    data = await file.read(settings.document_max_bytes + 1)
    upload = documents.Upload(
        patient_id=patient_id,
        document_type=document_type,
        file_name=file.filename,
        content_type=file.content_type,
        data=data,
        title=title,
        reference_id=reference_id,
    )
    row = await run_in_threadpool(
        documents.upload, uow, actor, storage, upload, settings.document_max_bytes
    )
    return json_response(document_read(row), 201, etag_version=row.version)


@router.get(
    "/documents",
    response_model=ListEnvelope[DocumentRead],
    responses=READ_ERRORS,
    name="documents.list",
)
def list_documents(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    patient_id: PatientIdQuery = None,
    document_type: Annotated[
        str | None,
        Query(alias="type", pattern="^(consent|intake_form|release_of_information|attachment)$"),
    ] = None,
    updated_after: Annotated[str | None, Query(alias="updatedAfter", max_length=40)] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """Documents by patient, type or `updatedAfter`."""
    flt = DocumentFilter(
        patient_id=patient_id,
        document_type=document_type,
        updated_after=parse_timestamp("updatedAfter", updated_after),
    )
    paging = listing.start(box, actor.integration_id, {"docs": flt.__dict__}, cursor, page_size)
    page = documents.page(uow, actor, flt, after_seq=paging.after_seq, limit=page_size)
    return listing.respond(box, paging, page, document_read)


@router.get(
    "/documents/{document_id}",
    response_model=DocumentRead,
    responses=READ_ERRORS,
    name="documents.get",
)
def get_document(document_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """A document's metadata."""
    row = documents.get(uow, actor, document_id)
    return json_response(document_read(row), etag_version=row.version)


@router.get(
    "/documents/{document_id}/content",
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The bytes"},
        **READ_ERRORS,
        **problems(409),
    },
    name="documents.download",
)
def download_document(
    document_id: str, request: Request, actor: CurrentActor, uow: UowDep, storage: StorageDep
) -> Response:
    """The document's bytes, checked against the SHA-256 recorded at upload (409 if altered)."""
    try:
        row, data = documents.download(uow, actor, storage, document_id)
    except documents.DocumentIntegrityError:
        # The request's transaction is rolled back with the error: audit in a fresh one.
        uow.rollback()
        with get_db(request).unit_of_work() as side:
            documents.record_integrity_failure(side, actor, document_id)
            side.commit()
        raise
    disposition = f'attachment; filename="{row.file_name}"'
    return Response(
        data,
        media_type=row.content_type,
        headers={"Content-Disposition": disposition, "Digest": f"sha-256={row.sha256}"},
    )


@router.post(
    "/patients/{patient_id}/consents",
    response_model=ConsentRead,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="consents.create",
)
def create_consent(
    patient_id: str, body: ConsentWrite, actor: CurrentActor, uow: UowDep
) -> Response:
    """Record a consent; part2_disclosure needs the 42 CFR 2.31 elements (422 names what is missing)."""
    consent = consents.create(uow, actor, patient_id, body)
    return json_response(
        consent_read(consent, in_force=consents.in_force(consent)),
        201,
        etag_version=consent.version,
    )


@router.get(
    "/patients/{patient_id}/consents",
    response_model=ListEnvelope[ConsentRead],
    responses=READ_ERRORS,
    name="consents.list",
)
def list_consents(
    patient_id: str,
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    consent_type: Annotated[str | None, Query(alias="type", max_length=30)] = None,
    updated_after: Annotated[str | None, Query(alias="updatedAfter", max_length=40)] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """A patient's consents, each with whether it is in force today."""
    after = parse_timestamp("updatedAfter", updated_after)
    paging = listing.start(
        box,
        actor.integration_id,
        {"consents": [patient_id, consent_type, after]},
        cursor,
        page_size,
    )
    page = consents.page(
        uow,
        actor,
        patient_id,
        consent_type=consent_type,
        updated_after=after,
        after_seq=paging.after_seq,
        limit=page_size,
    )
    today = utcnow().date()
    return listing.respond(
        box, paging, page, lambda c: consent_read(c, in_force=consents.in_force(c, today))
    )


@router.get(
    "/consents/{consent_id}", response_model=ConsentRead, responses=READ_ERRORS, name="consents.get"
)
def get_consent(consent_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One consent."""
    consent = consents.get(uow, actor, consent_id)
    return json_response(
        consent_read(consent, in_force=consents.in_force(consent)), etag_version=consent.version
    )


@router.post(
    "/consents/{consent_id}/revoke",
    response_model=ConsentRead,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="consents.revoke",
)
def revoke_consent(
    consent_id: str, actor: CurrentActor, uow: UowDep, body: ConsentRevoke | None = None
) -> Response:
    """The patient revoked the consent; it no longer covers any use or disclosure."""
    consent = consents.revoke(uow, actor, consent_id, body.reason if body else None)
    return json_response(consent_read(consent, in_force=False), etag_version=consent.version)


@router.get(
    "/patients/{patient_id}/export",
    responses={200: {"description": "The patient's clinical record"}, **READ_ERRORS},
    name="patients.export",
)
def export_record(
    patient_id: str,
    actor: CurrentActor,
    uow: UowDep,
    recipient: Annotated[str, Query(min_length=1, max_length=200)],
    include_psychotherapy_notes: Annotated[bool, Query(alias="includePsychotherapyNotes")] = False,
) -> Response:
    """The clinical record for a named recipient (Part 2 records need a consent naming them)."""
    body = exports.export_patient_record(
        uow, actor, patient_id, recipient, include_psychotherapy_notes=include_psychotherapy_notes
    )
    return Response(orjson.dumps(body), media_type="application/json")
