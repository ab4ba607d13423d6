"""Whole-file validation: tokenize, walk the envelope and apply our business checks.

validate_837 and validate_835 never raise for bad input: they return every Problem
found (syntax and envelope problems included), each naming the segment and position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from bhlink.edi._codes import (
    ADJUSTMENT_GROUP_CODES_835,
    CLAIM_FREQUENCY_CODES,
    CLAIM_STATUS_CODES_835,
    FREQUENCIES_NEEDING_PAYER_CLAIM_NUMBER,
)
from bhlink.edi._envelope import Transaction, walk_transactions
from bhlink.edi._exceptions import X12Error
from bhlink.edi._problem import Problem
from bhlink.edi._remittance import Remittance, remittance_from_transaction
from bhlink.edi._rules import (
    check_npi,
    icd10_problem,
    is_valid_modifier,
    is_valid_place_of_service,
    is_valid_revenue_code,
    is_zip9,
    looks_like_po_box,
)
from bhlink.edi._segment import Segment
from bhlink.edi._tokenizer import Source, iter_segments
from bhlink.edi._values import read_decimal

_ICD10_QUALIFIERS = frozenset({"ABK", "ABF", "ABJ", "APR", "ABN"})
_ICD9_QUALIFIERS = frozenset({"BK", "BF", "BJ", "PR", "BN"})
_DIAGNOSIS_QUALIFIERS = frozenset({"ABK", "ABF", "BK", "BF"})


def _at(code: str, path: str, message: str, segment: Segment) -> Problem:
    return Problem(
        code, path, f"{message} ({segment.where()})", segment.segment_id, segment.position
    )


def _from_error(error: X12Error) -> Problem:
    code = {
        "X12SyntaxError": "x12-syntax",
        "X12StructureError": "x12-structure",
        "X12ValueError": "x12-value",
    }.get(type(error).__name__, "x12-error")
    return Problem(code, error.segment_id or "", error.message, error.segment_id, error.position)


def _run(source: Source, check: Callable[[Transaction, list[Problem]], None]) -> list[Problem]:
    problems: list[Problem] = []
    try:
        for transaction in walk_transactions(iter_segments(source), problems.append):
            try:
                check(transaction, problems)
            except X12Error as error:
                problems.append(_from_error(error))
    except X12Error as error:
        problems.append(_from_error(error))
    return problems


# --- 835 ---------------------------------------------------------------------------------


def check_835(remittance: Remittance) -> list[Problem]:
    """Balancing and code problems in one remittance (835 TR3 section 1.10.2).

    Per claim: CLP03 - CLP04 = sum of claim-level and line-level CAS amounts. Per line:
    SVC02 - SVC03 = sum of that line's CAS amounts. Per transaction: BPR02 = sum of
    CLP04 - sum of PLB amounts (negated for a debit, BPR03 = D).
    """
    found: list[Problem] = []
    for claim in remittance.claims:
        where = f"segment CLP at position {claim.position}"
        if claim.status_code not in CLAIM_STATUS_CODES_835:
            found.append(
                Problem(
                    "claim-status-code",
                    "CLP02",
                    f"not an 835 claim status code ({where})",
                    "CLP",
                    claim.position,
                )
            )
        line_adjustments = Decimal(0)
        for line in claim.service_lines:
            line_sum = sum((a.amount for a in line.adjustments), Decimal(0))
            line_adjustments += line_sum
            if line.charge - line.paid != line_sum:
                found.append(
                    Problem(
                        "835-line-unbalanced",
                        "SVC02",
                        "SVC02 - SVC03 differs from the line's CAS total"
                        f" (segment SVC at position {line.position})",
                        "SVC",
                        line.position,
                    )
                )
            for adjustment in line.adjustments:
                if adjustment.group_code not in ADJUSTMENT_GROUP_CODES_835:
                    found.append(
                        Problem(
                            "adjustment-group",
                            "CAS01",
                            f"not an 835 CAS group code (line at position {line.position})",
                            "SVC",
                            line.position,
                        )
                    )
        claim_sum = sum((a.amount for a in claim.adjustments), Decimal(0))
        for adjustment in claim.adjustments:
            if adjustment.group_code not in ADJUSTMENT_GROUP_CODES_835:
                found.append(
                    Problem(
                        "adjustment-group",
                        "CAS01",
                        f"not an 835 CAS group code ({where})",
                        "CLP",
                        claim.position,
                    )
                )
        if claim.charge - claim.paid != claim_sum + line_adjustments:
            found.append(
                Problem(
                    "835-claim-unbalanced",
                    "CLP03",
                    f"CLP03 - CLP04 differs from the claim and line CAS total ({where})",
                    "CLP",
                    claim.position,
                )
            )
    paid = sum((c.paid for c in remittance.claims), Decimal(0))
    provider = sum((p.amount for p in remittance.provider_adjustments), Decimal(0))
    payment = remittance.payment_amount
    if remittance.credit_debit == "D":
        payment = -payment
    if payment != paid - provider:
        found.append(
            Problem(
                "835-payment-unbalanced",
                "BPR02",
                "BPR02 differs from the sum of CLP04 minus the PLB adjustments"
                f" (segment BPR at position {remittance.bpr_position})",
                "BPR",
                remittance.bpr_position,
            )
        )
    return found


def _check_835_transaction(transaction: Transaction, problems: list[Problem]) -> None:
    if transaction.transaction_set_id != "835":
        first = transaction.segments[0]
        problems.append(_at("transaction-set", "ST01", "not an 835 transaction set", first))
        return
    problems.extend(check_835(remittance_from_transaction(transaction)))


def validate_835(source: Source) -> list[Problem]:
    """Every problem in an 835 file: syntax, envelope counts, values and balancing."""
    return _run(source, _check_835_transaction)


# --- 837 ---------------------------------------------------------------------------------


@dataclass
class _ClaimState:
    clm: Segment
    frequency: str
    diagnoses: int = 0
    line_total: Decimal = Decimal(0)
    has_f8: bool = False
    lines: int = 0


@dataclass
class _ClaimFileState:
    professional: bool
    problems: list[Problem]
    hl_levels: dict[str, str] = field(default_factory=dict)
    entity: str = ""
    claim: _ClaimState | None = None

    def add(self, code: str, path: str, message: str, segment: Segment) -> None:
        self.problems.append(_at(code, path, message, segment))

    def close_claim(self) -> None:
        claim = self.claim
        self.claim = None
        if claim is None:
            return
        if claim.lines and read_decimal(claim.clm, 2) != claim.line_total:
            self.add(
                "charge-total-mismatch",
                "CLM02",
                "CLM02 differs from the sum of line charges",
                claim.clm,
            )
        if claim.frequency in FREQUENCIES_NEEDING_PAYER_CLAIM_NUMBER and not claim.has_f8:
            self.add(
                "payer-claim-number-missing",
                "REF",
                "replacement/void claim without REF*F8 payer claim control number",
                claim.clm,
            )


_HL_PARENT = {"20": "", "22": "20", "23": "22"}


def _on_hl(state: _ClaimFileState, segment: Segment) -> None:
    state.close_claim()
    hl_id, parent, level = segment.value(1), segment.value(2), segment.value(3)
    expected_parent = _HL_PARENT.get(level)
    if hl_id != str(len(state.hl_levels) + 1):
        state.add("hl-structure", "HL01", "HL ids must run 1, 2, 3... in order", segment)
    if expected_parent is None:
        state.add("hl-structure", "HL03", "not an 837 hierarchical level code", segment)
    elif (state.hl_levels.get(parent, "") if parent else "") != expected_parent or (
        parent and parent not in state.hl_levels
    ):
        state.add("hl-structure", "HL02", "the parent HL is missing or of the wrong level", segment)
    state.hl_levels[hl_id] = level


def _on_clm(state: _ClaimFileState, segment: Segment) -> None:
    state.close_claim()
    pos, facility_qualifier, frequency = (segment.component(5, i) for i in (1, 2, 3))
    del facility_qualifier
    if state.professional and not is_valid_place_of_service(pos):
        state.add("pos-code", "CLM05-1", "not a CMS place-of-service code", segment)
    if frequency not in CLAIM_FREQUENCY_CODES:
        state.add("frequency-code", "CLM05-3", "claim frequency must be 1, 7 or 8", segment)
    read_decimal(segment, 2)
    state.claim = _ClaimState(segment, frequency)


def _on_hi(state: _ClaimFileState, segment: Segment) -> None:
    for index in range(1, len(segment) + 1):
        qualifier, code = segment.component(index, 1), segment.component(index, 2)
        path = f"HI{index:02d}"
        if qualifier in _ICD9_QUALIFIERS:
            state.add(
                "icd9-qualifier",
                f"{path}-1",
                "ICD-9 qualifiers are not valid after 2015-10-01",
                segment,
            )
        elif qualifier in _ICD10_QUALIFIERS:
            problem = icd10_problem(code)
            if problem:
                state.add(problem[0], f"{path}-2", problem[1], segment)
        if qualifier in _DIAGNOSIS_QUALIFIERS and state.claim is not None:
            state.claim.diagnoses += 1


def _check_modifiers(state: _ClaimFileState, segment: Segment, index: int) -> None:
    for position, modifier in enumerate(segment.composite(index)[2:6], start=3):
        if modifier and not is_valid_modifier(modifier):
            state.add(
                "modifier-format",
                f"{segment.ref(index)}-{position}",
                "modifier must be 2 letters or digits",
                segment,
            )


def _on_sv1(state: _ClaimFileState, segment: Segment) -> None:
    claim = state.claim
    _check_modifiers(state, segment, 1)
    line_pos = segment.value(5)
    if line_pos and not is_valid_place_of_service(line_pos):
        state.add("pos-code", "SV105", "not a CMS place-of-service code", segment)
    pointers = segment.composite(7)
    if len(pointers) > 4:
        state.add("diagnosis-pointer-count", "SV107", "at most 4 diagnosis pointers", segment)
    for position, pointer in enumerate(pointers, start=1):
        count = claim.diagnoses if claim else 0
        if not pointer.isdigit() or not 1 <= int(pointer) <= count:
            state.add(
                "diagnosis-pointer-range",
                f"SV107-{position}",
                "pointer outside the claim's diagnoses",
                segment,
            )
    if claim is not None:
        claim.line_total += read_decimal(segment, 2)
        claim.lines += 1


def _on_sv2(state: _ClaimFileState, segment: Segment) -> None:
    if not is_valid_revenue_code(segment.value(1)):
        state.add("revenue-code-format", "SV201", "revenue code must be 4 digits", segment)
    _check_modifiers(state, segment, 2)
    if state.claim is not None:
        state.claim.line_total += read_decimal(segment, 3)
        state.claim.lines += 1


def _check_837_transaction(transaction: Transaction, problems: list[Problem]) -> None:
    first = transaction.segments[0]
    if transaction.transaction_set_id != "837":
        problems.append(_at("transaction-set", "ST01", "not an 837 transaction set", first))
        return
    state = _ClaimFileState(professional="X222" in transaction.version, problems=problems)
    for segment in transaction.segments[1:-1]:
        sid = segment.segment_id
        if sid == "HL":
            _on_hl(state, segment)
        elif sid == "NM1":
            state.entity = segment.value(1)
            if segment.value(8) == "XX" and not check_npi(segment.value(9)):
                state.add("npi-check-digit", "NM109", "not a valid NPI", segment)
        elif sid == "N3" and state.entity == "85":
            if looks_like_po_box(segment.value(1)) or looks_like_po_box(segment.value(2)):
                state.add("po-box", "N301", "the billing address must be a street address", segment)
        elif sid == "N4" and state.entity == "85" and not is_zip9(segment.value(3)):
            state.add("zip-format", "N403", "the billing provider ZIP must have 9 digits", segment)
        elif sid == "CLM":
            _on_clm(state, segment)
        elif sid == "REF" and segment.value(1) == "F8" and state.claim is not None:
            state.claim.has_f8 = True
        elif sid == "HI":
            _on_hi(state, segment)
        elif sid == "SV1":
            _on_sv1(state, segment)
        elif sid == "SV2":
            _on_sv2(state, segment)
    state.close_claim()


def validate_837(source: Source) -> list[Problem]:
    """Every problem in an 837P/837I file that pyx12 does not catch.

    Besides syntax and envelope problems: NPI check digits, ICD-10 format and
    decimals, ICD-9 qualifiers, POS and frequency codes, REF*F8 for 7/8, modifiers,
    diagnosis pointers, CLM02 against the line charges, billing ZIP+4 and PO boxes,
    HL numbering and parents.
    """
    return _run(source, _check_837_transaction)
