"""Patient (client) shapes: seed 003 `GET /patients` fields plus care team and Part 2 flag."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from bhlink.domain.clock import utcnow
from bhlink.schemas.base import Address, ApiModel, OptStr200, UtcDateTime, WriteModel

Sex = Literal["female", "male", "other", "unknown"]
PatientStatus = Literal["active", "inactive", "discharged", "deceased"]
PortalStatus = Literal["not_invited", "invited", "enrolled", "disabled"]
CoverageRank = Literal["primary", "secondary", "tertiary"]
Relationship = Literal["self", "spouse", "child", "other"]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Mrn = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")]
Id = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$")]

_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{6,24}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _check_dob(value: date | None) -> date | None:
    if value is not None and (value > utcnow().date() or value.year < 1900):
        raise ValueError("must be a real birth date, not in the future nor before 1900")
    return value


class Contact(WriteModel):
    """How to reach the patient."""

    email: Annotated[str | None, Field(default=None, max_length=200)] = None
    phone: Annotated[str | None, Field(default=None, max_length=40)] = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("is not an email address")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE.match(value):
            raise ValueError("is not a phone number")
        return value


class Subscriber(WriteModel):
    """The policy holder when it is not the patient."""

    first_name: Name
    last_name: Name
    dob: date | None = None
    sex: Sex | None = None

    _dob = field_validator("dob")(classmethod(lambda cls, v: _check_dob(v)))


class InsurancePolicyIn(WriteModel):
    """One coverage, seed 003 shape."""

    type: CoverageRank
    payer_id: Id
    member_id: Annotated[str, Field(min_length=1, max_length=80)]
    group_number: Annotated[str | None, Field(default=None, max_length=80)] = None
    relationship: Relationship = "self"
    subscriber: Subscriber | None = None
    effective_start: date | None = None
    effective_end: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> InsurancePolicyIn:
        if (
            self.effective_start
            and self.effective_end
            and self.effective_end < self.effective_start
        ):
            raise ValueError("effectiveEnd is before effectiveStart")
        if self.relationship != "self" and self.subscriber is None:
            raise ValueError("subscriber is required when relationship is not self")
        return self


class CareTeamMemberIn(WriteModel):
    """A provider on the care team."""

    provider_id: Id
    role: Annotated[str, Field(min_length=1, max_length=40)] = "member"


class PortalEnrollment(ApiModel):
    """Patient portal status."""

    status: PortalStatus = "not_invited"
    invited_on: UtcDateTime | None = None


class PatientFields(WriteModel):
    """Fields a client may write (all optional here; PatientWrite requires the core ones)."""

    mrn: Mrn | None = None
    first_name: Name | None = None
    middle_name: Annotated[str | None, Field(default=None, max_length=100)] = None
    last_name: Name | None = None
    preferred_name: Annotated[str | None, Field(default=None, max_length=100)] = None
    dob: date | None = None
    sex: Sex | None = None
    gender_identity: Annotated[str | None, Field(default=None, max_length=60)] = None
    contact: Contact | None = None
    address: Address | None = None
    insurance: Annotated[list[InsurancePolicyIn] | None, Field(default=None, max_length=3)] = None
    primary_provider_id: Id | None = None
    care_team: Annotated[list[CareTeamMemberIn] | None, Field(default=None, max_length=50)] = None
    portal_enrollment: PortalEnrollment | None = None
    status: PatientStatus | None = None
    active_from: date | None = None
    active_until: date | None = None
    part2: bool | None = None
    reference_id: OptStr200 = None

    _dob = field_validator("dob")(classmethod(lambda cls, v: _check_dob(v)))

    @field_validator("insurance")
    @classmethod
    def _one_policy_per_rank(
        cls, value: list[InsurancePolicyIn] | None
    ) -> list[InsurancePolicyIn] | None:
        if value is not None:
            ranks = [p.type for p in value]
            if len(ranks) != len(set(ranks)):
                raise ValueError("each of primary, secondary, tertiary may appear once")
        return value


class PatientWrite(PatientFields):
    """POST /patients: create, or update the patient named by patientId, referenceId or mrn."""

    patient_id: Id | None = None
    # Read-only fields clients echo back from GET responses; accepted and ignored.
    updated_at: Any = Field(default=None, exclude=True)
    created_at: Any = Field(default=None, exclude=True)


class PatientPatch(PatientFields):
    """PATCH /patients/{id}: only the fields sent change; null clears an optional field."""


class InsurancePolicyOut(ApiModel):
    """Coverage as returned."""

    type: CoverageRank
    payer_id: str
    member_id: str
    group_number: str | None
    relationship: Relationship
    subscriber: Subscriber | None
    effective_start: date | None
    effective_end: date | None


class ContactOut(ApiModel):
    """Contact as returned."""

    email: str | None
    phone: str | None


class AddressOut(ApiModel):
    """Address as returned."""

    line1: str | None
    line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None


class CareTeamMemberOut(ApiModel):
    """Care-team member as returned."""

    provider_id: str
    role: str


class PatientRead(ApiModel):
    """A patient, seed 003 shape."""

    patient_id: str
    mrn: str
    first_name: str
    middle_name: str | None
    last_name: str
    preferred_name: str | None
    dob: date
    sex: Sex
    gender_identity: str | None
    contact: ContactOut
    address: AddressOut | None
    insurance: list[InsurancePolicyOut]
    primary_provider_id: str | None
    care_team: list[CareTeamMemberOut]
    portal_enrollment: PortalEnrollment
    status: PatientStatus
    active_from: date
    active_until: date | None
    part2: bool
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


def patient_read(p: Any) -> PatientRead:
    """Build the response shape from a stored patient (with insurance and care team loaded)."""
    address = None
    if p.address_line1 or p.city or p.postal_code:
        address = AddressOut(
            line1=p.address_line1,
            line2=p.address_line2,
            city=p.city,
            region=p.region,
            postal_code=p.postal_code,
            country=p.country,
        )
    return PatientRead(
        patient_id=p.id,
        mrn=p.mrn,
        first_name=p.first_name,
        middle_name=p.middle_name,
        last_name=p.last_name,
        preferred_name=p.preferred_name,
        dob=p.dob,
        sex=p.sex,
        gender_identity=p.gender_identity,
        contact=ContactOut(email=p.email, phone=p.phone),
        address=address,
        insurance=[
            InsurancePolicyOut(
                type=i.type,
                payer_id=i.payer_id,
                member_id=i.member_id,
                group_number=i.group_number,
                relationship=i.relationship,
                subscriber=(
                    Subscriber(
                        first_name=i.subscriber_first_name,
                        last_name=i.subscriber_last_name,
                        dob=i.subscriber_dob,
                        sex=i.subscriber_sex,
                    )
                    if i.subscriber_first_name and i.subscriber_last_name
                    else None
                ),
                effective_start=i.effective_start,
                effective_end=i.effective_end,
            )
            for i in p.insurance
        ],
        primary_provider_id=p.primary_provider_id,
        care_team=[CareTeamMemberOut(provider_id=m.provider_id, role=m.role) for m in p.care_team],
        portal_enrollment=PortalEnrollment(status=p.portal_status, invited_on=p.portal_invited_on),
        status=p.status,
        active_from=p.active_from,
        active_until=p.active_until,
        part2=p.part2,
        reference_id=p.reference_id,
        version=p.version,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )
