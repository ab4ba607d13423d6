"""Batches: queued claims sent as one 837 interchange per payer, through their channel.

A batch holds the queued claims of one payer, claim type, billing provider and channel.
The file is delivered inside the transaction that records it: if delivery fails, the
transaction rolls back and the claims stay queued (no control number is consumed). A
claim whose documents no longer pass the edi checks (a patient's address removed since it
was queued) goes back to draft with its problems instead of blocking its batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bhlink import edi
from bhlink.domain.claim_lifecycle import ClaimStatus
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Conflict, FieldProblem
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.services import audit, billing_setup, claim_builder, claim_edi, claims, edi_channels
from bhlink.services.access import not_found, require
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
from bhlink.store.tables import Claim, ClaimBatch, Payer, Provider
from bhlink.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ChannelRoots:
    """Where the local folder channel reads and writes (BHLINK_EDI_OUTBOX/INBOX)."""

    outbox: Path
    inbox: Path


def _document(
    uow: UnitOfWork, actor: Actor, claim: Claim, institutional: dict[str, str]
) -> edi.Claim:
    patient = uow.patients.get(actor.integration_id, claim.patient_id)
    payer = uow.practice.get(Payer, actor.integration_id, claim.payer_id)
    if patient is None or payer is None:  # pragma: no cover - foreign keys keep them
        raise not_found("claim")
    data = claim_edi.ClaimInput(
        control_number=claim.patient_control_number,
        claim_type=claim.claim_type,
        patient=patient,
        policy=next((p for p in patient.insurance if p.payer_id == payer.id), None),
        payer=payer,
        member_id=claim.member_id,
        diagnoses=tuple(claim.diagnosis_codes),
        lines=tuple(
            claim_edi.LineInput(
                service_code=line.service_code,
                modifiers=tuple(line.modifiers),
                units=line.units,
                charge_cents=line.charge_cents,
                place_of_service=line.place_of_service,
                pointers=tuple(line.diagnosis_pointers),
                service_date=line.service_date,
                line_control_number=line.charge_id,
                revenue_code=line.revenue_code,
            )
            for line in claim.lines
        ),
        place_of_service=claim.place_of_service,
        rendering=(
            uow.practice.get(Provider, actor.integration_id, claim.rendering_provider_id)
            if claim.rendering_provider_id
            else None
        ),
        prior_authorization=claim.prior_authorization,
        frequency_code=claim.frequency_code,
        payer_claim_control_number=claim.payer_claim_control_number,
    )
    return claim_edi.claim_document(data, institutional)


def submit(
    uow: UnitOfWork,
    actor: Actor,
    roots: ChannelRoots,
    box: SecretBox,
    *,
    payer_id: str | None = None,
) -> list[ClaimBatch]:
    """POST /claims/batches and `bhlink claims submit`: send every queued claim."""
    require(actor, Entitlement.CLAIMS, write=True)
    if payer_id is not None and uow.practice.get(Payer, actor.integration_id, payer_id) is None:
        raise not_found("payer")
    config = billing_setup.load_config(uow, actor.integration_id)
    groups: dict[tuple[str, str, str, str], list[Claim]] = {}
    for claim in uow.claims.in_status(actor.integration_id, ClaimStatus.QUEUED.value, payer_id):
        key = (
            claim.payer_id,
            claim.claim_type,
            str(claim.billing_provider.get("npi")),
            claim.submission_channel,
        )
        groups.setdefault(key, []).append(claim)
    batches: list[ClaimBatch] = []
    for (group_payer, claim_type, _npi, channel_name), members in groups.items():
        batch = _send_group(
            uow, actor, config, roots, box, group_payer, claim_type, channel_name, members
        )
        if batch is not None:
            batches.append(batch)
    return batches


def _send_group(
    uow: UnitOfWork,
    actor: Actor,
    config: billing_setup.RevenueConfig,
    roots: ChannelRoots,
    box: SecretBox,
    payer_id: str,
    claim_type: str,
    channel_name: str,
    members: list[Claim],
) -> ClaimBatch | None:
    payer = uow.practice.get(Payer, actor.integration_id, payer_id)
    assert payer is not None
    who = claim_edi.parties(
        config, payer, billing_setup.payer_receiver_id(uow, actor.integration_id, payer_id)
    )
    if who is None:
        raise Conflict(
            detail="configure the EDI submitter in PUT /billing/settings before submitting",
            errors=[FieldProblem("billingSettings.submitter", "is required")],
            code="submitter_missing",
        )
    billing = claim_edi.billing_provider_document(members[0].billing_provider)
    sendable: list[tuple[Claim, edi.Claim]] = []
    for claim in members:
        document = _document(uow, actor, claim, config.institutional)
        problems = claim_edi.check_documents(claim_type, billing, [document])
        if problems:
            claim.scrub_problems = [
                {"field": claim_builder.edi_problem_field(p), "message": p.message, "code": p.code}
                for p in problems
            ]
            claims.transition(uow, actor, claim, ClaimStatus.DRAFT, "batch", changed=["problems"])
            continue
        sendable.append((claim, document))
    if not sendable:
        return None
    record = claim_edi.write_interchange(
        uow,
        actor.integration_id,
        claim_type,
        who,
        billing,
        [document for _, document in sendable],
        source="batch",
    )
    channel_config = config.channels.get(channel_name) or {"type": "outbox"}
    channel = edi_channels.open_channel(
        channel_name,
        channel_config,
        integration_id=actor.integration_id,
        outbox_root=roots.outbox,
        inbox_root=roots.inbox,
        box=box,
    )
    remote = channel.send(record.filename or f"{record.id}.x12", record.content.encode())
    now = utcnow()
    batch = ClaimBatch(
        id=new_id("btc"),
        integration_id=actor.integration_id,
        payer_id=payer_id,
        claim_type=claim_type,
        channel=channel_name,
        status="submitted",
        edi_file_id=record.id,
        claim_count=len(sendable),
        remote_name=remote,
        created_at=now,
        submitted_at=now,
    )
    uow.add(batch)
    for claim, _ in sendable:
        claim.batch_id = batch.id
        claims.transition(
            uow,
            actor,
            claim,
            ClaimStatus.SUBMITTED,
            "batch",
            reference=batch.id,
            changed=["batchId"],
        )
    audit.record(
        uow,
        actor,
        "claim.batch_submitted",
        resource_type="claim_batch",
        resource_id=batch.id,
        detail={"claims": len(sendable), "channel": channel_name},
    )
    return batch


def get(uow: UnitOfWork, actor: Actor, batch_id: str) -> tuple[ClaimBatch, list[Claim], int]:
    """GET /claims/batches/{id}: the batch, its claims and the file size."""
    require(actor, Entitlement.CLAIMS)
    batch = uow.claims.batch(actor.integration_id, batch_id)
    if batch is None:
        raise not_found("batch")
    record = uow.claims.edi_file(actor.integration_id, batch.edi_file_id)
    return batch, uow.claims.in_batch(actor.integration_id, batch.id), record.size if record else 0


def batch_file(uow: UnitOfWork, actor: Actor, batch_id: str) -> str:
    """The interchange a batch sent (audited: it holds PHI)."""
    batch, members, _ = get(uow, actor, batch_id)
    record = uow.claims.edi_file(actor.integration_id, batch.edi_file_id)
    if record is None:  # pragma: no cover
        raise not_found("file")
    for claim in members:
        audit.record(
            uow,
            actor,
            "claim.edi_downloaded",
            resource_type="claim",
            resource_id=claim.id,
            patient_id=claim.patient_id,
        )
    return record.content
