"""Administration of integrations, API clients and users (CLI and admin API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, invalid
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement, Role
from bhlink.schemas.integrations import IntegrationPatch
from bhlink.services import audit
from bhlink.services.access import require_admin
from bhlink.services.audit import AUDIT_CHAINS
from bhlink.services.context import Actor
from bhlink.services.crypto import (
    SecretBox,
    hash_password,
    new_token,
    new_totp_secret,
    sha256_hex,
    totp_match_step,
    totp_uri,
)
from bhlink.store.tables import ApiClient, Integration, Provider, User
from bhlink.store.unit_of_work import UniqueViolation, UnitOfWork

VENDORS = ("native", "icanotes", "valant", "echo", "pimsy", "therapynotes")
MIN_PASSWORD_LENGTH = 12


def create_integration(
    uow: UnitOfWork,
    *,
    name: str,
    vendor: str = "native",
    timezone: str = "America/New_York",
    require_mfa: bool = True,
    settings: dict[str, Any] | None = None,
    integration_id: str | None = None,
) -> Integration:
    """A new tenant with its audit chains."""
    if vendor not in VENDORS:
        raise invalid("vendor", f"must be one of {', '.join(VENDORS)}")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid("timezone", "is not an IANA time zone") from exc
    now = utcnow()
    integration = Integration(
        id=integration_id or new_id("int"),
        name=name,
        vendor=vendor,
        timezone=timezone,
        require_mfa=require_mfa,
        settings=settings or {},
        change_seq=0,
        created_at=now,
    )
    uow.add(integration)
    uow.flush()
    uow.audit.create_chains(integration.id, AUDIT_CHAINS)
    uow.flush()
    audit.record(
        uow,
        Actor.system(integration.id),
        "integration.create",
        resource_type="integration",
        resource_id=integration.id,
    )
    return integration


@dataclass(frozen=True)
class NewClient:
    """A client credential; the secret exists only here, never stored in clear."""

    client: ApiClient
    secret: str


def create_client(uow: UnitOfWork, integration_id: str, name: str) -> NewClient:
    """A new API client for HTTP Basic authentication."""
    if uow.tenancy.integration(integration_id) is None:
        raise NotFound(detail="integration not found")
    secret = new_token(32)
    client = ApiClient(
        id=new_id("cli"),
        integration_id=integration_id,
        name=name,
        secret_hash=sha256_hex(secret),
        created_at=utcnow(),
    )
    uow.add(client)
    audit.record(
        uow,
        Actor.system(integration_id),
        "api_client.create",
        resource_type="api_client",
        resource_id=client.id,
    )
    return NewClient(client=client, secret=secret)


def create_user(
    uow: UnitOfWork,
    integration_id: str,
    *,
    username: str,
    name: str,
    password: str,
    roles: list[str],
    entitlements: list[str] | None = None,
    provider_id: str | None = None,
) -> User:
    """A new user with an argon2id password hash."""
    problems: list[FieldProblem] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            FieldProblem("password", f"must have at least {MIN_PASSWORD_LENGTH} characters")
        )
    valid_roles = {r.value for r in Role}
    if not roles:
        problems.append(FieldProblem("roles", "at least one role is required"))
    for index, role in enumerate(roles):
        if role not in valid_roles:
            problems.append(
                FieldProblem(
                    f"roles[{index}]", f"unknown role; one of {', '.join(sorted(valid_roles))}"
                )
            )
    valid_entitlements = {e.value for e in Entitlement}
    for index, ent in enumerate(entitlements or []):
        if ent not in valid_entitlements:
            problems.append(FieldProblem(f"entitlements[{index}]", "unknown entitlement"))
    if provider_id is not None and uow.practice.get(Provider, integration_id, provider_id) is None:
        problems.append(FieldProblem("providerId", "no such provider in this integration"))
    if problems:
        raise InvalidInput(detail="the user cannot be created", errors=problems)
    if uow.tenancy.user_by_username(integration_id, username) is not None:
        raise Conflict(detail="a user with this username exists", code="username_taken")
    now = utcnow()
    user = User(
        id=new_id("u"),
        integration_id=integration_id,
        username=username,
        name=name,
        password_hash=hash_password(password),
        roles=list(roles),
        entitlements=list(entitlements) if entitlements is not None else None,
        provider_id=provider_id,
        status="active",
        failed_logins=0,
        totp_confirmed=False,
        created_at=now,
        updated_at=now,
    )
    uow.add(user)
    try:
        uow.flush()
    except UniqueViolation as exc:
        raise Conflict(detail="a user with this username exists", code="username_taken") from exc
    audit.record(
        uow,
        Actor.system(integration_id),
        "user.create",
        resource_type="user",
        resource_id=user.id,
        detail={"roles": list(roles)},
    )
    return user


def begin_totp(uow: UnitOfWork, box: SecretBox, user: User, *, confirmed: bool = False) -> str:
    """Start (or with `confirmed`, complete) TOTP enrolment; returns the otpauth URI."""
    secret = new_totp_secret()
    user.totp_secret_enc = box.encrypt(secret)
    user.totp_confirmed = confirmed
    user.totp_last_step = None
    user.updated_at = utcnow()
    audit.record(
        uow,
        Actor.system(user.integration_id),
        "user.totp_enroll",
        resource_type="user",
        resource_id=user.id,
        detail={"confirmed": confirmed},
    )
    return totp_uri(secret, user.username)


def confirm_totp(uow: UnitOfWork, box: SecretBox, user: User, code: str) -> None:
    """Finish enrolment by proving possession of the seed with a current code."""
    if user.totp_secret_enc is None:
        raise Conflict(detail="no TOTP enrolment is pending", code="no_pending_totp")
    step = totp_match_step(box.decrypt(user.totp_secret_enc), code, utcnow())
    if step is None:
        raise invalid("code", "does not match the enrolled authenticator")
    user.totp_confirmed = True
    user.totp_last_step = step
    user.updated_at = utcnow()
    audit.record(
        uow,
        Actor.system(user.integration_id),
        "user.totp_confirm",
        resource_type="user",
        resource_id=user.id,
    )


def update_integration(uow: UnitOfWork, actor: Actor, body: IntegrationPatch) -> Integration:
    """Change an integration's settings (admin); the change is audited."""
    require_admin(actor)
    integration = uow.tenancy.integration(actor.integration_id)
    if integration is None:
        raise NotFound(detail="integration not found")
    sent = body.model_fields_set
    changed: list[str] = []
    if "timezone" in sent and body.timezone is not None:
        try:
            ZoneInfo(body.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise invalid("timezone", "is not an IANA time zone") from exc
        integration.timezone = body.timezone
        changed.append("timezone")
    if "name" in sent and body.name is not None:
        integration.name = body.name
        changed.append("name")
    if "require_mfa" in sent and body.require_mfa is not None:
        integration.require_mfa = body.require_mfa
        changed.append("requireMfa")
    if "billing_provider" in sent:
        settings = dict(integration.settings or {})
        if body.billing_provider is None:
            settings.pop("billingProvider", None)
        else:
            settings["billingProvider"] = body.billing_provider.model_dump(
                mode="json", by_alias=True
            )
        integration.settings = settings
        changed.append("billingProvider")
    audit.record(
        uow,
        actor,
        "integration.update",
        resource_type="integration",
        resource_id=integration.id,
        detail={"fields": changed},
    )
    return integration


def get_integration(uow: UnitOfWork, actor: Actor) -> Integration:
    """The actor's integration (admin)."""
    require_admin(actor)
    integration = uow.tenancy.integration(actor.integration_id)
    if integration is None:
        raise NotFound(detail="integration not found")
    return integration
