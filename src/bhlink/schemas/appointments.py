"""Appointment shapes: seed 003 `POST /appointments` request and response, plus the full record."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from bhlink.domain.codes import is_icd10_format, normalize_icd10
from bhlink.schemas.base import ApiModel, OptStr200, UtcDateTime, WriteModel
from bhlink.schemas.billing import AuthorizationOverride

Id = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$")]
# CPT (5 digits, or 4 digits + F/T/U) and HCPCS Level II (a letter + 4 digits).
ServiceCode = Annotated[str, Field(pattern=r"^([0-9]{4}[0-9FTU]|[A-V][0-9]{4})$")]
Status = Literal["scheduled", "confirmed", "checked_in", "completed", "cancelled", "no_show"]
CancelReason = Literal[
    "patient_request",
    "provider_unavailable",
    "weather",
    "insurance",
    "rescheduled",
    "late_cancel",
    "clinic_closed",
    "other",
]


class TelehealthIn(WriteModel):
    """Telehealth request: a link is generated when enabled and none is given."""

    enabled: bool = False
    link: Annotated[str | None, Field(default=None, max_length=300, pattern=r"^https://")] = None


class Reminders(WriteModel):
    """Which reminders the patient gets."""

    email: bool = False
    sms: bool = False


def _diagnoses(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    result: list[str] = []
    for index, code in enumerate(value):
        if not is_icd10_format(code):
            raise ValueError(f"diagnosisCodes[{index}] is not an ICD-10-CM code (e.g. F41.1)")
        result.append(normalize_icd10(code))
    if len(set(result)) != len(result):
        raise ValueError("diagnosis codes repeat")
    return result


class AppointmentFields(WriteModel):
    """Writable appointment fields."""

    patient_id: Id | None = None
    patient_ids: Annotated[list[Id] | None, Field(default=None, min_length=1, max_length=50)] = None
    provider_id: Id | None = None
    location_id: Id | None = None
    appointment_type: Annotated[str | None, Field(default=None, max_length=100)] = None
    service_code: ServiceCode | None = None
    diagnosis_codes: Annotated[list[str] | None, Field(default=None, max_length=12)] = None
    start_time: UtcDateTime | None = None
    end_time: UtcDateTime | None = None
    place_of_service: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{2}$")] = None
    telehealth: TelehealthIn | None = None
    reminders: Reminders | None = None
    notes: Annotated[str | None, Field(default=None, max_length=4000)] = None
    allow_overlap: bool | None = None
    authorization_id: Id | None = None
    # Book beyond the authorization anyway (audited); never stored on the appointment.
    authorization_override: AuthorizationOverride | None = None
    reference_id: OptStr200 = None

    @field_validator("diagnosis_codes")
    @classmethod
    def _icd10(cls, value: list[str] | None) -> list[str] | None:
        return _diagnoses(value)


class AppointmentWrite(AppointmentFields):
    """POST /appointments: create, or update the one named by appointmentId or referenceId."""

    appointment_id: Id | None = None

    @model_validator(mode="after")
    def _one_kind_of_attendance(self) -> AppointmentWrite:
        if self.patient_id is not None and self.patient_ids is not None:
            raise ValueError(
                "give patientId for an individual session or patientIds for a group, not both"
            )
        return self


class AppointmentPatch(AppointmentFields):
    """PATCH /appointments/{id}: only the fields sent change."""


class StatusChange(WriteModel):
    """POST /appointments/{id}/status (or the cancel shortcut)."""

    status: Status
    reason: CancelReason | None = None
    note: Annotated[str | None, Field(default=None, max_length=1000)] = None


class TelehealthOut(ApiModel):
    """Telehealth as returned."""

    enabled: bool
    link: str | None = None


class Attendee(ApiModel):
    """A patient in a group appointment."""

    patient_id: str
    attendance: str


class AppointmentRead(ApiModel):
    """An appointment; the seed's POST response fields are a subset of this."""

    appointment_id: str
    patient_id: str | None
    patient_ids: list[str]
    attendees: list[Attendee]
    provider_id: str
    location_id: str | None
    appointment_type: str | None
    service_code: str | None
    diagnosis_codes: list[str]
    start_time: UtcDateTime
    end_time: UtcDateTime
    place_of_service: str | None
    telehealth: TelehealthOut
    reminders: dict[str, bool]
    notes: str | None
    status: Status
    cancel_reason: str | None
    is_group: bool
    authorization_id: str | None
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


def appointment_read(a: Any) -> AppointmentRead:
    """Response shape of a stored appointment (attendees loaded)."""
    attendees = [Attendee(patient_id=m.patient_id, attendance=m.attendance) for m in a.attendees]
    return AppointmentRead(
        appointment_id=a.id,
        patient_id=a.patient_id,
        patient_ids=[m.patient_id for m in attendees] if a.is_group else [a.patient_id],
        attendees=attendees,
        provider_id=a.provider_id,
        location_id=a.location_id,
        appointment_type=a.appointment_type,
        service_code=a.service_code,
        diagnosis_codes=list(a.diagnosis_codes or []),
        start_time=a.start_time,
        end_time=a.end_time,
        place_of_service=a.place_of_service,
        telehealth=TelehealthOut(enabled=a.telehealth_enabled, link=a.telehealth_link),
        reminders={"email": a.reminder_email, "sms": a.reminder_sms},
        notes=a.notes,
        status=a.status,
        cancel_reason=a.cancel_reason,
        is_group=a.is_group,
        authorization_id=a.authorization_id,
        reference_id=a.reference_id,
        version=a.version,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )
