"""Problem list, medication and allergy shapes (`/patients/{id}/diagnoses|medications|allergies`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from bhlink.schemas.base import ApiModel, OptStr200, UtcDateTime, WriteModel

Id = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$")]
RxNorm = Annotated[str, Field(pattern=r"^[0-9]{1,10}$", description="RxNorm concept id (RXCUI)")]
Notes = Annotated[str | None, Field(default=None, max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
DiagnosisRank = Literal["primary", "secondary"]
DiagnosisStatus = Literal["active", "resolved", "inactive", "entered_in_error"]
MedicationStatus = Literal["active", "discontinued", "completed", "entered_in_error"]
MedicationSource = Literal["manual", "e_prescribing", "import", "patient_reported"]
# Common routes of administration of psychiatric medications, in plain words ('other' for
# the rest); a partner's coded route stays in its own system.
Route = Literal[
    "oral",
    "sublingual",
    "buccal",
    "intramuscular",
    "subcutaneous",
    "intravenous",
    "transdermal",
    "intranasal",
    "inhalation",
    "rectal",
    "topical",
    "other",
]
AllergyCategory = Literal["medication", "food", "environment", "biologic", "other"]
AllergySeverity = Literal["mild", "moderate", "severe"]
AllergyStatus = Literal["active", "inactive", "resolved", "entered_in_error"]


def _ordered(start: date | None, end: date | None, end_name: str, start_name: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"{end_name} must not be before {start_name}")


class DiagnosisFields(WriteModel):
    """Writable problem-list fields."""

    code: Annotated[str | None, Field(default=None, max_length=10)] = None
    rank: DiagnosisRank | None = None
    status: DiagnosisStatus | None = None
    onset_date: date | None = None
    resolved_date: date | None = None
    diagnosed_by_provider_id: Id | None = None
    notes: Notes = None

    @model_validator(mode="after")
    def _dates(self) -> DiagnosisFields:
        _ordered(self.onset_date, self.resolved_date, "resolvedDate", "onsetDate")
        return self


class DiagnosisWrite(DiagnosisFields):
    """POST: add a diagnosis (or update the one named by referenceId)."""

    reference_id: OptStr200 = None


class DiagnosisRead(ApiModel):
    """A problem-list entry."""

    diagnosis_id: str
    patient_id: str
    code: str
    description: str
    rank: str
    status: str
    onset_date: date | None
    resolved_date: date | None
    diagnosed_by_provider_id: str | None
    notes: str | None
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class MedicationFields(WriteModel):
    """Writable medication fields."""

    name: Name | None = None
    rxnorm_code: RxNorm | None = None
    dose: Annotated[str | None, Field(default=None, max_length=100)] = None
    route: Route | None = None
    frequency: Annotated[str | None, Field(default=None, max_length=100)] = None
    prescriber_provider_id: Id | None = None
    prescriber_name: Annotated[str | None, Field(default=None, max_length=200)] = None
    start_date: date | None = None
    stop_date: date | None = None
    status: MedicationStatus | None = None
    source: MedicationSource | None = None
    source_system: Annotated[str | None, Field(default=None, max_length=100)] = None
    external_id: Annotated[str | None, Field(default=None, max_length=100)] = None
    notes: Notes = None

    @model_validator(mode="after")
    def _dates(self) -> MedicationFields:
        _ordered(self.start_date, self.stop_date, "stopDate", "startDate")
        return self


class MedicationWrite(MedicationFields):
    """POST: add a medication (or update the one named by referenceId)."""

    reference_id: OptStr200 = None


class MedicationRead(ApiModel):
    """A medication entry."""

    medication_id: str
    patient_id: str
    name: str
    rxnorm_code: str | None
    dose: str | None
    route: str | None
    frequency: str | None
    prescriber_provider_id: str | None
    prescriber_name: str | None
    start_date: date | None
    stop_date: date | None
    status: str
    source: str
    source_system: str | None
    external_id: str | None
    notes: str | None
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class AllergyFields(WriteModel):
    """Writable allergy fields."""

    substance: Name | None = None
    rxnorm_code: RxNorm | None = None
    category: AllergyCategory | None = None
    reaction: Annotated[str | None, Field(default=None, max_length=300)] = None
    severity: AllergySeverity | None = None
    status: AllergyStatus | None = None
    onset_date: date | None = None
    notes: Notes = None


class AllergyWrite(AllergyFields):
    """POST: record an allergy (or update the one named by referenceId)."""

    reference_id: OptStr200 = None


class AllergyRead(ApiModel):
    """An allergy or intolerance."""

    allergy_id: str
    patient_id: str
    substance: str
    rxnorm_code: str | None
    category: str
    reaction: str | None
    severity: str | None
    status: str
    onset_date: date | None
    notes: str | None
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


def _common(r: Any) -> dict[str, Any]:
    return {
        "patient_id": r.patient_id,
        "notes": r.notes,
        "reference_id": r.reference_id,
        "version": r.version,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def diagnosis_read(r: Any) -> DiagnosisRead:
    """Response shape of a stored diagnosis."""
    return DiagnosisRead(
        diagnosis_id=r.id,
        code=r.code,
        description=r.description,
        rank=r.rank,
        status=r.status,
        onset_date=r.onset_date,
        resolved_date=r.resolved_date,
        diagnosed_by_provider_id=r.diagnosed_by_provider_id,
        **_common(r),
    )


def medication_read(r: Any) -> MedicationRead:
    """Response shape of a stored medication."""
    return MedicationRead(
        medication_id=r.id,
        name=r.name,
        rxnorm_code=r.rxnorm_code,
        dose=r.dose,
        route=r.route,
        frequency=r.frequency,
        prescriber_provider_id=r.prescriber_provider_id,
        prescriber_name=r.prescriber_name,
        start_date=r.start_date,
        stop_date=r.stop_date,
        status=r.status,
        source=r.source,
        source_system=r.source_system,
        external_id=r.external_id,
        **_common(r),
    )


def allergy_read(r: Any) -> AllergyRead:
    """Response shape of a stored allergy."""
    return AllergyRead(
        allergy_id=r.id,
        substance=r.substance,
        rxnorm_code=r.rxnorm_code,
        category=r.category,
        reaction=r.reaction,
        severity=r.severity,
        status=r.status,
        onset_date=r.onset_date,
        **_common(r),
    )
