"""Integrations (tenants), API clients, users and login sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bhlink.store.tables.base import ID, SECRETBOX, Base
from bhlink.store.types import JSONDoc, UTCDateTime


class Integration(Base):
    """One practice's system: the unit of tenancy. Nothing crosses integrations."""

    __tablename__ = "integrations"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    vendor: Mapped[str] = mapped_column(String(20), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    require_mfa: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDoc, nullable=False, default=dict)
    # The per-tenant change counter (see TenantRecord.change_seq) and its clock.
    change_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_change_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class ApiClient(Base):
    """A machine credential (HTTP Basic); the secret is shown once and stored as a hash."""

    __tablename__ = "api_clients"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class User(Base):
    """A person who logs in: argon2id password, roles, entitlements, optional TOTP."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("integration_id", "username"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    username: Mapped[str] = mapped_column(String(200), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    roles: Mapped[list[str]] = mapped_column(JSONDoc, nullable=False)
    entitlements: Mapped[list[str] | None] = mapped_column(JSONDoc)
    provider_id: Mapped[str | None] = mapped_column(ID, ForeignKey("providers.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    # TOTP seed encrypted with the server key (kept outside the database); the SECRETBOX flag
    # lets `bhlink keys rotate` find it, as it finds every column so flagged.
    totp_secret_enc: Mapped[str | None] = mapped_column(String(512), info=SECRETBOX)
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Highest 30-second step already accepted: a code can never be used twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AuthSession(Base):
    """A bearer token (stored as its SHA-256) with absolute and idle expiry."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    integration_id: Mapped[str] = mapped_column(ID, ForeignKey("integrations.id"), nullable=False)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"), nullable=False)
    client_id: Mapped[str] = mapped_column(ID, ForeignKey("api_clients.id"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_ip: Mapped[str | None] = mapped_column(String(64))


Index("ix_auth_sessions_user", AuthSession.user_id)
