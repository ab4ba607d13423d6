"""Code sets for behavioral-health charts and claims: ICD-10-CM, CPT/HCPCS, POS, CARC/RARC.

Where each list comes from and how it is updated: docs/decisions/0301-code-sets.md.
"""

from bhlink.domain.codes._claims import (
    CLAIM_FREQUENCY_CODES,
    FREQUENCIES_NEEDING_ORIGINAL_CLAIM,
    validate_claim_frequency,
)
from bhlink.domain.codes._icd10 import (
    CodeFormatError,
    Icd10Code,
    icd10_codes,
    icd10_release,
    is_icd10_format,
    lookup_icd10,
    normalize_icd10,
    validate_diagnosis_code,
)
from bhlink.domain.codes._modifiers import (
    MAX_MODIFIERS_PER_LINE,
    MODIFIERS,
    Modifier,
    ModifierCategory,
    lookup_modifier,
    validate_modifiers,
)
from bhlink.domain.codes._places import (
    PLACES_OF_SERVICE,
    TELEHEALTH_PLACES_OF_SERVICE,
    lookup_place_of_service,
    validate_place_of_service,
)
from bhlink.domain.codes._problems import Problem, ProblemsError
from bhlink.domain.codes._remittance import (
    CARC_CODES,
    CAS_GROUP_CODES,
    RARC_CODES,
    GroupCode,
    describe_carc,
    describe_rarc,
    lookup_group_code,
)
from bhlink.domain.codes._services import (
    SERVICE_CODES,
    CodeSystem,
    ServiceCategory,
    ServiceCode,
    is_procedure_code_format,
    lookup_service_code,
    normalize_service_code,
    validate_service_code,
)

__all__ = [
    "CARC_CODES",
    "CAS_GROUP_CODES",
    "CLAIM_FREQUENCY_CODES",
    "FREQUENCIES_NEEDING_ORIGINAL_CLAIM",
    "MAX_MODIFIERS_PER_LINE",
    "MODIFIERS",
    "PLACES_OF_SERVICE",
    "RARC_CODES",
    "SERVICE_CODES",
    "TELEHEALTH_PLACES_OF_SERVICE",
    "CodeFormatError",
    "CodeSystem",
    "GroupCode",
    "Icd10Code",
    "Modifier",
    "ModifierCategory",
    "Problem",
    "ProblemsError",
    "ServiceCategory",
    "ServiceCode",
    "describe_carc",
    "describe_rarc",
    "icd10_codes",
    "icd10_release",
    "is_icd10_format",
    "is_procedure_code_format",
    "lookup_group_code",
    "lookup_icd10",
    "lookup_modifier",
    "lookup_place_of_service",
    "lookup_service_code",
    "normalize_icd10",
    "normalize_service_code",
    "validate_claim_frequency",
    "validate_diagnosis_code",
    "validate_modifiers",
    "validate_place_of_service",
    "validate_service_code",
]
