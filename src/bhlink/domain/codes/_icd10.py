"""ICD-10-CM diagnosis codes: format, normalisation, lookup and claim validation.

The code list is the committed `data/icd10cm_bh.tsv`, generated from the CMS ICD-10-CM
release by `_generate_icd10.py` (see docs/decisions/0301-code-sets.md). Structure rules follow
the ICD-10-CM Official Guidelines for Coding and Reporting, Section I.A and I.B.7: a code is
3 to 7 characters; the first is a letter, the second a digit, the third a digit or letter; a
decimal point follows the third character; and only the most specific (leaf) code may be
reported on a claim, so a category with subdivisions (F41) is a header, not billable.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass
from functools import cache

from bhlink.domain.codes._problems import Problem, ProblemsError

_DATA_PACKAGE = "bhlink.domain.codes"
_DATA_PATH = ("data", "icd10cm_bh.tsv")

# Letter, digit, alphanumeric, then an optional dot and 1-4 alphanumerics (the 4th to 7th
# characters). The dot is optional on input because X12 HI segments carry codes without it.
_DOTTED = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$")
_UNDOTTED = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")


class CodeFormatError(ProblemsError):
    """A code does not have the structure of its code system."""


@dataclass(frozen=True, slots=True)
class Icd10Code:
    """One ICD-10-CM code of the behavioral-health subset."""

    code: str
    billable: bool
    description: str

    @property
    def is_header(self) -> bool:
        """True for a category or subcategory that needs more characters before billing."""
        return not self.billable


@dataclass(frozen=True, slots=True)
class _Icd10Table:
    release: str
    codes: dict[str, Icd10Code]


def is_icd10_format(code: str) -> bool:
    """Whether `code` is shaped like an ICD-10-CM code (case and surrounding spaces ignored).

    Accepts the dotted form (F41.1) and the undotted claim form (F411); a dot anywhere but
    after the third character is refused.
    """
    if not isinstance(code, str):
        return False
    candidate = code.strip().upper()
    if "." in candidate:
        return bool(_DOTTED.match(candidate))
    return bool(_UNDOTTED.match(candidate))


def normalize_icd10(code: str) -> str:
    """Upper-case dotted form: ' f411 ' -> 'F41.1', 'z6372' -> 'Z63.72', 'f41' -> 'F41'.

    Raises CodeFormatError when `code` is not shaped like an ICD-10-CM code.
    """
    if not is_icd10_format(code):
        raise CodeFormatError(
            [
                Problem(
                    "code",
                    "is not an ICD-10-CM code (letter, digit, alphanumeric, then "
                    "an optional dot and up to 4 more)",
                    "icd10.bad_format",
                )
            ]
        )
    bare = code.strip().upper().replace(".", "")
    return bare if len(bare) == 3 else f"{bare[:3]}.{bare[3:]}"


def lookup_icd10(code: str) -> Icd10Code | None:
    """The code's entry in the subset, or None when it is malformed or not in the list."""
    if not is_icd10_format(code):
        return None
    return _table().codes.get(normalize_icd10(code))


def icd10_release() -> str:
    """The CMS release the data file was generated from, e.g. 'ICD-10-CM FY2026 (...)'."""
    return _table().release


def icd10_codes() -> tuple[Icd10Code, ...]:
    """Every code in the subset, in code order."""
    return tuple(_table().codes.values())


def validate_diagnosis_code(code: str, field: str = "diagnosisCode") -> list[Problem]:
    """Problems that keep `code` off a claim: bad format, unknown code, or a non-billable header.

    An empty list means the code is a billable ICD-10-CM code of the behavioral-health subset.
    Messages do not repeat the code: a diagnosis tied to a request is health information.
    `field` is the JSON path reported in each Problem (e.g. 'diagnosisCodes[2]').
    """
    if not isinstance(code, str) or not code.strip():
        return [Problem(field, "is required", "icd10.missing")]
    if not is_icd10_format(code):
        return [
            Problem(
                field,
                "is not an ICD-10-CM code (letter, digit, alphanumeric, then an optional dot "
                "and up to 4 more, e.g. F41.1)",
                "icd10.bad_format",
            )
        ]
    normalized = normalize_icd10(code)
    entry = _table().codes.get(normalized)
    if entry is None:
        return [
            Problem(
                field,
                f"is not in the ICD-10-CM behavioral-health code set ({icd10_release()})",
                "icd10.unknown",
            )
        ]
    if not entry.billable:
        return [
            Problem(
                field,
                "is a header (non-billable) code; report one of its more specific codes",
                "icd10.not_billable",
            )
        ]
    return []


@cache
def _table() -> _Icd10Table:
    resource = importlib.resources.files(_DATA_PACKAGE).joinpath(*_DATA_PATH)
    text = resource.read_text(encoding="utf-8")
    release = ""
    codes: dict[str, Icd10Code] = {}
    for line_number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# release:"):
            release = line.removeprefix("# release:").strip()
            continue
        if not line or line.startswith("#") or line.startswith("code\t"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[1] not in {"0", "1"} or not _DOTTED.match(parts[0]):
            raise RuntimeError(f"{'/'.join(_DATA_PATH)} line {line_number} is malformed")
        codes[parts[0]] = Icd10Code(parts[0], parts[1] == "1", parts[2])
    if not release or not codes:
        raise RuntimeError(f"{'/'.join(_DATA_PATH)} has no release header or no codes")
    return _Icd10Table(release=release, codes=codes)
