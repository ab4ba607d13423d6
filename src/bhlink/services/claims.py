"""Claims: create (seed 003 payload or charges), scrub, read, queue, correct, void, review links.

A claim is scrubbed before it may be ready or queued; when the request asks for either and
the scrubber finds anything, the answer is 422 listing every problem and nothing is saved.
A draft may be saved with its problems and fixed later. When a claim is created its own 837
is generated (with fresh control numbers) and served at `reviewUrl` through a signed,
expiring link; queued claims are sent in batches (services/claim_batches.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bhlink import edi
from bhlink.domain.claim_lifecycle import (
    EDITABLE,
    SENT,
    ClaimStatus,
    check_transition,
    patient_control_number,
)
from bhlink.domain.clock import utcnow
from bhlink.domain.codes import Problem
from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.schemas.claims import ClaimCorrection, ClaimCreate, ClaimStatusChange
from bhlink.services import audit, billing_setup, claim_builder, claim_edi, outbox
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.charges import mark_void
from bhlink.services.claim_builder import ClaimDraft
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
from bhlink.services.records import flush_unique_reference, stamp_new, stamp_update
from bhlink.store.queries.claims import ClaimFilter
from bhlink.store.queries.paging import Page
from bhlink.store.tables import (
    Charge,
    Claim,
    ClaimEvent,
    ClaimLine,
    EdiFile,
    LedgerEntry,
    RemittanceClaim,
)
from bhlink.store.unit_of_work import UnitOfWork

REVIEW_LINK_SECONDS = 900
_STATUS_EVENTS = {
    ClaimStatus.SUBMITTED: "claim.submitted",
    ClaimStatus.ACCEPTED: "claim.accepted",
    ClaimStatus.REJECTED: "claim.rejected",
    ClaimStatus.PAID: "claim.paid",
    ClaimStatus.PARTIALLY_PAID: "claim.partially_paid",
    ClaimStatus.DENIED: "claim.denied",
    ClaimStatus.VOIDED: "claim.voided",
}


def _refuse(problems: list[Problem]) -> None:
    raise InvalidInput(
        detail=f"the claim has {len(problems)} problem(s); nothing was saved",
        errors=[FieldProblem(p.field, p.message) for p in problems],
        code="claim_scrub_failed",
    )


def record_event(
    uow: UnitOfWork,
    actor: Actor,
    claim: Claim,
    previous: str | None,
    source: str,
    *,
    reference: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append one history row (status change or acknowledgment)."""
    uow.add(
        ClaimEvent(
            integration_id=actor.integration_id,
            claim_id=claim.id,
            occurred_at=at or utcnow(),
            from_status=previous,
            to_status=claim.status,
            source=source,
            reference=reference,
            detail=detail,
        )
    )


def transition(
    uow: UnitOfWork,
    actor: Actor,
    claim: Claim,
    target: ClaimStatus,
    source: str,
    *,
    reference: str | None = None,
    detail: dict[str, Any] | None = None,
    changed: list[str] | None = None,
) -> bool:
    """Move a claim to `target` (checked), with history, audit and its event; False if no move."""
    current = ClaimStatus(claim.status)
    if current == target:
        record_event(uow, actor, claim, current.value, source, reference=reference, detail=detail)
        return False
    check_transition(current, target)
    claim.status = target.value
    seq, at = stamp_update(uow, claim)
    if target == ClaimStatus.SUBMITTED:
        claim.submitted_at = at
    elif target in (ClaimStatus.ACCEPTED, ClaimStatus.REJECTED):
        claim.acknowledged_at = at
    elif target in (ClaimStatus.PAID, ClaimStatus.PARTIALLY_PAID, ClaimStatus.DENIED):
        claim.adjudicated_at = at
    record_event(
        uow, actor, claim, current.value, source, reference=reference, detail=detail, at=at
    )
    audit.record(
        uow,
        actor,
        _STATUS_EVENTS.get(target, "claim.updated"),
        resource_type="claim",
        resource_id=claim.id,
        patient_id=claim.patient_id,
        detail={"from": current.value, "to": target.value, "source": source},
    )
    outbox.emit(
        uow,
        actor,
        _STATUS_EVENTS.get(target, "claim.updated"),
        "claim",
        claim.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["status", *(changed or [])],
    )
    return True


# --- create -------------------------------------------------------------------------------------


def scrub(uow: UnitOfWork, actor: Actor, body: ClaimCreate) -> ClaimDraft:
    """POST /claims/scrub: the dry run (audited as a read; nothing else is written)."""
    require(actor, Entitlement.CLAIMS)
    draft = claim_builder.assemble(uow, actor, body)
    audit.record(
        uow,
        actor,
        "claim.scrubbed",
        resource_type="claim",
        patient_id=draft.patient.id,
        detail={"problems": sorted({p.code for p in draft.problems})},
    )
    return draft


def _store_charges(uow: UnitOfWork, actor: Actor, draft: ClaimDraft) -> list[Charge]:
    """Charges for lines that had none (seed 003 lines name appointments, not charges)."""
    result: list[Charge] = []
    for line in draft.lines:
        if line.charge is not None:
            result.append(line.charge)
            continue
        charge = Charge(
            id=new_id("svc"),
            integration_id=actor.integration_id,
            patient_id=draft.patient.id,
            payer_id=draft.payer.id,
            provider_id=line.rendering_provider_id,
            appointment_id=line.appointment.id if line.appointment else None,
            authorization_id=line.authorization.id if line.authorization else None,
            location_id=line.location_id,
            service_code=line.service_code,
            modifiers=list(line.modifiers),
            units=line.units,
            minutes=line.minutes,
            place_of_service=line.place_of_service,
            diagnosis_codes=[
                draft.diagnoses[p - 1] for p in line.pointers if 0 < p <= len(draft.diagnoses)
            ],
            service_date=line.service_date,
            charge_cents=line.charge_cents,
            status="open",
            source="claim",
        )
        seq, at = stamp_new(uow, charge)
        uow.add(charge)
        uow.add(
            LedgerEntry(
                integration_id=actor.integration_id,
                patient_id=charge.patient_id,
                payer_id=charge.payer_id,
                charge_id=charge.id,
                kind="charge",
                amount_cents=charge.charge_cents,
                posted_at=at,
            )
        )
        outbox.emit(
            uow,
            actor,
            "charge.created",
            "charge",
            charge.id,
            change_seq=seq,
            occurred_at=at,
            changed_fields=["*"],
        )
        line.charge = charge
        result.append(charge)
    return result


def _generate_file(uow: UnitOfWork, actor: Actor, claim: Claim, draft: ClaimDraft) -> None:
    """The claim's own 837 (the one behind reviewUrl)."""
    config = billing_setup.load_config(uow, actor.integration_id)
    who = claim_edi.parties(
        config,
        draft.payer,
        billing_setup.payer_receiver_id(uow, actor.integration_id, draft.payer.id),
    )
    if who is None:
        return
    data = claim_builder.document_input(
        draft,
        claim.patient_control_number,
        [line.charge_id for line in claim.lines],
        claim.frequency_code,
        claim.payer_claim_control_number,
    )
    document = claim_edi.claim_document(data, config.institutional)
    try:
        record = claim_edi.write_interchange(
            uow,
            actor.integration_id,
            claim.claim_type,
            who,
            claim_edi.billing_provider_document(claim.billing_provider),
            [document],
            source="claim",
        )
    except edi.ClaimValidationError as exc:
        claim.scrub_problems = [
            {"field": claim_builder.edi_problem_field(p), "message": p.message, "code": p.code}
            for p in exc.problems
        ]
        return
    claim.edi_file_id = record.id


def _save_claim(
    uow: UnitOfWork,
    actor: Actor,
    draft: ClaimDraft,
    *,
    status: ClaimStatus,
    problems: list[Problem],
    override_reason: str | None,
    reference_id: str | None,
    frequency_code: str = "1",
    original: Claim | None = None,
) -> Claim:
    charges = _store_charges(uow, actor, draft)
    claim_id = new_id("clm")
    claim = Claim(
        id=claim_id,
        integration_id=actor.integration_id,
        patient_id=draft.patient.id,
        payer_id=draft.payer.id,
        claim_type=draft.claim_type,
        status=status.value,
        frequency_code=frequency_code,
        patient_control_number=patient_control_number(claim_id),
        original_claim_id=original.id if original else None,
        payer_claim_control_number=(
            original.payer_claim_control_number if original and frequency_code != "1" else None
        ),
        member_id=draft.member_id,
        billing_provider=draft.billing_provider,
        rendering_provider_id=draft.rendering.id if draft.rendering else None,
        diagnosis_codes=draft.diagnoses,
        place_of_service=draft.place_of_service,
        prior_authorization=draft.prior_authorization,
        total_charge_cents=draft.total_cents,
        paid_cents=0,
        patient_responsibility_cents=0,
        adjustment_cents=0,
        submission_channel=draft.channel,
        scrub_problems=[p.as_dict() for p in problems],
        override_reason=override_reason,
        reference_id=reference_id,
        lines=[
            ClaimLine(
                integration_id=actor.integration_id,
                line_number=number,
                charge_id=charge.id,
                appointment_id=line.appointment.id if line.appointment else None,
                service_code=line.service_code,
                modifiers=list(line.modifiers),
                units=line.units,
                charge_cents=line.charge_cents,
                place_of_service=line.place_of_service,
                diagnosis_pointers=list(line.pointers),
                service_date=line.service_date,
                rendering_provider_id=line.rendering_provider_id,
                revenue_code=line.revenue_code,
                authorization_id=line.authorization.id if line.authorization else None,
                paid_cents=0,
                patient_responsibility_cents=0,
                adjustment_cents=0,
                adjudicated=0,
                denied=0,
            )
            for number, (line, charge) in enumerate(zip(draft.lines, charges, strict=True), 1)
        ],
    )
    seq, at = stamp_new(uow, claim)
    uow.add(claim)
    for charge in charges:
        if charge.status != "billed" or charge.claim_id != claim.id:
            charge.status = "billed"
            charge.claim_id = claim.id
            stamp_update(uow, charge)
    flush_unique_reference(uow, "claim")
    if not problems:
        _generate_file(uow, actor, claim, draft)
    record_event(uow, actor, claim, None, "api", at=at)
    audit.record(
        uow,
        actor,
        "claim.created",
        resource_type="claim",
        resource_id=claim.id,
        patient_id=claim.patient_id,
        detail={"status": claim.status, "lines": len(claim.lines)},
    )
    if override_reason is not None and draft.authorization_problems:
        audit.record(
            uow,
            actor,
            "authorization.override",
            resource_type="claim",
            resource_id=claim.id,
            patient_id=claim.patient_id,
            detail={
                "action": "claim",
                "problems": sorted({p.code for p in draft.authorization_problems}),
                "reason": override_reason,
            },
        )
    outbox.emit(
        uow,
        actor,
        "claim.created",
        "claim",
        claim.id,
        change_seq=seq,
        occurred_at=at,
        changed_fields=["*"],
    )
    return claim


def create(uow: UnitOfWork, actor: Actor, body: ClaimCreate) -> tuple[Claim, bool]:
    """POST /claims: assemble, scrub, save (queued by default), generate the 837."""
    require(actor, Entitlement.CLAIMS, write=True)
    if body.reference_id is not None:
        existing = uow.claims.by_reference(actor.integration_id, body.reference_id)
        if existing is not None:
            ensure_patient_visible(uow, actor, existing.patient_id)
            return existing, False
    draft = claim_builder.assemble(uow, actor, body)
    override = body.authorization_override
    problems = claim_builder.problems_of(draft, overridden=override is not None)
    target = ClaimStatus(body.status)
    if target != ClaimStatus.DRAFT and problems:
        _refuse(problems)
    claim = _save_claim(
        uow,
        actor,
        draft,
        status=target,
        problems=problems,
        override_reason=override.reason if override else None,
        reference_id=body.reference_id,
    )
    if target != ClaimStatus.DRAFT and claim.edi_file_id is None:
        _refuse([Problem(**p) for p in claim.scrub_problems] or _settings_problem())
    return claim, True


def _settings_problem() -> list[Problem]:
    return [
        Problem(
            "billingSettings.submitter",
            "configure the EDI submitter in PUT /billing/settings",
            "claim.submitter_missing",
        )
    ]


# --- read ---------------------------------------------------------------------------------------


def _load(uow: UnitOfWork, actor: Actor, claim_id: str) -> Claim:
    claim = uow.claims.get(actor.integration_id, claim_id)
    if claim is None:
        raise not_found("claim")
    ensure_patient_visible(uow, actor, claim.patient_id)
    return claim


def get(uow: UnitOfWork, actor: Actor, claim_id: str) -> Claim:
    """GET /claims/{id} (audited)."""
    require(actor, Entitlement.CLAIMS)
    claim = _load(uow, actor, claim_id)
    audit.record(
        uow,
        actor,
        "claim.read",
        resource_type="claim",
        resource_id=claim.id,
        patient_id=claim.patient_id,
    )
    return claim


def page(
    uow: UnitOfWork, actor: Actor, flt: ClaimFilter, *, after_seq: int | None, limit: int
) -> Page[Claim]:
    """GET /claims (audited)."""
    require(actor, Entitlement.CLAIMS)
    if flt.patient_id is not None:
        ensure_patient_visible(uow, actor, flt.patient_id)
    result = uow.claims.page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    audit.record_many(
        uow, actor, "claim.read", "claim", [(c.id, c.patient_id) for c in result.rows]
    )
    return result


# --- lifecycle ----------------------------------------------------------------------------------


def rescrub(uow: UnitOfWork, actor: Actor, claim: Claim) -> list[Problem]:
    """Scrub a stored claim again (its own charges are not duplicates of itself)."""
    own = [claim.id] + ([claim.original_claim_id] if claim.original_claim_id else [])
    draft = claim_builder.assemble(
        uow,
        actor,
        claim_builder.as_request(claim),
        own_claim_ids=own,
        frequency_code=claim.frequency_code,
        payer_claim_control_number=claim.payer_claim_control_number,
    )
    problems = claim_builder.problems_of(draft, overridden=claim.override_reason is not None)
    claim.scrub_problems = [p.as_dict() for p in problems]
    if not problems and claim.edi_file_id is None:
        _generate_file(uow, actor, claim, draft)
    return problems


def change_status(uow: UnitOfWork, actor: Actor, claim_id: str, body: ClaimStatusChange) -> Claim:
    """POST /claims/{id}/status: draft ⇄ ready ⇄ queued (ready/queued only when scrubbed clean)."""
    require(actor, Entitlement.CLAIMS, write=True)
    claim = _load(uow, actor, claim_id)
    target = ClaimStatus(body.status)
    if ClaimStatus(claim.status) not in EDITABLE:
        raise Conflict(
            detail=f"a {claim.status} claim has been sent; correct or void it instead",
            errors=[FieldProblem("status", f"is {claim.status}")],
            code="claim_sent",
        )
    if target != ClaimStatus.DRAFT:
        problems = rescrub(uow, actor, claim)
        if problems:
            _refuse(problems)
    transition(uow, actor, claim, target, "api")
    return claim


def correct(uow: UnitOfWork, actor: Actor, claim_id: str, body: ClaimCorrection) -> Claim:
    """POST /claims/{id}/correct: a replacement claim (frequency 7, REF*F8 = payer ICN).

    A rejected claim never entered adjudication, so its correction is a new original
    (frequency 1). The new claim reuses the original's charges and is queued once clean.
    """
    require(actor, Entitlement.CLAIMS, write=True)
    original = _load(uow, actor, claim_id)
    status = ClaimStatus(original.status)
    if status not in SENT or original.replaced_by_claim_id is not None:
        raise Conflict(
            detail="only a sent claim that was not replaced yet can be corrected",
            errors=[FieldProblem("status", f"is {original.status}")],
            code="claim_not_correctable",
        )
    frequency = "1" if status == ClaimStatus.REJECTED else "7"
    if frequency == "7" and not original.payer_claim_control_number:
        raise Conflict(
            detail="the payer's claim number is not known yet (277CA REF*1K or 835 CLP07)",
            errors=[FieldProblem("payerClaimControlNumber", "is required for a replacement")],
            code="payer_claim_number_unknown",
        )
    request = claim_builder.as_request(original, body.submission_channel)
    data = request.model_dump(by_alias=True, exclude_none=True)
    if body.service_lines is not None:
        data["serviceLines"] = [
            line.model_dump(by_alias=True, exclude_none=True) for line in body.service_lines
        ]
    if body.diagnosis_codes is not None:
        data["diagnosisCodes"] = body.diagnosis_codes
    request = ClaimCreate.model_validate(data)
    draft = claim_builder.assemble(
        uow,
        actor,
        request,
        own_claim_ids=[original.id],
        frequency_code=frequency,
        payer_claim_control_number=original.payer_claim_control_number
        if frequency == "7"
        else None,
    )
    override = body.authorization_override
    problems = claim_builder.problems_of(draft, overridden=override is not None)
    if problems:
        _refuse(problems)
    replacement = _save_claim(
        uow,
        actor,
        draft,
        status=ClaimStatus.QUEUED,
        problems=[],
        override_reason=override.reason if override else None,
        reference_id=None,
        frequency_code=frequency,
        original=original,
    )
    original.replaced_by_claim_id = replacement.id
    stamp_update(uow, original)
    record_event(
        uow,
        actor,
        original,
        original.status,
        "api",
        reference=replacement.id,
        detail={"replacedBy": replacement.id},
    )
    return replacement


def void(uow: UnitOfWork, actor: Actor, claim_id: str) -> Claim:
    """POST /claims/{id}/void.

    A claim never sent is simply voided and its charges go back to open. A sent claim
    needs a void claim (frequency 8, REF*F8) queued for the payer; the original becomes
    voided and its charges void.
    """
    require(actor, Entitlement.CLAIMS, write=True)
    claim = _load(uow, actor, claim_id)
    status = ClaimStatus(claim.status)
    if status == ClaimStatus.VOIDED:
        return claim
    if claim.frequency_code == "8":
        raise Conflict(
            detail="a void claim cannot itself be voided",
            errors=[FieldProblem("frequencyCode", "is 8")],
            code="claim_is_void",
        )
    if status in EDITABLE:
        for charge in uow.billing.charges(
            actor.integration_id, [line.charge_id for line in claim.lines]
        ).values():
            if charge.claim_id == claim.id and charge.status == "billed":
                charge.status = "open"
                charge.claim_id = None
                stamp_update(uow, charge)
        transition(uow, actor, claim, ClaimStatus.VOIDED, "api")
        return claim
    if not claim.payer_claim_control_number:
        raise Conflict(
            detail="the payer's claim number is not known yet (277CA REF*1K or 835 CLP07)",
            errors=[FieldProblem("payerClaimControlNumber", "is required to void a sent claim")],
            code="payer_claim_number_unknown",
        )
    draft = claim_builder.assemble(
        uow,
        actor,
        claim_builder.as_request(claim),
        own_claim_ids=[claim.id],
        frequency_code="8",
        payer_claim_control_number=claim.payer_claim_control_number,
    )
    void_claim = _save_claim(
        uow,
        actor,
        draft,
        status=ClaimStatus.QUEUED,
        problems=[],
        override_reason="void of a sent claim",
        reference_id=None,
        frequency_code="8",
        original=claim,
    )
    for charge in uow.billing.charges(
        actor.integration_id, [line.charge_id for line in claim.lines]
    ).values():
        if charge.status != "void":
            mark_void(uow, actor, charge)
    transition(
        uow,
        actor,
        claim,
        ClaimStatus.VOIDED,
        "api",
        reference=void_claim.id,
        detail={"voidClaimId": void_claim.id},
    )
    return void_claim


# --- review links -------------------------------------------------------------------------------


def _link_message(integration_id: str, claim_id: str, file_id: str, expires: int) -> bytes:
    return f"claim-edi:{integration_id}:{claim_id}:{file_id}:{expires}".encode()


@dataclass(frozen=True)
class ReviewLink:
    """Query parameters of a signed download link."""

    expires: int
    signature: str


def review_link(box: SecretBox, claim: Claim, now: datetime | None = None) -> ReviewLink | None:
    """A link to the claim's own 837, valid for REVIEW_LINK_SECONDS."""
    if claim.edi_file_id is None:
        return None
    expires = int(((now or utcnow()) + timedelta(seconds=REVIEW_LINK_SECONDS)).timestamp())
    message = _link_message(claim.integration_id, claim.id, claim.edi_file_id, expires)
    return ReviewLink(expires, box.sign(message))


def review_file(
    uow: UnitOfWork, actor: Actor, box: SecretBox, claim_id: str, expires: int, signature: str
) -> EdiFile:
    """GET /claims/{id}/edi?expires=&signature=: the file, for an authorised user, until expiry."""
    require(actor, Entitlement.CLAIMS)
    claim = _load(uow, actor, claim_id)
    if claim.edi_file_id is None or not box.verify(
        _link_message(actor.integration_id, claim.id, claim.edi_file_id, expires), signature
    ):
        raise NotFound(detail="the link is not valid", code="link_invalid")
    if utcnow().timestamp() > expires:
        raise NotFound(detail="the link has expired; read the claim again", code="link_expired")
    record = uow.claims.edi_file(actor.integration_id, claim.edi_file_id)
    if record is None:
        raise not_found("file")
    audit.record(
        uow,
        actor,
        "claim.edi_downloaded",
        resource_type="claim",
        resource_id=claim.id,
        patient_id=claim.patient_id,
    )
    return record


@dataclass(frozen=True)
class ClaimView:
    """A claim with what its response shows: its file, history and payments."""

    claim: Claim
    edi_kind: str | None
    edi_size: int | None
    events: list[ClaimEvent]
    payments: list[RemittanceClaim]


def view(uow: UnitOfWork, actor: Actor, claim: Claim, *, detailed: bool) -> ClaimView:
    """Gather a claim's response (history and payment history when `detailed`)."""
    record = (
        uow.claims.edi_file(actor.integration_id, claim.edi_file_id) if claim.edi_file_id else None
    )
    return ClaimView(
        claim=claim,
        edi_kind=record.kind if record else None,
        edi_size=record.size if record else None,
        events=uow.claims.events(actor.integration_id, claim.id) if detailed else [],
        payments=uow.remittances.for_claim(actor.integration_id, claim.id) if detailed else [],
    )
