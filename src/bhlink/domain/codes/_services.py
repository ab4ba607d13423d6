"""CPT and HCPCS Level II service codes a behavioral-health practice bills.

CPT descriptors are the AMA's copyright, so every description here is our own plain-language
summary, not the descriptor. HCPCS Level II codes are maintained by CMS (public domain); we
summarise them the same way for consistency.

Time rules, with their sources:
* Psychotherapy 90832/90834/90837 (and the add-ons 90833/90836/90838 with an E/M visit): CPT's
  time rule ("a unit of time is attained when the mid-point is passed") gives 16-37, 38-52 and
  53+ minutes of face-to-face psychotherapy; fewer than 16 minutes is not reported as
  psychotherapy (CPT 2013 psychiatry changes; CMS LCD article A57130 "Billing and Coding:
  Psychiatric Codes").
* Family psychotherapy 90846/90847 ("50 minutes"): not reported for less than 26 minutes.
* Psychotherapy for crisis: 90839 covers the first 30-74 minutes, 90840 each further 30
  minutes beyond 74 (75-104 = 1 unit, 105-134 = 2 units ...); under 30 minutes is reported
  as 90832/90833 instead.
* HCPCS H- and T-codes named "per 15 minutes" are billed in 15-minute units; how a part unit
  rounds is a payer rule (see bhlink.domain.billing).
* Telephone assessment 98966/98967/98968 by a non-physician: 5-10, 11-20 and 21-30 minutes.
* G0444 annual depression screening: 5 to 15 minutes (Medicare).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from bhlink.domain.codes._problems import Problem


class CodeSystem(StrEnum):
    """Which procedure code set a code belongs to."""

    CPT = "CPT"
    HCPCS = "HCPCS"


class ServiceCategory(StrEnum):
    """Coarse grouping used by billing rules."""

    EVALUATION = "evaluation"
    PSYCHOTHERAPY = "psychotherapy"
    PSYCHOTHERAPY_ADD_ON = "psychotherapy_add_on"
    CRISIS = "crisis"
    FAMILY_GROUP = "family_group"
    EVALUATION_MANAGEMENT = "evaluation_management"
    ASSESSMENT = "assessment"
    COMMUNITY_SERVICE = "community_service"
    TELEPHONE = "telephone"
    ADD_ON = "add_on"


@dataclass(frozen=True, slots=True)
class ServiceCode:
    """A billable service code with the time facts billing rules need.

    `min_minutes`/`max_minutes` bound the face-to-face time one unit of a single-band code
    covers (None = no bound). `unit_minutes` is set for codes billed per block of time
    (15 for "per 15 minutes", 30 for 90840). `add_on_to` lists the primary codes an add-on
    code must accompany.
    """

    code: str
    system: CodeSystem
    category: ServiceCategory
    description: str
    time_based: bool
    min_minutes: int | None = None
    max_minutes: int | None = None
    unit_minutes: int | None = None
    add_on_to: tuple[str, ...] = ()

    @property
    def is_add_on(self) -> bool:
        """True when the code may only be reported with one of `add_on_to`."""
        return bool(self.add_on_to)


_EM_OFFICE = ("99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215")
_PSYCHOTHERAPY_PRIMARY = (
    "90791",
    "90792",
    "90832",
    "90833",
    "90834",
    "90836",
    "90837",
    "90838",
    "90853",
)

_C = CodeSystem.CPT
_H = CodeSystem.HCPCS
_S = ServiceCategory

_ALL: tuple[ServiceCode, ...] = (
    ServiceCode(
        "90791", _C, _S.EVALUATION, "Psychiatric diagnostic evaluation, no medical services", False
    ),
    ServiceCode(
        "90792",
        _C,
        _S.EVALUATION,
        "Psychiatric diagnostic evaluation including medical services",
        False,
    ),
    ServiceCode(
        "90832", _C, _S.PSYCHOTHERAPY, "Individual psychotherapy, about 30 minutes", True, 16, 37
    ),
    ServiceCode(
        "90833",
        _C,
        _S.PSYCHOTHERAPY_ADD_ON,
        "Psychotherapy, about 30 minutes, added to an E/M visit the same day",
        True,
        16,
        37,
        add_on_to=_EM_OFFICE,
    ),
    ServiceCode(
        "90834", _C, _S.PSYCHOTHERAPY, "Individual psychotherapy, about 45 minutes", True, 38, 52
    ),
    ServiceCode(
        "90836",
        _C,
        _S.PSYCHOTHERAPY_ADD_ON,
        "Psychotherapy, about 45 minutes, added to an E/M visit the same day",
        True,
        38,
        52,
        add_on_to=_EM_OFFICE,
    ),
    ServiceCode(
        "90837", _C, _S.PSYCHOTHERAPY, "Individual psychotherapy, about 60 minutes", True, 53, None
    ),
    ServiceCode(
        "90838",
        _C,
        _S.PSYCHOTHERAPY_ADD_ON,
        "Psychotherapy, about 60 minutes, added to an E/M visit the same day",
        True,
        53,
        None,
        add_on_to=_EM_OFFICE,
    ),
    ServiceCode(
        "90839", _C, _S.CRISIS, "Crisis psychotherapy, first hour (30 to 74 minutes)", True, 30, 74
    ),
    ServiceCode(
        "90840",
        _C,
        _S.CRISIS,
        "Crisis psychotherapy, each further 30 minutes after the first 74",
        True,
        unit_minutes=30,
        add_on_to=("90839",),
    ),
    ServiceCode(
        "90846",
        _C,
        _S.FAMILY_GROUP,
        "Family or couples psychotherapy without the patient, about 50 minutes",
        True,
        26,
        None,
    ),
    ServiceCode(
        "90847",
        _C,
        _S.FAMILY_GROUP,
        "Family or couples psychotherapy with the patient, about 50 minutes",
        True,
        26,
        None,
    ),
    ServiceCode(
        "90849", _C, _S.FAMILY_GROUP, "Group psychotherapy for several families together", False
    ),
    ServiceCode(
        "90853", _C, _S.FAMILY_GROUP, "Group psychotherapy (not a multiple-family group)", False
    ),
    ServiceCode(
        "90785",
        _C,
        _S.ADD_ON,
        "Interactive complexity add-on (communication made harder by others involved)",
        False,
        add_on_to=_PSYCHOTHERAPY_PRIMARY,
    ),
    ServiceCode(
        "96127",
        _C,
        _S.ASSESSMENT,
        "Brief emotional or behavioral assessment, scored, per standardized instrument",
        False,
    ),
    ServiceCode(
        "99211",
        _C,
        _S.EVALUATION_MANAGEMENT,
        "Established-patient office visit, minimal, may not need a physician",
        False,
    ),
    ServiceCode(
        "99212",
        _C,
        _S.EVALUATION_MANAGEMENT,
        "Established-patient office visit, straightforward decision making",
        False,
    ),
    ServiceCode(
        "99213",
        _C,
        _S.EVALUATION_MANAGEMENT,
        "Established-patient office visit, low-complexity decision making",
        False,
    ),
    ServiceCode(
        "99214",
        _C,
        _S.EVALUATION_MANAGEMENT,
        "Established-patient office visit, moderate-complexity decision making",
        False,
    ),
    ServiceCode(
        "99215",
        _C,
        _S.EVALUATION_MANAGEMENT,
        "Established-patient office visit, high-complexity decision making",
        False,
    ),
    ServiceCode(
        "98966",
        _C,
        _S.TELEPHONE,
        "Telephone assessment by a non-physician clinician, 5 to 10 minutes",
        True,
        5,
        10,
    ),
    ServiceCode(
        "98967",
        _C,
        _S.TELEPHONE,
        "Telephone assessment by a non-physician clinician, 11 to 20 minutes",
        True,
        11,
        20,
    ),
    ServiceCode(
        "98968",
        _C,
        _S.TELEPHONE,
        "Telephone assessment by a non-physician clinician, 21 to 30 minutes",
        True,
        21,
        30,
    ),
    ServiceCode(
        "G0444",
        _H,
        _S.ASSESSMENT,
        "Yearly depression screening (Medicare), 5 to 15 minutes",
        True,
        5,
        15,
    ),
    ServiceCode("H0001", _H, _S.ASSESSMENT, "Alcohol and/or drug use assessment", False),
    ServiceCode(
        "H0004",
        _H,
        _S.COMMUNITY_SERVICE,
        "Behavioral health counseling and therapy, per 15 minutes",
        True,
        unit_minutes=15,
    ),
    ServiceCode(
        "H0005",
        _H,
        _S.COMMUNITY_SERVICE,
        "Alcohol and/or drug group counseling by a clinician",
        False,
    ),
    ServiceCode("H0031", _H, _S.ASSESSMENT, "Mental health assessment by a non-physician", False),
    ServiceCode(
        "H0032",
        _H,
        _S.COMMUNITY_SERVICE,
        "Mental health service plan development by a non-physician",
        False,
    ),
    ServiceCode(
        "H0036",
        _H,
        _S.COMMUNITY_SERVICE,
        "Community psychiatric supportive treatment, face to face, per 15 minutes",
        True,
        unit_minutes=15,
    ),
    ServiceCode(
        "H2011", _H, _S.CRISIS, "Crisis intervention service, per 15 minutes", True, unit_minutes=15
    ),
    ServiceCode(
        "H2014",
        _H,
        _S.COMMUNITY_SERVICE,
        "Skills training and development, per 15 minutes",
        True,
        unit_minutes=15,
    ),
    ServiceCode(
        "H2017",
        _H,
        _S.COMMUNITY_SERVICE,
        "Psychosocial rehabilitation service, per 15 minutes",
        True,
        unit_minutes=15,
    ),
    ServiceCode(
        "H2019",
        _H,
        _S.COMMUNITY_SERVICE,
        "Therapeutic behavioral service, per 15 minutes",
        True,
        unit_minutes=15,
    ),
    ServiceCode(
        "T1017",
        _H,
        _S.COMMUNITY_SERVICE,
        "Targeted case management, per 15 minutes",
        True,
        unit_minutes=15,
    ),
)

SERVICE_CODES: MappingProxyType[str, ServiceCode] = MappingProxyType(
    {entry.code: entry for entry in _ALL}
)


def normalize_service_code(code: str) -> str:
    """Trim and upper-case a CPT/HCPCS code ('h0004 ' -> 'H0004')."""
    return code.strip().upper()


def lookup_service_code(code: str) -> ServiceCode | None:
    """The service code's entry, or None when it is not one bhlink knows."""
    if not isinstance(code, str):
        return None
    return SERVICE_CODES.get(normalize_service_code(code))


def is_procedure_code_format(code: str) -> bool:
    """CPT Category I (5 digits) or HCPCS Level II (a letter A-V then 4 digits)."""
    if not isinstance(code, str):
        return False
    candidate = normalize_service_code(code)
    if len(candidate) != 5:
        return False
    if candidate.isdigit():
        return True
    return "A" <= candidate[0] <= "V" and candidate[1:].isdigit()


def validate_service_code(code: str, field: str = "serviceCode") -> list[Problem]:
    """Problems with a service code: missing, malformed, or not in bhlink's code list."""
    if not isinstance(code, str) or not code.strip():
        return [Problem(field, "is required", "service_code.missing")]
    if not is_procedure_code_format(code):
        return [
            Problem(
                field,
                "is not a CPT (5 digits) or HCPCS (letter + 4 digits) code",
                "service_code.bad_format",
            )
        ]
    if lookup_service_code(code) is None:
        return [
            Problem(
                field,
                f"{normalize_service_code(code)} is not a behavioral-health "
                "service code bhlink bills",
                "service_code.unknown",
            )
        ]
    return []
