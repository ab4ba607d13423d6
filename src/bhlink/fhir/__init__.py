"""FHIR R4 mapping (pure): assessment results as QuestionnaireResponse and Observation dicts.

The functions return plain dictionaries ready for JSON; they import no FHIR library.
"""

from bhlink.fhir._assessments import (
    DEFAULT_CANONICAL_BASE,
    AssessmentRecord,
    fhir_id,
    questionnaire_canonical,
    questionnaire_response,
    score_observation,
)
from bhlink.fhir.exceptions import FhirError, FhirMappingError

__all__ = [
    "DEFAULT_CANONICAL_BASE",
    "AssessmentRecord",
    "FhirError",
    "FhirMappingError",
    "fhir_id",
    "questionnaire_canonical",
    "questionnaire_response",
    "score_observation",
]
