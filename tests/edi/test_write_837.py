"""837P/837I writer: every claim shape passes pyx12 and our validator, with the right loops."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bhlink.edi import (
    Claim,
    ClaimAdjustment,
    ClaimValidationError,
    Delimiters,
    InstitutionalInfo,
    OtherCoverage,
    Payer,
    Segment,
    X12EncodeError,
    parse_segments,
    validate_837,
    write_837i,
    write_837p,
)
from tests.edi import documents as doc
from tests.edi.pyx12_check import assert_pyx12_accepts


def _write_p(*claims: Claim, **envelope_changes: object) -> str:
    return write_837p(
        doc.envelope(**envelope_changes),
        doc.submitter(),
        doc.receiver(),
        doc.billing_provider(),
        list(claims),
    )


def _write_i(*claims: Claim) -> str:
    return write_837i(
        doc.envelope(), doc.submitter(), doc.receiver(), doc.billing_provider(), list(claims)
    )


def _find(segments: list[Segment], segment_id: str, first: str | None = None) -> list[Segment]:
    return [
        s for s in segments if s.segment_id == segment_id and (first is None or s.value(1) == first)
    ]


def _secondary() -> Claim:
    primary_paid = OtherCoverage(
        payer=Payer("FIRST PLAN", "FIRST01"),
        member_id="OTHER123",
        last_name="DOE",
        first_name="JANE",
        claim_filing_indicator="CI",
        paid_amount=Decimal("120.00"),
        adjustments=(
            ClaimAdjustment("CO", "45", Decimal("60.00")),
            ClaimAdjustment("PR", "3", Decimal("20.00")),
        ),
        adjudication_date=date(2024, 1, 20),
    )
    return doc.claim(
        subscriber=doc.subscriber(payer_responsibility="S"), other_coverage=(primary_paid,)
    )


def _batch() -> list[Claim]:
    return [
        doc.claim(claim_id="B1"),
        doc.claim(doc.line("90834", "150.00"), claim_id="B2"),
        doc.claim(claim_id="B3", patient=doc.child()),
        doc.claim(
            claim_id="B4",
            subscriber=doc.subscriber(member_id="MEM200000", first_name="JOHN", sex="M"),
        ),
    ]


PROFESSIONAL_SHAPES: dict[str, Callable[[], list[Claim]]] = {
    "telehealth POS 10 no modifier": lambda: [doc.claim(place_of_service="10")],
    "telehealth POS 10 modifier 95": lambda: [
        doc.claim(doc.line(modifiers=("95",)), place_of_service="10")
    ],
    "telehealth POS 02 modifier 95": lambda: [
        doc.claim(doc.line(modifiers=("95",)), place_of_service="02")
    ],
    "telehealth POS 02 audio-only 93": lambda: [
        doc.claim(doc.line("90834", "150.00", modifiers=("93",)), place_of_service="02")
    ],
    "telehealth POS 10 legacy GT": lambda: [
        doc.claim(doc.line(modifiers=("GT",)), place_of_service="10")
    ],
    "dependent patient 2000C": lambda: [doc.claim(patient=doc.child())],
    "secondary payer 2320/2330": lambda: [_secondary()],
    "replacement 7 with REF*F8": lambda: [
        doc.claim(frequency_code="7", payer_claim_control_number="PAYERICN0001")
    ],
    "void 8 with REF*F8": lambda: [
        doc.claim(frequency_code="8", payer_claim_control_number="PAYERICN0001")
    ],
    "group therapy 90853 with prior auth": lambda: [
        doc.claim(doc.line("90853", "60.00"), prior_authorization="AUTH777")
    ],
    "family therapy 90847 and 90846": lambda: [
        doc.claim(
            doc.line("90847", "175.00"),
            doc.line("90846", "160.00", diagnosis_pointers=(2, 1), line_control_number="LINE2"),
        )
    ],
    "H-codes in 15-minute units and minutes": lambda: [
        doc.claim(
            doc.line("H0004", "96.00", units=Decimal(4), modifiers=("HO",)),
            doc.line(
                "H2019",
                "120.00",
                units=Decimal(60),
                unit_basis="MJ",
                place_of_service="12",
                modifiers=("HN", "U4"),
                line_control_number="LINE2",
            ),
            place_of_service="11",
        )
    ],
    "batch of four claims": _batch,
    "twelve diagnoses and four pointers": lambda: [
        doc.claim(
            doc.line(diagnosis_pointers=(1, 2, 3, 12)),
            diagnoses=(
                "F331",
                "F411",
                "F4310",
                "F902",
                "F319",
                "F429",
                "F840",
                "F5000",
                "F1020",
                "Z630",
                "Z658",
                "F6381",
            ),
        )
    ],
    "rendering provider same as billing is omitted": lambda: [
        doc.claim(rendering_provider=replace(doc.rendering(), npi=doc.BILLING_NPI))
    ],
}


@pytest.mark.parametrize("shape", sorted(PROFESSIONAL_SHAPES))
def test_professional_shape_passes_pyx12_and_our_checks(shape: str) -> None:
    text = _write_p(*PROFESSIONAL_SHAPES[shape]())
    assert_pyx12_accepts(text)
    assert validate_837(text) == []


def test_hierarchy_groups_claims_by_subscriber_and_patient() -> None:
    segments = parse_segments(_write_p(*_batch()))
    hls = [(s.value(1), s.value(2), s.value(3), s.value(4)) for s in _find(segments, "HL")]
    assert hls == [
        ("1", "", "20", "1"),
        ("2", "1", "22", "0"),  # B1 and B2: same subscriber, one HL
        ("3", "1", "22", "1"),  # B3: dependent below a subscriber HL
        ("4", "3", "23", "0"),
        ("5", "1", "22", "0"),  # B4: another subscriber
    ]
    assert [s.value(1) for s in _find(segments, "CLM")] == ["B1", "B2", "B3", "B4"]
    assert [s.value(2) for s in _find(segments, "SBR")] == ["18", "", "18"]
    (pat,) = _find(segments, "PAT")
    assert pat.value(1) == "19"


def test_envelope_counts_and_control_numbers() -> None:
    text = _write_p(
        doc.claim(),
        interchange_control_number=123456789,
        group_control_number=42,
        transaction_control_number=7,
    )
    segments = parse_segments(text)
    st = next(i for i, s in enumerate(segments) if s.segment_id == "ST")
    se = next(i for i, s in enumerate(segments) if s.segment_id == "SE")
    assert segments[0].value(13) == "123456789"
    assert segments[se].value(1) == str(se - st + 1)
    assert segments[st].value(2) == segments[se].value(2) == "0007"
    assert [s.value(1) for s in segments if s.segment_id in ("GS", "GE")] == ["HC", "1"]
    assert _find(segments, "GE")[0].value(2) == "42"
    assert _find(segments, "IEA")[0].elements == ((("1",),), (("123456789",),))
    assert _find(segments, "BHT")[0].value(3) == "123456789"


def test_claim_segments_carry_the_documented_values() -> None:
    claim = doc.claim(
        doc.line("90837", "200.00", modifiers=("95",), place_of_service="02"),
        doc.line("90785", "25.50", diagnosis_pointers=(2,), line_control_number="LINE2"),
        place_of_service="10",
        prior_authorization="AUTH1",
        frequency_code="7",
        payer_claim_control_number="ICN9",
    )
    segments = parse_segments(_write_p(claim))
    (clm,) = _find(segments, "CLM")
    assert clm.value(1) == "CLM0001"
    assert clm.value(2) == "225.5"
    assert clm.composite(5) == ("10", "B", "7")
    assert [s.value(2) for s in _find(segments, "REF", "G1")] == ["AUTH1"]
    assert [s.value(2) for s in _find(segments, "REF", "F8")] == ["ICN9"]
    (hi,) = _find(segments, "HI")
    assert [hi.composite(i) for i in (1, 2)] == [("ABK", "F331"), ("ABF", "F411")]
    first, second = _find(segments, "SV1")
    assert first.composite(1) == ("HC", "90837", "95")
    assert first.value(5) == "02"  # differs from the claim's POS 10
    assert second.value(5) == ""  # same as the claim: not repeated
    assert second.composite(7) == ("2",)
    assert [s.value(3) for s in _find(segments, "DTP", "472")] == ["20240102", "20240102"]
    assert [s.value(2) for s in _find(segments, "REF", "6R")] == ["LINE1", "LINE2"]
    (rendering,) = _find(segments, "NM1", "82")
    assert rendering.value(9) == doc.RENDERING_NPI


def test_rendering_provider_equal_to_billing_is_not_written() -> None:
    claim = doc.claim(rendering_provider=replace(doc.rendering(), npi=doc.BILLING_NPI))
    assert _find(parse_segments(_write_p(claim)), "NM1", "82") == []


def test_secondary_claim_writes_other_subscriber_loops() -> None:
    segments = parse_segments(_write_p(_secondary()))
    sbrs = _find(segments, "SBR")
    assert [s.value(1) for s in sbrs] == ["S", "P"]
    assert [s.value(2) for s in _find(segments, "AMT", "D")] == ["120"]
    cas = _find(segments, "CAS")
    assert [(s.value(1), s.value(2), s.value(3)) for s in cas] == [
        ("CO", "45", "60"),
        ("PR", "3", "20"),
    ]
    assert [s.value(9) for s in _find(segments, "NM1", "PR")] == ["ACME01", "FIRST01"]
    assert _find(segments, "OI")[0].value(3) == "Y"


def test_custom_delimiters_usage_and_line_breaks() -> None:
    delimiters = Delimiters(element="|", repetition="!", component=">", segment="\n")
    text = _write_p(
        doc.claim(doc.line(modifiers=("95",)), place_of_service="10"),
        delimiters=delimiters,
        usage_indicator="P",
        line_break="",
    )
    assert text.startswith("ISA|00|")
    assert "SV1|HC>90837>95|200|UN|1|||1\n" in text
    segments = parse_segments(text)
    assert segments[0].value(15) == "P"
    assert segments[0].value(11) == "!"
    assert segments[0].value(16) == ">"
    assert_pyx12_accepts(text)
    crlf = _write_p(doc.claim(), line_break="\r\n")
    assert "~\r\nGS*" in crlf
    assert [s.segment_id for s in parse_segments(crlf)] == [
        s.segment_id for s in parse_segments(_write_p(doc.claim()))
    ]


def test_institutional_outpatient_with_revenue_codes() -> None:
    text = _write_i(doc.institutional_claim())
    assert_pyx12_accepts(text)
    assert validate_837(text) == []
    segments = parse_segments(text)
    assert segments[1].value(8) == "005010X223A2"
    (clm,) = _find(segments, "CLM")
    assert clm.composite(5) == ("13", "A", "1")
    assert clm.value(6) == ""
    (statement,) = _find(segments, "DTP", "434")
    assert (statement.value(2), statement.value(3)) == ("RD8", "20240102-20240112")
    assert _find(segments, "CL1")[0].elements == ((("1",),), (("1",),), (("01",),))
    assert [s.composite(1) for s in _find(segments, "HI")] == [("ABK", "F331"), ("ABF", "F411")]
    assert [(s.value(1), s.composite(2)) for s in _find(segments, "SV2")] == [
        ("0905", ("HC", "S9480")),
        ("0914", ("HC", "90834")),
    ]
    (attending,) = _find(segments, "NM1", "71")
    assert attending.value(9) == doc.ATTENDING_NPI
    assert _find(segments, "PRV", "AT")[0].value(3) == "2084P0800X"


def test_institutional_replacement_inpatient_and_revenue_only_line() -> None:
    inpatient = InstitutionalInfo(
        facility_code="11",
        statement_from=date(2024, 2, 1),
        statement_to=date(2024, 2, 9),
        patient_status="01",
        admission_type="2",
        admission_source="1",
        admission_date=date(2024, 2, 1),
        admitting_diagnosis="F332",
        reason_for_visit=("R45851",),
    )
    claim = doc.institutional_claim(
        doc.line(None, "1800.00", revenue_code="0124", units=Decimal(8)),
        doc.line("90853", "100.00", revenue_code="0915", line_control_number="LINE2"),
        frequency_code="7",
        payer_claim_control_number="PAYERICN0002",
        diagnoses=("F332", "F1020", "Z590"),
    )
    claim = replace(claim, institutional=inpatient)
    text = _write_i(claim)
    assert_pyx12_accepts(text)
    assert validate_837(text) == []
    segments = parse_segments(text)
    assert _find(segments, "CLM")[0].composite(5) == ("11", "A", "7")
    assert _find(segments, "DTP", "435")[0].value(3) == "20240201"
    assert [s.composite(1)[0] for s in _find(segments, "HI")] == ["ABK", "ABJ", "APR", "ABF"]
    assert _find(segments, "SV2")[0].composite(2) == ()
    assert [s.value(2) for s in _find(segments, "REF", "F8")] == ["PAYERICN0002"]


def test_invalid_claims_are_refused_with_every_problem_and_no_phi() -> None:
    bad = doc.claim(
        doc.line(
            "90837", "200.00", modifiers=("9", "95", "GT", "HO", "U4"), diagnosis_pointers=(3,)
        ),
        doc.line("90785", "25.00", place_of_service="28", line_control_number="LINE2"),
        total_charge=Decimal("999.00"),
        diagnoses=("F33.1", "F411"),
        frequency_code="7",
        place_of_service="00",
        rendering_provider=replace(doc.rendering(), npi="1811901946"),
    )
    with pytest.raises(ClaimValidationError) as caught:
        _write_p(bad)
    codes = {(p.code, p.path) for p in caught.value.problems}
    assert codes == {
        ("modifier-count", "claims[0].service_lines[0].modifiers"),
        ("modifier-format", "claims[0].service_lines[0].modifiers[0]"),
        ("diagnosis-pointer-range", "claims[0].service_lines[0].diagnosis_pointers[0]"),
        ("pos-code", "claims[0].service_lines[1].place_of_service"),
        ("charge-total-mismatch", "claims[0].total_charge"),
        ("icd10-decimal", "claims[0].diagnoses[0]"),
        ("payer-claim-number-missing", "claims[0].payer_claim_control_number"),
        ("pos-code", "claims[0].place_of_service"),
        ("npi-check-digit", "claims[0].rendering_provider.npi"),
    }
    rendered = str(caught.value) + " ".join(p.message + p.path for p in caught.value.problems)
    for phi in ("DOE", "JANE", "MEM100000", "19850312", "F33.1"):
        assert phi not in rendered


def test_institutional_claim_needs_institutional_data_and_revenue_codes() -> None:
    with pytest.raises(ClaimValidationError) as caught:
        _write_i(doc.claim())
    codes = {p.code for p in caught.value.problems}
    assert codes == {"required", "revenue-code-format"}


def test_value_containing_a_delimiter_is_refused_naming_the_element() -> None:
    claim = doc.claim(subscriber=doc.subscriber(last_name="O*BRIEN"))
    with pytest.raises(X12EncodeError) as caught:
        _write_p(claim)
    assert caught.value.segment_id == "NM1"
    assert caught.value.position is not None and caught.value.position > 0
    assert "NM103" in str(caught.value)
    assert "BRIEN" not in str(caught.value)


def test_envelope_control_numbers_are_checked() -> None:
    with pytest.raises(ClaimValidationError) as caught:
        _write_p(doc.claim(), group_control_number=0)
    assert [p.path for p in caught.value.problems] == ["envelope.group_control_number"]
