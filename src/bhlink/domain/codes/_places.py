"""CMS Place of Service (POS) code set for professional claims (CMS-1500 item 24B, 837P CLM05-1).

Source: CMS "Place of Service Code Set" (cms.gov/medicare/coding-billing/place-of-service-codes),
public domain, as of the August 1, 2024 addition of POS 66 (CMS Transmittal 12779). History of
the telehealth codes: POS 02 since 2017, redefined and POS 10 added on January 1, 2022 (CMS
Transmittal 11045, CR 12427). POS 27 was added on October 1, 2023; POS 58 on January 1, 2020
(Transmittal 4486, CR 11353). Numbers not listed are unassigned and invalid on claims.
"""

from __future__ import annotations

from types import MappingProxyType

from bhlink.domain.codes._problems import Problem

PLACES_OF_SERVICE: MappingProxyType[str, str] = MappingProxyType(
    {
        "01": "Pharmacy",
        "02": "Telehealth provided other than in patient's home",
        "03": "School",
        "04": "Homeless shelter",
        "05": "Indian Health Service free-standing facility",
        "06": "Indian Health Service provider-based facility",
        "07": "Tribal 638 free-standing facility",
        "08": "Tribal 638 provider-based facility",
        "09": "Prison/correctional facility",
        "10": "Telehealth provided in patient's home",
        "11": "Office",
        "12": "Home",
        "13": "Assisted living facility",
        "14": "Group home",
        "15": "Mobile unit",
        "16": "Temporary lodging",
        "17": "Walk-in retail health clinic",
        "18": "Place of employment/worksite",
        "19": "Off campus-outpatient hospital",
        "20": "Urgent care facility",
        "21": "Inpatient hospital",
        "22": "On campus-outpatient hospital",
        "23": "Emergency room - hospital",
        "24": "Ambulatory surgical center",
        "25": "Birthing center",
        "26": "Military treatment facility",
        "27": "Outreach site/street",
        "31": "Skilled nursing facility",
        "32": "Nursing facility",
        "33": "Custodial care facility",
        "34": "Hospice",
        "41": "Ambulance - land",
        "42": "Ambulance - air or water",
        "49": "Independent clinic",
        "50": "Federally qualified health center",
        "51": "Inpatient psychiatric facility",
        "52": "Psychiatric facility-partial hospitalization",
        "53": "Community mental health center",
        "54": "Intermediate care facility/individuals with intellectual disabilities",
        "55": "Residential substance abuse treatment facility",
        "56": "Psychiatric residential treatment center",
        "57": "Non-residential substance abuse treatment facility",
        "58": "Non-residential opioid treatment facility",
        "60": "Mass immunization center",
        "61": "Comprehensive inpatient rehabilitation facility",
        "62": "Comprehensive outpatient rehabilitation facility",
        "65": "End-stage renal disease treatment facility",
        "66": "Programs of All-Inclusive Care for the Elderly (PACE) center",
        "71": "Public health clinic",
        "72": "Rural health clinic",
        "81": "Independent laboratory",
        "99": "Other place of service",
    }
)

TELEHEALTH_PLACES_OF_SERVICE = frozenset({"02", "10"})


def lookup_place_of_service(code: str) -> str | None:
    """The POS name for a two-digit code such as '02', or None when unassigned or malformed."""
    if not isinstance(code, str):
        return None
    return PLACES_OF_SERVICE.get(code.strip())


def validate_place_of_service(code: str, field: str = "placeOfService") -> list[Problem]:
    """Problems with a POS code: missing, not two digits, or unassigned in the CMS code set."""
    if not isinstance(code, str) or not code.strip():
        return [Problem(field, "is required", "pos.missing")]
    candidate = code.strip()
    if len(candidate) != 2 or not candidate.isdigit():
        return [Problem(field, "must be a two-digit CMS place of service code", "pos.bad_format")]
    if candidate not in PLACES_OF_SERVICE:
        return [
            Problem(
                field, f"{candidate} is not an assigned CMS place of service code", "pos.unassigned"
            )
        ]
    return []
