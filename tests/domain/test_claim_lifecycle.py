"""Claim state machine, CLM01 short form, outcomes after an 835, and CAS classification."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bhlink.domain.billing import TelehealthPolicy
from bhlink.domain.claim_lifecycle import (
    ClaimStatus,
    LineOutcome,
    adjudicated_status,
    can_transition,
    check_transition,
    patient_control_number,
)
from bhlink.domain.claim_scrubber import PayerRules, ScrubInput, ScrubLine, scrub
from bhlink.domain.errors import Conflict
from bhlink.domain.remittance_posting import classify, to_cents
from bhlink.edi import Adjustment


def test_patient_control_number_is_twenty_upper_case_characters_of_the_ulid() -> None:
    assert patient_control_number("clm_01jabcdefghjkmnpqrstvwxyz0") == "01JABCDEFGHJKMNPQRST"
    assert len(patient_control_number("clm_" + "a" * 26)) == 20


def test_transitions() -> None:
    assert can_transition(ClaimStatus.QUEUED, ClaimStatus.SUBMITTED)
    assert can_transition(ClaimStatus.PAID, ClaimStatus.ACCEPTED)  # reversal
    assert not can_transition(ClaimStatus.DRAFT, ClaimStatus.PAID)
    with pytest.raises(Conflict) as caught:
        check_transition(ClaimStatus.VOIDED, ClaimStatus.QUEUED)
    assert caught.value.errors[0].field == "status"


def _line(adjudicated: bool, paid: int, pr: int, denied: bool) -> LineOutcome:
    return LineOutcome(adjudicated, paid, pr, denied)


@pytest.mark.parametrize(
    ("status_code", "lines", "expected"),
    [
        ("1", [_line(True, 8000, 2000, False)], ClaimStatus.PAID),
        ("1", [_line(True, 0, 12000, False)], ClaimStatus.PAID),  # all to the deductible
        ("4", [_line(True, 0, 0, True)], ClaimStatus.DENIED),
        ("1", [_line(True, 0, 0, True), _line(True, 0, 0, True)], ClaimStatus.DENIED),
        ("1", [_line(True, 5000, 0, False), _line(True, 0, 0, True)], ClaimStatus.PARTIALLY_PAID),
        ("1", [_line(True, 5000, 0, False), _line(False, 0, 0, False)], ClaimStatus.PARTIALLY_PAID),
        ("2", [], ClaimStatus.PAID),
    ],
)
def test_adjudicated_status(
    status_code: str, lines: list[LineOutcome], expected: ClaimStatus
) -> None:
    assert adjudicated_status(status_code, lines) == expected


def test_cas_classification_keeps_signs_and_categories() -> None:
    totals = classify(
        [
            Adjustment("CO", "45", Decimal("20.00")),
            Adjustment("PR", "1", Decimal("10")),
            Adjustment("PR", "2", Decimal("7.50")),
            Adjustment("PR", "3", Decimal("5")),
            Adjustment("PR", "96", Decimal("1")),
            Adjustment("OA", "23", Decimal("2")),
            Adjustment("PR", "2", Decimal("-7.50")),
        ]
    )
    assert totals.contractual_cents == 2000
    assert totals.other_adjustment_cents == 200
    assert totals.responsibility == {
        "deductible": 1000,
        "coinsurance": 0,
        "copay": 500,
        "other": 100,
    }
    assert totals.postings[0].reason_description
    assert to_cents(Decimal("-0.01")) == -1


def _rules(**changes: object) -> PayerRules:
    base: dict[str, object] = {
        "payer_id": "payer_x",
        "timely_filing_days": 90,
        "telehealth": TelehealthPolicy("payer_x", frozenset({"10"}), "95"),
    }
    return PayerRules(**{**base, **changes})  # type: ignore[arg-type]


def _claim(*lines: ScrubLine, **changes: object) -> ScrubInput:
    base: dict[str, object] = {
        "claim_type": "837P",
        "patient_id": "pt_1",
        "diagnoses": ("F41.1",),
        "lines": lines,
        "submitted_on": date(2026, 1, 20),
    }
    return ScrubInput(**{**base, **changes})  # type: ignore[arg-type]


def _scrub_line(**changes: object) -> ScrubLine:
    base: dict[str, object] = {
        "service_code": "90834",
        "modifiers": ("95",),
        "diagnosis_pointers": (1,),
        "units": 1,
        "place_of_service": "10",
        "service_date": date(2026, 1, 10),
        "rendering_provider_id": "prv_1",
    }
    return ScrubLine(**{**base, **changes})  # type: ignore[arg-type]


def test_scrubber_clean_claim() -> None:
    assert scrub(_claim(_scrub_line()), _rules()) == []


def test_scrubber_payer_rules_and_duplicates() -> None:
    rules = _rules(
        authorization_required_codes=frozenset({"H0004"}),
        excluded_codes=frozenset({"90785"}),
        max_units_per_line={"H0004": 4},
    )
    claim = _claim(
        _scrub_line(service_code="H0004", units=8, place_of_service="11", modifiers=()),
        _scrub_line(service_code="90785", place_of_service="11", modifiers=()),
        _scrub_line(place_of_service="02"),
        _scrub_line(place_of_service="02"),
        _scrub_line(service_date=date(2025, 1, 1)),
    )
    codes = {(p.field, p.code) for p in scrub(claim, rules)}
    assert ("serviceLines[0].authorization", "authorization.required") in codes
    assert ("serviceLines[0].units", "payer_rules.max_units") in codes
    assert ("serviceLines[1].serviceCode", "payer_rules.code_excluded") in codes
    assert ("serviceLines[2].placeOfService", "telehealth.place_of_service") in codes
    assert ("serviceLines[3].serviceCode", "claim.duplicate_line") in codes
    assert ("serviceLines[4].serviceDate", "timely_filing.late") in codes
