"""Document and consent shapes (`/documents`, `/patients/{id}/consents`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from bhlink.schemas.base import ApiModel, OptStr200, UtcDateTime, WriteModel

Id = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$")]
DocumentType = Literal["consent", "intake_form", "release_of_information", "attachment"]
ConsentType = Literal[
    "treatment", "telehealth", "release_of_information", "recording", "part2_disclosure"
]


class DocumentRead(ApiModel):
    """A document's metadata (the bytes come from `GET /documents/{id}/content`)."""

    document_id: str
    patient_id: str
    type: DocumentType
    title: str | None
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str | None
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


def document_read(d: Any) -> DocumentRead:
    """Response shape of a stored document."""
    return DocumentRead(
        document_id=d.id,
        patient_id=d.patient_id,
        type=d.document_type,
        title=d.title,
        file_name=d.file_name,
        content_type=d.content_type,
        size_bytes=d.size_bytes,
        sha256=d.sha256,
        uploaded_by=d.uploaded_by,
        reference_id=d.reference_id,
        version=d.version,
        created_at=d.created_at,
        updated_at=d.updated_at,
    )


Text = Annotated[str | None, Field(default=None, max_length=2000)]
Short = Annotated[str | None, Field(default=None, max_length=200)]


class ConsentWrite(WriteModel):
    """POST /patients/{id}/consents. A part2_disclosure consent needs the 42 CFR 2.31 elements."""

    type: ConsentType
    scope: Text = None
    discloser: Short = None
    recipient: Short = None
    purpose: Text = None
    information_description: Text = None
    effective_date: date | None = None
    expires_on: date | None = None
    expiration_event: Annotated[str | None, Field(default=None, max_length=300)] = None
    signed_by: Short = None
    signature_date: date | None = None
    document_id: Id | None = None
    reference_id: OptStr200 = None


class ConsentRevoke(WriteModel):
    """POST /consents/{id}/revoke."""

    reason: Annotated[str | None, Field(default=None, max_length=300)] = None


class ConsentRead(ApiModel):
    """A consent and whether it is in force today."""

    consent_id: str
    patient_id: str
    type: ConsentType
    status: Literal["active", "revoked"]
    in_force: bool
    scope: str | None
    discloser: str | None
    recipient: str | None
    purpose: str | None
    information_description: str | None
    effective_date: date
    expires_on: date | None
    expiration_event: str | None
    signed_by: str | None
    signature_date: date | None
    document_id: str | None
    revoked_at: UtcDateTime | None
    revocation_reason: str | None
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


def consent_read(c: Any, *, in_force: bool) -> ConsentRead:
    """Response shape of a stored consent."""
    return ConsentRead(
        consent_id=c.id,
        patient_id=c.patient_id,
        type=c.consent_type,
        status=c.status,
        in_force=in_force,
        scope=c.scope,
        discloser=c.discloser,
        recipient=c.recipient,
        purpose=c.purpose,
        information_description=c.information_description,
        effective_date=c.effective_date,
        expires_on=c.expires_on,
        expiration_event=c.expiration_event,
        signed_by=c.signed_by,
        signature_date=c.signature_date,
        document_id=c.document_id,
        revoked_at=c.revoked_at,
        revocation_reason=c.revocation_reason,
        reference_id=c.reference_id,
        version=c.version,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )
