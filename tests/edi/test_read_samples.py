"""Readers against the public and synthetic samples in ../shared/x12-samples.

Every expected value below was read off the sample files by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bhlink.edi import (
    Adjustment,
    ProcedureCode,
    check_835,
    read_277ca,
    read_835,
    read_999,
    validate_835,
)

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "x12-samples"


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"../shared is absent: {path} not found")
    return path.read_bytes()


ALL_835 = [
    "835_x221_claimCAS_PLB_badx12.edi",
    "835_x221_emedny_professional_herophilus.txt",
    "835_x221_mult_loops_pyx12.txt",
    "835_x221_multi_claims_badx12.edi",
    "SYNTH_835_x221a1_behavioral.txt",
]


@pytest.mark.parametrize("name", ALL_835)
def test_every_sample_835_balances(name: str) -> None:
    (remittance,) = read_835(sample(name))
    assert check_835(remittance) == []
    assert validate_835(sample(name)) == []


def test_synthetic_behavioral_835() -> None:
    (r,) = read_835(sample("SYNTH_835_x221a1_behavioral.txt"))
    assert (r.handling_code, r.payment_amount, r.credit_debit, r.payment_method) == (
        "I", Decimal("361.50"), "C", "ACH",
    )  # fmt: skip
    assert r.payment_date == date(2024, 1, 20)
    assert (r.trace_number, r.trace_originator) == ("EFT0000001", "1512345678")
    assert r.production_date == date(2024, 1, 19)
    assert r.payer.name == "ACME HEALTH PLAN"
    assert [(ref.qualifier, ref.value) for ref in r.payer.references] == [("2U", "ACME01")]
    assert (r.payee.id_qualifier, r.payee.identifier) == ("XX", "1234567893")
    assert [c.patient_control_number for c in r.claims] == [
        "PCN0000000", "PCN0000001", "PCN0000002",
    ]  # fmt: skip
    claim = r.claims[0]
    assert (claim.status_code, claim.charge, claim.paid, claim.patient_responsibility) == (
        "1", Decimal("200.00"), Decimal("120.00"), Decimal("20.00"),
    )  # fmt: skip
    assert claim.payer_claim_control_number == "PAYERICN00000000"
    assert claim.rendering_provider_npi == "9876543205"
    assert claim.patient is not None and claim.patient.identifier == "MEM100000"
    assert claim.received_date == date(2024, 1, 15)
    (line,) = claim.service_lines
    assert line.procedure == ProcedureCode("HC", "90837", ("95",))
    assert (line.charge, line.paid, line.units) == (
        Decimal("200.00"), Decimal("120.00"), Decimal(1),
    )  # fmt: skip
    assert line.service_date == date(2024, 1, 10)
    assert line.adjustments == (
        Adjustment("CO", "45", Decimal("60.00")),
        Adjustment("PR", "3", Decimal("20.00")),
    )
    assert line.allowed_amount == Decimal("140.00")
    assert line.remark_codes == ("N130",)
    (plb,) = r.provider_adjustments
    assert (plb.provider_id, plb.fiscal_period_end) == ("1234567893", date(2024, 12, 31))
    assert (plb.reason_code, plb.reference, plb.amount) == ("L6", "PCN0000000", Decimal("-1.50"))


def test_claim_level_cas_and_plb_sample() -> None:
    (r,) = read_835(sample("835_x221_claimCAS_PLB_badx12.edi"))
    assert r.payment_amount == Decimal("150000")
    assert r.payment_date == date(2002, 9, 13)
    assert r.production_date == date(2002, 9, 16)
    assert r.payee.identifier == "6543210903"
    first, second = r.claims
    assert (first.patient_control_number, first.charge, first.paid) == (
        "666123", Decimal("211366.97"), Decimal("138018.4"),
    )  # fmt: skip
    assert first.adjustments == (Adjustment("CO", "45", Decimal("73348.57")),)
    assert (first.statement_start, first.statement_end) == (date(2002, 8, 16), date(2002, 8, 24))
    assert first.payer_claim_control_number == "1999999444444"
    assert (first.facility_type, first.frequency_code) == ("11", "1")
    assert second.adjustments == (Adjustment("CO", "45", Decimal("3019.67")),)
    assert second.remark_codes == ("MA02",)
    assert first.service_lines == () and second.service_lines == ()
    (plb,) = r.provider_adjustments
    assert (plb.reason_code, plb.reference, plb.amount) == ("CV", "CP", Decimal("-1.27"))


def test_emedny_professional_835() -> None:
    (r,) = read_835(sample("835_x221_emedny_professional_herophilus.txt"))
    assert r.payment_amount == Decimal("45.75")
    assert [c.status_code for c in r.claims] == ["1", "2", "2"]
    assert [c.paid for c in r.claims] == [Decimal("34.25"), Decimal("0"), Decimal("11.5")]
    third = r.claims[2]
    assert [(n.entity, n.last_name) for n in third.names] == [
        ("QC", "SUBMITTED LAST"), ("74", "CORRECTED LAST"),
    ]  # fmt: skip
    assert [(a.qualifier, a.amount) for a in third.amounts] == [("AU", Decimal("11.5"))]
    assert [line.procedure.code for line in third.service_lines] == [
        "V2020", "V2103", "V2700", "S0580",
    ]  # fmt: skip
    assert third.service_lines[1].service_date == date(2013, 9, 17)
    denied = third.service_lines[2]
    assert (denied.paid, denied.units) == (Decimal("0"), Decimal("0"))
    assert denied.adjustments == (Adjustment("CO", "251", Decimal("2.75")),)
    assert denied.remark_codes == ("N206",)
    assert r.claims[0].service_lines[3].units == Decimal("2")


def test_denied_claim_with_service_period_dates() -> None:
    (r,) = read_835(sample("835_x221_mult_loops_pyx12.txt"))
    assert (r.handling_code, r.payment_amount, r.payment_method) == ("H", Decimal("0"), "NON")
    assert r.usage_indicator == "P"
    (claim,) = r.claims
    assert (claim.status_code, claim.charge, claim.paid) == ("4", Decimal("915.39"), Decimal(0))
    lines = claim.service_lines
    assert [line.units for line in lines] == [Decimal(68), Decimal(16), Decimal(36)]
    assert (lines[0].service_date, lines[0].service_end_date) == (
        date(2003, 11, 29), date(2003, 11, 29),
    )  # fmt: skip
    assert lines[1].adjustments == (Adjustment("OA", "A7", Decimal("127.8")),)
    assert all(line.remark_codes == ("N14",) for line in lines)


def test_multiple_claims_single_check() -> None:
    (r,) = read_835(sample("835_x221_multi_claims_badx12.edi"))
    assert len(r.claims) == 9
    assert sum(c.paid for c in r.claims) == r.payment_amount == Decimal("810.8")
    third = r.claims[2]
    assert third.patient_responsibility == Decimal("24")
    assert third.service_lines[1].adjustments == (
        Adjustment("PR", "3", Decimal("14")),
        Adjustment("CO", "131", Decimal("11")),
    )
    assert third.service_lines[0].procedure == ProcedureCode("AD", "D0120")


def test_999_accepted_and_rejected() -> None:
    (accepted,) = read_999(sample("999_x231a1_accepted_herophilus.txt"))
    assert (accepted.functional_id, accepted.group_control_number) == ("HC", "28")
    assert accepted.group_version == "005010X223A2"
    (response,) = accepted.responses
    assert (response.transaction_set_id, response.control_number, response.status) == (
        "837", "0028", "A",
    )  # fmt: skip
    assert accepted.accepted and response.accepted
    assert (accepted.sets_included, accepted.sets_received, accepted.sets_accepted) == (1, 1, 1)

    (rejected,) = read_999(sample("999_x231a1_rejected_herophilus.txt"))
    (response,) = rejected.responses
    assert (response.status, response.error_codes) == ("R", ("5",))
    (error,) = response.segment_errors
    assert (error.segment_id, error.position, error.error_code) == ("NM", 17, "1")
    assert not rejected.accepted and rejected.group_status == "R"
    assert rejected.sets_accepted == 0


def test_277ca_accepted_and_rejected() -> None:
    (accepted,) = read_277ca(sample("277CA_x214_accepted_herophilus.txt"))
    assert accepted.reference_id == "000000674"
    assert accepted.batch_trace == "000000674"
    assert [s.category for s in accepted.batch_statuses] == ["A1"]
    (claim,) = accepted.claims
    assert claim.patient_control_number == "5781"
    assert claim.payer_claim_control_number == "1107000000014420"
    assert claim.outcome == "accepted"
    (status,) = claim.statuses
    assert (status.category, status.status_code, status.charge) == ("A2", "20", Decimal("125"))
    assert status.effective_date == date(2011, 3, 11)
    assert claim.billing_provider_npi == "1234567890"

    (rejected,) = read_277ca(sample("277CA_x214_rejected_herophilus.txt"))
    assert rejected.batch_trace == "11200001"
    (claim,) = rejected.claims
    assert claim.patient_control_number == "3920394930203"
    assert claim.outcome == "rejected"
    (status,) = claim.statuses
    assert (status.category, status.status_code, status.entity) == ("A7", "562", "85")
    assert claim.bill_type == "731"
    assert claim.service_start == date(2009, 3, 11)
