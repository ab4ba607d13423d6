"""835 (005010X221A1) remittance reader: typed payments, claims, lines and adjustments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bhlink.edi._codes import REVERSAL_STATUS_CODE
from bhlink.edi._envelope import Transaction, iter_transactions
from bhlink.edi._exceptions import X12StructureError
from bhlink.edi._segment import Segment
from bhlink.edi._tokenizer import Source, iter_segments
from bhlink.edi._values import (
    read_date,
    read_decimal,
    read_optional_date,
    read_optional_decimal,
)

REMITTANCE_VERSION = "005010X221A1"


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triple: group (CO/PR/OA/PI), CARC reason, amount and optional quantity."""

    group_code: str
    reason_code: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ProcedureCode:
    """SVC01/SVC06 composite: qualifier (HC, NU, AD...), code and up to four modifiers."""

    qualifier: str
    code: str
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reference:
    """A REF or AMT pair: qualifier and value."""

    qualifier: str
    value: str


@dataclass(frozen=True, slots=True)
class Amount:
    """An AMT segment: qualifier (AU coverage, B6 allowed, ...) and amount."""

    qualifier: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RemittanceParty:
    """N1*PR payer or N1*PE payee: name and identification."""

    name: str
    id_qualifier: str = ""
    identifier: str = ""
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonName:
    """An NM1 in loop 2100 (QC patient, IL insured, 74 corrected, 82 rendering)."""

    entity: str
    last_name: str
    first_name: str = ""
    id_qualifier: str = ""
    identifier: str = ""


@dataclass(frozen=True, slots=True)
class ServicePayment:
    """Loop 2110: one service line's payment (SVC) with its date, CAS, REF, AMT and LQ.

    ``units`` is SVC05; the TR3 says a missing SVC05 means one unit. ``original_procedure``
    (SVC06) is the code as submitted when the payer adjudicated a different one.
    """

    procedure: ProcedureCode
    charge: Decimal
    paid: Decimal
    units: Decimal
    position: int
    revenue_code: str = ""
    original_procedure: ProcedureCode | None = None
    original_units: Decimal | None = None
    service_date: date | None = None
    service_end_date: date | None = None
    line_control_number: str | None = None
    adjustments: tuple[Adjustment, ...] = ()
    references: tuple[Reference, ...] = ()
    amounts: tuple[Amount, ...] = ()
    remark_codes: tuple[str, ...] = ()

    @property
    def allowed_amount(self) -> Decimal | None:
        """AMT*B6 when present."""
        return next((a.amount for a in self.amounts if a.qualifier == "B6"), None)


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """Loop 2100: one claim's adjudication (CLP) with adjustments and service lines.

    ``patient_control_number`` (CLP01) is our claim id as sent in CLM01; ``status_code``
    is CLP02 (1/2/3 processed, 4 denied, 19-21 forwarded, 22 reversal, 23 not ours);
    ``payer_claim_control_number`` is CLP07.
    """

    patient_control_number: str
    status_code: str
    charge: Decimal
    paid: Decimal
    position: int
    patient_responsibility: Decimal | None = None
    filing_indicator: str = ""
    payer_claim_control_number: str = ""
    facility_type: str = ""
    frequency_code: str = ""
    adjustments: tuple[Adjustment, ...] = ()
    names: tuple[PersonName, ...] = ()
    references: tuple[Reference, ...] = ()
    amounts: tuple[Amount, ...] = ()
    statement_start: date | None = None
    statement_end: date | None = None
    received_date: date | None = None
    service_lines: tuple[ServicePayment, ...] = ()
    remark_codes: tuple[str, ...] = ()

    @property
    def is_reversal(self) -> bool:
        """CLP02 = 22: this claim reverses an earlier payment."""
        return self.status_code == REVERSAL_STATUS_CODE

    @property
    def patient(self) -> PersonName | None:
        """The NM1*QC patient name, if sent."""
        return next((n for n in self.names if n.entity == "QC"), None)

    @property
    def rendering_provider_npi(self) -> str | None:
        """NM1*82 with XX qualifier, if sent."""
        return next(
            (n.identifier for n in self.names if n.entity == "82" and n.id_qualifier == "XX"),
            None,
        )


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One PLB adjustment: reason code, the reference beside it, and the amount.

    Reasons include L6 interest, WO overpayment recovery and FB forwarding balance.
    A positive amount reduces the payment; a negative one increases it.
    """

    provider_id: str
    fiscal_period_end: date
    reason_code: str
    reference: str
    amount: Decimal
    position: int


@dataclass(frozen=True, slots=True)
class Remittance:
    """One 835 transaction set: payment (BPR), trace (TRN), parties, claims, PLB."""

    interchange_control_number: str
    control_number: str
    handling_code: str
    payment_amount: Decimal
    credit_debit: str
    payment_method: str
    payment_date: date | None
    trace_number: str
    trace_originator: str
    production_date: date | None
    payer: RemittanceParty
    payee: RemittanceParty
    claims: tuple[ClaimPayment, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...]
    bpr_position: int
    usage_indicator: str = ""


def read_adjustments(segment: Segment) -> list[Adjustment]:
    """The up-to-six reason/amount/quantity triples of one CAS segment."""
    group = segment.value(1)
    found: list[Adjustment] = []
    for start in range(2, 20, 3):
        if not segment.value(start) and not segment.value(start + 1):
            continue
        found.append(
            Adjustment(
                group,
                segment.value(start),
                read_decimal(segment, start + 1),
                read_optional_decimal(segment, start + 2),
            )
        )
    return found


def _procedure(segment: Segment, index: int) -> ProcedureCode:
    parts = segment.composite(index)
    return ProcedureCode(
        parts[0] if parts else "",
        parts[1] if len(parts) > 1 else "",
        tuple(m for m in parts[2:6] if m),
    )


@dataclass
class _LineBuilder:
    svc: Segment
    adjustments: list[Adjustment] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    service_date: date | None = None
    service_end_date: date | None = None

    def build(self) -> ServicePayment:
        svc = self.svc
        original = _procedure(svc, 6) if svc.composite(6) else None
        units = read_optional_decimal(svc, 5)
        line_control = next((r.value for r in self.references if r.qualifier == "6R"), None)
        return ServicePayment(
            procedure=_procedure(svc, 1),
            charge=read_decimal(svc, 2),
            paid=read_decimal(svc, 3),
            # 835 TR3 2110 SVC05: "If not present, the value is assumed to be one."
            units=Decimal(1) if units is None else units,
            position=svc.position,
            revenue_code=svc.value(4),
            original_procedure=original,
            original_units=read_optional_decimal(svc, 7),
            service_date=self.service_date,
            service_end_date=self.service_end_date or self.service_date,
            line_control_number=line_control,
            adjustments=tuple(self.adjustments),
            references=tuple(self.references),
            amounts=tuple(self.amounts),
            remark_codes=tuple(self.remarks),
        )


@dataclass
class _ClaimBuilder:
    clp: Segment
    adjustments: list[Adjustment] = field(default_factory=list)
    names: list[PersonName] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    amounts: list[Amount] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    lines: list[_LineBuilder] = field(default_factory=list)
    statement_start: date | None = None
    statement_end: date | None = None
    received_date: date | None = None

    def build(self) -> ClaimPayment:
        clp = self.clp
        return ClaimPayment(
            patient_control_number=clp.value(1),
            status_code=clp.value(2),
            charge=read_decimal(clp, 3),
            paid=read_decimal(clp, 4),
            position=clp.position,
            patient_responsibility=read_optional_decimal(clp, 5),
            filing_indicator=clp.value(6),
            payer_claim_control_number=clp.value(7),
            facility_type=clp.value(8),
            frequency_code=clp.value(9),
            adjustments=tuple(self.adjustments),
            names=tuple(self.names),
            references=tuple(self.references),
            amounts=tuple(self.amounts),
            statement_start=self.statement_start,
            statement_end=self.statement_end,
            received_date=self.received_date,
            service_lines=tuple(line.build() for line in self.lines),
            remark_codes=tuple(self.remarks),
        )


def _party(segment: Segment) -> RemittanceParty:
    return RemittanceParty(segment.value(2), segment.value(3), segment.value(4))


def _plb(segment: Segment) -> list[ProviderAdjustment]:
    provider_id = segment.value(1)
    period_end = read_date(segment, 2)
    found: list[ProviderAdjustment] = []
    for index in range(3, 15, 2):
        if not segment.composite(index):
            continue
        found.append(
            ProviderAdjustment(
                provider_id,
                period_end,
                segment.component(index, 1),
                segment.component(index, 2),
                read_decimal(segment, index + 1),
                segment.position,
            )
        )
    return found


def remittance_from_transaction(transaction: Transaction) -> Remittance:
    """Build a Remittance from one 835 transaction set."""
    bpr: Segment | None = None
    trn: Segment | None = None
    production: date | None = None
    payer = RemittanceParty("")
    payee = RemittanceParty("")
    party: str | None = None
    party_refs: dict[str, list[Reference]] = {"PR": [], "PE": []}
    claims: list[_ClaimBuilder] = []
    plbs: list[ProviderAdjustment] = []
    claim: _ClaimBuilder | None = None
    line: _LineBuilder | None = None
    for segment in transaction.segments[1:-1]:
        sid = segment.segment_id
        if sid == "BPR":
            bpr = segment
        elif sid == "TRN" and claim is None:
            trn = segment
        elif sid == "DTM" and claim is None and segment.value(1) == "405":
            production = read_date(segment, 2)
        elif sid == "N1" and claim is None:
            party = segment.value(1)
            if party == "PR":
                payer = _party(segment)
            elif party == "PE":
                payee = _party(segment)
        elif sid == "REF" and claim is None and party in party_refs:
            party_refs[party].append(Reference(segment.value(1), segment.value(2)))
        elif sid == "CLP":
            claim = _ClaimBuilder(segment)
            line = None
            claims.append(claim)
        elif sid == "SVC":
            if claim is None:
                raise X12StructureError(
                    f"SVC outside a claim ({segment.where()})",
                    segment_id=sid,
                    position=segment.position,
                )
            line = _LineBuilder(segment)
            claim.lines.append(line)
        elif sid == "CAS" and claim is not None:
            (line or claim).adjustments.extend(read_adjustments(segment))
        elif sid == "NM1" and claim is not None and line is None:
            claim.names.append(
                PersonName(
                    segment.value(1),
                    segment.value(3),
                    segment.value(4),
                    segment.value(8),
                    segment.value(9),
                )
            )
        elif sid == "REF" and claim is not None:
            (line or claim).references.append(Reference(segment.value(1), segment.value(2)))
        elif sid == "AMT" and claim is not None:
            (line or claim).amounts.append(Amount(segment.value(1), read_decimal(segment, 2)))
        elif sid == "LQ" and line is not None:
            line.remarks.append(segment.value(2))
        elif sid in ("MOA", "MIA") and claim is not None and line is None:
            # Remark codes sit in MOA03-07 and MIA05/20-23; keep them with the claim.
            indexes = range(3, 8) if sid == "MOA" else (5, 20, 21, 22, 23)
            claim.remarks.extend(segment.value(i) for i in indexes if segment.value(i))
        elif sid == "DTM" and line is not None:
            qualifier = segment.value(1)
            if qualifier in ("472", "150"):
                line.service_date = read_date(segment, 2)
            elif qualifier == "151":
                line.service_end_date = read_date(segment, 2)
        elif sid == "DTM" and claim is not None:
            qualifier = segment.value(1)
            if qualifier == "232":
                claim.statement_start = read_date(segment, 2)
            elif qualifier == "233":
                claim.statement_end = read_date(segment, 2)
            elif qualifier == "050":
                claim.received_date = read_date(segment, 2)
        elif sid == "PLB":
            claim, line = None, None
            plbs.extend(_plb(segment))
        elif sid == "LX":
            claim, line = None, None
    if bpr is None:
        first = transaction.segments[0]
        raise X12StructureError(
            f"835 has no BPR ({first.where()})", segment_id="ST", position=first.position
        )
    payer = RemittanceParty(
        payer.name, payer.id_qualifier, payer.identifier, tuple(party_refs["PR"])
    )
    payee = RemittanceParty(
        payee.name, payee.id_qualifier, payee.identifier, tuple(party_refs["PE"])
    )
    return Remittance(
        interchange_control_number=transaction.interchange_control_number,
        control_number=transaction.control_number,
        handling_code=bpr.value(1),
        payment_amount=read_decimal(bpr, 2),
        credit_debit=bpr.value(3),
        payment_method=bpr.value(4),
        payment_date=read_optional_date(bpr, 16),
        trace_number=trn.value(2) if trn else "",
        trace_originator=trn.value(3) if trn else "",
        production_date=production,
        payer=payer,
        payee=payee,
        claims=tuple(c.build() for c in claims),
        provider_adjustments=tuple(plbs),
        bpr_position=bpr.position,
        usage_indicator=transaction.usage_indicator,
    )


def _transactions_of(source: Source, set_id: str) -> Iterable[Transaction]:
    for transaction in iter_transactions(iter_segments(source)):
        if transaction.transaction_set_id != set_id:
            first = transaction.segments[0]
            raise X12StructureError(
                f"expected ST01 {set_id} ({first.where()})",
                segment_id="ST",
                position=first.position,
            )
        yield transaction


def read_835(source: Source) -> list[Remittance]:
    """Read every 835 transaction set in ``source`` (str, bytes or chunks).

    Raises X12SyntaxError/X12StructureError/X12ValueError naming the segment and its
    position for malformed input. Balancing is not enforced here (a real 835 that does
    not balance is still money to post): use check_835 or validate_835 for that.
    """
    return [remittance_from_transaction(t) for t in _transactions_of(source, "835")]
