"""The claim scrubber: every reason a claim would be rejected or denied, found before sending.

Checks, each with its source:
* codes: ICD-10-CM diagnoses billable in the committed code set, CPT/HCPCS service codes,
  modifiers and places of service (bhlink.domain.codes; CMS POS code set);
* diagnosis pointers: 1 to 4 per line, each naming one of the claim's diagnoses (837P TR3
  SV107; CMS-1500 item 24E);
* telehealth: place of service and modifier under the payer's telehealth policy
  (bhlink.domain.billing.check_telehealth);
* authorization coverage of each line (computed by the caller from stored usage);
* timely filing under the payer's limit (bhlink.domain.billing.check_timely_filing);
* duplicates: a line whose patient/date/code/modifiers/clinician key is already billed on
  another live claim (CARC 18), or repeated within this claim;
* payer rules: codes the payer requires an authorization for, codes it does not pay, and a
  maximum of units per line.
Problems name JSON paths of the claim request (`serviceLines[0].modifiers`), never values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bhlink.domain.billing import DuplicateClaimKey as DuplicateKey
from bhlink.domain.billing import (
    TelehealthModality,
    TelehealthPolicy,
    check_telehealth,
    check_timely_filing,
    duplicate_claim_key,
    find_duplicates,
)
from bhlink.domain.codes import (
    TELEHEALTH_PLACES_OF_SERVICE,
    Problem,
    validate_diagnosis_code,
    validate_modifiers,
    validate_place_of_service,
    validate_service_code,
)

MAX_POINTERS = 4
MAX_DIAGNOSES = {"837P": 12, "837I": 25}


@dataclass(frozen=True, slots=True)
class ScrubLine:
    """One service line as the scrubber sees it."""

    service_code: str
    modifiers: tuple[str, ...]
    diagnosis_pointers: tuple[int, ...]
    units: int
    place_of_service: str
    service_date: date
    rendering_provider_id: str
    telehealth: bool = False
    authorization_problems: tuple[Problem, ...] = ()
    has_authorization: bool = False


@dataclass(frozen=True, slots=True)
class PayerRules:
    """What one payer requires, configured per payer (PUT /payers/{id}/billing-rules)."""

    payer_id: str
    timely_filing_days: int
    telehealth: TelehealthPolicy | None = None
    authorization_required_codes: frozenset[str] = frozenset()
    authorization_required_for_all: bool = False
    excluded_codes: frozenset[str] = frozenset()
    max_units_per_line: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScrubInput:
    """A claim to scrub and what the caller found in the store about it."""

    claim_type: str
    patient_id: str
    diagnoses: tuple[str, ...]
    lines: tuple[ScrubLine, ...]
    submitted_on: date
    billed_keys: frozenset[DuplicateKey] = frozenset()


def _line_path(index: int, name: str) -> str:
    return f"serviceLines[{index}].{name}"


def _telehealth_problems(rules: PayerRules, line: ScrubLine, index: int) -> list[Problem]:
    if rules.telehealth is None:
        return []
    telehealth = line.telehealth or line.place_of_service in TELEHEALTH_PLACES_OF_SERVICE
    if not telehealth:
        return []
    modality = (
        TelehealthModality.AUDIO_ONLY
        if "93" in {m.upper() for m in line.modifiers}
        else TelehealthModality.AUDIO_VIDEO
    )
    found = check_telehealth(rules.telehealth, line.place_of_service, line.modifiers, modality)
    return [Problem(_line_path(index, p.field), p.message, p.code) for p in found]


def _code_problems(claim: ScrubInput, line: ScrubLine, index: int) -> list[Problem]:
    found: list[Problem] = []
    found += validate_service_code(line.service_code, _line_path(index, "serviceCode"))
    found += validate_modifiers(line.modifiers, _line_path(index, "modifiers"))
    if claim.claim_type == "837P":
        found += validate_place_of_service(
            line.place_of_service, _line_path(index, "placeOfService")
        )
    pointers = line.diagnosis_pointers
    path = _line_path(index, "diagnosisPointers")
    if claim.claim_type == "837P" and not 1 <= len(pointers) <= MAX_POINTERS:
        found.append(Problem(path, "needs 1 to 4 diagnosis pointers", "claim.pointer_count"))
    for p_index, pointer in enumerate(pointers):
        if not 1 <= pointer <= len(claim.diagnoses):
            found.append(
                Problem(
                    f"{path}[{p_index}]",
                    f"must point at one of the claim's {len(claim.diagnoses)} diagnoses",
                    "claim.pointer_range",
                )
            )
    if len(set(pointers)) != len(pointers):
        found.append(Problem(path, "a pointer repeats", "claim.pointer_duplicate"))
    if line.units < 1:
        found.append(Problem(_line_path(index, "units"), "must be at least 1", "claim.units"))
    return found


def _payer_rule_problems(rules: PayerRules, line: ScrubLine, index: int) -> list[Problem]:
    found: list[Problem] = []
    code = line.service_code.strip().upper()
    if code in rules.excluded_codes:
        found.append(
            Problem(
                _line_path(index, "serviceCode"),
                "is not paid by this payer (payer billing rules)",
                "payer_rules.code_excluded",
            )
        )
    needs_authorization = (
        rules.authorization_required_for_all or code in rules.authorization_required_codes
    )
    if needs_authorization and not line.has_authorization:
        found.append(
            Problem(
                _line_path(index, "authorization"),
                "this payer requires a prior authorization for the service code; none covers it",
                "authorization.required",
            )
        )
    limit = rules.max_units_per_line.get(code)
    if limit is not None and line.units > limit:
        found.append(
            Problem(
                _line_path(index, "units"),
                f"exceeds the payer's maximum of {limit} units per line",
                "payer_rules.max_units",
            )
        )
    return found


def scrub(claim: ScrubInput, rules: PayerRules) -> list[Problem]:
    """Every problem with the claim under the payer's rules; empty means it can be queued."""
    found: list[Problem] = []
    limit = MAX_DIAGNOSES.get(claim.claim_type, 12)
    if not 1 <= len(claim.diagnoses) <= limit:
        found.append(
            Problem("diagnosisCodes", f"needs 1 to {limit} diagnoses", "claim.diagnosis_count")
        )
    for d_index, code in enumerate(claim.diagnoses):
        found += validate_diagnosis_code(code, f"diagnosisCodes[{d_index}]")
    if len(set(claim.diagnoses)) != len(claim.diagnoses):
        found.append(Problem("diagnosisCodes", "a diagnosis repeats", "claim.diagnosis_duplicate"))
    if not claim.lines:
        found.append(Problem("serviceLines", "needs at least one line", "claim.no_lines"))
    keys: list[DuplicateKey] = []
    for index, line in enumerate(claim.lines):
        found += _code_problems(claim, line, index)
        found += _telehealth_problems(rules, line, index)
        found += _payer_rule_problems(rules, line, index)
        found += [
            Problem(_line_path(index, p.field), p.message, p.code)
            for p in line.authorization_problems
        ]
        found += [
            Problem(_line_path(index, "serviceDate"), p.message, p.code)
            for p in check_timely_filing(
                line.service_date, claim.submitted_on, rules.timely_filing_days
            )
        ]
        key = duplicate_claim_key(
            claim.patient_id,
            line.service_date,
            line.service_code,
            line.modifiers,
            line.rendering_provider_id,
        )
        keys.append(key)
        if key in claim.billed_keys:
            found.append(
                Problem(
                    _line_path(index, "serviceCode"),
                    "the same service (patient, date, code, modifiers, clinician) is already "
                    "on another claim; payers deny exact duplicates (CARC 18)",
                    "claim.duplicate",
                )
            )
    for positions in find_duplicates(keys).values():
        for index in positions[1:]:
            found.append(
                Problem(
                    _line_path(index, "serviceCode"),
                    f"repeats line {positions[0] + 1} of this claim; add modifier 59/76 if "
                    "it is a distinct service",
                    "claim.duplicate_line",
                )
            )
    return found
