"""Checks on claim documents before an 837 is written; every problem is reported at once.

These are the business rules that pyx12 does not check (x12.md section 1 "Which checks
fire"): NPI check digits, diagnosis pointers, ICD-10 without decimals, modifiers, POS,
frequency codes, charges summing to the claim total and COB balancing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from bhlink.edi._claims import (
    Address,
    BillingProvider,
    Claim,
    OtherCoverage,
    Provider,
    ServiceLine,
)
from bhlink.edi._codes import (
    ADJUSTMENT_GROUP_CODES_837,
    CLAIM_FILING_INDICATORS,
    CLAIM_FREQUENCY_CODES,
    FREQUENCIES_NEEDING_PAYER_CLAIM_NUMBER,
    INPATIENT_FACILITY_CODES,
    OTHER_SUBSCRIBER_RELATIONSHIP_CODES,
    PATIENT_RELATIONSHIP_CODES,
    PAYER_RESPONSIBILITY_CODES,
    SEX_CODES,
)
from bhlink.edi._problem import Problem
from bhlink.edi._rules import (
    check_npi,
    has_cents_precision,
    icd10_problem,
    is_ein,
    is_valid_modifier,
    is_valid_place_of_service,
    is_valid_procedure_code,
    is_valid_revenue_code,
    is_valid_taxonomy,
    is_zip,
    is_zip9,
    looks_like_po_box,
)

Kind = Literal["837P", "837I"]

# 837P TR3: HI01..HI12 hold at most 12 diagnoses; SV107 holds at most 4 pointers;
# 2400 repeats at most 50 times. 837I: principal + 2 x 12 other diagnoses; 999 lines.
MAX_DIAGNOSES = {"837P": 12, "837I": 25}
MAX_LINES = {"837P": 50, "837I": 999}
MAX_POINTERS = 4
MAX_MODIFIERS = 4
# Medicare and many payers keep only 20 characters of the patient control number, so
# CLM01 longer than that does not come back intact in 835 CLP01 (x12.md section 3).
MAX_CLAIM_ID_LENGTH = 20


def _npi(found: list[Problem], npi: str, path: str) -> None:
    if not check_npi(npi):
        found.append(
            Problem("npi-check-digit", path, "not a valid NPI (10 digits, CMS Luhn check digit)")
        )


def _address(found: list[Problem], address: Address, path: str, *, zip9: bool) -> None:
    if not address.line1.strip():
        found.append(Problem("required", f"{path}.line1", "address line 1 is required"))
    if len(address.state) != 2 or not address.state.isalpha():
        found.append(Problem("state-format", f"{path}.state", "must be a 2-letter state code"))
    if zip9 and not is_zip9(address.postal_code):
        found.append(Problem("zip-format", f"{path}.postal_code", "must be a 9-digit ZIP+4"))
    elif not is_zip(address.postal_code):
        found.append(Problem("zip-format", f"{path}.postal_code", "must be a 5 or 9-digit ZIP"))


def _money(found: list[Problem], amount: Decimal, path: str, *, allow_zero: bool = True) -> None:
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero):
        found.append(Problem("amount", path, "must be a positive amount"))
    elif not has_cents_precision(amount):
        found.append(Problem("amount-precision", path, "has more than two decimal places"))


def _provider(found: list[Problem], provider: Provider, path: str) -> None:
    _npi(found, provider.npi, f"{path}.npi")
    if provider.taxonomy is not None and not is_valid_taxonomy(provider.taxonomy):
        found.append(Problem("taxonomy-format", f"{path}.taxonomy", "not a NUCC taxonomy code"))


def check_billing_provider(
    provider: BillingProvider, path: str = "billing_provider"
) -> list[Problem]:
    """Problems with the billing provider (2000A/2010AA)."""
    found: list[Problem] = []
    _npi(found, provider.npi, f"{path}.npi")
    if not is_ein(provider.tax_id):
        found.append(Problem("tax-id-format", f"{path}.tax_id", "must be 9 digits"))
    if not is_valid_taxonomy(provider.taxonomy):
        found.append(Problem("taxonomy-format", f"{path}.taxonomy", "not a NUCC taxonomy code"))
    _address(found, provider.address, f"{path}.address", zip9=True)
    if looks_like_po_box(provider.address.line1) or looks_like_po_box(provider.address.line2 or ""):
        found.append(
            Problem("po-box", f"{path}.address", "the billing address must be a street address")
        )
    return found


def _line(found: list[Problem], line: ServiceLine, claim: Claim, path: str, kind: Kind) -> None:
    _money(found, line.charge, f"{path}.charge")
    if not line.units.is_finite() or line.units <= 0:
        found.append(Problem("units", f"{path}.units", "must be greater than zero"))
    if line.procedure_code is None:
        if kind == "837P":
            found.append(
                Problem("required", f"{path}.procedure_code", "a procedure code is required")
            )
    elif not is_valid_procedure_code(line.procedure_code):
        found.append(
            Problem(
                "procedure-code-format",
                f"{path}.procedure_code",
                "must be a 5-character CPT/HCPCS code",
            )
        )
    if len(line.modifiers) > MAX_MODIFIERS:
        found.append(Problem("modifier-count", f"{path}.modifiers", "at most 4 modifiers"))
    if line.modifiers and line.procedure_code is None:
        found.append(
            Problem("modifier-without-code", f"{path}.modifiers", "modifiers need a procedure code")
        )
    for m_index, modifier in enumerate(line.modifiers):
        if not is_valid_modifier(modifier):
            found.append(
                Problem(
                    "modifier-format", f"{path}.modifiers[{m_index}]", "must be 2 letters or digits"
                )
            )
    if line.line_control_number is not None and not 1 <= len(line.line_control_number) <= 50:
        found.append(Problem("length", f"{path}.line_control_number", "must be 1..50 characters"))
    if kind == "837P":
        if line.unit_basis not in ("UN", "MJ"):
            found.append(Problem("unit-basis", f"{path}.unit_basis", "837P lines use UN or MJ"))
        if line.place_of_service is not None and not is_valid_place_of_service(
            line.place_of_service
        ):
            found.append(
                Problem("pos-code", f"{path}.place_of_service", "not a CMS place-of-service code")
            )
        if line.revenue_code is not None:
            found.append(Problem("not-used", f"{path}.revenue_code", "revenue codes are 837I-only"))
        pointers = line.diagnosis_pointers
        if not 1 <= len(pointers) <= MAX_POINTERS:
            found.append(
                Problem(
                    "diagnosis-pointer-count", f"{path}.diagnosis_pointers", "needs 1 to 4 pointers"
                )
            )
        for p_index, pointer in enumerate(pointers):
            if not 1 <= pointer <= len(claim.diagnoses):
                found.append(
                    Problem(
                        "diagnosis-pointer-range",
                        f"{path}.diagnosis_pointers[{p_index}]",
                        f"must point at one of the claim's {len(claim.diagnoses)} diagnoses",
                    )
                )
        if len(set(pointers)) != len(pointers):
            found.append(
                Problem(
                    "diagnosis-pointer-duplicate", f"{path}.diagnosis_pointers", "a pointer repeats"
                )
            )
    else:
        if line.unit_basis not in ("UN", "DA"):
            found.append(Problem("unit-basis", f"{path}.unit_basis", "837I lines use UN or DA"))
        if line.revenue_code is None or not is_valid_revenue_code(line.revenue_code):
            found.append(
                Problem(
                    "revenue-code-format",
                    f"{path}.revenue_code",
                    "a 4-digit revenue code is required",
                )
            )
        if line.place_of_service is not None:
            found.append(Problem("not-used", f"{path}.place_of_service", "837I lines carry no POS"))


def _other_coverage(found: list[Problem], other: OtherCoverage, claim: Claim, path: str) -> None:
    if other.payer_responsibility not in PAYER_RESPONSIBILITY_CODES:
        found.append(
            Problem("payer-responsibility", f"{path}.payer_responsibility", "not an SBR01 code")
        )
    if other.relationship not in OTHER_SUBSCRIBER_RELATIONSHIP_CODES:
        found.append(Problem("relationship-code", f"{path}.relationship", "not an SBR02 code"))
    if other.claim_filing_indicator not in CLAIM_FILING_INDICATORS:
        found.append(
            Problem("filing-indicator", f"{path}.claim_filing_indicator", "not an SBR09 code")
        )
    if not other.member_id:
        found.append(
            Problem("required", f"{path}.member_id", "the other subscriber's id is required")
        )
    for a_index, adjustment in enumerate(other.adjustments):
        if adjustment.group_code not in ADJUSTMENT_GROUP_CODES_837:
            found.append(
                Problem(
                    "adjustment-group",
                    f"{path}.adjustments[{a_index}].group_code",
                    "not a CAS group code",
                )
            )
    if other.paid_amount is not None:
        _money(found, other.paid_amount, f"{path}.paid_amount")
        # 837 TR3 section 1.4.1.1 (COB balancing): the other payer's paid amount plus
        # its claim adjustments must account for the whole claim charge.
        accounted = other.paid_amount + sum((a.amount for a in other.adjustments), Decimal(0))
        if accounted != claim.total_charge:
            found.append(
                Problem(
                    "cob-unbalanced",
                    f"{path}.adjustments",
                    "paid amount plus adjustments must equal the claim total",
                )
            )


def _institutional(found: list[Problem], claim: Claim, path: str) -> None:
    info = claim.institutional
    if info is None:
        found.append(
            Problem("required", f"{path}.institutional", "837I claims need institutional data")
        )
        return
    ipath = f"{path}.institutional"
    if len(info.facility_code) != 2 or not info.facility_code.isdigit():
        found.append(
            Problem(
                "facility-code",
                f"{ipath}.facility_code",
                "must be the 2-digit type-of-bill facility code",
            )
        )
    if info.statement_from > info.statement_to:
        found.append(
            Problem(
                "date-order", f"{ipath}.statement_from", "statement period starts after it ends"
            )
        )
    if info.facility_code in INPATIENT_FACILITY_CODES and info.admission_date is None:
        found.append(
            Problem(
                "admission-date-required",
                f"{ipath}.admission_date",
                "inpatient bill types need the admission date",
            )
        )
    if len(info.patient_status) != 2 or not info.patient_status.isdigit():
        found.append(
            Problem("patient-status", f"{ipath}.patient_status", "must be a 2-digit status code")
        )
    if info.attending_provider is not None:
        _provider(found, info.attending_provider, f"{ipath}.attending_provider")
    if info.admitting_diagnosis is not None:
        problem = icd10_problem(info.admitting_diagnosis)
        if problem:
            found.append(Problem(problem[0], f"{ipath}.admitting_diagnosis", problem[1]))
    for r_index, code in enumerate(info.reason_for_visit):
        problem = icd10_problem(code)
        if problem:
            found.append(Problem(problem[0], f"{ipath}.reason_for_visit[{r_index}]", problem[1]))
    if len(info.reason_for_visit) > 3:
        found.append(
            Problem("diagnosis-count", f"{ipath}.reason_for_visit", "at most 3 reasons for visit")
        )


def check_claim(claim: Claim, kind: Kind, path: str = "claim") -> list[Problem]:
    """Problems with one claim written as ``kind`` (837P or 837I)."""
    found: list[Problem] = []
    if not 1 <= len(claim.claim_id) <= MAX_CLAIM_ID_LENGTH:
        found.append(Problem("claim-id-length", f"{path}.claim_id", "must be 1..20 characters"))
    _money(found, claim.total_charge, f"{path}.total_charge")
    if claim.frequency_code not in CLAIM_FREQUENCY_CODES:
        found.append(Problem("frequency-code", f"{path}.frequency_code", "must be 1, 7 or 8"))
    if claim.frequency_code in FREQUENCIES_NEEDING_PAYER_CLAIM_NUMBER:
        if not claim.payer_claim_control_number:
            found.append(
                Problem(
                    "payer-claim-number-missing",
                    f"{path}.payer_claim_control_number",
                    "replacement (7) and void (8) claims need the payer claim control number",
                )
            )
    elif claim.payer_claim_control_number:
        found.append(
            Problem(
                "payer-claim-number-unexpected",
                f"{path}.payer_claim_control_number",
                "only replacement (7) and void (8) claims carry REF*F8",
            )
        )
    if kind == "837P" and not is_valid_place_of_service(claim.place_of_service):
        found.append(
            Problem("pos-code", f"{path}.place_of_service", "not a CMS place-of-service code")
        )
    if not 1 <= len(claim.diagnoses) <= MAX_DIAGNOSES[kind]:
        found.append(
            Problem(
                "diagnosis-count",
                f"{path}.diagnoses",
                f"needs 1 to {MAX_DIAGNOSES[kind]} diagnoses",
            )
        )
    for d_index, code in enumerate(claim.diagnoses):
        problem = icd10_problem(code)
        if problem:
            found.append(Problem(problem[0], f"{path}.diagnoses[{d_index}]", problem[1]))
    subscriber = claim.subscriber
    spath = f"{path}.subscriber"
    if not subscriber.member_id:
        found.append(Problem("required", f"{spath}.member_id", "the member id is required"))
    if subscriber.sex not in SEX_CODES:
        found.append(Problem("sex-code", f"{spath}.sex", "must be F, M or U"))
    if subscriber.claim_filing_indicator not in CLAIM_FILING_INDICATORS:
        found.append(
            Problem("filing-indicator", f"{spath}.claim_filing_indicator", "not an SBR09 code")
        )
    if subscriber.payer_responsibility not in PAYER_RESPONSIBILITY_CODES:
        found.append(
            Problem("payer-responsibility", f"{spath}.payer_responsibility", "not an SBR01 code")
        )
    _address(found, subscriber.address, f"{spath}.address", zip9=False)
    if claim.patient is not None:
        ppath = f"{path}.patient"
        if claim.patient.relationship not in PATIENT_RELATIONSHIP_CODES:
            found.append(Problem("relationship-code", f"{ppath}.relationship", "not a PAT01 code"))
        if claim.patient.sex not in SEX_CODES:
            found.append(Problem("sex-code", f"{ppath}.sex", "must be F, M or U"))
        _address(found, claim.patient.address, f"{ppath}.address", zip9=False)
    if not claim.payer.payer_id:
        found.append(Problem("required", f"{path}.payer.payer_id", "the payer id is required"))
    if claim.rendering_provider is not None:
        _provider(found, claim.rendering_provider, f"{path}.rendering_provider")
    if not 1 <= len(claim.service_lines) <= MAX_LINES[kind]:
        found.append(
            Problem("line-count", f"{path}.service_lines", f"needs 1 to {MAX_LINES[kind]} lines")
        )
    for l_index, line in enumerate(claim.service_lines):
        _line(found, line, claim, f"{path}.service_lines[{l_index}]", kind)
    line_total = sum((line.charge for line in claim.service_lines), Decimal(0))
    if line_total != claim.total_charge:
        found.append(
            Problem(
                "charge-total-mismatch",
                f"{path}.total_charge",
                "the line charges do not add up to the claim total (CLM02 = sum of line charges)",
            )
        )
    for o_index, other in enumerate(claim.other_coverage):
        _other_coverage(found, other, claim, f"{path}.other_coverage[{o_index}]")
    if kind == "837I":
        _institutional(found, claim, path)
    elif claim.institutional is not None:
        found.append(
            Problem("not-used", f"{path}.institutional", "institutional data is 837I-only")
        )
    return found


def _check(billing_provider: BillingProvider, claims: Sequence[Claim], kind: Kind) -> list[Problem]:
    found = check_billing_provider(billing_provider)
    if kind == "837I" and billing_provider.first_name is not None:
        found.append(
            Problem(
                "entity-type",
                "billing_provider.first_name",
                "837I billing providers are organizations",
            )
        )
    if not claims:
        found.append(Problem("required", "claims", "at least one claim is required"))
    seen: set[str] = set()
    for index, claim in enumerate(claims):
        found.extend(check_claim(claim, kind, f"claims[{index}]"))
        if claim.claim_id in seen:
            found.append(
                Problem(
                    "claim-id-duplicate",
                    f"claims[{index}].claim_id",
                    "claim ids must be unique in a file",
                )
            )
        seen.add(claim.claim_id)
    return found


def check_837p(billing_provider: BillingProvider, claims: Sequence[Claim]) -> list[Problem]:
    """Every problem that would stop these claims from being written as an 837P."""
    return _check(billing_provider, claims, "837P")


def check_837i(billing_provider: BillingProvider, claims: Sequence[Claim]) -> list[Problem]:
    """Every problem that would stop these claims from being written as an 837I."""
    return _check(billing_provider, claims, "837I")
