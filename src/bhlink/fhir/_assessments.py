"""Map scored instruments to FHIR R4 QuestionnaireResponse and Observation dictionaries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from bhlink.domain.instruments import Instrument, ScoredResult, get_instrument
from bhlink.domain.instruments.cssrs_screener import RISK_LEVEL_LOINC
from bhlink.fhir.exceptions import FhirMappingError

__all__ = [
    "DEFAULT_CANONICAL_BASE",
    "AssessmentRecord",
    "fhir_id",
    "questionnaire_canonical",
    "questionnaire_response",
    "score_observation",
]

DEFAULT_CANONICAL_BASE = "https://bhlink.dev/fhir"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
US_CORE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-category"
US_CORE_SCREENING_PROFILE = (
    "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-screening-assessment"
)
_US_CORE_CATEGORY_DISPLAY = {
    "sdoh": "SDOH",
    "functional-status": "Functional Status",
    "disability-status": "Disability Status",
    "cognitive-status": "Cognitive Status",
}
# US Core's own PHQ-9 total example (Observation-PHQ9-item-example-44261-6) files the
# score under disability-status; callers can choose another code of the value set.
DEFAULT_US_CORE_CATEGORY = "disability-status"

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def fhir_id(local_id: str, *, field: str = "id") -> str:
    """Turn a bhlink id (``asr_01h...``) into a valid FHIR id (``asr-01h...``).

    FHIR ids allow only letters, digits, '-' and '.', so the prefix underscore becomes
    a hyphen; bhlink ids contain no other underscore, so the mapping is reversible.
    """
    candidate = local_id.replace("_", "-") if isinstance(local_id, str) else ""
    if not _FHIR_ID.match(candidate):
        raise FhirMappingError(field, "is not usable as a FHIR id (1-64 letters, digits, -, .)")
    return candidate


@dataclass(frozen=True, slots=True)
class AssessmentRecord:
    """One completed instrument as the service layer stores it.

    ``answers`` are the normalised option values (``ScoredResult.answers``);
    ``completed_at`` must be timezone-aware. ``performer_id`` is the practitioner
    who administered it, when there is one.
    """

    result_id: str
    patient_id: str
    instrument_id: str
    answers: Mapping[str, int]
    score: ScoredResult
    completed_at: datetime
    performer_id: str | None = None

    @classmethod
    def from_result(
        cls,
        *,
        result_id: str,
        patient_id: str,
        result: ScoredResult,
        completed_at: datetime,
        performer_id: str | None = None,
    ) -> AssessmentRecord:
        """Build a record straight from a ScoredResult."""
        return cls(
            result_id=result_id,
            patient_id=patient_id,
            instrument_id=result.instrument_id,
            answers=MappingProxyType(dict(result.answers)),
            score=result,
            completed_at=completed_at,
            performer_id=performer_id,
        )


def questionnaire_canonical(
    instrument: Instrument, *, canonical_base: str = DEFAULT_CANONICAL_BASE
) -> str:
    """Return the versioned canonical of bhlink's Questionnaire for the instrument.

    bhlink's item linkIds (``phq9_q1``) are its own, so the canonical is bhlink's, not
    LOINC's ``http://loinc.org/q/{panel}`` (whose linkIds differ).
    """
    return f"{canonical_base.rstrip('/')}/Questionnaire/{instrument.slug}|{instrument.version}"


def _instant(value: datetime) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise FhirMappingError("completed_at", "must be a timezone-aware datetime")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _checked(record: AssessmentRecord) -> Instrument:
    instrument = get_instrument(record.instrument_id)
    if record.score.instrument_id != instrument.id:
        raise FhirMappingError("score", f"belongs to another instrument, not {instrument.id}")
    for item_id, value in record.answers.items():
        try:
            item = instrument.item(item_id)
        except KeyError:
            raise FhirMappingError("answers", f"unknown question id for {instrument.id}") from None
        if isinstance(value, bool) or not isinstance(value, int) or item.option(value) is None:
            raise FhirMappingError(f"answers.{item_id}", "is not an option value of the item")
    return instrument


def _answer(instrument: Instrument, item_id: str, value: int) -> dict[str, Any]:
    option = instrument.item(item_id).option(value)
    if option is not None and option.loinc_answer is not None:
        coding: dict[str, Any] = {"system": LOINC, "code": option.loinc_answer}
        if option.label is not None:
            coding["display"] = option.label
        return {"valueCoding": coding}
    return {"valueInteger": value}


def questionnaire_response(
    record: AssessmentRecord, *, canonical_base: str = DEFAULT_CANONICAL_BASE
) -> dict[str, Any]:
    """Return a FHIR R4 QuestionnaireResponse (status completed) for the record.

    Answers with a verified LOINC answer code become ``valueCoding``; the others are
    ``valueInteger`` holding the option value. Item text appears only where the
    instrument's licence lets bhlink ship it.
    """
    instrument = _checked(record)
    items: list[dict[str, Any]] = []
    for item in instrument.items:
        if item.id not in record.answers:
            continue
        entry: dict[str, Any] = {"linkId": item.id}
        if item.text is not None:
            entry["text"] = item.text
        entry["answer"] = [_answer(instrument, item.id, record.answers[item.id])]
        items.append(entry)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": fhir_id(record.result_id, field="result_id"),
        "questionnaire": questionnaire_canonical(instrument, canonical_base=canonical_base),
        "status": "completed",
        "subject": {"reference": f"Patient/{fhir_id(record.patient_id, field='patient_id')}"},
        "authored": _instant(record.completed_at),
    }
    if items:
        resource["item"] = items
    return resource


def _local_system(canonical_base: str, name: str) -> str:
    return f"{canonical_base.rstrip('/')}/CodeSystem/{name}"


def score_observation(
    record: AssessmentRecord,
    *,
    canonical_base: str = DEFAULT_CANONICAL_BASE,
    us_core_category: str | None = DEFAULT_US_CORE_CATEGORY,
) -> dict[str, Any]:
    """Return a US Core screening-assessment style Observation of the record's result.

    The code is the instrument's LOINC total-score code (a bhlink code where LOINC has
    none); the value is ``valueQuantity`` in UCUM ``{score}``, or for the C-SSRS
    screener (no total) a coded risk tier under LOINC 93374-7. ``derivedFrom`` points
    at the QuestionnaireResponse of the same record; the severity band, when there is
    one, is the interpretation. Subscales become components.
    """
    instrument = _checked(record)
    result = record.score
    if us_core_category is not None and us_core_category not in _US_CORE_CATEGORY_DISPLAY:
        raise FhirMappingError("us_core_category", "is not a US Core screening category code")
    categories: list[dict[str, Any]] = [
        {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
    ]
    if us_core_category is not None:
        categories.append(
            {
                "coding": [
                    {
                        "system": US_CORE_CATEGORY,
                        "code": us_core_category,
                        "display": _US_CORE_CATEGORY_DISPLAY[us_core_category],
                    }
                ]
            }
        )
    result_id = fhir_id(record.result_id, field="result_id")
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{result_id}-score",
        "meta": {"profile": [US_CORE_SCREENING_PROFILE]},
        "status": "final",
        "category": categories,
    }
    if result.total is None:
        resource["code"] = {
            "coding": [{"system": LOINC, "code": RISK_LEVEL_LOINC}],
            "text": f"{instrument.id} risk level",
        }
    elif instrument.loinc.total is not None:
        resource["code"] = {
            "coding": [{"system": LOINC, "code": instrument.loinc.total}],
            "text": f"{instrument.id} total score",
        }
    else:
        resource["code"] = {
            "coding": [
                {
                    "system": _local_system(canonical_base, "instrument-total-score"),
                    "code": instrument.slug,
                }
            ],
            "text": f"{instrument.id} total score",
        }
    resource["subject"] = {"reference": f"Patient/{fhir_id(record.patient_id, field='patient_id')}"}
    resource["effectiveDateTime"] = _instant(record.completed_at)
    if record.performer_id is not None:
        resource["performer"] = [
            {"reference": f"Practitioner/{fhir_id(record.performer_id, field='performer_id')}"}
        ]
    severity_system = _local_system(canonical_base, f"{instrument.slug}-severity")
    if result.total is None:
        if result.severity is None:
            raise FhirMappingError("score", f"{instrument.id} result has neither total nor tier")
        resource["valueCodeableConcept"] = {
            "coding": [
                {
                    "system": severity_system,
                    "code": result.severity,
                    "display": result.severity_label,
                }
            ],
            "text": result.severity_label,
        }
    else:
        resource["valueQuantity"] = {
            "value": result.total,
            "unit": "{score}",
            "system": UCUM,
            "code": "{score}",
        }
        if result.severity is not None:
            resource["interpretation"] = [
                {
                    "coding": [
                        {
                            "system": severity_system,
                            "code": result.severity,
                            "display": result.severity_label,
                        }
                    ],
                    "text": result.severity_label,
                }
            ]
    if result.subscales and result.total is not None:
        resource["component"] = [
            {
                "code": {
                    "coding": [
                        {
                            "system": _local_system(canonical_base, f"{instrument.slug}-subscale"),
                            "code": name,
                        }
                    ],
                    "text": name.replace("_", " "),
                },
                "valueQuantity": {
                    "value": value,
                    "unit": "{score}",
                    "system": UCUM,
                    "code": "{score}",
                },
            }
            for name, value in sorted(result.subscales.items())
        ]
    resource["derivedFrom"] = [{"reference": f"QuestionnaireResponse/{result_id}"}]
    return resource
