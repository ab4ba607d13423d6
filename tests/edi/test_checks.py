"""Business checks: NPI check digit, POS list, codes, pointers and totals, all at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bhlink.edi import (
    PLACE_OF_SERVICE_CODES,
    Address,
    ClaimAdjustment,
    InstitutionalInfo,
    OtherCoverage,
    Payer,
    check_837i,
    check_837p,
    check_npi,
)
from tests.edi import documents as doc


def luhn_with_prefix(npi: str) -> bool:
    """Plain ISO 7812 Luhn over 80840 + NPI, the CMS definition before its +24 shortcut."""
    digits = [int(c) for c in "80840" + npi]
    total = 0
    for offset, digit in enumerate(reversed(digits)):
        if offset % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def test_cms_npi_example() -> None:
    # CMS "NPI check digit" example: identifier 123456789 gets check digit 3.
    assert check_npi("1234567893")
    assert not check_npi("1234567890")


def test_every_single_digit_error_is_caught() -> None:
    valid = "1234567893"
    for index in range(10):
        for digit in "0123456789":
            changed = valid[:index] + digit + valid[index + 1 :]
            assert check_npi(changed) == (changed == valid)


@given(st.from_regex(r"[12][0-9]{9}", fullmatch=True))
def test_npi_check_matches_luhn_over_the_80840_prefix(npi: str) -> None:
    assert check_npi(npi) == luhn_with_prefix(npi)


@pytest.mark.parametrize("npi", ["", "123456789", "12345678933", "A234567893", "3234567891"])
def test_npi_shape(npi: str) -> None:
    assert not check_npi(npi)


def test_place_of_service_list_follows_cms() -> None:
    assert {"02", "10", "11", "12", "27", "53", "57", "58", "66", "99"} <= PLACE_OF_SERVICE_CODES
    assert not {"00", "28", "30", "59", "67", "98", "1", "100"} & PLACE_OF_SERVICE_CODES
    assert len(PLACE_OF_SERVICE_CODES) == 52


def _codes_p(*claims: object, **provider_changes: object) -> set[tuple[str, str]]:
    problems = check_837p(doc.billing_provider(**provider_changes), list(claims))  # type: ignore[arg-type]
    return {(p.code, p.path) for p in problems}


def test_good_claims_have_no_problems() -> None:
    assert _codes_p(doc.claim(), doc.claim(claim_id="CLM2", patient=doc.child())) == set()
    assert check_837i(doc.billing_provider(), [doc.institutional_claim()]) == []


@pytest.mark.parametrize("pos", ["00", "28", "1", "AA"])
def test_invalid_place_of_service(pos: str) -> None:
    assert _codes_p(doc.claim(place_of_service=pos)) == {("pos-code", "claims[0].place_of_service")}


@pytest.mark.parametrize("frequency", ["0", "2", "6", "9", ""])
def test_frequency_codes_other_than_1_7_8(frequency: str) -> None:
    assert ("frequency-code", "claims[0].frequency_code") in _codes_p(
        doc.claim(frequency_code=frequency)
    )


def test_payer_claim_number_only_with_replacement_or_void() -> None:
    assert _codes_p(doc.claim(frequency_code="8")) == {
        ("payer-claim-number-missing", "claims[0].payer_claim_control_number")
    }
    assert _codes_p(doc.claim(payer_claim_control_number="ICN1")) == {
        ("payer-claim-number-unexpected", "claims[0].payer_claim_control_number")
    }


def test_diagnosis_pointers() -> None:
    five = doc.line(diagnosis_pointers=(1, 2, 1, 2, 2))
    zero = doc.line(diagnosis_pointers=(0,), line_control_number="L2")
    assert _codes_p(doc.claim(five, zero)) == {
        ("diagnosis-pointer-count", "claims[0].service_lines[0].diagnosis_pointers"),
        ("diagnosis-pointer-duplicate", "claims[0].service_lines[0].diagnosis_pointers"),
        ("diagnosis-pointer-range", "claims[0].service_lines[1].diagnosis_pointers[0]"),
    }


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("F33.1", "icd10-decimal"),
        ("331F", "icd10-format"),
        ("F3", "icd10-format"),
        ("f331", "icd10-format"),
    ],
)
def test_icd10_written_without_decimals(code: str, problem: str) -> None:
    assert _codes_p(doc.claim(diagnoses=(code,))) == {(problem, "claims[0].diagnoses[0]")}


def test_too_many_diagnoses() -> None:
    thirteen = tuple(f"F{n:03d}" for n in range(300, 313))
    assert ("diagnosis-count", "claims[0].diagnoses") in _codes_p(doc.claim(diagnoses=thirteen))


@pytest.mark.parametrize("modifier", ["9", "955", "g t", "gt"])
def test_modifier_format(modifier: str) -> None:
    assert _codes_p(doc.claim(doc.line(modifiers=(modifier,)))) == {
        ("modifier-format", "claims[0].service_lines[0].modifiers[0]")
    }


def test_line_charges_must_sum_to_the_total() -> None:
    claim = doc.claim(doc.line(charge="100.00"), doc.line(charge="50.00", line_control_number="L2"))
    assert _codes_p(replace(claim, total_charge=Decimal("150"))) == set()
    assert _codes_p(replace(claim, total_charge=Decimal("150.01"))) == {
        ("charge-total-mismatch", "claims[0].total_charge")
    }
    assert ("amount-precision", "claims[0].service_lines[0].charge") in _codes_p(
        doc.claim(doc.line(charge="100.005"))
    )


def test_billing_provider_rules() -> None:
    po_box = Address("PO BOX 12", "SPRINGFIELD", "IL", "62701")
    assert _codes_p(doc.claim(), npi="1234567890", tax_id="37-1234567", address=po_box) == {
        ("npi-check-digit", "billing_provider.npi"),
        ("tax-id-format", "billing_provider.tax_id"),
        ("zip-format", "billing_provider.address.postal_code"),
        ("po-box", "billing_provider.address"),
    }


def test_duplicate_claim_ids_and_long_ids() -> None:
    assert _codes_p(doc.claim(), doc.claim()) == {("claim-id-duplicate", "claims[1].claim_id")}
    assert _codes_p(doc.claim(claim_id="X" * 21)) == {("claim-id-length", "claims[0].claim_id")}


def test_cob_must_balance() -> None:
    other = OtherCoverage(
        Payer("FIRST", "F1"), "M1", "DOE", "JANE", "CI",
        paid_amount=Decimal("100"), adjustments=(ClaimAdjustment("CO", "45", Decimal("50")),),
    )  # fmt: skip
    assert _codes_p(doc.claim(other_coverage=(other,))) == {
        ("cob-unbalanced", "claims[0].other_coverage[0].adjustments")
    }


def test_institutional_rules() -> None:
    inpatient = InstitutionalInfo("11", date(2024, 2, 9), date(2024, 2, 1), "1")
    bad = replace(doc.institutional_claim(), institutional=inpatient)
    codes = {(p.code, p.path) for p in check_837i(doc.billing_provider(), [bad])}
    assert codes == {
        ("date-order", "claims[0].institutional.statement_from"),
        ("admission-date-required", "claims[0].institutional.admission_date"),
        ("patient-status", "claims[0].institutional.patient_status"),
    }
    professional_line = doc.institutional_claim(doc.line())
    codes = {(p.code, p.path) for p in check_837i(doc.billing_provider(), [professional_line])}
    assert codes == {("revenue-code-format", "claims[0].service_lines[0].revenue_code")}


def test_problem_messages_never_carry_phi() -> None:
    claim = doc.claim(
        doc.line(modifiers=("x",), diagnosis_pointers=(7,)),
        diagnoses=("F33.1",),
        subscriber=doc.subscriber(sex="X", claim_filing_indicator="??"),
    )
    problems = check_837p(doc.billing_provider(npi="1111111111"), [claim])
    assert len(problems) >= 6
    text = " ".join(p.path + " " + p.message for p in problems)
    for phi in ("DOE", "JANE", "MEM100000", "F33.1", "1111111111", "OAK"):
        assert phi not in text
