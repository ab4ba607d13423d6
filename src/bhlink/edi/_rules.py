"""Single-value rules shared by the document checks and the X12 text validators."""

from __future__ import annotations

import re
from decimal import Decimal

from bhlink.edi._codes import PLACE_OF_SERVICE_CODES

# CMS, "Requirements for NPI Check Digit" (NPI final rule 69 FR 3434 and the CMS NPI
# check-digit note): the NPI's 10th digit is the Luhn (ISO/IEC 7812 "double-add-double"
# modulus 10) check digit computed as if the card-issuer prefix 80840 were present,
# which is done by adding the constant 24 to the sum. NPIs are issued starting with 1 or 2.
_NPI_PREFIX_CONSTANT = 24
_NPI = re.compile(r"[12][0-9]{9}\Z")

# ICD-10-CM codes are 3 to 7 characters: a letter, a digit, then letters or digits
# (CMS/NCHS ICD-10-CM Official Guidelines, section I.A.1-3). In X12 the decimal point is
# implied and never transmitted (837 TR3, HI composite notes: "Do not transmit the
# decimal points in the diagnosis codes").
_ICD10_CM = re.compile(r"[A-Z][0-9][0-9A-Z]{1,5}\Z")

# Procedure modifiers (element 1339) are AN 2/2 in the 837 TR3s; CPT and HCPCS Level II
# modifiers are two letters or digits (AMA CPT appendix A; CMS HCPCS Level II).
_MODIFIER = re.compile(r"[A-Z0-9]{2}\Z")

# CPT (5 digits, or 4 digits + F/T/U for Category II/III/PLA) and HCPCS Level II
# (a letter + 4 digits) are five characters (AMA CPT; CMS HCPCS quarterly files).
_PROCEDURE = re.compile(r"[A-Z0-9]{5}\Z")

# NUBC revenue codes are four digits (837I SV201, leading zero included: 0900, 0914).
_REVENUE = re.compile(r"[0-9]{4}\Z")

# NUCC Health Care Provider Taxonomy codes are 10 characters ending in X (e.g. 261QM0801X).
_TAXONOMY = re.compile(r"[0-9A-Z]{9}X\Z")

_ZIP9 = re.compile(r"[0-9]{9}\Z")
_ZIP = re.compile(r"[0-9]{5}([0-9]{4})?\Z")
_EIN = re.compile(r"[0-9]{9}\Z")
# 837 TR3 2010AA N3 note: the billing provider address must be a street address;
# post office boxes and lock boxes go in the pay-to address (2010AB).
_PO_BOX = re.compile(r"\b(P\.?\s*O\.?\s*BOX|POST\s+OFFICE\s+BOX|LOCK\s*BOX)\b", re.IGNORECASE)


def check_npi(npi: str) -> bool:
    """True when ``npi`` is a well-formed NPI with a correct check digit."""
    if not _NPI.match(npi):
        return False
    total = _NPI_PREFIX_CONSTANT
    # Double every other digit starting with the rightmost of the nine identifier digits.
    for offset, char in enumerate(reversed(npi[:9])):
        digit = int(char)
        if offset % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


def icd10_problem(code: str) -> tuple[str, str] | None:
    """(problem code, message) when ``code`` is not ICD-10-CM as X12 wants it, else None."""
    if "." in code:
        return "icd10-decimal", "ICD-10-CM codes are written without the decimal point"
    if not _ICD10_CM.match(code):
        return "icd10-format", "not an ICD-10-CM code (letter, digit, then 1-5 characters)"
    return None


def is_valid_modifier(modifier: str) -> bool:
    """Two upper-case letters or digits."""
    return bool(_MODIFIER.match(modifier))


def is_valid_procedure_code(code: str) -> bool:
    """Five upper-case letters or digits (CPT or HCPCS Level II)."""
    return bool(_PROCEDURE.match(code))


def is_valid_revenue_code(code: str) -> bool:
    """Four digits."""
    return bool(_REVENUE.match(code))


def is_valid_place_of_service(code: str) -> bool:
    """A code in the CMS Place of Service code set."""
    return code in PLACE_OF_SERVICE_CODES


def is_valid_taxonomy(code: str) -> bool:
    """A NUCC taxonomy code shape: 9 letters/digits then X."""
    return bool(_TAXONOMY.match(code))


def is_zip9(code: str) -> bool:
    """Nine digits (ZIP+4 without the hyphen)."""
    return bool(_ZIP9.match(code))


def is_zip(code: str) -> bool:
    """Five or nine digits."""
    return bool(_ZIP.match(code))


def is_ein(code: str) -> bool:
    """Nine digits, no hyphen."""
    return bool(_EIN.match(code))


def looks_like_po_box(line: str) -> bool:
    """True for 'PO BOX 12', 'P.O. Box', 'Post Office Box', 'Lockbox'."""
    return bool(_PO_BOX.search(line))


def has_cents_precision(amount: Decimal) -> bool:
    """At most two decimal places (X12 monetary amounts are dollars and cents)."""
    exponent = amount.as_tuple().exponent
    return isinstance(exponent, int) and (
        exponent >= -2 or amount == amount.quantize(Decimal("0.01"))
    )
