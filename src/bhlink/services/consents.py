"""Consents with scope and expiry, revocation, and the 42 CFR Part 2 disclosure gate.

Every path that sends a patient's records to a third party (note packets for a recipient,
record exports) calls `authorize_disclosure`: for a Part 2 patient it needs a
part2_disclosure consent in force that names that recipient, and the output then carries
the §2.32 notice and the consent's scope (bhlink.domain.consents). Refusals are 403s, which
the route class audits as denied; allowed disclosures are audited with recipient and consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bhlink.domain import consents as rules
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Conflict, FieldProblem, Forbidden, InvalidInput
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.events.event_types import EventType
from bhlink.schemas.base import dump
from bhlink.schemas.documents import ConsentWrite
from bhlink.services import audit, outbox
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import flush_unique_reference, stamp_new, stamp_update
from bhlink.store.queries.paging import Page
from bhlink.store.tables import Consent, Patient
from bhlink.store.unit_of_work import UnitOfWork


def in_force(consent: Consent, today: date | None = None) -> bool:
    """Whether the consent covers a use or disclosure today."""
    return rules.in_force(
        consent.status,
        consent.effective_date,
        consent.expires_on,
        consent.revoked_at,
        today or utcnow().date(),
    )


def _patient(uow: UnitOfWork, actor: Actor, patient_id: str) -> Patient:
    patient = uow.patients.get(actor.integration_id, patient_id, with_children=False)
    if patient is None:
        raise not_found("patient")
    ensure_patient_visible(uow, actor, patient_id)
    return patient


def _record(
    uow: UnitOfWork, actor: Actor, consent: Consent, event: EventType, seq: int, at: datetime
) -> None:
    audit.record(
        uow,
        actor,
        event,
        resource_type="consent",
        resource_id=consent.id,
        patient_id=consent.patient_id,
        detail={"type": consent.consent_type},
    )
    outbox.emit(
        uow,
        actor,
        event,
        "consent",
        consent.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["*"] if event == EventType.CONSENT_CREATED else ["status"],
    )


def create(uow: UnitOfWork, actor: Actor, patient_id: str, body: ConsentWrite) -> Consent:
    """POST /patients/{id}/consents: record a consent (a Part 2 one needs every §2.31 element)."""
    require(actor, Entitlement.PATIENTS, write=True)
    _patient(uow, actor, patient_id)
    if body.reference_id is not None and uow.documents.consent_by_reference(
        actor.integration_id, body.reference_id
    ):
        raise Conflict(
            detail="a consent is never rewritten; revoke it and record a new one",
            errors=[FieldProblem("referenceId", "already used")],
            code="duplicate_reference",
        )
    effective = body.effective_date or body.signature_date or utcnow().date()
    problems = []
    if body.type == rules.ConsentType.PART2_DISCLOSURE.value:
        problems += rules.part2_consent_problems(dump(body))
    problems += rules.consent_date_problems(effective, body.expires_on, body.signature_date)
    if body.document_id is not None:
        document = uow.documents.get(actor.integration_id, body.document_id)
        if document is None or document.patient_id != patient_id:
            problems.append(FieldProblem("documentId", "no such document of this patient"))
    if problems:
        raise InvalidInput(detail="the consent cannot be recorded as sent", errors=problems)
    consent = Consent(
        id=new_id("cns"),
        integration_id=actor.integration_id,
        patient_id=patient_id,
        consent_type=body.type,
        status=rules.ConsentStatus.ACTIVE.value,
        scope=body.scope,
        discloser=body.discloser,
        recipient=body.recipient,
        purpose=body.purpose,
        information_description=body.information_description,
        effective_date=effective,
        expires_on=body.expires_on,
        expiration_event=body.expiration_event,
        signed_by=body.signed_by,
        signature_date=body.signature_date,
        document_id=body.document_id,
        reference_id=body.reference_id,
    )
    seq, at = stamp_new(uow, consent)
    uow.add(consent)
    flush_unique_reference(uow, "consent")
    _record(uow, actor, consent, EventType.CONSENT_CREATED, seq, at)
    return consent


def _load(uow: UnitOfWork, actor: Actor, consent_id: str) -> Consent:
    require(actor, Entitlement.PATIENTS)
    consent = uow.documents.consent(actor.integration_id, consent_id)
    if consent is None:
        raise not_found("consent")
    ensure_patient_visible(uow, actor, consent.patient_id)
    return consent


def revoke(uow: UnitOfWork, actor: Actor, consent_id: str, reason: str | None) -> Consent:
    """POST /consents/{id}/revoke: the patient withdrew the consent (from now on)."""
    require(actor, Entitlement.PATIENTS, write=True)
    consent = _load(uow, actor, consent_id)
    if consent.status == rules.ConsentStatus.REVOKED:
        raise Conflict(
            detail="the consent is already revoked",
            errors=[FieldProblem("status", "is revoked")],
            code="consent_revoked",
        )
    consent.status = rules.ConsentStatus.REVOKED.value
    consent.revocation_reason = reason
    seq, at = stamp_update(uow, consent)
    consent.revoked_at = at
    uow.flush()
    _record(uow, actor, consent, EventType.CONSENT_REVOKED, seq, at)
    return consent


def get(uow: UnitOfWork, actor: Actor, consent_id: str) -> Consent:
    """GET /consents/{id} (audited read)."""
    consent = _load(uow, actor, consent_id)
    audit.record(
        uow,
        actor,
        "consent.read",
        resource_type="consent",
        resource_id=consent.id,
        patient_id=consent.patient_id,
    )
    return consent


def page(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: str,
    *,
    consent_type: str | None,
    updated_after: datetime | None,
    after_seq: int | None,
    limit: int,
) -> Page[Consent]:
    """GET /patients/{id}/consents (audited)."""
    require(actor, Entitlement.PATIENTS)
    _patient(uow, actor, patient_id)
    result = uow.documents.consent_page(
        actor.integration_id,
        patient_id,
        consent_type=consent_type,
        updated_after=updated_after,
        after_seq=after_seq,
        limit=limit,
    )
    audit.record_many(
        uow, actor, "consent.read", "consent", [(c.id, patient_id) for c in result.rows]
    )
    return result


@dataclass(frozen=True)
class Disclosure:
    """Permission to send one patient's records to a named recipient."""

    recipient: str
    part2: bool
    consent: Consent | None

    @property
    def notice(self) -> str | None:
        """The §2.32 notice every Part 2 disclosure carries."""
        return rules.REDISCLOSURE_NOTICE if self.part2 else None

    def as_json(self) -> dict[str, object]:
        """The disclosure block of a packet or export (notice and a copy of the consent's scope)."""
        block: dict[str, object] = {"recipient": self.recipient, "part2": self.part2}
        if self.part2 and self.consent is not None:
            c = self.consent
            block["redisclosureNotice"] = rules.REDISCLOSURE_NOTICE
            block["noticeCitation"] = rules.REDISCLOSURE_CITATION
            block["consent"] = {
                "consentId": c.id,
                "discloser": c.discloser,
                "recipient": c.recipient,
                "purpose": c.purpose,
                "informationDescription": c.information_description,
                "effectiveDate": c.effective_date.isoformat(),
                "expiresOn": c.expires_on.isoformat() if c.expires_on else None,
                "expirationEvent": c.expiration_event,
                "signedBy": c.signed_by,
                "signatureDate": c.signature_date.isoformat() if c.signature_date else None,
            }
        return block


def authorize_disclosure(
    uow: UnitOfWork, actor: Actor, patient: Patient, recipient: str, *, what: str, resource_id: str
) -> Disclosure:
    """Allow sending `what` about `patient` to `recipient`, or raise Forbidden (audited by the route).

    A Part 2 patient's records leave only under a part2_disclosure consent in force that names
    this recipient.
    """
    cleaned = " ".join(recipient.split())
    if not cleaned or len(cleaned) > 200:
        raise InvalidInput(
            detail="name the recipient of the disclosure",
            errors=[FieldProblem("recipient", "must be 1 to 200 characters")],
        )
    consent: Consent | None = None
    if patient.part2:
        today = utcnow().date()
        candidates = uow.documents.consents_of_type(
            actor.integration_id, patient.id, rules.ConsentType.PART2_DISCLOSURE.value
        )
        consent = next(
            (
                c
                for c in candidates
                if in_force(c, today) and rules.same_recipient(c.recipient, cleaned)
            ),
            None,
        )
        if consent is None:
            raise Forbidden(
                detail="the patient's records are protected by 42 CFR Part 2 and no consent in "
                "force names this recipient",
                errors=[FieldProblem("recipient", "is not covered by a Part 2 consent in force")],
                code="part2_consent_required",
            )
    audit.record(
        uow,
        actor,
        "disclosure",
        resource_type=what,
        resource_id=resource_id,
        patient_id=patient.id,
        detail={
            "recipient": cleaned,
            "part2": patient.part2,
            "consentId": consent.id if consent else None,
        },
    )
    return Disclosure(recipient=cleaned, part2=patient.part2, consent=consent)
