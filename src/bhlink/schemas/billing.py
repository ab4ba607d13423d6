"""Billing set-up, authorization and charge shapes: settings, fee schedules, payer rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer, field_validator, model_validator

from bhlink.domain.identifiers import is_valid_npi
from bhlink.schemas.base import ApiModel, OptStr200, UtcDateTime, WriteModel

Id = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$")]
ServiceCode = Annotated[str, Field(pattern=r"^([0-9]{4}[0-9FTU]|[A-Va-v][0-9]{4})$")]
ModifierCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{2}$")]
Pos = Annotated[str, Field(pattern=r"^[0-9]{2}$")]
Taxonomy = Annotated[str, Field(pattern=r"^[0-9]{3}[0-9A-Z]{6}X$")]
Npi = Annotated[str, Field(pattern=r"^[0-9]{10}$")]
# Money in: a JSON number or decimal string with at most two decimals; out: a JSON number.
MoneyIn = Annotated[Decimal, Field(ge=0, le=Decimal("9999999.99"), decimal_places=2)]
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
AuthorizationStatus = Literal["active", "pending", "denied", "expired", "cancelled"]


def money(cents: int) -> Decimal:
    """Decimal dollars from integer cents."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _npi(value: str) -> str:
    if not is_valid_npi(value):
        raise ValueError("is not a valid NPI (10 digits with a Luhn check digit)")
    return value


# --- revenue settings ------------------------------------------------------------------------


class SettingsAddress(WriteModel):
    """A billing address; 837P needs ZIP+4 for the billing provider."""

    line1: Annotated[str, Field(min_length=1, max_length=55)]
    line2: Annotated[str | None, Field(default=None, max_length=55)] = None
    city: Annotated[str, Field(min_length=1, max_length=30)]
    region: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    postal_code: Annotated[str, Field(pattern=r"^[0-9]{5}-?([0-9]{4})?$")]


class BillingProviderSetting(WriteModel):
    """A billing provider the practice bills as: what claims need beyond the seed's fields."""

    npi: Npi
    tax_id: Annotated[str, Field(pattern=r"^[0-9]{2}-?[0-9]{7}$")]
    name: Annotated[str, Field(min_length=1, max_length=60)]
    taxonomy: Taxonomy = "261QM0801X"
    address: SettingsAddress

    _valid_npi = field_validator("npi")(classmethod(lambda cls, v: _npi(v)))


class SubmitterSetting(WriteModel):
    """Loop 1000A: who sends our files, and the EDI contact the TR3 requires (PER*IC)."""

    name: Annotated[str, Field(min_length=1, max_length=60)]
    identifier: Annotated[str, Field(min_length=2, max_length=15, pattern=r"^[A-Za-z0-9]+$")]
    contact_name: Annotated[str, Field(min_length=1, max_length=60)]
    contact_phone: Annotated[str, Field(pattern=r"^[0-9]{10}$")]
    contact_email: Annotated[str | None, Field(default=None, max_length=80)] = None


class ReceiverSetting(WriteModel):
    """Loop 1000B and ISA08: the clearinghouse (or payer) receiving our files."""

    name: Annotated[str, Field(min_length=1, max_length=60)]
    identifier: Annotated[str, Field(min_length=2, max_length=15, pattern=r"^[A-Za-z0-9]+$")]


class ChannelSetting(WriteModel):
    """One submission channel: the local outbox folder or an SFTP server."""

    type: Literal["outbox", "sftp"]
    host: Annotated[str | None, Field(default=None, max_length=200)] = None
    port: Annotated[int, Field(ge=1, le=65535)] = 22
    username: Annotated[str | None, Field(default=None, max_length=100)] = None
    password: Annotated[str | None, Field(default=None, max_length=200)] = None
    host_key: Annotated[str | None, Field(default=None, max_length=2000)] = None
    outbound_dir: Annotated[str, Field(max_length=200)] = "outbound"
    inbound_dir: Annotated[str, Field(max_length=200)] = "inbound"

    @model_validator(mode="after")
    def _sftp_needs_server(self) -> ChannelSetting:
        if self.type == "sftp":
            missing = [n for n in ("host", "username", "host_key") if getattr(self, n) is None]
            if missing:
                raise ValueError("an sftp channel needs host, username and hostKey")
        return self


class AlertThresholdsSetting(WriteModel):
    """When authorization alerts fire."""

    low_units_fraction: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("0.10")
    expiring_within_days: Annotated[int, Field(ge=0, le=365)] = 14


class InstitutionalSetting(WriteModel):
    """837I defaults: type-of-bill facility code and CL1 codes."""

    facility_code: Annotated[str, Field(pattern=r"^[0-9]{2}$")] = "13"
    patient_status: Annotated[str, Field(pattern=r"^[0-9]{2}$")] = "01"
    admission_type: Annotated[str, Field(pattern=r"^[0-9]$")] = "3"
    admission_source: Annotated[str, Field(pattern=r"^[0-9A-Z]$")] = "1"


class RevenueSettingsWrite(WriteModel):
    """PUT /billing/settings: the practice's billing set-up (admin)."""

    billing_providers: Annotated[list[BillingProviderSetting], Field(max_length=20)] = []
    submitter: SubmitterSetting | None = None
    receiver: ReceiverSetting | None = None
    usage_indicator: Literal["T", "P"] = "T"
    channels: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,29}$")], ChannelSetting] = (
        Field(default_factory=dict, max_length=10)
    )
    default_submission_channel: Annotated[str, Field(max_length=30)] = "outbox"
    authorization_alerts: AlertThresholdsSetting = Field(default_factory=AlertThresholdsSetting)
    require_signed_note: bool = False
    institutional: InstitutionalSetting = Field(default_factory=InstitutionalSetting)


class RevenueSettingsRead(ApiModel):
    """The settings as returned (channel passwords are never returned)."""

    billing_providers: list[dict[str, Any]]
    submitter: dict[str, Any] | None
    receiver: dict[str, Any] | None
    usage_indicator: str
    channels: dict[str, dict[str, Any]]
    default_submission_channel: str
    authorization_alerts: dict[str, Any]
    require_signed_note: bool
    institutional: dict[str, Any]
    version: int


# --- fee schedules and payer rules -----------------------------------------------------------


class FeeScheduleRate(WriteModel):
    """One rate: a code, an optional pricing modifier, and the amount per unit."""

    service_code: ServiceCode
    modifier: ModifierCode | None = None
    amount: MoneyIn


class FeeScheduleWrite(WriteModel):
    """PUT /payers/{id}/fee-schedule: the payer's whole schedule (replaces the old one)."""

    rates: Annotated[list[FeeScheduleRate], Field(max_length=2000)]


class FeeScheduleRateOut(ApiModel):
    """A rate as returned."""

    service_code: str
    modifier: str | None
    amount: Money


class FeeScheduleRead(ApiModel):
    """A payer's schedule."""

    payer_id: str
    rates: list[FeeScheduleRateOut]


class PayerRulesWrite(WriteModel):
    """PUT /payers/{id}/billing-rules: what the scrubber enforces for this payer."""

    authorization_required_codes: Annotated[list[ServiceCode], Field(max_length=200)] = []
    authorization_required_for_all: bool = False
    excluded_codes: Annotated[list[ServiceCode], Field(max_length=200)] = []
    max_units_per_line: dict[ServiceCode, Annotated[int, Field(ge=1, le=999)]] = Field(
        default_factory=dict, max_length=200
    )
    unit_rounding: Literal["cms_8_minute", "whole_units_only"] = "cms_8_minute"
    telehealth_check: bool = True
    submission_channel: Annotated[str | None, Field(default=None, max_length=30)] = None
    receiver_id: Annotated[
        str | None, Field(default=None, min_length=2, max_length=15, pattern=r"^[A-Za-z0-9]+$")
    ] = None


class PayerRulesRead(PayerRulesWrite):
    """The rules as returned."""

    payer_id: str
    version: int


# --- authorizations ---------------------------------------------------------------------------


class AuthorizationWrite(WriteModel):
    """POST /authorizations (create, or update by authorizationId/referenceId)."""

    authorization_id: Id | None = None
    patient_id: Id
    payer_id: Id
    member_id: Annotated[str | None, Field(default=None, max_length=80)] = None
    auth_number: Annotated[str, Field(min_length=1, max_length=80)]
    service_codes: Annotated[list[ServiceCode], Field(min_length=1, max_length=50)]
    units_authorized: Annotated[int, Field(ge=1, le=100000)]
    start_date: date
    end_date: date
    status: AuthorizationStatus = "active"
    notes: Annotated[str | None, Field(default=None, max_length=2000)] = None
    reference_id: OptStr200 = None

    @model_validator(mode="after")
    def _dates(self) -> AuthorizationWrite:
        if self.end_date < self.start_date:
            raise ValueError("endDate must not be before startDate")
        return self


class AuthorizationAlertOut(ApiModel):
    """An alert raised on an authorization."""

    kind: str
    raised_at: UtcDateTime
    resolved_at: UtcDateTime | None
    units_available: int


class AuthorizationRead(ApiModel):
    """An authorization with its counted (never typed) usage."""

    authorization_id: str
    patient_id: str
    payer_id: str
    member_id: str | None
    auth_number: str
    service_codes: list[str]
    units_authorized: int
    units_used: int
    units_scheduled: int
    units_remaining: int
    units_available: int
    start_date: date
    end_date: date
    status: str
    notes: str | None
    alerts: list[AuthorizationAlertOut]
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


class AuthorizationOverride(WriteModel):
    """Book or bill beyond an authorization anyway; the reason is audited."""

    reason: Annotated[str, Field(min_length=3, max_length=500)]


# --- charges ----------------------------------------------------------------------------------


class ChargeWrite(WriteModel):
    """POST /charges: from a completed appointment (appointmentId) or entered directly."""

    appointment_id: Id | None = None
    patient_id: Id | None = None
    provider_id: Id | None = None
    payer_id: Id | None = None
    authorization_id: Id | None = None
    service_code: ServiceCode | None = None
    modifiers: Annotated[list[ModifierCode] | None, Field(default=None, max_length=4)] = None
    minutes: Annotated[int | None, Field(default=None, ge=1, le=1440)] = None
    units: Annotated[int | None, Field(default=None, ge=1, le=999)] = None
    place_of_service: Pos | None = None
    diagnosis_codes: Annotated[list[str] | None, Field(default=None, max_length=12)] = None
    service_date: date | None = None
    charge_amount: MoneyIn | None = None
    authorization_override: AuthorizationOverride | None = None
    reference_id: OptStr200 = None


class ChargeRead(ApiModel):
    """A charge (service ticket) as returned."""

    charge_id: str
    patient_id: str
    payer_id: str | None
    provider_id: str
    appointment_id: str | None
    authorization_id: str | None
    service_code: str
    modifiers: list[str]
    units: int
    minutes: int | None
    place_of_service: str
    diagnosis_codes: list[str]
    service_date: date
    charge_amount: Money
    status: str
    claim_id: str | None
    source: str
    reference_id: str | None
    version: int
    created_at: UtcDateTime
    updated_at: UtcDateTime


def charge_read(c: Any) -> ChargeRead:
    """Response shape of a stored charge."""
    return ChargeRead(
        charge_id=c.id,
        patient_id=c.patient_id,
        payer_id=c.payer_id,
        provider_id=c.provider_id,
        appointment_id=c.appointment_id,
        authorization_id=c.authorization_id,
        service_code=c.service_code,
        modifiers=list(c.modifiers or []),
        units=c.units,
        minutes=c.minutes,
        place_of_service=c.place_of_service,
        diagnosis_codes=list(c.diagnosis_codes or []),
        service_date=c.service_date,
        charge_amount=money(c.charge_cents),
        status=c.status,
        claim_id=c.claim_id,
        source=c.source,
        reference_id=c.reference_id,
        version=c.version,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


def authorization_read(view: Any) -> AuthorizationRead:
    """Response shape of services.authorizations.AuthorizationView."""
    a, balance = view.row, view.balance
    return AuthorizationRead(
        authorization_id=a.id,
        patient_id=a.patient_id,
        payer_id=a.payer_id,
        member_id=a.member_id,
        auth_number=a.auth_number,
        service_codes=list(a.service_codes),
        units_authorized=a.units_authorized,
        units_used=balance.used,
        units_scheduled=balance.scheduled,
        units_remaining=balance.remaining,
        units_available=balance.available,
        start_date=a.start_date,
        end_date=a.end_date,
        status=a.status,
        notes=a.notes,
        alerts=[
            AuthorizationAlertOut(
                kind=alert.kind,
                raised_at=alert.raised_at,
                resolved_at=alert.resolved_at,
                units_available=alert.units_available,
            )
            for alert in view.alerts
        ],
        reference_id=a.reference_id,
        version=a.version,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


def settings_read(
    document: dict[str, Any], channels: dict[str, Any], version: int
) -> RevenueSettingsRead:
    """Response shape of the revenue settings (channels without secrets)."""
    defaults = RevenueSettingsWrite().model_dump(mode="json", by_alias=True)
    merged = {**defaults, **document}
    return RevenueSettingsRead(
        billing_providers=list(merged["billingProviders"]),
        submitter=merged.get("submitter"),
        receiver=merged.get("receiver"),
        usage_indicator=merged["usageIndicator"],
        channels=channels,
        default_submission_channel=merged["defaultSubmissionChannel"],
        authorization_alerts=dict(merged["authorizationAlerts"]),
        require_signed_note=bool(merged["requireSignedNote"]),
        institutional=dict(merged["institutional"]),
        version=version,
    )


def fee_schedule_read(payer_id: str, rows: list[Any]) -> FeeScheduleRead:
    """Response shape of a payer's fee schedule."""
    return FeeScheduleRead(
        payer_id=payer_id,
        rates=[
            FeeScheduleRateOut(
                service_code=row.service_code,
                modifier=row.modifier or None,
                amount=money(row.amount_cents),
            )
            for row in rows
        ],
    )


def payer_rules_read(payer_id: str, document: dict[str, Any], version: int) -> PayerRulesRead:
    """Response shape of a payer's billing rules."""
    return PayerRulesRead.model_validate({**document, "payerId": payer_id, "version": version})
