"""Inbound X12: 999, 277CA and 835 files applied once (by SHA-256), after validation.

A file is refused whole (422 naming the segment and its position, nothing stored or
posted) when it cannot be read or, for an 835, when validate_835 finds any problem
(envelope counts, values, balancing). A file already applied — same SHA-256 — changes
nothing the second time. 999 (IK5/AK9): a rejected transaction set rejects the claims of
the interchange it answers (matched by AK102 = our GS06); an accepted one is noted in the
claims' history (the 277CA, not the 999, accepts a claim). 277CA: STC A1/A2 accept the
claim named by TRN02 (our CLM01) and give us the payer's claim number (REF*1K);
A3/A4/A6/A7/A8 reject it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from bhlink import edi
from bhlink.domain.claim_lifecycle import ClaimStatus, can_transition
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import DomainError, FieldProblem, InvalidInput
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.services import audit, claims, edi_channels, remittances
from bhlink.services.access import require
from bhlink.services.context import Actor
from bhlink.store.db import Database
from bhlink.store.tables import Claim, EdiFile, Remittance
from bhlink.store.unit_of_work import UnitOfWork

_KINDS = {"835": "835", "999": "999", "277": "277CA"}


@dataclass
class ImportOutcome:
    """What one inbound file did."""

    file: EdiFile
    duplicate: bool
    remittances: list[Remittance] = field(default_factory=list)
    claims_updated: list[str] = field(default_factory=list)
    exceptions: int = 0


def _refuse(problems: list[edi.Problem]) -> InvalidInput:
    return InvalidInput(
        detail=f"the file is not valid X12 ({len(problems)} problem(s)); nothing was posted",
        errors=[
            FieldProblem(p.path or p.segment_id or "content", p.message) for p in problems[:50]
        ],
        code="x12_invalid",
    )


def _kind(text: str) -> str:
    try:
        for segment in edi.iter_segments(text):
            if segment.segment_id == "ST":
                kind = _KINDS.get(segment.value(1))
                if kind is None:
                    raise InvalidInput(
                        detail="only 835, 999 and 277CA files are accepted",
                        errors=[
                            FieldProblem(
                                "ST01",
                                f"transaction set at position {segment.position} is not 835, 999 or 277",
                            )
                        ],
                        code="x12_unsupported",
                    )
                return kind
    except edi.X12Error as exc:
        raise _refuse(
            [
                edi.Problem(
                    "x12-syntax",
                    exc.segment_id or "content",
                    exc.message,
                    exc.segment_id,
                    exc.position,
                )
            ]
        ) from exc
    raise InvalidInput(
        detail="the file holds no transaction set",
        errors=[FieldProblem("ST", "no ST segment found")],
        code="x12_invalid",
    )


def _read(kind: str, text: str) -> list[object]:
    if kind == "835":
        problems = edi.validate_835(text)
        if problems:
            raise _refuse(problems)
        return list(edi.read_835(text))
    try:
        return list(edi.read_999(text) if kind == "999" else edi.read_277ca(text))
    except edi.X12Error as exc:
        raise _refuse(
            [
                edi.Problem(
                    "x12-structure",
                    exc.segment_id or "content",
                    exc.message,
                    exc.segment_id,
                    exc.position,
                )
            ]
        ) from exc


def import_file(
    uow: UnitOfWork, actor: Actor, content: bytes, *, filename: str | None, source: str
) -> ImportOutcome:
    """Validate, store and apply one inbound file (idempotent by SHA-256)."""
    require(actor, Entitlement.REMITTANCES, write=True)
    digest = hashlib.sha256(content).hexdigest()
    existing = uow.claims.edi_file_by_hash(actor.integration_id, "inbound", digest)
    if existing is not None:
        audit.record(
            uow, actor, "edi.duplicate_ignored", resource_type="edi_file", resource_id=existing.id
        )
        return ImportOutcome(
            file=existing,
            duplicate=True,
            remittances=uow.remittances.for_file(actor.integration_id, existing.id),
        )
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            detail="the file is not UTF-8 text", errors=[FieldProblem("content", "is not text")]
        ) from exc
    kind = _kind(text)
    documents = _read(kind, text)
    record = EdiFile(
        id=new_id("edi"),
        integration_id=actor.integration_id,
        direction="inbound",
        kind=kind,
        sha256=digest,
        size=len(content),
        content=text,
        filename=(filename or "")[:300] or None,
        source=source,
        created_at=utcnow(),
    )
    uow.add(record)
    uow.flush()
    outcome = ImportOutcome(file=record, duplicate=False)
    if kind == "835":
        outcome.remittances = remittances.post_file(
            uow, actor, record, [d for d in documents if isinstance(d, edi.Remittance)]
        )
        outcome.exceptions = sum(r.exception_count for r in outcome.remittances)
        outcome.claims_updated = sorted(
            {
                item.claim_id
                for r in outcome.remittances
                for item in uow.remittances.claims(actor.integration_id, r.id)
                if item.claim_id
            }
        )
    elif kind == "999":
        outcome.claims_updated = _apply_999(
            uow,
            actor,
            record,
            [d for d in documents if isinstance(d, edi.FunctionalAcknowledgment)],
        )
    else:
        outcome.claims_updated = _apply_277(
            uow, actor, record, [d for d in documents if isinstance(d, edi.ClaimAcknowledgment)]
        )
    record.summary = {"claimsUpdated": outcome.claims_updated, "exceptions": outcome.exceptions}
    audit.record(
        uow,
        actor,
        "edi.imported",
        resource_type="edi_file",
        resource_id=record.id,
        detail={"kind": kind, "source": source, "claims": len(outcome.claims_updated)},
    )
    return outcome


def _claims_of_group(uow: UnitOfWork, actor: Actor, group_control_number: str) -> list[Claim]:
    found: list[Claim] = []
    for record in uow.claims.outbound_by_group(actor.integration_id, group_control_number):
        batch = uow.claims.batch_by_file(actor.integration_id, record.id)
        if batch is not None:
            found += uow.claims.in_batch(actor.integration_id, batch.id)
        else:
            found += uow.claims.claims_with_file(actor.integration_id, record.id)
    return found


def _apply_999(
    uow: UnitOfWork, actor: Actor, record: EdiFile, acks: list[edi.FunctionalAcknowledgment]
) -> list[str]:
    updated: list[str] = []
    for ack in acks:
        for response in ack.responses or ():
            accepted = response.accepted and ack.group_status in ("A", "E", "P")
            detail = {
                "ack": "999",
                "status": response.status,
                "groupStatus": ack.group_status,
                "errorCodes": list(response.error_codes),
                "segmentErrors": [
                    {"segmentId": e.segment_id, "position": e.position, "errorCode": e.error_code}
                    for e in response.segment_errors
                ],
            }
            for claim in _claims_of_group(uow, actor, ack.group_control_number):
                current = ClaimStatus(claim.status)
                if (
                    not accepted
                    and can_transition(current, ClaimStatus.REJECTED)
                    and current
                    in (
                        ClaimStatus.SUBMITTED,
                        ClaimStatus.ACCEPTED,
                    )
                ):
                    claims.transition(
                        uow,
                        actor,
                        claim,
                        ClaimStatus.REJECTED,
                        "999",
                        reference=record.id,
                        detail=detail,
                    )
                else:
                    claims.record_event(
                        uow, actor, claim, claim.status, "999", reference=record.id, detail=detail
                    )
                updated.append(claim.id)
    return sorted(set(updated))


def _apply_277(
    uow: UnitOfWork, actor: Actor, record: EdiFile, acks: list[edi.ClaimAcknowledgment]
) -> list[str]:
    updated: list[str] = []
    for ack in acks:
        for status in ack.claims:
            claim = uow.claims.by_control_number(
                actor.integration_id, status.patient_control_number
            )
            if claim is None:
                continue
            detail = {
                "ack": "277CA",
                "statuses": [
                    {"category": s.category, "statusCode": s.status_code, "entity": s.entity}
                    for s in status.statuses
                ],
            }
            if status.payer_claim_control_number:
                claim.payer_claim_control_number = status.payer_claim_control_number[:50]
            target = {
                "accepted": ClaimStatus.ACCEPTED,
                "rejected": ClaimStatus.REJECTED,
            }.get(status.outcome)
            current = ClaimStatus(claim.status)
            if (
                target is not None
                and current
                in (
                    ClaimStatus.SUBMITTED,
                    ClaimStatus.ACCEPTED,
                    ClaimStatus.REJECTED,
                )
                and can_transition(current, target)
            ):
                claims.transition(
                    uow,
                    actor,
                    claim,
                    target,
                    "277CA",
                    reference=record.id,
                    detail=detail,
                    changed=["payerClaimControlNumber"],
                )
            else:
                claims.record_event(
                    uow, actor, claim, claim.status, "277CA", reference=record.id, detail=detail
                )
            updated.append(claim.id)
    return sorted(set(updated))


@dataclass(frozen=True)
class PickupResult:
    """One inbound file found by a pickup run."""

    name: str
    ok: bool
    kind: str | None
    duplicate: bool
    message: str | None


def pickup(db: Database, actor: Actor, channel: edi_channels.Channel) -> list[PickupResult]:
    """Apply every inbound file of a channel, each in its own transaction.

    Applied (or already applied) files move to processed/, refused ones to failed/ with
    the reason reported; a refused file never blocks the others.
    """
    results: list[PickupResult] = []
    for inbound in channel.fetch():
        with db.unit_of_work() as uow:
            try:
                outcome = import_file(
                    uow, actor, inbound.content, filename=inbound.name, source=channel.name
                )
                uow.commit()
            except DomainError as exc:
                uow.rollback()
                channel.finish(inbound.name, ok=False)
                results.append(PickupResult(inbound.name, False, None, False, exc.detail))
                continue
        channel.finish(inbound.name, ok=True)
        results.append(PickupResult(inbound.name, True, outcome.file.kind, outcome.duplicate, None))
    return results
