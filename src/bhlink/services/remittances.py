"""835 posting and reconciliation: payments, adjustments, patient shares, denials, exceptions.

Matching: a claim by CLP01 (our CLM01, or the full claim id), a line by REF*6R (our charge
id) and, without it, by procedure code and service date. Posting per claim payment:
insurance payment (CLP04/SVC03), contractual adjustments (CAS CO), patient responsibility
(CAS PR 1 deductible, 2 coinsurance, 3 copay, other), other adjustments (OA/PI), with CARC
and RARC descriptions kept on the posting. A reversal (CLP02 22) carries negative amounts
that cancel the original posting and takes the claim back to accepted until its
correction (the CLP that follows) is posted. A payer that splits a claim sends several CLPs
with the same CLP01: each posts to the lines it names. PLB provider adjustments are posted
on the remittance. Anything that cannot be matched goes to the exceptions queue.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bhlink import edi
from bhlink.domain.claim_lifecycle import (
    EDITABLE,
    ClaimStatus,
    LineOutcome,
    adjudicated_status,
    can_transition,
)
from bhlink.domain.clock import utcnow
from bhlink.domain.ids import new_id
from bhlink.domain.remittance_posting import (
    PROVIDER_ADJUSTMENT_REASONS,
    AdjustmentTotals,
    classify,
    describe_remarks,
    to_cents,
)
from bhlink.domain.roles import Entitlement
from bhlink.services import audit, claims, outbox
from bhlink.services.access import ensure_patient_visible, not_found, require
from bhlink.services.context import Actor
from bhlink.services.records import stamp_new, stamp_update
from bhlink.store.queries.paging import Page
from bhlink.store.queries.remittances import RemittanceFilter
from bhlink.store.tables import (
    Claim,
    ClaimLine,
    EdiFile,
    LedgerEntry,
    Remittance,
    RemittanceClaim,
    RemittanceException,
)
from bhlink.store.unit_of_work import UnitOfWork

_FORWARDED = frozenset({"19", "20", "21"})


@dataclass
class _Posting:
    uow: UnitOfWork
    actor: Actor
    remittance: Remittance
    exceptions: int = 0
    matched: int = 0

    def exception(
        self,
        kind: str,
        segment_id: str,
        position: int,
        message: str,
        *,
        reference: str | None = None,
        amount_cents: int = 0,
    ) -> None:
        self.uow.add(
            RemittanceException(
                integration_id=self.actor.integration_id,
                remittance_id=self.remittance.id,
                kind=kind,
                segment_id=segment_id,
                position=position,
                reference=(reference or "")[:80] or None,
                amount_cents=amount_cents,
                message=message[:300],
                status="open",
                created_at=utcnow(),
            )
        )
        self.exceptions += 1

    def ledger(
        self,
        claim: Claim,
        kind: str,
        cents: int,
        *,
        charge_id: str | None = None,
        category: str | None = None,
        group: str | None = None,
        reason: str | None = None,
    ) -> None:
        if cents == 0:
            return
        self.uow.add(
            LedgerEntry(
                integration_id=self.actor.integration_id,
                patient_id=claim.patient_id,
                payer_id=claim.payer_id,
                claim_id=claim.id,
                charge_id=charge_id,
                remittance_id=self.remittance.id,
                kind=kind,
                category=category,
                group_code=group,
                reason_code=reason,
                amount_cents=cents,
                posted_at=utcnow(),
            )
        )


def _match_lines(
    claim: Claim, payment: edi.ClaimPayment
) -> list[tuple[edi.ServicePayment, ClaimLine | None]]:
    by_charge = {line.charge_id: line for line in claim.lines}
    taken: set[int] = set()
    matched: list[tuple[edi.ServicePayment, ClaimLine | None]] = []
    for service in payment.service_lines:
        line = by_charge.get(service.line_control_number or "")
        if line is None:
            codes = {service.procedure.code}
            if service.original_procedure is not None:
                codes.add(service.original_procedure.code)
            line = next(
                (
                    candidate
                    for candidate in claim.lines
                    if candidate.line_number not in taken
                    and candidate.service_code in codes
                    and (service.service_date in (None, candidate.service_date))
                ),
                None,
            )
        if line is not None:
            taken.add(line.line_number)
        matched.append((service, line))
    return matched


def _post_adjustments(
    posting: _Posting, claim: Claim, totals: AdjustmentTotals, charge_id: str | None
) -> None:
    for item in totals.postings:
        posting.ledger(
            claim,
            f"{item.kind}",
            item.amount_cents,
            charge_id=charge_id,
            category=item.category,
            group=item.group_code,
            reason=item.reason_code,
        )


def _post_claim(posting: _Posting, payment: edi.ClaimPayment) -> RemittanceClaim:
    uow, actor = posting.uow, posting.actor
    claim = uow.claims.by_control_number(actor.integration_id, payment.patient_control_number)
    claim_totals = classify(payment.adjustments)
    line_totals = AdjustmentTotals()
    line_details: list[dict[str, object]] = []
    outcome = "unmatched"
    if claim is None:
        posting.exception(
            "unmatched_claim",
            "CLP",
            payment.position,
            "no claim of this practice has this patient control number (CLP01)",
            reference=payment.patient_control_number,
            amount_cents=to_cents(payment.paid),
        )
        for service in payment.service_lines:
            line_totals.add(classify(service.adjustments))
    else:
        posting.matched += 1
        outcome = _apply_to_claim(posting, claim, payment, claim_totals, line_totals, line_details)
    everything = AdjustmentTotals()
    everything.add(claim_totals)
    everything.add(line_totals)
    record = RemittanceClaim(
        integration_id=actor.integration_id,
        remittance_id=posting.remittance.id,
        claim_id=claim.id if claim else None,
        patient_control_number=payment.patient_control_number[:80],
        status_code=payment.status_code,
        outcome=outcome,
        payer_claim_control_number=payment.payer_claim_control_number or None,
        charge_cents=to_cents(payment.charge),
        paid_cents=to_cents(payment.paid),
        patient_responsibility_cents=everything.patient_responsibility_cents,
        contractual_cents=everything.contractual_cents,
        other_adjustment_cents=everything.other_adjustment_cents,
        responsibility=dict(everything.responsibility),
        adjustments=[item.as_json() for item in everything.postings],
        remarks=describe_remarks(
            [*payment.remark_codes, *(c for s in payment.service_lines for c in s.remark_codes)]
        ),
        lines=line_details,
        position=payment.position,
        posted_at=utcnow(),
    )
    uow.add(record)
    return record


def _apply_to_claim(
    posting: _Posting,
    claim: Claim,
    payment: edi.ClaimPayment,
    claim_totals: AdjustmentTotals,
    line_totals: AdjustmentTotals,
    line_details: list[dict[str, object]],
) -> str:
    uow, actor = posting.uow, posting.actor
    if ClaimStatus(claim.status) in EDITABLE:
        posting.exception(
            "claim_not_sent",
            "CLP",
            payment.position,
            f"the claim is {claim.status}: it was never sent, so nothing was posted",
            reference=payment.patient_control_number,
            amount_cents=to_cents(payment.paid),
        )
        return "not_posted"
    reversal = payment.is_reversal
    for service, line in _match_lines(claim, payment):
        totals = classify(service.adjustments)
        line_totals.add(totals)
        paid = to_cents(service.paid)
        line_details.append(
            {
                "chargeId": line.charge_id if line else None,
                "lineNumber": line.line_number if line else None,
                "serviceCode": service.procedure.code,
                "chargeAmount": to_cents(service.charge) / 100,
                "paidAmount": paid / 100,
                "patientResponsibility": totals.patient_responsibility_cents / 100,
                "adjustments": [item.as_json() for item in totals.postings],
                "remarks": describe_remarks(service.remark_codes),
            }
        )
        if line is None:
            posting.exception(
                "unmatched_line",
                "SVC",
                service.position,
                "no line of the claim matches this service (REF*6R, code and date); "
                "posted to the claim only",
                reference=service.line_control_number,
                amount_cents=paid,
            )
            posting.ledger(claim, "insurance_payment", paid)
            _post_adjustments(posting, claim, totals, None)
            continue
        line.paid_cents += paid
        line.patient_responsibility_cents += totals.patient_responsibility_cents
        line.adjustment_cents += totals.contractual_cents + totals.other_adjustment_cents
        if reversal:
            line.adjudicated, line.denied = 0, 0
        else:
            line.adjudicated = 1
            line.denied = int(line.paid_cents <= 0 and line.patient_responsibility_cents <= 0)
        posting.ledger(claim, "insurance_payment", paid, charge_id=line.charge_id)
        _post_adjustments(posting, claim, totals, line.charge_id)
    _post_adjustments(posting, claim, claim_totals, None)
    if not payment.service_lines:
        # Claim-level adjudication only: every line shares the claim's fate.
        posting.ledger(claim, "insurance_payment", to_cents(payment.paid))
        for line in claim.lines:
            line.adjudicated = 0 if reversal else 1
            line.denied = (
                0 if reversal else int(payment.paid <= 0 and not claim_totals.responsibility)
            )
    patient_share = (
        claim_totals.patient_responsibility_cents + line_totals.patient_responsibility_cents
    )
    claim.paid_cents += to_cents(payment.paid)
    claim.patient_responsibility_cents += patient_share
    claim.adjustment_cents += (
        claim_totals.contractual_cents
        + claim_totals.other_adjustment_cents
        + line_totals.contractual_cents
        + line_totals.other_adjustment_cents
    )
    if payment.payer_claim_control_number and not reversal:
        claim.payer_claim_control_number = payment.payer_claim_control_number[:50]
    if reversal:
        target, outcome = ClaimStatus.ACCEPTED, "reversed"
    else:
        target = adjudicated_status(
            payment.status_code,
            [
                LineOutcome(
                    bool(line.adjudicated),
                    line.paid_cents,
                    line.patient_responsibility_cents,
                    bool(line.denied),
                )
                for line in claim.lines
            ],
        )
        outcome = "forwarded" if payment.status_code in _FORWARDED else target.value
    detail = {
        "remittanceId": posting.remittance.id,
        "statusCode": payment.status_code,
        "paid": to_cents(payment.paid) / 100,
    }
    if can_transition(ClaimStatus(claim.status), target):
        changed = claims.transition(
            uow,
            actor,
            claim,
            target,
            "835",
            reference=posting.remittance.id,
            detail=detail,
            changed=["paidAmount", "patientResponsibility"],
        )
        if not changed:
            stamp_update(uow, claim)
    else:
        stamp_update(uow, claim)
        posting.exception(
            "claim_state",
            "CLP",
            payment.position,
            f"posted, but a {claim.status} claim cannot become {target.value}",
            reference=payment.patient_control_number,
        )
    return outcome


def _payer_of(uow: UnitOfWork, actor: Actor, remittance: edi.Remittance) -> str | None:
    candidates = [remittance.payer.identifier] + [
        ref.value
        for ref in remittance.payer.references
        if ref.qualifier in ("2U", "EO", "HI", "NF")
    ]
    for value in candidates:
        if value:
            payer = uow.billing.payer_by_edi_id(actor.integration_id, value)
            if payer is not None:
                return payer.id
    return None


def post_file(
    uow: UnitOfWork, actor: Actor, record: EdiFile, remittances: Sequence[edi.Remittance]
) -> list[Remittance]:
    """Post every 835 transaction set of a stored, validated file."""
    posted: list[Remittance] = []
    for index, source in enumerate(remittances):
        paid = sum((c.paid for c in source.claims), Decimal(0))
        plb = sum((p.amount for p in source.provider_adjustments), Decimal(0))
        payment = to_cents(source.payment_amount)
        row = Remittance(
            id=new_id("era"),
            integration_id=actor.integration_id,
            edi_file_id=record.id,
            transaction_index=index,
            payer_id=_payer_of(uow, actor, source),
            payer_name=source.payer.name[:200] or "unknown payer",
            payer_identifier=(
                source.payer.identifier
                or next((r.value for r in source.payer.references if r.qualifier == "2U"), "")
            )[:80]
            or None,
            payee_identifier=source.payee.identifier[:80] or None,
            trace_number=source.trace_number[:80],
            payment_method=source.payment_method[:3],
            credit_debit=source.credit_debit[:1] or "C",
            payment_cents=-payment if source.credit_debit == "D" else payment,
            claims_paid_cents=to_cents(paid),
            provider_adjustment_cents=to_cents(plb),
            provider_adjustments=[
                {
                    "reasonCode": item.reason_code,
                    "description": PROVIDER_ADJUSTMENT_REASONS.get(item.reason_code),
                    "reference": item.reference,
                    "amount": to_cents(item.amount) / 100,
                    "fiscalPeriodEnd": item.fiscal_period_end.isoformat(),
                    "position": item.position,
                }
                for item in source.provider_adjustments
            ],
            payment_date=source.payment_date,
            production_date=source.production_date,
            claim_count=len(source.claims),
            matched_claim_count=0,
            exception_count=0,
            status="posting",
        )
        seq, at = stamp_new(uow, row)
        uow.add(row)
        uow.flush()
        posting = _Posting(uow, actor, row)
        for payment_item in source.claims:
            _post_claim(posting, payment_item)
        row.matched_claim_count = posting.matched
        row.exception_count = posting.exceptions
        row.status = "posted_with_exceptions" if posting.exceptions else "posted"
        if row.payer_id is None:
            payers = {
                c.payer_id
                for c in (
                    uow.claims.by_control_number(actor.integration_id, p.patient_control_number)
                    for p in source.claims
                )
                if c is not None
            }
            row.payer_id = next(iter(payers)) if len(payers) == 1 else None
        audit.record(
            uow,
            actor,
            "remittance.posted",
            resource_type="remittance",
            resource_id=row.id,
            detail={
                "claims": row.claim_count,
                "matched": row.matched_claim_count,
                "exceptions": row.exception_count,
            },
        )
        outbox.emit(
            uow,
            actor,
            "remittance.posted",
            "remittance",
            row.id,
            change_seq=seq,
            occurred_at=at,
            changed_fields=["*"],
        )
        posted.append(row)
    uow.flush()
    return posted


# --- reads --------------------------------------------------------------------------------------


def get(
    uow: UnitOfWork, actor: Actor, remittance_id: str
) -> tuple[Remittance, list[RemittanceClaim]]:
    """GET /remittances/{id} with its claim payments (audited per matched claim's patient)."""
    require(actor, Entitlement.REMITTANCES)
    row = uow.remittances.get(actor.integration_id, remittance_id)
    if row is None:
        raise not_found("remittance")
    items = uow.remittances.claims(actor.integration_id, row.id)
    patients = _patients_of(uow, actor, items)
    audit.record_many(
        uow,
        actor,
        "remittance.read",
        "remittance",
        [(row.id, pid) for pid in patients] or [(row.id, None)],
    )
    return row, items


def _patients_of(uow: UnitOfWork, actor: Actor, items: Sequence[RemittanceClaim]) -> list[str]:
    found: list[str] = []
    for item in items:
        if item.claim_id:
            claim = uow.claims.get(actor.integration_id, item.claim_id)
            if claim is not None and claim.patient_id not in found:
                found.append(claim.patient_id)
    return found


def page(
    uow: UnitOfWork, actor: Actor, flt: RemittanceFilter, *, after_seq: int | None, limit: int
) -> Page[Remittance]:
    """GET /remittances."""
    require(actor, Entitlement.REMITTANCES)
    result = uow.remittances.page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    audit.record(
        uow, actor, "remittance.read", resource_type="remittance", detail={"rows": len(result.rows)}
    )
    return result


def exceptions(uow: UnitOfWork, actor: Actor, status: str | None) -> list[RemittanceException]:
    """GET /remittances/exceptions."""
    require(actor, Entitlement.REMITTANCES)
    rows = uow.remittances.exceptions(actor.integration_id, status=status)
    audit.record(
        uow,
        actor,
        "remittance.exceptions_read",
        resource_type="remittance",
        detail={"rows": len(rows)},
    )
    return rows


def resolve_exception(
    uow: UnitOfWork, actor: Actor, exception_id: int, note: str
) -> RemittanceException:
    """POST /remittances/exceptions/{id}/resolve: a person dealt with it (audited with the note)."""
    require(actor, Entitlement.REMITTANCES, write=True)
    row = uow.remittances.exception(actor.integration_id, exception_id)
    if row is None:
        raise not_found("exception")
    if row.status != "resolved":
        row.status = "resolved"
        audit.record(
            uow,
            actor,
            "remittance.exception_resolved",
            resource_type="remittance",
            resource_id=row.remittance_id,
            detail={"exceptionId": row.id, "kind": row.kind, "note": note},
        )
    return row


def payments_for_claim(uow: UnitOfWork, actor: Actor, claim: Claim) -> list[RemittanceClaim]:
    """A claim's payment history."""
    return uow.remittances.for_claim(actor.integration_id, claim.id)


@dataclass(frozen=True)
class Balance:
    """A patient's account, from the ledger (integer cents)."""

    charges: int
    insurance_paid: int
    contractual: int
    other_adjustments: int
    responsibility: dict[str, int]

    @property
    def patient_balance(self) -> int:
        """What the patient owes: their share as adjudicated (no patient payments are posted)."""
        return sum(self.responsibility.values())

    @property
    def insurance_balance(self) -> int:
        """Charges the payer has not yet paid, adjusted or passed to the patient."""
        return (
            self.charges
            - self.insurance_paid
            - self.contractual
            - self.other_adjustments
            - self.patient_balance
        )


def balance(uow: UnitOfWork, actor: Actor, patient_id: str) -> Balance:
    """GET /patients/{id}/balance (audited)."""
    require(actor, Entitlement.CLAIMS)
    if uow.patients.get(actor.integration_id, patient_id, with_children=False) is None:
        raise not_found("patient")
    ensure_patient_visible(uow, actor, patient_id)
    totals = uow.billing.ledger_totals(actor.integration_id, patient_id)
    responsibility: dict[str, int] = {"deductible": 0, "coinsurance": 0, "copay": 0, "other": 0}
    for (kind, category), cents in totals.items():
        if kind == "patient_responsibility":
            responsibility[category or "other"] = responsibility.get(category or "other", 0) + cents
    audit.record(
        uow,
        actor,
        "patient.balance_read",
        resource_type="patient",
        resource_id=patient_id,
        patient_id=patient_id,
    )
    return Balance(
        charges=sum(c for (k, _), c in totals.items() if k == "charge"),
        insurance_paid=sum(c for (k, _), c in totals.items() if k == "insurance_payment"),
        contractual=sum(c for (k, _), c in totals.items() if k == "contractual"),
        other_adjustments=sum(c for (k, _), c in totals.items() if k == "other_adjustment"),
        responsibility=responsibility,
    )


@dataclass(frozen=True)
class ReconciliationLine:
    """One payment in the report (integer cents)."""

    remittance: Remittance
    posted_to_claims: int
    unmatched: int

    @property
    def difference(self) -> int:
        """BPR02 - (sum of CLP04 - sum of PLB): zero when the payment balances."""
        r = self.remittance
        return r.payment_cents - (r.claims_paid_cents - r.provider_adjustment_cents)


def reconciliation(
    uow: UnitOfWork, actor: Actor, flt: RemittanceFilter
) -> list[ReconciliationLine]:
    """GET /reports/reconciliation: per payment (payer, check/EFT number, date)."""
    require(actor, Entitlement.REMITTANCES)
    lines: list[ReconciliationLine] = []
    for row in uow.remittances.matching(actor.integration_id, flt):
        items = uow.remittances.claims(actor.integration_id, row.id)
        posted = sum(i.paid_cents for i in items if i.claim_id and i.outcome != "not_posted")
        unmatched = sum(i.paid_cents for i in items if not i.claim_id or i.outcome == "not_posted")
        lines.append(ReconciliationLine(row, posted, unmatched))
    audit.record(
        uow, actor, "report.reconciliation", resource_type="report", detail={"rows": len(lines)}
    )
    return lines


CSV_COLUMNS = (
    "remittanceId",
    "payerId",
    "payerName",
    "traceNumber",
    "paymentMethod",
    "paymentDate",
    "paymentAmount",
    "claimsPaid",
    "providerAdjustments",
    "postedToClaims",
    "unmatched",
    "difference",
    "claimCount",
    "matchedClaimCount",
    "exceptionCount",
)


def reconciliation_csv(rows: Sequence[dict[str, object]]) -> str:
    """The report as CSV (one row per payment, then a totals row)."""
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=list(CSV_COLUMNS), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def period_filter(payer_id: str | None, start: date | None, end: date | None) -> RemittanceFilter:
    """The report's filter."""
    return RemittanceFilter(payer_id=payer_id, paid_from=start, paid_to=end)
