"""Sessions: client + user + TOTP login (seed 003), bearer-token authentication, logout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bhlink.config import Settings
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Forbidden, NotFound, Unauthenticated
from bhlink.domain.ids import new_id
from bhlink.domain.roles import CASELOAD_ROLES, Entitlement, Role, entitlements_for
from bhlink.schemas.sessions import SessionCreate
from bhlink.services import audit
from bhlink.services.context import Actor
from bhlink.services.crypto import (
    SecretBox,
    constant_time_equal,
    hash_password,
    needs_rehash,
    new_token,
    sha256_hex,
    totp_match_step,
    verify_password,
)
from bhlink.store.tables import AuthSession, User
from bhlink.store.unit_of_work import UnitOfWork

# Refresh last_seen at most this often: each refresh is a write, and concurrent requests with
# one token would otherwise queue on that session row.
_LAST_SEEN_GRANULARITY = timedelta(seconds=30)


@dataclass(frozen=True)
class IssuedSession:
    """A new bearer token (shown once) and the user it speaks for."""

    token: str
    expires_in: int
    user: User
    entitlements: frozenset[Entitlement]


def _roles(user: User) -> list[Role]:
    return [Role(r) for r in user.roles]


def _failed(
    uow: UnitOfWork,
    integration_id: str,
    user: User | None,
    reason: str,
    *,
    settings: Settings,
    source_ip: str | None,
    request_id: str | None,
) -> Unauthenticated:
    """Count the failure, lock the account past the limit, audit, commit, and build the 401."""
    now = utcnow()
    if user is not None:
        user.failed_logins += 1
        if user.failed_logins >= settings.login_max_failures:
            user.locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
            user.failed_logins = 0
    actor = Actor(
        integration_id=integration_id,
        actor_type="user" if user else "anonymous",
        actor_id=user.id if user else "anonymous",
        name="",
        source_ip=source_ip,
        request_id=request_id,
    )
    audit.record(
        uow,
        actor,
        "session.create",
        resource_type="session",
        outcome="failure",
        detail={"reason": reason},
    )
    # The counter and the audit row must persist although the request fails.
    uow.commit()
    return Unauthenticated(detail="invalid credentials", code=reason)


def authenticate_client(uow: UnitOfWork, integration_id: str, client_id: str, secret: str) -> str:
    """Check the Basic credential of an API client; returns the client id."""
    client = uow.tenancy.client(client_id)
    valid = (
        client is not None
        and client.integration_id == integration_id
        and client.revoked_at is None
        and constant_time_equal(client.secret_hash, sha256_hex(secret))
    )
    if not valid:
        raise Unauthenticated(detail="invalid client credentials", code="invalid_client")
    return client_id


def create_session(
    uow: UnitOfWork,
    box: SecretBox,
    settings: Settings,
    integration_id: str,
    client_id: str,
    body: SessionCreate,
    *,
    source_ip: str | None,
    request_id: str | None,
) -> IssuedSession:
    """Log a user in; every failure is counted, audited and answered with the same 401."""
    integration = uow.tenancy.integration(integration_id)
    if integration is None:
        raise NotFound(detail="integration not found")
    found = uow.tenancy.user_by_username(integration_id, body.username)
    user = uow.tenancy.lock_user(found.id) if found else None
    now = utcnow()

    def fail(who: User | None, reason: str) -> Unauthenticated:
        return _failed(
            uow,
            integration_id,
            who,
            reason,
            settings=settings,
            source_ip=source_ip,
            request_id=request_id,
        )

    # Verify the password even for unknown users so timing does not reveal who exists.
    password_ok = verify_password(user.password_hash if user else None, body.password)
    if user is None:
        raise fail(None, "invalid_credentials")
    if user.locked_until is not None and user.locked_until > now:
        raise fail(user, "account_locked")
    if user.status != "active":
        raise fail(user, "account_disabled")
    if not password_ok:
        raise fail(user, "invalid_credentials")
    if user.totp_secret_enc and user.totp_confirmed:
        if body.mfa is None:
            raise fail(user, "mfa_required")
        step = totp_match_step(box.decrypt(user.totp_secret_enc), body.mfa.code, now)
        if step is None:
            raise fail(user, "mfa_invalid")
        if user.totp_last_step is not None and step <= user.totp_last_step:
            raise fail(user, "mfa_replayed")
        user.totp_last_step = step
    elif integration.require_mfa:
        raise fail(user, "mfa_enrollment_required")

    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(body.password)
    token = new_token(32)
    session = AuthSession(
        id=new_id("ses"),
        integration_id=integration_id,
        user_id=user.id,
        client_id=client_id,
        token_hash=sha256_hex(token),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.token_ttl_seconds),
        last_seen_at=now,
        source_ip=source_ip,
    )
    uow.add(session)
    actor = Actor(
        integration_id=integration_id,
        actor_type="user",
        actor_id=user.id,
        name=user.name,
        source_ip=source_ip,
        request_id=request_id,
    )
    audit.record(uow, actor, "session.create", resource_type="session", resource_id=session.id)
    return IssuedSession(
        token=token,
        expires_in=settings.token_ttl_seconds,
        user=user,
        entitlements=entitlements_for(_roles(user), _explicit(user)),
    )


def _explicit(user: User) -> list[Entitlement] | None:
    return [Entitlement(e) for e in user.entitlements] if user.entitlements is not None else None


def authenticate(
    uow: UnitOfWork,
    settings: Settings,
    integration_id: str,
    token: str,
    *,
    source_ip: str | None,
    request_id: str | None,
) -> Actor:
    """Resolve a bearer token into an Actor; expired, idle, revoked or foreign tokens get 401."""
    found = uow.tenancy.session_by_token_hash(sha256_hex(token))
    now = utcnow()
    if found is None:
        raise Unauthenticated(detail="invalid or expired token", code="invalid_token")
    session, user = found
    if session.revoked_at is not None or session.expires_at <= now:
        raise Unauthenticated(detail="invalid or expired token", code="expired_token")
    if session.integration_id != integration_id:
        # A valid token of another tenant learns nothing about this one, not even that it exists.
        raise NotFound(detail="integration not found", code="integration_not_found")
    if now - session.last_seen_at > timedelta(seconds=settings.session_idle_seconds):
        raise Unauthenticated(detail="session idle for too long; log in again", code="idle_timeout")
    if user.status != "active":
        raise Unauthenticated(detail="invalid or expired token", code="account_disabled")
    if now - session.last_seen_at > _LAST_SEEN_GRANULARITY:
        session.last_seen_at = now
    roles = _roles(user)
    caseload: tuple[str, ...] | None = None
    if set(roles) <= CASELOAD_ROLES and roles:
        providers = [user.provider_id] if user.provider_id else []
        if Role.SUPERVISOR in roles and user.provider_id:
            providers += uow.practice.supervisees(integration_id, user.provider_id)
        caseload = tuple(providers)
    return Actor(
        integration_id=integration_id,
        actor_type="user",
        actor_id=user.id,
        name=user.name,
        roles=frozenset(roles),
        entitlements=entitlements_for(roles, _explicit(user)),
        provider_id=user.provider_id,
        caseload_provider_ids=caseload,
        session_id=session.id,
        client_id=session.client_id,
        source_ip=source_ip,
        request_id=request_id,
    )


def revoke_session(uow: UnitOfWork, actor: Actor, session_id: str | None = None) -> None:
    """Log out: revoke the actor's own session (or, for admins, any session of the tenant)."""
    target_id = session_id or actor.session_id
    if target_id is None:
        raise NotFound(detail="session not found")
    session = uow.tenancy.auth_session(target_id)
    if session is None or session.integration_id != actor.integration_id:
        raise NotFound(detail="session not found")
    if session.user_id != actor.actor_id and not actor.is_admin:
        raise Forbidden(detail="only admins may end other users' sessions")
    if session.revoked_at is None:
        session.revoked_at = utcnow()
    audit.record(uow, actor, "session.revoke", resource_type="session", resource_id=session.id)


def refresh_session(uow: UnitOfWork, settings: Settings, actor: Actor) -> IssuedSession:
    """Rotate the caller's bearer token: a new one for the same login, the old one dead at once.

    The session row keeps its id and login time but swaps its token hash, so the old token
    matches nothing from this commit on. A refreshed token expires after the token lifetime,
    but never later than `session_max_seconds` after the login: refreshing cannot keep a
    session alive for ever (HIPAA §164.312(a)(2)(iii), automatic logoff).
    """
    session = uow.tenancy.auth_session(actor.session_id) if actor.session_id else None
    user = uow.tenancy.user(actor.actor_id)
    if session is None or user is None or session.revoked_at is not None:
        raise Unauthenticated(detail="invalid or expired token", code="invalid_token")
    now = utcnow()
    deadline = session.created_at + timedelta(seconds=settings.session_max_seconds)
    if now >= deadline:
        raise Unauthenticated(
            detail="the session reached its maximum lifetime; log in again",
            code="session_max_age",
        )
    token = new_token(32)
    session.token_hash = sha256_hex(token)
    session.expires_at = min(now + timedelta(seconds=settings.token_ttl_seconds), deadline)
    session.last_seen_at = now
    audit.record(uow, actor, "session.refresh", resource_type="session", resource_id=session.id)
    return IssuedSession(
        token=token,
        expires_in=int((session.expires_at - now).total_seconds()),
        user=user,
        entitlements=entitlements_for(_roles(user), _explicit(user)),
    )
