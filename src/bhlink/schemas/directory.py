"""Provider, location and payer shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from bhlink.domain.identifiers import is_valid_npi
from bhlink.schemas.base import Address, ApiModel, OptStr200, Str200, UtcDateTime, WriteModel

Id = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$")]
Pos = Annotated[str, Field(pattern=r"^[0-9]{2}$")]
Status = Literal["active", "inactive"]
# X12 CLM/SBR09 claim filing indicator codes (005010X222A1, SBR09).
FilingIndicator = Literal[
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "AM",
    "BL",
    "CH",
    "CI",
    "DS",
    "FI",
    "HM",
    "LM",
    "MA",
    "MB",
    "MC",
    "OF",
    "TV",
    "VA",
    "WC",
    "ZZ",
]


def _npi(value: str | None) -> str | None:
    if value is not None and not is_valid_npi(value):
        raise ValueError("is not a valid NPI (10 digits with a Luhn check digit)")
    return value


class ProviderWrite(WriteModel):
    """Create or update a provider."""

    provider_id: Id | None = None
    npi: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{10}$")] = None
    first_name: Annotated[str, Field(min_length=1, max_length=100)]
    last_name: Annotated[str, Field(min_length=1, max_length=100)]
    credentials: Annotated[str | None, Field(default=None, max_length=50)] = None
    taxonomy: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{3}[0-9A-Z]{6}X$")] = None
    email: Annotated[str | None, Field(default=None, max_length=200)] = None
    phone: Annotated[str | None, Field(default=None, max_length=40)] = None
    supervisor_id: Id | None = None
    status: Status = "active"
    reference_id: OptStr200 = None

    @field_validator("npi")
    @classmethod
    def _valid_npi(cls, value: str | None) -> str | None:
        return _npi(value)


class ProviderRead(ApiModel):
    """A provider as returned."""

    provider_id: str
    npi: str | None
    first_name: str
    last_name: str
    credentials: str | None
    taxonomy: str | None
    email: str | None
    phone: str | None
    supervisor_id: str | None
    status: Status
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class LocationWrite(WriteModel):
    """Create or update a location."""

    location_id: Id | None = None
    name: Str200
    address: Address | None = None
    phone: Annotated[str | None, Field(default=None, max_length=40)] = None
    timezone: Annotated[str | None, Field(default=None, max_length=64)] = None
    default_place_of_service: Pos = "11"
    npi: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{10}$")] = None
    status: Status = "active"
    reference_id: OptStr200 = None

    @field_validator("npi")
    @classmethod
    def _valid_npi(cls, value: str | None) -> str | None:
        return _npi(value)


class LocationRead(ApiModel):
    """A location as returned."""

    location_id: str
    name: str
    address: dict[str, Any] | None
    phone: str | None
    timezone: str | None
    default_place_of_service: str
    npi: str | None
    status: Status
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class TelehealthPolicy(WriteModel):
    """How a payer wants telehealth billed: which POS and which modifier (if any)."""

    place_of_service: Literal["02", "10", "either"] = "either"
    modifier: Literal["95", "93", "GT", "GQ", "FQ"] | None = "95"


class PayerWrite(WriteModel):
    """Create or update a payer."""

    payer_id: Id | None = None
    name: Str200
    edi_payer_id: Annotated[str, Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9]+$")]
    claim_filing_indicator: FilingIndicator = "CI"
    address: Address | None = None
    telehealth_policy: TelehealthPolicy = Field(default_factory=TelehealthPolicy)
    timely_filing_days: Annotated[int, Field(ge=30, le=3650)] = 365
    status: Status = "active"
    reference_id: OptStr200 = None


class PayerRead(ApiModel):
    """A payer as returned."""

    payer_id: str
    name: str
    edi_payer_id: str
    claim_filing_indicator: str
    address: dict[str, Any] | None
    telehealth_policy: dict[str, Any]
    timely_filing_days: int
    status: Status
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


def provider_read(p: Any) -> ProviderRead:
    """Response shape of a stored provider."""
    return ProviderRead(
        provider_id=p.id,
        npi=p.npi,
        first_name=p.first_name,
        last_name=p.last_name,
        credentials=p.credentials,
        taxonomy=p.taxonomy,
        email=p.email,
        phone=p.phone,
        supervisor_id=p.supervisor_id,
        status=p.status,
        reference_id=p.reference_id,
        version=p.version,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


def location_read(loc: Any) -> LocationRead:
    """Response shape of a stored location."""
    return LocationRead(
        location_id=loc.id,
        name=loc.name,
        address=loc.address,
        phone=loc.phone,
        timezone=loc.timezone,
        default_place_of_service=loc.default_place_of_service,
        npi=loc.npi,
        status=loc.status,
        reference_id=loc.reference_id,
        version=loc.version,
        created_at=loc.created_at,
        updated_at=loc.updated_at,
    )


def payer_read(p: Any) -> PayerRead:
    """Response shape of a stored payer."""
    return PayerRead(
        payer_id=p.id,
        name=p.name,
        edi_payer_id=p.edi_payer_id,
        claim_filing_indicator=p.claim_filing_indicator,
        address=p.address,
        telehealth_policy=p.telehealth_policy,
        timely_filing_days=p.timely_filing_days,
        status=p.status,
        reference_id=p.reference_id,
        version=p.version,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )
