"""Checks of external identifiers: NPI check digits (and a valid NPI for synthetic data)."""

from __future__ import annotations

# The NPI check digit is computed as the Luhn formula (ISO/IEC 7812) over the 9 identifier digits
# prefixed by the health-industry constant 80840 (CMS, "Requirements for constructing the NPI
# check digit"); the prefix contributes a constant 24 to the sum.
_PREFIX_SUM = 24


def npi_check_digit(first_nine: str) -> int:
    """The check digit for the first nine digits of an NPI."""
    total = _PREFIX_SUM
    for index, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return (10 - total % 10) % 10


def is_valid_npi(npi: str) -> bool:
    """Validate a National Provider Identifier: ten digits whose last is the check digit."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    return npi_check_digit(npi[:9]) == int(npi[9])
