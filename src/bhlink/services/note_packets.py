"""Note packets: the machine-readable JSON packet and the human-readable PDF of a signed note.

A packet is how a note leaves the system for audits and records requests, so it is a
disclosure path: a psychotherapy note is never packed unless an admin asks for it
explicitly (`includePsychotherapyNotes=true`, audited), and a packet for a named
`recipient` goes through the 42 CFR Part 2 gate (services.consents.authorize_disclosure).
"""

from __future__ import annotations

from dataclasses import dataclass

from bhlink.config import Settings
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Conflict, FieldProblem, Forbidden
from bhlink.schemas.notes import (
    NotePacket,
    note_read,
    note_version_read,
    packet_audit_event,
)
from bhlink.services import audit, consents, notes
from bhlink.services.context import Actor
from bhlink.store.queries.audit import AuditFilter
from bhlink.store.tables import ClinicalNote, Patient, Provider
from bhlink.store.unit_of_work import UnitOfWork

_MAX_AUDIT_EVENTS = 2000


@dataclass(frozen=True)
class PacketRequest:
    """Who the packet is for and whether psychotherapy notes may be included."""

    recipient: str | None = None
    include_psychotherapy_notes: bool = False


def check_psychotherapy_access(actor: Actor, row: ClinicalNote, include: bool) -> None:
    """Refuse to pack a psychotherapy note unless an admin explicitly asked for it."""
    if row.note_type != notes.PSYCHOTHERAPY_NOTE:
        return
    if not (include and actor.is_admin):
        raise Forbidden(
            detail="psychotherapy notes are kept apart from the record (45 CFR 164.501); only an "
            "admin may include one, with includePsychotherapyNotes=true",
            errors=[FieldProblem("includePsychotherapyNotes", "requires an admin and true")],
            code="psychotherapy_note_segregated",
        )


def build(
    uow: UnitOfWork, actor: Actor, note_id: str, settings: Settings, request: PacketRequest
) -> tuple[NotePacket, ClinicalNote]:
    """The JSON packet of one note (audited as a read, and as a disclosure when for a recipient)."""
    row = notes.load(uow, actor, note_id, settings)
    check_psychotherapy_access(actor, row, request.include_psychotherapy_notes)
    patient = uow.patients.get(actor.integration_id, row.patient_id, with_children=False)
    assert patient is not None
    disclosure = None
    if request.recipient is not None:
        disclosure = consents.authorize_disclosure(
            uow, actor, patient, request.recipient, what="note", resource_id=row.id
        )
    if row.note_type == notes.PSYCHOTHERAPY_NOTE:
        audit.record(
            uow,
            actor,
            "note.psychotherapy_note_released",
            resource_type="note",
            resource_id=row.id,
            patient_id=row.patient_id,
        )
    verified, computed = notes.verify(row)
    if not verified:
        audit.record(
            uow,
            actor,
            "note.integrity_failed",
            resource_type="note",
            resource_id=row.id,
            patient_id=row.patient_id,
            outcome="failure",
        )
    audit.record(
        uow,
        actor,
        "note.packet",
        resource_type="note",
        resource_id=row.id,
        patient_id=row.patient_id,
        detail={"recipient": disclosure.recipient if disclosure else None},
    )
    events, _ = uow.audit.page(
        actor.integration_id,
        AuditFilter(resource_id=row.id),
        sort=[("occurred_at", False)],
        offset=0,
        limit=_MAX_AUDIT_EVENTS,
    )
    note = note_read(row)
    packet = NotePacket(
        packet_generated_at=utcnow(),
        note=note,
        content_verified=verified,
        content_hash=row.content_hash,
        computed_content_hash=computed,
        versions=[note_version_read(v) for v in uow.notes.versions(row.id)],
        signatures=note.signatures,
        addenda=note.addenda,
        audit_events=[packet_audit_event(e) for e in events],
        disclosure=disclosure.as_json() if disclosure else None,
    )
    return packet, row


@dataclass(frozen=True)
class PdfContext:
    """The names a human reader needs beside the packet."""

    patient: Patient
    provider: Provider | None
    supervisor: Provider | None


def build_pdf(
    uow: UnitOfWork, actor: Actor, note_id: str, settings: Settings, request: PacketRequest
) -> bytes:
    """The PDF of a signed note (409 for drafts and notes awaiting a co-signature)."""
    from bhlink.services.note_pdf import render  # reportlab loads only when a PDF is asked for

    packet, row = build(uow, actor, note_id, settings, request)
    if row.status in ("draft", "pending_cosign"):
        raise Conflict(
            detail="only a signed note has a printable packet",
            errors=[FieldProblem("status", f"is {row.status}")],
            code="note_not_signed",
        )
    patient = uow.patients.get(actor.integration_id, row.patient_id, with_children=False)
    assert patient is not None
    provider = uow.practice.get(Provider, actor.integration_id, row.provider_id)
    supervisor = (
        uow.practice.get(Provider, actor.integration_id, row.supervisor_provider_id)
        if row.supervisor_provider_id
        else None
    )
    return render(packet, PdfContext(patient, provider, supervisor))
