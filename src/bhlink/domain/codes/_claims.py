"""Claim frequency type codes (837P CLM05-3): is this claim new, a replacement or a void.

Source: the National Uniform Billing Committee's frequency codes (third digit of the type of
bill), which the 837P TR3 (005010X222A1) uses in CLM05-3. Professional claims use 1, 7 and 8;
7 and 8 must carry the payer's original claim number in REF*F8 (2300 loop).
"""

from __future__ import annotations

from types import MappingProxyType

from bhlink.domain.codes._problems import Problem

CLAIM_FREQUENCY_CODES: MappingProxyType[str, str] = MappingProxyType(
    {
        "1": "Original claim",
        "7": "Replacement of a prior claim",
        "8": "Void or cancel of a prior claim",
    }
)

FREQUENCIES_NEEDING_ORIGINAL_CLAIM = frozenset({"7", "8"})


def validate_claim_frequency(
    frequency: str, original_claim_number: str | None, field: str = "frequencyCode"
) -> list[Problem]:
    """Problems with a claim's frequency code and the payer claim number it may require."""
    if not isinstance(frequency, str) or frequency.strip() not in CLAIM_FREQUENCY_CODES:
        return [
            Problem(
                field,
                "must be 1 (original), 7 (replacement) or 8 (void)",
                "claim_frequency.unknown",
            )
        ]
    code = frequency.strip()
    has_original = isinstance(original_claim_number, str) and original_claim_number.strip()
    if code in FREQUENCIES_NEEDING_ORIGINAL_CLAIM and not has_original:
        return [
            Problem(
                "originalClaimNumber",
                f"is required when {field} is {code}",
                "claim_frequency.missing_original",
            )
        ]
    if code == "1" and has_original:
        return [
            Problem(
                "originalClaimNumber",
                f"must be empty when {field} is 1",
                "claim_frequency.unexpected_original",
            )
        ]
    return []
