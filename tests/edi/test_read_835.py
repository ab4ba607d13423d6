"""read_835/check_835 on an 835 built by our serializer: reversals, SVC06, PLB, two sets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bhlink.edi import Adjustment, ProcedureCode, check_835, read_835, validate_835
from tests.edi.pyx12_check import assert_pyx12_accepts_835
from tests.edi.remittances import behavioral_835


def test_fixture_is_a_valid_835_for_pyx12() -> None:
    assert_pyx12_accepts_835(behavioral_835())


def test_two_transaction_sets_in_one_interchange() -> None:
    first, second = read_835(behavioral_835())
    assert (first.control_number, second.control_number) == ("0001", "0002")
    assert first.interchange_control_number == second.interchange_control_number == "000000055"
    assert (first.payment_amount, second.payment_amount) == (Decimal("20"), Decimal("0"))
    assert (second.handling_code, second.payment_method, second.trace_number) == (
        "H", "NON", "NOPAY0001",
    )  # fmt: skip
    assert [c.patient_control_number for c in second.claims] == ["CLM0003"]
    assert check_835(first) == [] and check_835(second) == []
    assert validate_835(behavioral_835()) == []


def test_reversal_and_correction_pair() -> None:
    (reversal, correction, denied), _ = (r.claims for r in read_835(behavioral_835()))
    assert reversal.is_reversal and not correction.is_reversal
    assert (reversal.status_code, reversal.charge, reversal.paid) == (
        "22", Decimal("-200"), Decimal("-120"),
    )  # fmt: skip
    assert reversal.adjustments == (
        Adjustment("CO", "45", Decimal("-60")),
        Adjustment("PR", "3", Decimal("-20")),
    )
    assert reversal.payer_claim_control_number == "PAYERICN0001"
    assert correction.payer_claim_control_number == "PAYERICN0002"
    assert correction.frequency_code == "7"
    assert correction.patient_responsibility == Decimal("30")
    assert correction.rendering_provider_npi == "1811901945"
    assert denied.status_code == "4"
    assert reversal.statement_start == reversal.statement_end == date(2024, 1, 2)


def test_line_level_detail() -> None:
    (first, _) = read_835(behavioral_835())
    (line,) = first.claims[1].service_lines
    assert line.procedure == ProcedureCode("HC", "90837", ("95",))
    assert line.original_procedure == ProcedureCode("HC", "90834")
    assert line.line_control_number == "LINE1"
    assert line.service_date == date(2024, 1, 2)
    assert line.adjustments == (
        Adjustment("CO", "45", Decimal("15")),
        Adjustment("CO", "253", Decimal("5"), Decimal("1")),
        Adjustment("PR", "3", Decimal("30")),
    )
    assert line.allowed_amount == Decimal("180")
    assert line.remark_codes == ("N130", "M15")
    h_code, add_on = first.claims[2].service_lines
    assert (h_code.procedure.modifiers, h_code.units, h_code.line_control_number) == (
        ("HO",), Decimal("4"), "LINE7",
    )  # fmt: skip
    assert add_on.units == Decimal(1)  # SVC05 absent: one unit per the TR3
    assert add_on.line_control_number is None


def test_repeated_provider_adjustments() -> None:
    (first, _) = read_835(behavioral_835())
    assert [(p.reason_code, p.reference, p.amount) for p in first.provider_adjustments] == [
        ("L6", "CLM0001", Decimal("-2.5")),
        ("WO", "PAYERICN0009", Decimal("12.5")),
    ]
    assert {p.fiscal_period_end for p in first.provider_adjustments} == {date(2024, 12, 31)}
    # BPR02 (20) = sum CLP04 (-120 + 150 + 0) - sum PLB (-2.5 + 12.5)
    assert (
        sum(c.paid for c in first.claims) - sum(p.amount for p in first.provider_adjustments)
        == first.payment_amount
    )


def test_chunked_bytes_read_the_same() -> None:
    data = behavioral_835().encode()
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]
    assert read_835(iter(chunks)) == read_835(data)
