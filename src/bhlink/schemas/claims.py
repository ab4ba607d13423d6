"""Claim, batch, remittance and report shapes: seed 003 `POST /claims` request and response."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from bhlink.domain.codes import is_icd10_format, normalize_icd10
from bhlink.schemas.base import ApiModel, OptStr200, UtcDateTime, WriteModel
from bhlink.schemas.billing import (
    AuthorizationOverride,
    Id,
    ModifierCode,
    Money,
    MoneyIn,
    Pos,
    ServiceCode,
)

ClaimType = Literal["837P", "837I"]
ChannelName = Annotated[str, Field(min_length=2, max_length=30, pattern=r"^[a-z][a-z0-9_]+$")]


class ClaimAddressIn(WriteModel):
    """Seed 003 `billingProvider.billingAddress`."""

    line1: Annotated[str, Field(min_length=1, max_length=55)]
    line2: Annotated[str | None, Field(default=None, max_length=55)] = None
    city: Annotated[str, Field(min_length=1, max_length=30)]
    region: Annotated[str, Field(min_length=2, max_length=2)]
    postal_code: Annotated[str, Field(pattern=r"^[0-9]{5}(-?[0-9]{4})?$")]
    country: Annotated[str, Field(min_length=2, max_length=2)] = "US"


class BillingProviderIn(WriteModel):
    """Seed 003 `billingProvider`; `taxonomy` may be a NUCC code or words (mapped, see docs)."""

    npi: Annotated[str, Field(min_length=10, max_length=10)]
    taxonomy: Annotated[str | None, Field(default=None, max_length=100)] = None
    name: Annotated[str | None, Field(default=None, min_length=1, max_length=60)] = None
    billing_address: ClaimAddressIn | None = None
    tax_id: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{2}-?[0-9]{7}$")] = None


class ClaimPatientIn(WriteModel):
    """Seed 003 `patient`."""

    patient_id: Id
    member_id: Annotated[str | None, Field(default=None, min_length=1, max_length=80)] = None


class ServiceLineIn(WriteModel):
    """Seed 003 `serviceLines[]` (plus chargeId/serviceDate/revenueCode for other sources)."""

    appointment_id: Id | None = None
    charge_id: Id | None = None
    service_code: ServiceCode | None = None
    modifiers: Annotated[list[ModifierCode] | None, Field(default=None, max_length=4)] = None
    diagnosis_pointers: Annotated[
        list[Annotated[int, Field(ge=1, le=12)]] | None, Field(default=None, max_length=4)
    ] = None
    units: Annotated[int | None, Field(default=None, ge=1, le=999)] = None
    place_of_service: Pos | None = None
    rendering_provider_id: Id | None = None
    charge_amount: MoneyIn | None = None
    service_date: date | None = None
    revenue_code: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{4}$")] = None

    @field_validator("diagnosis_pointers", mode="before")
    @classmethod
    def _pointers(cls, value: Any) -> Any:
        # Seed 003 sends pointers as strings ("1"); CMS-1500 24E letters A-L are accepted too.
        if isinstance(value, list):
            converted: list[Any] = []
            for item in value:
                if isinstance(item, str) and len(item) == 1 and "A" <= item.upper() <= "L":
                    converted.append(ord(item.upper()) - ord("A") + 1)
                elif isinstance(item, str) and item.isdigit():
                    converted.append(int(item))
                else:
                    converted.append(item)
            return converted
        return value

    @model_validator(mode="after")
    def _source(self) -> ServiceLineIn:
        if self.charge_id is None and self.appointment_id is None and self.service_code is None:
            raise ValueError("give appointmentId, chargeId, or serviceCode with serviceDate")
        return self


def _diagnoses(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    result: list[str] = []
    for index, code in enumerate(value):
        if not is_icd10_format(code):
            raise ValueError(f"diagnosisCodes[{index}] is not an ICD-10-CM code (e.g. F41.1)")
        result.append(normalize_icd10(code))
    return result


class ClaimCreate(WriteModel):
    """POST /claims and POST /claims/scrub: seed 003's payload, or `chargeIds` (seeds 002/004)."""

    claim_type: ClaimType = "837P"
    payer_id: Id | None = None
    billing_provider: BillingProviderIn | None = None
    patient: ClaimPatientIn | None = None
    service_lines: Annotated[list[ServiceLineIn], Field(max_length=50)] = []
    charge_ids: Annotated[list[Id], Field(max_length=50)] = []
    diagnosis_codes: Annotated[list[str] | None, Field(default=None, max_length=12)] = None
    submission_channel: ChannelName | None = None
    status: Literal["draft", "ready", "queued"] = "queued"
    authorization_override: AuthorizationOverride | None = None
    reference_id: OptStr200 = None

    _dx = field_validator("diagnosis_codes")(classmethod(lambda cls, v: _diagnoses(v)))

    @model_validator(mode="after")
    def _lines(self) -> ClaimCreate:
        if not self.service_lines and not self.charge_ids:
            raise ValueError("give serviceLines or chargeIds")
        if self.service_lines and self.charge_ids:
            raise ValueError("give serviceLines or chargeIds, not both")
        return self


class ClaimCorrection(WriteModel):
    """POST /claims/{id}/correct: a replacement (frequency 7) with changed lines or codes."""

    service_lines: Annotated[list[ServiceLineIn] | None, Field(default=None, max_length=50)] = None
    diagnosis_codes: Annotated[list[str] | None, Field(default=None, max_length=12)] = None
    submission_channel: ChannelName | None = None
    authorization_override: AuthorizationOverride | None = None

    _dx = field_validator("diagnosis_codes")(classmethod(lambda cls, v: _diagnoses(v)))


class ClaimStatusChange(WriteModel):
    """POST /claims/{id}/status: move a claim that has not been sent (draft/ready/queued)."""

    status: Literal["draft", "ready", "queued"]


class BatchCreate(WriteModel):
    """POST /claims/batches: send every queued claim, one interchange per payer."""

    payer_id: Id | None = None


class ProblemOut(ApiModel):
    """One scrubber finding."""

    field: str
    message: str
    code: str


class ScrubResult(ApiModel):
    """POST /claims/scrub: every problem at once (nothing is written)."""

    ok: bool
    problems: list[ProblemOut]
    total_charge: Money
    diagnosis_codes: list[str]


class EdiInfo(ApiModel):
    """Seed 003 `edi`: the generated file's format and size in bytes."""

    format: str
    size: int


class ClaimLineOut(ApiModel):
    """A claim line with what has been posted against it."""

    line_number: int
    charge_id: str
    appointment_id: str | None
    service_code: str
    modifiers: list[str]
    diagnosis_pointers: list[int]
    units: int
    place_of_service: str
    service_date: date
    rendering_provider_id: str | None
    revenue_code: str | None
    charge_amount: Money
    paid_amount: Money
    patient_responsibility: Money
    adjustment_amount: Money


class ClaimEventOut(ApiModel):
    """One step of the claim's history."""

    occurred_at: UtcDateTime
    from_status: str | None
    to_status: str
    source: str
    reference: str | None
    detail: dict[str, Any] | None


class PaymentOut(ApiModel):
    """One 835 claim payment posted to this claim."""

    remittance_id: str
    status_code: str
    outcome: str
    charge_amount: Money
    paid_amount: Money
    patient_responsibility: Money
    contractual_adjustment: Money
    other_adjustment: Money
    responsibility: dict[str, Money]
    adjustments: list[dict[str, Any]]
    remarks: list[dict[str, Any]]
    payer_claim_control_number: str | None
    posted_at: UtcDateTime


class ClaimRead(ApiModel):
    """A claim: seed 003's response fields, then the whole record."""

    claim_id: str
    status: str
    edi: EdiInfo | None
    submission_channel: str
    created_at: UtcDateTime
    review_url: str | None
    reference_id: str | None
    claim_type: str
    patient_control_number: str
    frequency_code: str
    original_claim_id: str | None
    replaced_by_claim_id: str | None
    payer_claim_control_number: str | None
    patient_id: str
    payer_id: str
    member_id: str
    billing_provider: dict[str, Any]
    rendering_provider_id: str | None
    diagnosis_codes: list[str]
    place_of_service: str
    prior_authorization: str | None
    total_charge: Money
    paid_amount: Money
    patient_responsibility: Money
    adjustment_amount: Money
    balance: Money
    batch_id: str | None
    problems: list[ProblemOut]
    lines: list[ClaimLineOut]
    history: list[ClaimEventOut] | None = None
    payments: list[PaymentOut] | None = None
    submitted_at: UtcDateTime | None
    version: int
    updated_at: UtcDateTime


class BatchRead(ApiModel):
    """One submission batch."""

    batch_id: str
    payer_id: str
    claim_type: str
    channel: str
    status: str
    claim_count: int
    claim_ids: list[str]
    edi: EdiInfo
    remote_name: str | None
    created_at: UtcDateTime
    submitted_at: UtcDateTime | None


class RemittanceUpload(WriteModel):
    """POST /remittances as JSON: the raw 835 text in `content`."""

    content: Annotated[str, Field(min_length=1, max_length=5_000_000)]
    filename: Annotated[str | None, Field(default=None, max_length=200)] = None


class RemittanceRead(ApiModel):
    """One posted 835 payment."""

    remittance_id: str
    payer_id: str | None
    payer_name: str
    payer_identifier: str | None
    trace_number: str
    payment_method: str
    credit_debit: str
    payment_amount: Money
    claims_paid: Money
    provider_adjustment_total: Money
    provider_adjustments: list[dict[str, Any]]
    payment_date: date | None
    production_date: date | None
    claim_count: int
    matched_claim_count: int
    exception_count: int
    status: str
    edi_file_id: str
    claims: list[dict[str, Any]] | None = None
    created_at: UtcDateTime


class ImportResult(ApiModel):
    """What importing one inbound file did (or that it had been applied before)."""

    file_id: str
    kind: str
    duplicate: bool
    remittances: list[RemittanceRead]
    claims_updated: list[str]
    exceptions: int


class ExceptionRead(ApiModel):
    """One item of the remittance exceptions queue."""

    exception_id: int
    remittance_id: str
    kind: str
    segment_id: str
    position: int
    reference: str | None
    amount: Money
    message: str
    status: str
    created_at: UtcDateTime


class BalanceRead(ApiModel):
    """GET /patients/{id}/balance: what was charged, paid, adjusted and what is owed."""

    patient_id: str
    charges: Money
    insurance_paid: Money
    contractual_adjustments: Money
    other_adjustments: Money
    patient_responsibility: dict[str, Money]
    patient_balance: Money
    insurance_balance: Money
    total_balance: Money


class ReconciliationRow(ApiModel):
    """One payment (835 transaction) in the reconciliation report."""

    remittance_id: str
    payer_id: str | None
    payer_name: str
    trace_number: str
    payment_method: str
    payment_date: date | None
    payment_amount: Money
    claims_paid: Money
    provider_adjustments: Money
    posted_to_claims: Money
    unmatched: Money
    difference: Money
    claim_count: int
    matched_claim_count: int
    exception_count: int


class ReconciliationReport(ApiModel):
    """GET /reports/reconciliation."""

    payer_id: str | None
    from_date: date | None = Field(alias="from")
    to_date: date | None = Field(alias="to")
    rows: list[ReconciliationRow]
    totals: dict[str, Money]


def cents(value: Decimal) -> int:
    """Integer cents of a request amount."""
    return int(value * 100)


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def claim_read(view: Any, review_url: str | None) -> ClaimRead:
    """Response shape of a claim view (services.claims.ClaimView)."""
    c = view.claim
    return ClaimRead(
        claim_id=c.id,
        status=c.status,
        edi=EdiInfo(format=view.edi_kind, size=view.edi_size) if view.edi_kind else None,
        submission_channel=c.submission_channel,
        created_at=c.created_at,
        review_url=review_url,
        reference_id=c.reference_id,
        claim_type=c.claim_type,
        patient_control_number=c.patient_control_number,
        frequency_code=c.frequency_code,
        original_claim_id=c.original_claim_id,
        replaced_by_claim_id=c.replaced_by_claim_id,
        payer_claim_control_number=c.payer_claim_control_number,
        patient_id=c.patient_id,
        payer_id=c.payer_id,
        member_id=c.member_id,
        billing_provider=dict(c.billing_provider),
        rendering_provider_id=c.rendering_provider_id,
        diagnosis_codes=list(c.diagnosis_codes),
        place_of_service=c.place_of_service,
        prior_authorization=c.prior_authorization,
        total_charge=_money(c.total_charge_cents),
        paid_amount=_money(c.paid_cents),
        patient_responsibility=_money(c.patient_responsibility_cents),
        adjustment_amount=_money(c.adjustment_cents),
        balance=_money(
            c.total_charge_cents
            - c.paid_cents
            - c.patient_responsibility_cents
            - c.adjustment_cents
        ),
        batch_id=c.batch_id,
        problems=[ProblemOut(**p) for p in c.scrub_problems or []],
        lines=[
            ClaimLineOut(
                line_number=line.line_number,
                charge_id=line.charge_id,
                appointment_id=line.appointment_id,
                service_code=line.service_code,
                modifiers=list(line.modifiers),
                diagnosis_pointers=list(line.diagnosis_pointers),
                units=line.units,
                place_of_service=line.place_of_service,
                service_date=line.service_date,
                rendering_provider_id=line.rendering_provider_id,
                revenue_code=line.revenue_code,
                charge_amount=_money(line.charge_cents),
                paid_amount=_money(line.paid_cents),
                patient_responsibility=_money(line.patient_responsibility_cents),
                adjustment_amount=_money(line.adjustment_cents),
            )
            for line in c.lines
        ],
        history=[
            ClaimEventOut(
                occurred_at=e.occurred_at,
                from_status=e.from_status,
                to_status=e.to_status,
                source=e.source,
                reference=e.reference,
                detail=e.detail,
            )
            for e in view.events
        ]
        or None,
        payments=[payment_out(p) for p in view.payments] or None,
        submitted_at=c.submitted_at,
        version=c.version,
        updated_at=c.updated_at,
    )


def payment_out(p: Any) -> PaymentOut:
    """One posted claim payment."""
    return PaymentOut(
        remittance_id=p.remittance_id,
        status_code=p.status_code,
        outcome=p.outcome,
        charge_amount=_money(p.charge_cents),
        paid_amount=_money(p.paid_cents),
        patient_responsibility=_money(p.patient_responsibility_cents),
        contractual_adjustment=_money(p.contractual_cents),
        other_adjustment=_money(p.other_adjustment_cents),
        responsibility={k: _money(v) for k, v in (p.responsibility or {}).items()},
        adjustments=list(p.adjustments),
        remarks=list(p.remarks),
        payer_claim_control_number=p.payer_claim_control_number,
        posted_at=p.posted_at,
    )


def batch_read(batch: Any, claim_ids: list[str], size: int) -> BatchRead:
    """Response shape of a batch."""
    return BatchRead(
        batch_id=batch.id,
        payer_id=batch.payer_id,
        claim_type=batch.claim_type,
        channel=batch.channel,
        status=batch.status,
        claim_count=batch.claim_count,
        claim_ids=claim_ids,
        edi=EdiInfo(format=batch.claim_type, size=size),
        remote_name=batch.remote_name,
        created_at=batch.created_at,
        submitted_at=batch.submitted_at,
    )


def remittance_read(r: Any, claims: list[Any] | None = None) -> RemittanceRead:
    """Response shape of a posted remittance (with its claim payments when given)."""
    return RemittanceRead(
        remittance_id=r.id,
        payer_id=r.payer_id,
        payer_name=r.payer_name,
        payer_identifier=r.payer_identifier,
        trace_number=r.trace_number,
        payment_method=r.payment_method,
        credit_debit=r.credit_debit,
        payment_amount=_money(r.payment_cents),
        claims_paid=_money(r.claims_paid_cents),
        provider_adjustment_total=_money(r.provider_adjustment_cents),
        provider_adjustments=list(r.provider_adjustments),
        payment_date=r.payment_date,
        production_date=r.production_date,
        claim_count=r.claim_count,
        matched_claim_count=r.matched_claim_count,
        exception_count=r.exception_count,
        status=r.status,
        edi_file_id=r.edi_file_id,
        claims=[
            {
                "claimId": item.claim_id,
                "patientControlNumber": item.patient_control_number,
                "statusCode": item.status_code,
                "outcome": item.outcome,
                "payerClaimControlNumber": item.payer_claim_control_number,
                "chargeAmount": float(_money(item.charge_cents)),
                "paidAmount": float(_money(item.paid_cents)),
                "patientResponsibility": float(_money(item.patient_responsibility_cents)),
                "contractualAdjustment": float(_money(item.contractual_cents)),
                "otherAdjustment": float(_money(item.other_adjustment_cents)),
                "responsibility": {
                    k: float(_money(v)) for k, v in (item.responsibility or {}).items()
                },
                "adjustments": list(item.adjustments),
                "remarks": list(item.remarks),
                "lines": list(item.lines),
            }
            for item in claims
        ]
        if claims is not None
        else None,
        created_at=r.created_at,
    )


def exception_read(e: Any) -> ExceptionRead:
    """Response shape of an exceptions-queue item."""
    return ExceptionRead(
        exception_id=e.id,
        remittance_id=e.remittance_id,
        kind=e.kind,
        segment_id=e.segment_id,
        position=e.position,
        reference=e.reference,
        amount=_money(e.amount_cents),
        message=e.message,
        status=e.status,
        created_at=e.created_at,
    )


def balance_read(patient_id: str, b: Any) -> BalanceRead:
    """Response shape of a patient balance (services.remittances.Balance)."""
    return BalanceRead(
        patient_id=patient_id,
        charges=_money(b.charges),
        insurance_paid=_money(b.insurance_paid),
        contractual_adjustments=_money(b.contractual),
        other_adjustments=_money(b.other_adjustments),
        patient_responsibility={k: _money(v) for k, v in b.responsibility.items()},
        patient_balance=_money(b.patient_balance),
        insurance_balance=_money(b.insurance_balance),
        total_balance=_money(b.patient_balance + b.insurance_balance),
    )


def reconciliation_row(line: Any) -> ReconciliationRow:
    """One report row (services.remittances.ReconciliationLine)."""
    r = line.remittance
    return ReconciliationRow(
        remittance_id=r.id,
        payer_id=r.payer_id,
        payer_name=r.payer_name,
        trace_number=r.trace_number,
        payment_method=r.payment_method,
        payment_date=r.payment_date or r.production_date,
        payment_amount=_money(r.payment_cents),
        claims_paid=_money(r.claims_paid_cents),
        provider_adjustments=_money(r.provider_adjustment_cents),
        posted_to_claims=_money(line.posted_to_claims),
        unmatched=_money(line.unmatched),
        difference=_money(line.difference),
        claim_count=r.claim_count,
        matched_claim_count=r.matched_claim_count,
        exception_count=r.exception_count,
    )


def reconciliation_report(
    payer_id: str | None, start: date | None, end: date | None, rows: list[ReconciliationRow]
) -> ReconciliationReport:
    """The report with its totals."""
    keys = (
        "payment_amount",
        "claims_paid",
        "provider_adjustments",
        "posted_to_claims",
        "unmatched",
        "difference",
    )
    totals = {
        _camel(key): sum((getattr(row, key) for row in rows), Decimal("0.00")) for key in keys
    }
    return ReconciliationReport.model_validate(
        {"payerId": payer_id, "from": start, "to": end, "rows": rows, "totals": totals}
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
