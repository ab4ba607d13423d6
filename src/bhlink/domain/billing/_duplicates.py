"""The duplicate-claim key: the same patient, day, code, modifiers and clinician.

Payers deny an exact repeat with CARC 18 ("exact duplicate claim/service"). Modifiers are part
of the key because 59, XE/XP/XS/XU and 76 are exactly how a legitimate second service on the
same day is told apart; their order on the line does not change what they mean, so the key
holds them sorted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bhlink.domain.billing._errors import billing_error
from bhlink.domain.codes import normalize_service_code


@dataclass(frozen=True, slots=True, order=True)
class DuplicateClaimKey:
    """Hashable identity of a billed service line."""

    patient_id: str
    date_of_service: date
    service_code: str
    modifiers: tuple[str, ...]
    rendering_provider_id: str


def duplicate_claim_key(
    patient_id: str,
    date_of_service: date,
    service_code: str,
    modifiers: Sequence[str],
    rendering_provider_id: str,
) -> DuplicateClaimKey:
    """The normalised key (code upper-cased, modifiers upper-cased and sorted)."""
    for name, value in (
        ("patientId", patient_id),
        ("serviceCode", service_code),
        ("renderingProviderId", rendering_provider_id),
    ):
        if not isinstance(value, str) or not value.strip():
            raise billing_error(name, "is required", "duplicate_key.missing")
    if not isinstance(date_of_service, date):
        raise billing_error("dateOfService", "must be a date", "duplicate_key.missing")
    normalized_modifiers = tuple(sorted(m.strip().upper() for m in modifiers if m.strip()))
    return DuplicateClaimKey(
        patient_id=patient_id.strip(),
        date_of_service=date_of_service,
        service_code=normalize_service_code(service_code),
        modifiers=normalized_modifiers,
        rendering_provider_id=rendering_provider_id.strip(),
    )


def find_duplicates(keys: Iterable[DuplicateClaimKey]) -> dict[DuplicateClaimKey, list[int]]:
    """Keys that occur more than once, with the positions where they occur."""
    positions: dict[DuplicateClaimKey, list[int]] = {}
    for index, key in enumerate(keys):
        positions.setdefault(key, []).append(index)
    return {key: where for key, where in positions.items() if len(where) > 1}
