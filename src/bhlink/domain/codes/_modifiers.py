"""Procedure-code modifiers used on behavioral-health claims, described in our own words.

Numeric modifiers (25, 52, 59, 93, 95) belong to CPT (AMA copyright): the descriptions are our
summaries. Alphanumeric ones are HCPCS Level II modifiers maintained by CMS. The H- and U-
modifiers are defined nationally but each state Medicaid program decides how it uses them
(U1-UD carry no national meaning at all), so payer rules, not this table, decide which are
required.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from bhlink.domain.codes._problems import Problem
from bhlink.domain.codes._services import CodeSystem


class ModifierCategory(StrEnum):
    """What a modifier tells the payer."""

    TELEHEALTH = "telehealth"
    CLINICIAN_LEVEL = "clinician_level"
    PROGRAM = "program"
    FUNDING_SOURCE = "funding_source"
    SETTING = "setting"
    STATE_DEFINED = "state_defined"
    DISTINCT_SERVICE = "distinct_service"
    LIABILITY = "liability"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Modifier:
    """One two-character modifier."""

    code: str
    system: CodeSystem
    category: ModifierCategory
    description: str


_C = CodeSystem.CPT
_H = CodeSystem.HCPCS
_M = ModifierCategory

_ALL: tuple[Modifier, ...] = (
    # Telehealth and supervision by video.
    Modifier("95", _C, _M.TELEHEALTH, "Delivered live by two-way audio and video"),
    Modifier("93", _C, _M.TELEHEALTH, "Delivered live by audio only (telephone or similar)"),
    Modifier(
        "GT",
        _H,
        _M.TELEHEALTH,
        "Delivered by interactive audio and video (older payer "
        "convention, still required by some Medicaid and commercial plans)",
    ),
    Modifier("GQ", _H, _M.TELEHEALTH, "Delivered asynchronously (store and forward)"),
    Modifier("FQ", _H, _M.TELEHEALTH, "Delivered by real-time audio only (RHC/FQHC claims)"),
    Modifier("FR", _H, _M.TELEHEALTH, "Supervising practitioner present by two-way video"),
    # Clinician credential level.
    Modifier("HL", _H, _M.CLINICIAN_LEVEL, "Delivered by an intern"),
    Modifier("HM", _H, _M.CLINICIAN_LEVEL, "Clinician below bachelor's degree level"),
    Modifier("HN", _H, _M.CLINICIAN_LEVEL, "Clinician at bachelor's degree level"),
    Modifier("HO", _H, _M.CLINICIAN_LEVEL, "Clinician at master's degree level"),
    Modifier("HP", _H, _M.CLINICIAN_LEVEL, "Clinician at doctoral level"),
    Modifier("AH", _H, _M.CLINICIAN_LEVEL, "Delivered by a clinical psychologist"),
    Modifier("AJ", _H, _M.CLINICIAN_LEVEL, "Delivered by a clinical social worker"),
    Modifier(
        "SA", _H, _M.CLINICIAN_LEVEL, "Nurse practitioner working in collaboration with a physician"
    ),
    Modifier(
        "GC", _H, _M.CLINICIAN_LEVEL, "Partly performed by a resident under a teaching physician"
    ),
    # Program.
    Modifier("HA", _H, _M.PROGRAM, "Child or adolescent program"),
    Modifier("HB", _H, _M.PROGRAM, "Adult program, not geriatric"),
    Modifier("HC", _H, _M.PROGRAM, "Adult program, geriatric"),
    Modifier("HD", _H, _M.PROGRAM, "Program for pregnant or parenting women"),
    Modifier("HE", _H, _M.PROGRAM, "Mental health program"),
    Modifier("HF", _H, _M.PROGRAM, "Substance use program"),
    Modifier("HG", _H, _M.PROGRAM, "Opioid addiction treatment program"),
    Modifier("HH", _H, _M.PROGRAM, "Integrated mental health and substance use program"),
    Modifier(
        "HI",
        _H,
        _M.PROGRAM,
        "Integrated mental health and intellectual or developmental disability program",
    ),
    Modifier("HJ", _H, _M.PROGRAM, "Employee assistance program"),
    Modifier("HK", _H, _M.PROGRAM, "Specialised mental health program for high-risk groups"),
    Modifier("HT", _H, _M.PROGRAM, "Multi-disciplinary team"),
    # Funding source.
    Modifier("HU", _H, _M.FUNDING_SOURCE, "Paid for by a child welfare agency"),
    Modifier("HV", _H, _M.FUNDING_SOURCE, "Paid for by a state addictions agency"),
    Modifier("HW", _H, _M.FUNDING_SOURCE, "Paid for by a state mental health agency"),
    Modifier("HX", _H, _M.FUNDING_SOURCE, "Paid for by a county or local agency"),
    Modifier("HY", _H, _M.FUNDING_SOURCE, "Paid for by a juvenile justice agency"),
    Modifier("HZ", _H, _M.FUNDING_SOURCE, "Paid for by a criminal justice agency"),
    # Setting and participants.
    Modifier("HQ", _H, _M.SETTING, "Group setting"),
    Modifier("HR", _H, _M.SETTING, "Family or couple session with the client present"),
    Modifier("HS", _H, _M.SETTING, "Family or couple session without the client"),
    Modifier(
        "TT",
        _H,
        _M.SETTING,
        "One individualised service given to several patients in the same setting",
    ),
    Modifier("TF", _H, _M.SETTING, "Intermediate level of care"),
    Modifier("TG", _H, _M.SETTING, "Complex or high-technology level of care"),
    # State-defined Medicaid levels of care.
    *(
        Modifier(
            code, _H, _M.STATE_DEFINED, f"Medicaid level of care {level}, meaning set by each state"
        )
        for level, code in enumerate(
            ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9", "UA", "UB", "UC", "UD"),
            start=1,
        )
    ),
    # Distinct services (NCCI procedure-to-procedure edits).
    Modifier(
        "59",
        _C,
        _M.DISTINCT_SERVICE,
        "Distinct service: separate from another "
        "service the same day (use an X modifier when one fits)",
    ),
    Modifier("XE", _H, _M.DISTINCT_SERVICE, "Distinct service: a separate encounter"),
    Modifier("XP", _H, _M.DISTINCT_SERVICE, "Distinct service: a different practitioner"),
    Modifier("XS", _H, _M.DISTINCT_SERVICE, "Distinct service: a separate organ or structure"),
    Modifier(
        "XU",
        _H,
        _M.DISTINCT_SERVICE,
        "Distinct service: does not overlap the usual parts of the main service",
    ),
    Modifier(
        "25",
        _C,
        _M.DISTINCT_SERVICE,
        "Significant, separately identifiable E/M visit on the same day as another service",
    ),
    # Liability and coverage notices.
    Modifier(
        "KX", _H, _M.LIABILITY, "The payer's medical-policy requirements are met and documented"
    ),
    Modifier("GA", _H, _M.LIABILITY, "A required advance notice of non-coverage (ABN) is on file"),
    Modifier("GY", _H, _M.LIABILITY, "Excluded by statute or not a benefit; billed for a denial"),
    Modifier(
        "GZ",
        _H,
        _M.LIABILITY,
        "Expected to be denied as not medically necessary; no advance notice on file",
    ),
    # Other.
    Modifier("52", _C, _M.OTHER, "Service reduced at the clinician's choice"),
    Modifier("76", _C, _M.OTHER, "Repeat of the same service by the same clinician"),
    Modifier("CR", _H, _M.OTHER, "Related to a declared catastrophe or disaster"),
)

MODIFIERS: MappingProxyType[str, Modifier] = MappingProxyType({m.code: m for m in _ALL})

# X12 837P SV101-3..6 carries at most four modifiers per service line.
MAX_MODIFIERS_PER_LINE = 4


def lookup_modifier(code: str) -> Modifier | None:
    """The modifier's entry, or None when bhlink does not know it."""
    if not isinstance(code, str):
        return None
    return MODIFIERS.get(code.strip().upper())


def validate_modifiers(
    modifiers: list[str] | tuple[str, ...], field: str = "modifiers"
) -> list[Problem]:
    """Problems with a line's modifiers: unknown, repeated, or more than four."""
    problems: list[Problem] = []
    if len(modifiers) > MAX_MODIFIERS_PER_LINE:
        problems.append(
            Problem(
                field,
                f"has {len(modifiers)} modifiers; a claim line carries "
                f"at most {MAX_MODIFIERS_PER_LINE}",
                "modifier.too_many",
            )
        )
    seen: set[str] = set()
    for index, modifier in enumerate(modifiers):
        path = f"{field}[{index}]"
        if not isinstance(modifier, str) or lookup_modifier(modifier) is None:
            problems.append(Problem(path, "is not a known procedure modifier", "modifier.unknown"))
            continue
        normalized = modifier.strip().upper()
        if normalized in seen:
            problems.append(Problem(path, f"repeats modifier {normalized}", "modifier.duplicate"))
        seen.add(normalized)
    return problems
