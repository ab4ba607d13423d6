"""999 (005010X231A1) implementation acknowledgment and 277CA (005010X214) readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bhlink.edi._codes import ACCEPTED_STATUS_CATEGORIES, REJECTED_STATUS_CATEGORIES
from bhlink.edi._remittance import _transactions_of
from bhlink.edi._segment import Repetition, Segment
from bhlink.edi._tokenizer import Source
from bhlink.edi._values import parse_date_text, read_optional_decimal


@dataclass(frozen=True, slots=True)
class ElementError:
    """IK4: which element was wrong (position, component, repetition) and why (IK403).

    ``bad_value`` is IK404, a copy of the bad data: it may hold PHI, so keep it out of logs.
    """

    position: int
    component_position: int | None
    repetition_position: int | None
    element_reference: str
    error_code: str
    bad_value: str = ""


@dataclass(frozen=True, slots=True)
class SegmentError:
    """IK3: the segment id, its position in the transaction set, loop id and error code."""

    segment_id: str
    position: int
    loop_id: str
    error_code: str
    element_errors: tuple[ElementError, ...] = ()


@dataclass(frozen=True, slots=True)
class TransactionSetResponse:
    """AK2..IK5: the verdict on one transaction set we sent (IK501 A/E/M/P/R/W/X)."""

    transaction_set_id: str
    control_number: str
    version: str
    status: str
    error_codes: tuple[str, ...] = ()
    segment_errors: tuple[SegmentError, ...] = ()

    @property
    def accepted(self) -> bool:
        """IK501 A (accepted) or E (accepted with errors)."""
        return self.status in ("A", "E")


@dataclass(frozen=True, slots=True)
class FunctionalAcknowledgment:
    """One 999: AK1 group identity, per-set responses and the AK9 group verdict."""

    interchange_control_number: str
    control_number: str
    functional_id: str
    group_control_number: str
    group_version: str
    responses: tuple[TransactionSetResponse, ...]
    group_status: str
    sets_included: int
    sets_received: int
    sets_accepted: int
    group_error_codes: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        """AK901 A or E: the group was accepted (perhaps with errors noted)."""
        return self.group_status in ("A", "E")


def _optional_int(text: str) -> int | None:
    return int(text) if text.isdigit() else None


@dataclass
class _ResponseBuilder:
    ak2: Segment
    segment_errors: list[SegmentError] = field(default_factory=list)
    status: str = ""
    codes: tuple[str, ...] = ()


def _ack_from(
    transaction_segments: tuple[Segment, ...], icn: str, control: str
) -> FunctionalAcknowledgment:
    ak1: Segment | None = None
    ak9: Segment | None = None
    responses: list[_ResponseBuilder] = []
    current_ik3: Segment | None = None
    ik4s: list[ElementError] = []

    def close_ik3() -> None:
        nonlocal current_ik3, ik4s
        if current_ik3 is not None and responses:
            responses[-1].segment_errors.append(
                SegmentError(
                    current_ik3.value(1),
                    _optional_int(current_ik3.value(2)) or 0,
                    current_ik3.value(3),
                    current_ik3.value(4),
                    tuple(ik4s),
                )
            )
        current_ik3, ik4s = None, []

    for segment in transaction_segments[1:-1]:
        sid = segment.segment_id
        if sid == "AK1":
            ak1 = segment
        elif sid == "AK2":
            close_ik3()
            responses.append(_ResponseBuilder(segment))
        elif sid == "IK3":
            close_ik3()
            current_ik3 = segment
        elif sid == "IK4":
            ik4s.append(
                ElementError(
                    _optional_int(segment.component(1, 1)) or 0,
                    _optional_int(segment.component(1, 2)),
                    _optional_int(segment.component(1, 3)),
                    segment.value(2),
                    segment.value(3),
                    segment.value(4),
                )
            )
        elif sid == "IK5":
            close_ik3()
            if responses:
                responses[-1].status = segment.value(1)
                responses[-1].codes = tuple(
                    segment.value(i) for i in range(2, 7) if segment.value(i)
                )
        elif sid == "AK9":
            close_ik3()
            ak9 = segment
    return FunctionalAcknowledgment(
        interchange_control_number=icn,
        control_number=control,
        functional_id=ak1.value(1) if ak1 else "",
        group_control_number=ak1.value(2) if ak1 else "",
        group_version=ak1.value(3) if ak1 else "",
        responses=tuple(
            TransactionSetResponse(
                r.ak2.value(1),
                r.ak2.value(2),
                r.ak2.value(3),
                r.status,
                r.codes,
                tuple(r.segment_errors),
            )
            for r in responses
        ),
        group_status=ak9.value(1) if ak9 else "",
        sets_included=_optional_int(ak9.value(2)) or 0 if ak9 else 0,
        sets_received=_optional_int(ak9.value(3)) or 0 if ak9 else 0,
        sets_accepted=_optional_int(ak9.value(4)) or 0 if ak9 else 0,
        group_error_codes=tuple(ak9.value(i) for i in range(5, 10) if ak9.value(i)) if ak9 else (),
    )


def read_999(source: Source) -> list[FunctionalAcknowledgment]:
    """Read every 999 transaction set in ``source``."""
    return [
        _ack_from(t.segments, t.interchange_control_number, t.control_number)
        for t in _transactions_of(source, "999")
    ]


@dataclass(frozen=True, slots=True)
class StatusDetail:
    """One STC composite: category (A1, A7...), status code, entity; with STC02..STC04."""

    category: str
    status_code: str
    entity: str = ""
    effective_date: date | None = None
    action_code: str = ""
    charge: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LineStatus:
    """Loop 2220D: one service line's status (SVC, STC, REF*FJ line item control)."""

    procedure: tuple[str, ...]
    charge: Decimal | None
    line_control_number: str | None
    statuses: tuple[StatusDetail, ...]
    service_date: date | None = None


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """Loop 2200D: one claim's acknowledgment.

    ``patient_control_number`` is TRN02 (our CLM01); ``payer_claim_control_number`` is
    REF*1K. ``outcome`` is 'rejected' when any STC category is A3/A4/A6/A7/A8,
    'accepted' when the categories are A1/A2/A5, otherwise 'other' (pended, etc.).
    """

    patient_control_number: str
    payer_claim_control_number: str | None
    statuses: tuple[StatusDetail, ...]
    position: int
    billing_provider_npi: str | None = None
    clearinghouse_trace: str | None = None
    bill_type: str | None = None
    service_start: date | None = None
    service_end: date | None = None
    lines: tuple[LineStatus, ...] = ()

    @property
    def outcome(self) -> str:
        """'accepted', 'rejected' or 'other'."""
        categories = {status.category for status in self.statuses}
        if categories & REJECTED_STATUS_CATEGORIES:
            return "rejected"
        if categories and categories <= ACCEPTED_STATUS_CATEGORIES:
            return "accepted"
        return "other"


@dataclass(frozen=True, slots=True)
class ClaimAcknowledgment:
    """One 277CA: the batch trace echo (2200B TRN02, our BHT03), statuses, claims."""

    interchange_control_number: str
    control_number: str
    reference_id: str
    batch_trace: str | None
    batch_statuses: tuple[StatusDetail, ...]
    claims: tuple[ClaimStatus, ...]


def _status_details(segment: Segment) -> list[StatusDetail]:
    """STC01 plus the optional extra composites STC10 and STC11."""
    effective = parse_date_text(segment.value(2))
    charge = read_optional_decimal(segment, 4)
    found: list[StatusDetail] = []
    for index in (1, 10, 11):
        parts: Repetition = segment.composite(index)
        if not parts:
            continue
        found.append(
            StatusDetail(
                parts[0],
                parts[1] if len(parts) > 1 else "",
                parts[2] if len(parts) > 2 else "",
                effective,
                segment.value(3),
                charge,
            )
        )
    return found


@dataclass
class _LineStatusBuilder:
    procedure: Repetition
    charge: Decimal | None
    statuses: list[StatusDetail] = field(default_factory=list)
    line_control_number: str | None = None
    service_date: date | None = None

    def build(self) -> LineStatus:
        return LineStatus(
            self.procedure,
            self.charge,
            self.line_control_number,
            tuple(self.statuses),
            self.service_date,
        )


@dataclass
class _ClaimStatusBuilder:
    position: int
    npi: str | None
    trace: str = ""
    payer_icn: str | None = None
    clearinghouse: str | None = None
    bill_type: str | None = None
    statuses: list[StatusDetail] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    lines: list[_LineStatusBuilder] = field(default_factory=list)


def _dates(segment: Segment) -> tuple[date | None, date | None]:
    text = segment.value(3)
    if segment.value(2) == "RD8" and "-" in text:
        first, _, last = text.partition("-")
        return parse_date_text(first), parse_date_text(last)
    single = parse_date_text(text)
    return single, single


def _claim_ack_from(segments: tuple[Segment, ...], icn: str, control: str) -> ClaimAcknowledgment:
    bht_reference = ""
    level = ""
    batch_trace: str | None = None
    batch_statuses: list[StatusDetail] = []
    provider_npi: str | None = None
    claims: list[_ClaimStatusBuilder] = []
    current: _ClaimStatusBuilder | None = None
    line: _LineStatusBuilder | None = None
    for segment in segments[1:-1]:
        sid = segment.segment_id
        if sid == "BHT":
            bht_reference = segment.value(3)
        elif sid == "HL":
            level = segment.value(3)
            line = None
            if level == "PT":
                current = _ClaimStatusBuilder(segment.position, provider_npi)
                claims.append(current)
            else:
                current = None
        elif level == "21" and sid == "TRN":
            batch_trace = segment.value(2)
        elif level == "21" and sid == "STC":
            batch_statuses.extend(_status_details(segment))
        elif level == "19" and sid == "NM1" and segment.value(8) == "XX":
            provider_npi = segment.value(9)
        elif current is not None and sid == "SVC":
            line = _LineStatusBuilder(segment.composite(1), read_optional_decimal(segment, 2))
            current.lines.append(line)
        elif current is not None and line is not None:
            if sid == "STC":
                line.statuses.extend(_status_details(segment))
            elif sid == "REF" and segment.value(1) == "FJ":
                line.line_control_number = segment.value(2)
            elif sid == "DTP" and segment.value(1) == "472":
                line.service_date = _dates(segment)[0]
        elif current is not None:
            if sid == "TRN":
                current.trace = segment.value(2)
            elif sid == "STC":
                current.statuses.extend(_status_details(segment))
            elif sid == "REF" and segment.value(1) == "1K":
                current.payer_icn = segment.value(2)
            elif sid == "REF" and segment.value(1) == "D9":
                current.clearinghouse = segment.value(2)
            elif sid == "REF" and segment.value(1) == "BLT":
                current.bill_type = segment.value(2)
            elif sid == "DTP" and segment.value(1) == "472":
                current.start, current.end = _dates(segment)
    return ClaimAcknowledgment(
        interchange_control_number=icn,
        control_number=control,
        reference_id=bht_reference,
        batch_trace=batch_trace,
        batch_statuses=tuple(batch_statuses),
        claims=tuple(_build_claim_status(c) for c in claims),
    )


def _build_claim_status(builder: _ClaimStatusBuilder) -> ClaimStatus:
    return ClaimStatus(
        patient_control_number=builder.trace,
        payer_claim_control_number=builder.payer_icn,
        statuses=tuple(builder.statuses),
        position=builder.position,
        billing_provider_npi=builder.npi,
        clearinghouse_trace=builder.clearinghouse,
        bill_type=builder.bill_type,
        service_start=builder.start,
        service_end=builder.end,
        lines=tuple(line.build() for line in builder.lines),
    )


def read_277ca(source: Source) -> list[ClaimAcknowledgment]:
    """Read every 277CA (ST01 277) transaction set in ``source``."""
    return [
        _claim_ack_from(t.segments, t.interchange_control_number, t.control_number)
        for t in _transactions_of(source, "277")
    ]
