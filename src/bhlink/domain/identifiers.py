"""Checks of external identifiers: NPI check digit, ICD-10-CM shape, US postal codes."""

from __future__ import annotations

import re

# ICD-10-CM: a letter, a digit, an alphanumeric, then optionally a dot and 1-4 alphanumerics.
# (CMS ICD-10-CM Official Guidelines, section I.A.: codes are 3 to 7 characters.)
_ICD10_DOTTED = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_ICD10_UNDOTTED = re.compile(r"^[A-TV-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")
_ZIP = re.compile(r"^[0-9]{5}(-?[0-9]{4})?$")


def is_valid_npi(npi: str) -> bool:
    """Validate a National Provider Identifier's check digit.

    CMS, "Requirements for constructing the NPI check digit": the Luhn formula (ISO/IEC 7812)
    applied to the 9 identifier digits prefixed by the health-industry constant 80840, which
    amounts to adding 24 to the doubled-digit sum of the 9 digits.
    """
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(c) for c in npi[:9]]
    total = 24
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:
            doubled = digit * 2
            total += doubled - 9 if doubled > 9 else doubled
        else:
            total += digit
    check = (10 - total % 10) % 10
    return check == int(npi[9])


def is_icd10_format(code: str) -> bool:
    """Tell whether `code` has the shape of an ICD-10-CM code (dotted or not)."""
    upper = code.strip().upper()
    return bool(_ICD10_DOTTED.match(upper) or _ICD10_UNDOTTED.match(upper))


def normalize_icd10(code: str) -> str:
    """Return the dotted, upper-case form (`f411` → `F41.1`)."""
    upper = code.strip().upper().replace(".", "")
    return upper if len(upper) <= 3 else f"{upper[:3]}.{upper[3:]}"


def is_us_postal_code(value: str) -> bool:
    """Accept a 5-digit ZIP or ZIP+4 (with or without the hyphen)."""
    return bool(_ZIP.match(value))
