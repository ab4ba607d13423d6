"""NPI check digits."""

from __future__ import annotations

import pytest

from bhlink.domain.identifiers import is_valid_npi, npi_check_digit


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1679576722"])
def test_valid_npis(npi: str) -> None:
    assert is_valid_npi(npi)


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678901", "abcdefghij", ""])
def test_invalid_npis(npi: str) -> None:
    assert not is_valid_npi(npi)


def test_check_digit_matches_the_cms_example() -> None:
    # CMS's worked example: 123456789 -> check digit 3.
    assert npi_check_digit("123456789") == 3
