"""Documents: upload (allow-listed, sniffed, size-limited, hashed), list, metadata, download.

The bytes go to a DocumentStorage (local disk by default) under their content address; the
row keeps the SHA-256, and every download re-hashes the bytes: a mismatch (or missing bytes)
is a 409 `document_integrity_failed`, audited, never a 500 and never the altered bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bhlink.domain import documents as rules
from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.events.event_types import EventType
from bhlink.services import audit, outbox
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import flush_unique_reference, stamp_new
from bhlink.store.blobs import BlobNotFound, DocumentStorage
from bhlink.store.queries.documents import DocumentFilter
from bhlink.store.queries.paging import Page
from bhlink.store.tables import Document
from bhlink.store.unit_of_work import UnitOfWork


class DocumentIntegrityError(Conflict):
    """Stored bytes no longer hash to the recorded SHA-256 (or are gone)."""


@dataclass(frozen=True)
class Upload:
    """One uploaded file and its form fields."""

    patient_id: str
    document_type: str
    file_name: str | None
    content_type: str | None
    data: bytes
    title: str | None = None
    reference_id: str | None = None


def upload(
    uow: UnitOfWork, actor: Actor, storage: DocumentStorage, upload: Upload, max_bytes: int
) -> Document:
    """POST /documents: check type, size and content, store the bytes, record the metadata."""
    require(actor, Entitlement.PATIENTS, write=True)
    content_type = rules.check_content_type(upload.content_type)
    rules.check_size(len(upload.data), max_bytes)
    problems: list[FieldProblem] = []
    if upload.document_type not in rules.DocumentType.__members__.values():
        problems.append(
            FieldProblem("type", "must be one of " + ", ".join(t.value for t in rules.DocumentType))
        )
    if uow.patients.get(actor.integration_id, upload.patient_id, with_children=False) is None:
        problems.append(FieldProblem("patientId", "no such patient in this integration"))
    if problems:
        raise InvalidInput(detail="the document cannot be stored as sent", errors=problems)
    ensure_patient_visible(uow, actor, upload.patient_id)
    rules.check_content(content_type, upload.data)
    digest = hashlib.sha256(upload.data).hexdigest()
    row = Document(
        id=new_id("doc"),
        integration_id=actor.integration_id,
        patient_id=upload.patient_id,
        document_type=upload.document_type,
        title=upload.title,
        file_name=rules.safe_file_name(upload.file_name, content_type),
        content_type=content_type,
        size_bytes=len(upload.data),
        sha256=digest,
        storage_key="",
        uploaded_by=actor.actor_id,
        reference_id=upload.reference_id,
    )
    seq, at = stamp_new(uow, row)
    uow.add(row)
    flush_unique_reference(uow, "document")
    # Written after the row passed its constraints; a later rollback leaves only an
    # unreferenced content-addressed file.
    row.storage_key = storage.put(actor.integration_id, digest, upload.data)
    audit.record(
        uow,
        actor,
        EventType.DOCUMENT_UPLOADED,
        resource_type="document",
        resource_id=row.id,
        patient_id=row.patient_id,
        detail={"type": row.document_type, "sizeBytes": row.size_bytes},
    )
    outbox.emit(
        uow,
        actor,
        EventType.DOCUMENT_UPLOADED,
        "document",
        row.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["*"],
    )
    return row


def _load(uow: UnitOfWork, actor: Actor, document_id: str) -> Document:
    require(actor, Entitlement.PATIENTS)
    row = uow.documents.get(actor.integration_id, document_id)
    if row is None:
        raise not_found("document")
    ensure_patient_visible(uow, actor, row.patient_id)
    return row


def get(uow: UnitOfWork, actor: Actor, document_id: str) -> Document:
    """GET /documents/{id}: metadata (audited read)."""
    row = _load(uow, actor, document_id)
    audit.record(
        uow,
        actor,
        "document.read",
        resource_type="document",
        resource_id=row.id,
        patient_id=row.patient_id,
    )
    return row


def download(
    uow: UnitOfWork, actor: Actor, storage: DocumentStorage, document_id: str
) -> tuple[Document, bytes]:
    """GET /documents/{id}/content: the bytes, after checking they still hash to the record."""
    row = _load(uow, actor, document_id)
    try:
        data = storage.get(row.storage_key)
    except BlobNotFound:
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != row.sha256:
        raise DocumentIntegrityError(
            detail="the stored document does not match its recorded SHA-256; it was not sent",
            code="document_integrity_failed",
        )
    audit.record(
        uow,
        actor,
        "document.downloaded",
        resource_type="document",
        resource_id=row.id,
        patient_id=row.patient_id,
    )
    return row, data


def record_integrity_failure(uow: UnitOfWork, actor: Actor, document_id: str) -> None:
    """Audit a failed integrity check (in its own transaction: the request's is rolled back)."""
    row = uow.documents.get(actor.integration_id, document_id)
    audit.record(
        uow,
        actor,
        "document.integrity_failed",
        resource_type="document",
        resource_id=document_id,
        patient_id=row.patient_id if row else None,
        outcome="failure",
    )


def page(
    uow: UnitOfWork, actor: Actor, flt: DocumentFilter, *, after_seq: int | None, limit: int
) -> Page[Document]:
    """GET /documents: filtered page in change order, limited to the caseload, audited."""
    require(actor, Entitlement.PATIENTS)
    if flt.patient_id is not None:
        ensure_patient_visible(uow, actor, flt.patient_id)
    if actor.caseload_provider_ids is not None:
        flt = DocumentFilter(
            **{**flt.__dict__, "caseload_provider_ids": actor.caseload_provider_ids}
        )
    result = uow.documents.page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    audit.record_many(
        uow, actor, "document.read", "document", [(d.id, d.patient_id) for d in result.rows]
    )
    return result
