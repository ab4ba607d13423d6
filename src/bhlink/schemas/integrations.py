"""Integration (tenant) settings: vendor, time zone, MFA policy and the billing provider."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from bhlink.domain.identifiers import is_valid_npi
from bhlink.schemas.base import Address, ApiModel, UtcDateTime, WriteModel

Vendor = Literal["native", "icanotes", "valant", "echo", "pimsy", "therapynotes"]


class BillingProvider(WriteModel):
    """Who bills (837 loop 2010AA): organisation name, NPI, EIN, taxonomy, 9-digit ZIP address."""

    name: Annotated[str, Field(min_length=1, max_length=60)]
    npi: Annotated[str, Field(pattern=r"^[0-9]{10}$")]
    ein: Annotated[str, Field(pattern=r"^[0-9]{9}$")]
    taxonomy: Annotated[str, Field(pattern=r"^[0-9]{3}[0-9A-Z]{6}X$")]
    address: Address

    @field_validator("npi")
    @classmethod
    def _npi(cls, value: str) -> str:
        if not is_valid_npi(value):
            raise ValueError("is not a valid NPI (10 digits with a Luhn check digit)")
        return value


class IntegrationPatch(WriteModel):
    """PATCH /integrations/{id} (admin)."""

    name: Annotated[str | None, Field(default=None, min_length=1, max_length=200)] = None
    timezone: Annotated[str | None, Field(default=None, max_length=64)] = None
    require_mfa: bool | None = None
    billing_provider: BillingProvider | None = None


class IntegrationRead(ApiModel):
    """An integration as its admins see it."""

    integration_id: str
    name: str
    vendor: Vendor
    timezone: str
    require_mfa: bool
    billing_provider: dict[str, object] | None
    created_at: UtcDateTime
