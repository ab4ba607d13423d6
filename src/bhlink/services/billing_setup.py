"""Billing set-up: the practice's revenue settings, payer fee schedules and payer billing rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bhlink.domain.billing import FeeSchedule, TelehealthPolicy, UnitRounding
from bhlink.domain.claim_scrubber import PayerRules
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import FieldProblem, InvalidInput
from bhlink.domain.roles import Entitlement
from bhlink.schemas.billing import (
    FeeScheduleWrite,
    PayerRulesWrite,
    RevenueSettingsWrite,
)
from bhlink.services import audit
from bhlink.services.access import not_found, require, require_admin
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
from bhlink.store.tables import FeeScheduleEntry, Payer, PayerBillingRules, RevenueSettings
from bhlink.store.unit_of_work import UnitOfWork

# The local outbox folder is always there; "clearinghouse" (seed 003) maps to it until the
# practice configures a real clearinghouse channel (an SFTP server) under that name.
BUILT_IN_CHANNELS: dict[str, dict[str, Any]] = {
    "outbox": {"type": "outbox"},
    "clearinghouse": {"type": "outbox"},
}
# NUCC taxonomy 261QM0801X: Clinic/Center - Mental Health (Including Community Mental
# Health Center). Used when a claim names its billing taxonomy in words (seed 003 sends
# "Behavioral Health") and no billing provider setting gives the practice's own code.
DEFAULT_BILLING_TAXONOMY = "261QM0801X"

# A signed-note requirement needs the notes module to tell whether an appointment's note
# is signed. The notes service registers that check; until it does, the setting is off.
SignedNoteCheck = Callable[[UnitOfWork, str, str], bool]
_signed_note_check: SignedNoteCheck | None = None


def register_signed_note_check(check: SignedNoteCheck | None) -> None:
    """Called by the notes module with check(uow, integration_id, appointment_id) -> signed."""
    global _signed_note_check
    _signed_note_check = check


def signed_note_check() -> SignedNoteCheck | None:
    """The registered check, if the notes module is installed."""
    return _signed_note_check


@dataclass(frozen=True)
class RevenueConfig:
    """The settings document, parsed, with defaults filled in."""

    document: dict[str, Any]
    version: int
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def billing_providers(self) -> list[dict[str, Any]]:
        """Configured billing providers (camelCase dicts)."""
        return list(self.document.get("billingProviders", []))

    def billing_provider(self, npi: str | None) -> dict[str, Any] | None:
        """The configured billing provider with this NPI (or the first one when npi is None)."""
        providers = self.billing_providers
        if npi is None:
            return providers[0] if providers else None
        return next((p for p in providers if p.get("npi") == npi), None)

    @property
    def submitter(self) -> dict[str, Any] | None:
        """Loop 1000A settings."""
        value = self.document.get("submitter")
        return dict(value) if value else None

    @property
    def receiver(self) -> dict[str, Any] | None:
        """Loop 1000B settings."""
        value = self.document.get("receiver")
        return dict(value) if value else None

    @property
    def usage_indicator(self) -> str:
        """ISA15: T (test) or P (production)."""
        return str(self.document.get("usageIndicator", "T"))

    @property
    def default_channel(self) -> str:
        """Channel used when a claim names none."""
        return str(self.document.get("defaultSubmissionChannel", "outbox"))

    @property
    def alert_fraction(self) -> Decimal:
        """Low-units threshold as a fraction of the units authorized."""
        alerts = self.document.get("authorizationAlerts") or {}
        return Decimal(str(alerts.get("lowUnitsFraction", "0.10")))

    @property
    def expiring_days(self) -> int:
        """Days before the end date when an authorization counts as expiring."""
        alerts = self.document.get("authorizationAlerts") or {}
        return int(alerts.get("expiringWithinDays", 14))

    @property
    def require_signed_note(self) -> bool:
        """Effective only while the notes module has registered its check."""
        return bool(self.document.get("requireSignedNote")) and _signed_note_check is not None

    @property
    def institutional(self) -> dict[str, str]:
        """837I defaults."""
        defaults = {
            "facilityCode": "13",
            "patientStatus": "01",
            "admissionType": "3",
            "admissionSource": "1",
        }
        return {**defaults, **(self.document.get("institutional") or {})}


def load_config(uow: UnitOfWork, integration_id: str) -> RevenueConfig:
    """The integration's revenue settings (defaults when never set)."""
    row = uow.billing.settings(integration_id)
    document = dict(row.document) if row else {}
    channels = {**BUILT_IN_CHANNELS, **(document.get("channels") or {})}
    return RevenueConfig(document=document, version=row.version if row else 0, channels=channels)


def get_settings(uow: UnitOfWork, actor: Actor) -> RevenueConfig:
    """GET /billing/settings."""
    require(actor, Entitlement.CLAIMS)
    return load_config(uow, actor.integration_id)


def put_settings(
    uow: UnitOfWork, actor: Actor, body: RevenueSettingsWrite, box: SecretBox
) -> RevenueConfig:
    """PUT /billing/settings (admin): replace the document; channel passwords are encrypted."""
    require_admin(actor)
    problems: list[FieldProblem] = []
    if body.require_signed_note and _signed_note_check is None:
        problems.append(
            FieldProblem(
                "requireSignedNote",
                "needs the notes module, which is not installed; leave it false",
            )
        )
    channel_names = set(BUILT_IN_CHANNELS) | set(body.channels)
    if body.default_submission_channel not in channel_names:
        problems.append(
            FieldProblem("defaultSubmissionChannel", "names no configured submission channel")
        )
    npis = [p.npi for p in body.billing_providers]
    if len(set(npis)) != len(npis):
        problems.append(FieldProblem("billingProviders", "an NPI appears twice"))
    if problems:
        raise InvalidInput(detail="the billing settings cannot be saved", errors=problems)
    previous = load_config(uow, actor.integration_id)
    document = body.model_dump(mode="json", by_alias=True)
    for provider in document["billingProviders"]:
        provider["taxId"] = provider["taxId"].replace("-", "")
        provider["address"]["postalCode"] = provider["address"]["postalCode"].replace("-", "")
    for name, channel in document["channels"].items():
        password = channel.pop("password", None)
        old = (previous.document.get("channels") or {}).get(name, {})
        if password is not None:
            channel["passwordEncrypted"] = box.encrypt(password)
        elif old.get("passwordEncrypted"):
            channel["passwordEncrypted"] = old["passwordEncrypted"]
    row = uow.billing.settings(actor.integration_id)
    now = utcnow()
    if row is None:
        row = RevenueSettings(
            integration_id=actor.integration_id, document=document, version=1, updated_at=now
        )
        uow.add(row)
    else:
        row.document = document
        row.version += 1
        row.updated_at = now
    uow.flush()
    audit.record(uow, actor, "billing.settings_updated", resource_type="billing_settings")
    return load_config(uow, actor.integration_id)


def public_channels(config: RevenueConfig) -> dict[str, dict[str, Any]]:
    """Channels without secrets, for responses."""
    return {
        name: {k: v for k, v in channel.items() if k != "passwordEncrypted"}
        | {"hasPassword": bool(channel.get("passwordEncrypted"))}
        for name, channel in config.channels.items()
    }


# --- fee schedules ------------------------------------------------------------------------------


def _payer(uow: UnitOfWork, actor: Actor, payer_id: str) -> Payer:
    payer = uow.practice.get(Payer, actor.integration_id, payer_id)
    if payer is None:
        raise not_found("payer")
    return payer


def get_fee_schedule(uow: UnitOfWork, actor: Actor, payer_id: str) -> list[FeeScheduleEntry]:
    """GET /payers/{id}/fee-schedule."""
    require(actor, Entitlement.CLAIMS)
    _payer(uow, actor, payer_id)
    return uow.billing.fee_schedule(actor.integration_id, payer_id)


def put_fee_schedule(
    uow: UnitOfWork, actor: Actor, payer_id: str, body: FeeScheduleWrite
) -> list[FeeScheduleEntry]:
    """PUT /payers/{id}/fee-schedule (admin): replace the payer's rates."""
    require_admin(actor)
    _payer(uow, actor, payer_id)
    seen: set[tuple[str, str]] = set()
    problems: list[FieldProblem] = []
    for index, rate in enumerate(body.rates):
        key = (rate.service_code.upper(), (rate.modifier or "").upper())
        if key in seen:
            problems.append(
                FieldProblem(f"rates[{index}]", "repeats a code and modifier already listed")
            )
        seen.add(key)
    if problems:
        raise InvalidInput(detail="the fee schedule cannot be saved", errors=problems)
    for entry in uow.billing.fee_schedule(actor.integration_id, payer_id):
        uow.delete(entry)
    uow.flush()
    for rate in body.rates:
        uow.add(
            FeeScheduleEntry(
                integration_id=actor.integration_id,
                payer_id=payer_id,
                service_code=rate.service_code.upper(),
                modifier=(rate.modifier or "").upper(),
                amount_cents=int(rate.amount * 100),
            )
        )
    uow.flush()
    audit.record(
        uow,
        actor,
        "billing.fee_schedule_updated",
        resource_type="payer",
        resource_id=payer_id,
        detail={"rates": len(body.rates)},
    )
    return uow.billing.fee_schedule(actor.integration_id, payer_id)


def fee_schedule_of(uow: UnitOfWork, integration_id: str, payer_id: str) -> FeeSchedule:
    """The payer's schedule as the domain's FeeSchedule."""
    rows = uow.billing.fee_schedule(integration_id, payer_id)
    return FeeSchedule.from_rows(
        (payer_id, row.service_code, row.modifier, Decimal(row.amount_cents) / 100) for row in rows
    )


# --- payer rules --------------------------------------------------------------------------------


def get_payer_rules(uow: UnitOfWork, actor: Actor, payer_id: str) -> tuple[dict[str, Any], int]:
    """GET /payers/{id}/billing-rules: the rules document (defaults when never set)."""
    require(actor, Entitlement.CLAIMS)
    _payer(uow, actor, payer_id)
    row = uow.billing.payer_rules(actor.integration_id, payer_id)
    defaults = PayerRulesWrite().model_dump(mode="json", by_alias=True)
    return ({**defaults, **(row.rules if row else {})}, row.version if row else 0)


def put_payer_rules(
    uow: UnitOfWork, actor: Actor, payer_id: str, body: PayerRulesWrite
) -> tuple[dict[str, Any], int]:
    """PUT /payers/{id}/billing-rules (admin)."""
    require_admin(actor)
    _payer(uow, actor, payer_id)
    document = body.model_dump(mode="json", by_alias=True)
    row = uow.billing.payer_rules(actor.integration_id, payer_id)
    now = utcnow()
    if row is None:
        row = PayerBillingRules(
            payer_id=payer_id,
            integration_id=actor.integration_id,
            rules=document,
            version=1,
            updated_at=now,
        )
        uow.add(row)
    else:
        row.rules = document
        row.version += 1
        row.updated_at = now
    uow.flush()
    audit.record(
        uow, actor, "billing.payer_rules_updated", resource_type="payer", resource_id=payer_id
    )
    return document, row.version


def telehealth_policy(payer: Payer) -> TelehealthPolicy:
    """The payer's telehealth policy ({placeOfService, modifier}) as the domain's policy."""
    policy = payer.telehealth_policy or {}
    pos = policy.get("placeOfService", "either")
    places = frozenset({"02", "10"}) if pos == "either" else frozenset({str(pos)})
    modifier = policy.get("modifier", "95")
    return TelehealthPolicy(
        payer_id=payer.id,
        allowed_places_of_service=places,
        audio_video_modifier=modifier if modifier != "93" else None,
        audio_only_modifier="93",
    )


def payer_rules_of(uow: UnitOfWork, integration_id: str, payer: Payer) -> PayerRules:
    """Everything the scrubber needs to know about one payer."""
    row = uow.billing.payer_rules(integration_id, payer.id)
    rules = row.rules if row else {}
    return PayerRules(
        payer_id=payer.id,
        timely_filing_days=payer.timely_filing_days,
        telehealth=telehealth_policy(payer) if rules.get("telehealthCheck", True) else None,
        authorization_required_codes=frozenset(rules.get("authorizationRequiredCodes", [])),
        authorization_required_for_all=bool(rules.get("authorizationRequiredForAll", False)),
        excluded_codes=frozenset(rules.get("excludedCodes", [])),
        max_units_per_line={k: int(v) for k, v in (rules.get("maxUnitsPerLine") or {}).items()},
    )


def unit_rounding_of(uow: UnitOfWork, integration_id: str, payer_id: str | None) -> UnitRounding:
    """How the payer counts part units of timed codes."""
    if payer_id is None:
        return UnitRounding.CMS_8_MINUTE
    row = uow.billing.payer_rules(integration_id, payer_id)
    value = (row.rules if row else {}).get("unitRounding", UnitRounding.CMS_8_MINUTE.value)
    return UnitRounding(value)


def payer_channel(uow: UnitOfWork, integration_id: str, payer_id: str) -> str | None:
    """The payer's own submission channel, if its rules name one."""
    row = uow.billing.payer_rules(integration_id, payer_id)
    value = (row.rules if row else {}).get("submissionChannel")
    return str(value) if value else None


def payer_receiver_id(uow: UnitOfWork, integration_id: str, payer_id: str) -> str | None:
    """The ISA08 receiver id the payer's rules name (direct-to-payer submission)."""
    row = uow.billing.payer_rules(integration_id, payer_id)
    value = (row.rules if row else {}).get("receiverId")
    return str(value) if value else None
