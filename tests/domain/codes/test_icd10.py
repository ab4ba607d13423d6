"""ICD-10-CM format, normalisation, lookup and claim validation against the committed CMS subset."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bhlink.domain.codes import (
    CodeFormatError,
    ProblemsError,
    icd10_codes,
    icd10_release,
    is_icd10_format,
    lookup_icd10,
    normalize_icd10,
    validate_diagnosis_code,
)


@pytest.mark.parametrize(
    "code", ["F41.1", "f41.1", " F411 ", "F41", "Z63.72", "T74.11XA", "F32.A", "C4A", "Z3A.01"]
)
def test_is_icd10_format_accepts_icd10_cm_shapes(code: str) -> None:
    assert is_icd10_format(code)


@pytest.mark.parametrize(
    "code",
    ["", "F4", "41.1", "FF1.1", "F41.", "F4.11", "F41.12345", "F41-1", "F41 1", "F41..1", "ü41"],
)
def test_is_icd10_format_refuses_malformed_codes(code: str) -> None:
    assert not is_icd10_format(code)


def test_is_icd10_format_refuses_non_strings() -> None:
    assert not is_icd10_format(411)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("f411", "F41.1"),
        (" F41.1 ", "F41.1"),
        ("z6372", "Z63.72"),
        ("F41", "F41"),
        ("t7411xa", "T74.11XA"),
    ],
)
def test_normalize_icd10_gives_upper_case_dotted_form(raw: str, expected: str) -> None:
    assert normalize_icd10(raw) == expected


def test_normalize_icd10_raises_typed_error_naming_the_field() -> None:
    with pytest.raises(CodeFormatError) as caught:
        normalize_icd10("4F1.1")
    assert isinstance(caught.value, ProblemsError)
    assert caught.value.problems[0].field == "code"
    assert caught.value.problems[0].code == "icd10.bad_format"


def test_lookup_distinguishes_billable_leaf_from_header() -> None:
    header = lookup_icd10("F41")
    leaf = lookup_icd10("f411")
    assert header is not None and header.is_header and not header.billable
    assert leaf is not None and leaf.billable
    assert leaf.code == "F41.1"
    assert leaf.description == "Generalized anxiety disorder"


def test_lookup_returns_none_for_unknown_or_malformed() -> None:
    assert lookup_icd10("I10") is None  # hypertension: real, but outside the BH subset
    assert lookup_icd10("F41.9999") is None
    assert lookup_icd10("nonsense") is None


@pytest.mark.parametrize(
    "code",
    [
        "F32.A",
        "F43.10",
        "F90.2",
        "Z63.0",
        "Z59.01",
        "Z71.41",
        "Z91.51",
        "Z91.52",
        "Z86.59",
        "Z13.31",
        "Z13.32",
        "Z13.39",
        "Z03.89",
        "Z04.6",
        "R45.851",
        "T74.11XA",
        "F10.20",
    ],
)
def test_behavioral_health_codes_are_billable(code: str) -> None:
    assert validate_diagnosis_code(code) == []


def test_seventh_character_codes_are_headers_without_it() -> None:
    problems = validate_diagnosis_code("T74.11")
    assert [p.code for p in problems] == ["icd10.not_billable"]


def test_z00_4_is_not_an_icd10_cm_code() -> None:
    # Z00.4 exists in WHO ICD-10 only; ICD-10-CM uses Z04.6 for a psychiatric examination.
    assert [p.code for p in validate_diagnosis_code("Z00.4")] == ["icd10.unknown"]


def test_validate_distinguishes_the_three_failures_and_names_the_field() -> None:
    assert validate_diagnosis_code("F41.", "diagnosisCodes[0]")[0].code == "icd10.bad_format"
    unknown = validate_diagnosis_code("F41.7", "diagnosisCodes[1]")
    assert unknown[0].code == "icd10.unknown"
    assert unknown[0].field == "diagnosisCodes[1]"
    header = validate_diagnosis_code("F41", "diagnosisCodes[2]")
    assert header[0].code == "icd10.not_billable"
    assert "F41" not in header[0].message  # diagnoses are health information: never echoed


@pytest.mark.parametrize("code", ["", "   ", None])
def test_validate_reports_missing_code(code: str | None) -> None:
    assert validate_diagnosis_code(code)[0].code == "icd10.missing"  # type: ignore[arg-type]


def test_subset_covers_the_whole_f_chapter_and_names_its_release() -> None:
    codes = icd10_codes()
    assert "FY2026" in icd10_release()
    categories = {entry.code for entry in codes if len(entry.code) == 3 and entry.code[0] == "F"}
    assert {"F01", "F20", "F32", "F41", "F84", "F99"} <= categories
    assert all(entry.code[0] in "FRTZ" for entry in codes)
    assert [entry.code.replace(".", "") for entry in codes] == sorted(
        entry.code.replace(".", "") for entry in codes
    )


def test_every_billable_code_has_no_billable_descendant_prefix() -> None:
    # A billable code is a leaf: no other code in the list extends it.
    codes = {entry.code.replace(".", ""): entry for entry in icd10_codes()}
    for bare, entry in codes.items():
        if entry.billable:
            assert not any(other != bare and other.startswith(bare) for other in codes), bare


@pytest.mark.skipif(
    importlib.util.find_spec("simple_icd_10_cm") is None,
    reason="simple-icd-10-cm (generator-only tool) is not installed",
)
def test_committed_data_file_matches_the_generator() -> None:
    from bhlink.domain.codes import _generate_icd10

    data_file = Path(_generate_icd10.__file__).with_name("data") / "icd10cm_bh.tsv"
    assert _generate_icd10.main(["--check", "--output", str(data_file)]) == 0
