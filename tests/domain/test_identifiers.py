"""NPI check digits and ICD-10-CM shapes."""

from __future__ import annotations

import pytest

from bhlink.domain.identifiers import is_icd10_format, is_valid_npi, normalize_icd10


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1679576722"])
def test_valid_npis(npi: str) -> None:
    assert is_valid_npi(npi)


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678901", "abcdefghij", ""])
def test_invalid_npis(npi: str) -> None:
    assert not is_valid_npi(npi)


def test_icd10_shapes() -> None:
    assert is_icd10_format("F41.1") and is_icd10_format("f411") and is_icd10_format("F43.10")
    assert (
        not is_icd10_format("41.1") and not is_icd10_format("F4") and not is_icd10_format("U07.1.2")
    )
    assert normalize_icd10("f4310") == "F43.10"
