"""Malformed files: every error names the segment and its position, never the data."""

from __future__ import annotations

import pytest

from bhlink.edi import (
    Problem,
    X12StructureError,
    X12SyntaxError,
    X12ValueError,
    iter_segments,
    iter_transactions,
    read_835,
    validate_835,
    validate_837,
    write_837p,
)
from tests.edi import documents as doc
from tests.edi.remittances import behavioral_835


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _replace_line(text: str, prefix: str, new: str, occurrence: int = 0) -> tuple[str, int]:
    """Replace the ``occurrence``-th line starting with ``prefix``; return its position."""
    lines = _lines(text)
    index = [i for i, line in enumerate(lines) if line.startswith(prefix)][occurrence]
    lines[index] = new
    return "\n".join(lines), index + 1


def _837() -> str:
    return write_837p(
        doc.envelope(),
        doc.submitter(),
        doc.receiver(),
        doc.billing_provider(),
        [doc.claim(claim_id="A1"), doc.claim(claim_id="A2", patient=doc.child())],
    )


def _codes(problems: list[Problem]) -> list[tuple[str, str | None, int | None]]:
    return [(p.code, p.segment_id, p.position) for p in problems]


def test_truncated_file_without_iea() -> None:
    text = "\n".join(_lines(_837())[:-2]) + "\n"  # drop IEA (and the final empty line)
    with pytest.raises(X12StructureError) as caught:
        list(iter_transactions(iter_segments(text)))
    assert (caught.value.segment_id, caught.value.position) == ("ISA", 1)
    assert "IEA" in str(caught.value)
    assert _codes(validate_837(text)) == [("missing-iea", "ISA", 1)]


def test_file_cut_inside_a_segment() -> None:
    text = _837()
    cut = text.index("CLM*A2") + 5
    problems = validate_837(text[:cut])
    (problem,) = problems
    assert problem.code == "x12-syntax"
    assert (problem.segment_id, problem.position) == ("CLM", len(_lines(text[:cut])))


def test_wrong_se_count_names_the_se() -> None:
    text, position = _replace_line(_837(), "SE*", "SE*99*0001~")
    assert _codes(validate_837(text)) == [("se-count", "SE", position)]
    with pytest.raises(X12StructureError) as caught:
        list(iter_transactions(iter_segments(text)))
    assert (caught.value.segment_id, caught.value.position) == ("SE", position)


def test_wrong_ge_and_iea_counts_and_control_numbers() -> None:
    text, ge = _replace_line(_837(), "GE*", "GE*2*999~")
    text, iea = _replace_line(text, "IEA*", "IEA*3*000000102~")
    assert _codes(validate_837(text)) == [
        ("ge-count", "GE", ge),
        ("ge-control-number", "GE", ge),
        ("iea-count", "IEA", iea),
        ("iea-control-number", "IEA", iea),
    ]


def test_delimiters_changed_inconsistently() -> None:
    lines = _lines(_837())
    lines[3] = lines[3].replace("*", "|")
    (problem,) = validate_837("\n".join(lines))
    assert (problem.code, problem.position) == ("x12-syntax", 4)


def test_unbalanced_835_claim_and_payment() -> None:
    text, clp = _replace_line(
        behavioral_835(), "CLP*CLM0001*1*", "CLP*CLM0001*1*200*140*30*12*PAYERICN0002*11*7~"
    )
    assert _codes(validate_835(text)) == [
        ("835-claim-unbalanced", "CLP", clp),
        ("835-payment-unbalanced", "BPR", 4),
    ]
    # read_835 still reads it: an unbalanced 835 is money to post and to dispute.
    assert read_835(text)[0].claims[1].paid == 140


def test_unbalanced_835_line() -> None:
    text, svc = _replace_line(behavioral_835(), "SVC*HC:90837", "SVC*HC:90837:95*200*140**1~")
    problems = validate_835(text)
    assert ("835-line-unbalanced", "SVC", svc) in _codes(problems)


def test_835_se_count_and_bad_number() -> None:
    text, se = _replace_line(behavioral_835(), "SE*", "SE*3*0001~")
    with pytest.raises(X12StructureError) as caught:
        read_835(text)
    assert (caught.value.segment_id, caught.value.position) == ("SE", se)

    text, clp = _replace_line(behavioral_835(), "CLP*CLM0002", "CLP*CLM0002*4*ABC*0~")
    with pytest.raises(X12ValueError) as value_error:
        read_835(text)
    assert (value_error.value.segment_id, value_error.value.position) == ("CLP", clp)
    assert "CLP03" in str(value_error.value) and "ABC" not in str(value_error.value)
    assert _codes(validate_835(text)) == [("x12-value", "CLP", clp)]


def test_wrong_transaction_type_is_refused() -> None:
    with pytest.raises(X12StructureError) as caught:
        read_835(_837())
    assert (caught.value.segment_id, caught.value.position) == ("ST", 3)


def test_garbage_is_a_syntax_error() -> None:
    with pytest.raises(X12SyntaxError):
        read_835(b"hello, world")
    assert _codes(validate_835("")) == [("x12-syntax", None, None)]


def test_validate_837_reports_every_business_problem_at_once() -> None:
    text = _837()
    text, nm1 = _replace_line(text, "NM1*85", "NM1*85*2*MINDFUL*****XX*1234567890~")
    text, n4 = _replace_line(text, "N4*SPRINGFIELD*IL*627011234", "N4*SPRINGFIELD*IL*62701~")
    text, clm = _replace_line(text, "CLM*A1", "CLM*A1*250***00:B:7*Y*A*Y*Y~")
    text, hi = _replace_line(text, "HI*", "HI*ABK:F33.1*BF:3000~")
    text, sv1 = _replace_line(text, "SV1*", "SV1*HC:90837:9X:x*200*UN*1*00**5~")
    assert _codes(validate_837(text)) == [
        ("npi-check-digit", "NM1", nm1),
        ("zip-format", "N4", n4),
        ("pos-code", "CLM", clm),
        ("icd10-decimal", "HI", hi),
        ("icd9-qualifier", "HI", hi),
        ("modifier-format", "SV1", sv1),
        ("pos-code", "SV1", sv1),
        ("diagnosis-pointer-range", "SV1", sv1),
        ("charge-total-mismatch", "CLM", clm),
        ("payer-claim-number-missing", "CLM", clm),
    ]


def test_validate_837_checks_the_hl_hierarchy() -> None:
    text, hl = _replace_line(_837(), "HL*3*", "HL*3*9*22*1~")
    problems = validate_837(text)
    assert ("hl-structure", "HL", hl) in _codes(problems)
