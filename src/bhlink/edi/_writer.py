"""837P (005010X222A1) and 837I (005010X223A2) writers.

Layout follows the TR3s and x12.md section 3: ISA/GS/ST/BHT, 1000A submitter with PER,
1000B receiver, one 2000A billing provider HL (code 20), one 2000B subscriber HL
(code 22) per subscriber/payer/patient combination, a 2000C patient HL (code 23) when
the patient is not the subscriber, then the 2300 claims, SE/GE/IEA with exact counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bhlink.edi._checks import check_837i, check_837p
from bhlink.edi._claims import (
    Address,
    BillingProvider,
    Claim,
    ClaimAdjustment,
    OtherCoverage,
    Patient,
    Payer,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
)
from bhlink.edi._envelope import Envelope
from bhlink.edi._exceptions import ClaimValidationError
from bhlink.edi._segment import ElementInput, Segment
from bhlink.edi._tokenizer import serialize
from bhlink.edi._values import format_date, format_decimal, format_time

PROFESSIONAL_VERSION = "005010X222A1"
INSTITUTIONAL_VERSION = "005010X223A2"
# CAS carries at most six reason/amount/quantity triples (CAS02..CAS19).
_CAS_TRIPLES = 6


class _Builder:
    """Collects segments and numbers them as they will appear in the file."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []

    def add(self, segment_id: str, *values: ElementInput) -> None:
        self.segments.append(Segment.of(segment_id, *values, position=len(self.segments) + 1))


def _yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def _amount(value: Decimal) -> str:
    return format_decimal(value)


def _address(out: _Builder, address: Address) -> None:
    out.add("N3", address.line1, address.line2)
    out.add("N4", address.city, address.state, address.postal_code)


def _interchange_header(out: _Builder, envelope: Envelope, version: str) -> None:
    created = envelope.created_at
    delimiters = envelope.delimiters
    out.add(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        envelope.sender_qualifier,
        envelope.sender_id.ljust(15),
        envelope.receiver_qualifier,
        envelope.receiver_id.ljust(15),
        created.strftime("%y%m%d"),
        format_time(created),
        delimiters.repetition,
        "00501",
        envelope.isa_control_number,
        "1" if envelope.acknowledgment_requested else "0",
        envelope.usage_indicator,
        delimiters.component,
    )
    out.add(
        "GS",
        "HC",
        envelope.application_sender_code or envelope.sender_id,
        envelope.application_receiver_code or envelope.receiver_id,
        format_date(created.date()),
        format_time(created),
        str(envelope.group_control_number),
        "X",
        version,
    )


def _transaction_header(
    out: _Builder, envelope: Envelope, version: str, submitter: Submitter, receiver: Receiver
) -> None:
    created = envelope.created_at
    out.add("ST", "837", envelope.st_control_number, version)
    out.add(
        "BHT",
        "0019",
        "00",
        envelope.batch_id or str(envelope.interchange_control_number),
        format_date(created.date()),
        format_time(created),
        "CH",
    )
    out.add("NM1", "41", "2", submitter.name, None, None, None, None, "46", submitter.identifier)
    contact: list[ElementInput] = ["IC", submitter.contact_name, "TE", submitter.contact_phone]
    if submitter.contact_email:
        contact += ["EM", submitter.contact_email]
    out.add("PER", *contact)
    out.add("NM1", "40", "2", receiver.name, None, None, None, None, "46", receiver.identifier)


def _billing_provider(out: _Builder, provider: BillingProvider) -> None:
    out.add("HL", "1", None, "20", "1")
    out.add("PRV", "BI", "PXC", provider.taxonomy)
    entity = "1" if provider.first_name else "2"
    out.add(
        "NM1",
        "85",
        entity,
        provider.name,
        provider.first_name,
        None,
        None,
        None,
        "XX",
        provider.npi,
    )
    _address(out, provider.address)
    out.add("REF", provider.tax_id_qualifier, provider.tax_id)


def _payer(out: _Builder, payer: Payer) -> None:
    out.add("NM1", "PR", "2", payer.name, None, None, None, None, "PI", payer.payer_id)
    if payer.address is not None:
        _address(out, payer.address)


def _subscriber(
    out: _Builder,
    hl_id: int,
    subscriber: Subscriber,
    payer: Payer,
    patient: Patient | None,
) -> None:
    out.add("HL", str(hl_id), "1", "22", "1" if patient else "0")
    sbr: list[ElementInput] = [
        subscriber.payer_responsibility,
        None if patient else "18",
        subscriber.group_number,
        subscriber.group_name,
        None,
        None,
        None,
        None,
        subscriber.claim_filing_indicator,
    ]
    out.add("SBR", *sbr)
    out.add(
        "NM1",
        "IL",
        "1",
        subscriber.last_name,
        subscriber.first_name,
        subscriber.middle_name,
        None,
        None,
        "MI",
        subscriber.member_id,
    )
    _address(out, subscriber.address)
    out.add("DMG", "D8", format_date(subscriber.birth_date), subscriber.sex)
    _payer(out, payer)


def _patient(out: _Builder, hl_id: int, parent_id: int, patient: Patient) -> None:
    out.add("HL", str(hl_id), str(parent_id), "23", "0")
    out.add("PAT", patient.relationship)
    out.add("NM1", "QC", "1", patient.last_name, patient.first_name, patient.middle_name)
    _address(out, patient.address)
    out.add("DMG", "D8", format_date(patient.birth_date), patient.sex)


def _cas_segments(out: _Builder, adjustments: Sequence[ClaimAdjustment]) -> None:
    by_group: dict[str, list[ClaimAdjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group_code, []).append(adjustment)
    for group, items in by_group.items():
        for start in range(0, len(items), _CAS_TRIPLES):
            values: list[ElementInput] = [group]
            for item in items[start : start + _CAS_TRIPLES]:
                quantity = None if item.quantity is None else format_decimal(item.quantity)
                values += [item.reason_code, _amount(item.amount), quantity]
            out.add("CAS", *values)


def _other_coverage(out: _Builder, other: OtherCoverage) -> None:
    out.add(
        "SBR",
        other.payer_responsibility,
        other.relationship,
        other.group_number,
        None,
        None,
        None,
        None,
        None,
        other.claim_filing_indicator,
    )
    _cas_segments(out, other.adjustments)
    if other.paid_amount is not None:
        out.add("AMT", "D", _amount(other.paid_amount))
    # OI03 benefits assignment and OI06 release of information (both required).
    out.add("OI", None, None, "Y", None, None, "Y")
    out.add(
        "NM1", "IL", "1", other.last_name, other.first_name, None, None, None, "MI", other.member_id
    )
    _payer(out, other.payer)
    if other.adjudication_date is not None:
        out.add("DTP", "573", "D8", format_date(other.adjudication_date))


def _procedure(line: ServiceLine) -> list[str] | None:
    if line.procedure_code is None:
        return None
    return ["HC", line.procedure_code, *line.modifiers]


def _professional_claim(out: _Builder, claim: Claim, billing: BillingProvider) -> None:
    out.add(
        "CLM",
        claim.claim_id,
        _amount(claim.total_charge),
        None,
        None,
        [claim.place_of_service, "B", claim.frequency_code],
        _yes_no(claim.provider_signature_on_file),
        "A" if claim.assignment_accepted else "C",
        _yes_no(claim.benefits_assigned),
        claim.release_of_information,
    )
    if claim.prior_authorization:
        out.add("REF", "G1", claim.prior_authorization)
    if claim.payer_claim_control_number:
        out.add("REF", "F8", claim.payer_claim_control_number)
    qualifiers = ["ABK"] + ["ABF"] * (len(claim.diagnoses) - 1)
    out.add("HI", *[[q, code] for q, code in zip(qualifiers, claim.diagnoses, strict=True)])
    rendering = claim.rendering_provider
    if rendering is not None and rendering.npi != billing.npi:
        out.add(
            "NM1",
            "82",
            "1",
            rendering.last_name,
            rendering.first_name,
            None,
            None,
            None,
            "XX",
            rendering.npi,
        )
        if rendering.taxonomy:
            out.add("PRV", "PE", "PXC", rendering.taxonomy)
    for other in claim.other_coverage:
        _other_coverage(out, other)
    for number, line in enumerate(claim.service_lines, start=1):
        out.add("LX", str(number))
        line_pos = line.place_of_service
        out.add(
            "SV1",
            _procedure(line),
            _amount(line.charge),
            line.unit_basis,
            format_decimal(line.units),
            line_pos if line_pos and line_pos != claim.place_of_service else None,
            None,
            [str(pointer) for pointer in line.diagnosis_pointers],
        )
        out.add("DTP", "472", "D8", format_date(line.service_date))
        if line.line_control_number:
            out.add("REF", "6R", line.line_control_number)


def _institutional_claim(out: _Builder, claim: Claim, billing: BillingProvider) -> None:
    info = claim.institutional
    if info is None:  # check_837i reports this; guard keeps the type checker honest
        raise ClaimValidationError([])
    out.add(
        "CLM",
        claim.claim_id,
        _amount(claim.total_charge),
        None,
        None,
        [info.facility_code, "A", claim.frequency_code],
        None,
        "A" if claim.assignment_accepted else "C",
        _yes_no(claim.benefits_assigned),
        claim.release_of_information,
    )
    out.add(
        "DTP",
        "434",
        "RD8",
        f"{format_date(info.statement_from)}-{format_date(info.statement_to)}",
    )
    if info.admission_date is not None:
        out.add("DTP", "435", "D8", format_date(info.admission_date))
    out.add("CL1", info.admission_type, info.admission_source, info.patient_status)
    if claim.prior_authorization:
        out.add("REF", "G1", claim.prior_authorization)
    if claim.payer_claim_control_number:
        out.add("REF", "F8", claim.payer_claim_control_number)
    out.add("HI", ["ABK", claim.diagnoses[0]])
    if info.admitting_diagnosis:
        out.add("HI", ["ABJ", info.admitting_diagnosis])
    if info.reason_for_visit:
        out.add("HI", *[["APR", code] for code in info.reason_for_visit])
    others = claim.diagnoses[1:]
    for start in range(0, len(others), 12):
        out.add("HI", *[["ABF", code] for code in others[start : start + 12]])
    attending = info.attending_provider
    if attending is not None:
        out.add(
            "NM1",
            "71",
            "1",
            attending.last_name,
            attending.first_name,
            None,
            None,
            None,
            "XX",
            attending.npi,
        )
        if attending.taxonomy:
            out.add("PRV", "AT", "PXC", attending.taxonomy)
    rendering = claim.rendering_provider
    if rendering is not None and rendering.npi not in (billing.npi, attending and attending.npi):
        out.add(
            "NM1",
            "82",
            "1",
            rendering.last_name,
            rendering.first_name,
            None,
            None,
            None,
            "XX",
            rendering.npi,
        )
    for other in claim.other_coverage:
        _other_coverage(out, other)
    for number, line in enumerate(claim.service_lines, start=1):
        out.add("LX", str(number))
        out.add(
            "SV2",
            line.revenue_code,
            _procedure(line),
            _amount(line.charge),
            line.unit_basis,
            format_decimal(line.units),
        )
        out.add("DTP", "472", "D8", format_date(line.service_date))
        if line.line_control_number:
            out.add("REF", "6R", line.line_control_number)


def _write(
    envelope: Envelope,
    submitter: Submitter,
    receiver: Receiver,
    billing_provider: BillingProvider,
    claims: Sequence[Claim],
    *,
    institutional: bool,
) -> str:
    problems = envelope.problems()
    check = check_837i if institutional else check_837p
    problems += check(billing_provider, claims)
    if problems:
        raise ClaimValidationError(problems)
    version = INSTITUTIONAL_VERSION if institutional else PROFESSIONAL_VERSION
    out = _Builder()
    _interchange_header(out, envelope, version)
    st_index = len(out.segments)
    _transaction_header(out, envelope, version, submitter, receiver)
    _billing_provider(out, billing_provider)
    # One subscriber HL per (subscriber, payer, patient), in first-seen order.
    groups: dict[tuple[Subscriber, Payer, Patient | None], list[Claim]] = {}
    for claim in claims:
        groups.setdefault((claim.subscriber, claim.payer, claim.patient), []).append(claim)
    hl_id = 1
    for (subscriber, payer, patient), group_claims in groups.items():
        hl_id += 1
        subscriber_hl = hl_id
        _subscriber(out, subscriber_hl, subscriber, payer, patient)
        if patient is not None:
            hl_id += 1
            _patient(out, hl_id, subscriber_hl, patient)
        for claim in group_claims:
            if institutional:
                _institutional_claim(out, claim, billing_provider)
            else:
                _professional_claim(out, claim, billing_provider)
    segment_count = len(out.segments) - st_index + 1
    out.add("SE", str(segment_count), envelope.st_control_number)
    out.add("GE", "1", str(envelope.group_control_number))
    out.add("IEA", "1", envelope.isa_control_number)
    return serialize(out.segments, envelope.delimiters, line_break=envelope.line_break)


def write_837p(
    envelope: Envelope,
    submitter: Submitter,
    receiver: Receiver,
    billing_provider: BillingProvider,
    claims: Sequence[Claim],
) -> str:
    """An 005010X222A1 professional claim interchange holding ``claims``.

    Raises ClaimValidationError listing every problem (see check_837p) before writing,
    and X12EncodeError if a value contains one of the envelope's delimiters.
    """
    return _write(envelope, submitter, receiver, billing_provider, claims, institutional=False)


def write_837i(
    envelope: Envelope,
    submitter: Submitter,
    receiver: Receiver,
    billing_provider: BillingProvider,
    claims: Sequence[Claim],
) -> str:
    """An 005010X223A2 institutional claim interchange holding ``claims``.

    Each claim needs ``institutional`` data (type of bill, statement dates, CL1) and
    lines with revenue codes. Raises ClaimValidationError like write_837p.
    """
    return _write(envelope, submitter, receiver, billing_provider, claims, institutional=True)
