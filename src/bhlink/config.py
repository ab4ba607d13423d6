"""Settings: every knob is an environment variable named BHLINK_<NAME>, read into one object."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; see the table in README.md."""

    model_config = SettingsConfigDict(env_prefix="BHLINK_", extra="ignore")

    database_url: str = "sqlite:///./var/bhlink.db"
    environment: str = Field(default="development", pattern="^(development|production|test)$")
    # Key material for encrypting TOTP seeds and signing cursors and download links.
    # Kept outside the database: an env var, or a key file created on first use.
    secret_key: str | None = None
    secret_key_file: Path = Path("var/secret.key")
    demo_credentials_file: Path = Path("var/demo-credentials.json")
    public_base_url: str = "http://127.0.0.1:8000"
    telehealth_base_url: str = "https://telehealth.bhlink.local/join"
    # X12 drop folders of the local submission channel (one subfolder per integration).
    edi_outbox: Path = Path("var/edi/outbox")
    edi_inbox: Path = Path("var/edi/inbox")

    token_ttl_seconds: int = Field(default=3600, ge=60)
    session_idle_seconds: int = Field(default=1800, ge=60)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)

    # A refreshed token never outlives the login it descends from by more than this.
    session_max_seconds: int = Field(default=43_200, ge=60)

    # Rate limits (token buckets per process; docs/decisions/0801-in-process-rate-limits.md):
    # QUOTA requests per WINDOW seconds for each API client, each user, and for logins each
    # client+address pair and each username.
    rate_limits_enabled: bool = True
    rate_limit_client_quota: int = Field(default=6000, ge=1)
    rate_limit_client_window: int = Field(default=60, ge=1)
    rate_limit_user_quota: int = Field(default=1200, ge=1)
    rate_limit_user_window: int = Field(default=60, ge=1)
    login_rate_limit_address_quota: int = Field(default=30, ge=1)
    login_rate_limit_address_window: int = Field(default=60, ge=1)
    login_rate_limit_username_quota: int = Field(default=10, ge=1)
    login_rate_limit_username_window: int = Field(default=300, ge=1)

    # Browser origins allowed to call the API (comma-separated); empty: no CORS headers at all.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_json_depth: int = Field(default=32, ge=4)
    idempotency_retention_hours: int = Field(default=24, ge=24)
    # A claimed key whose request died (process killed) is released after this lease.
    idempotency_lease_seconds: int = Field(default=60, ge=1)
    page_size_max: int = Field(default=500, ge=1)

    # Clinical documentation (see docs/api/clinical.md).
    note_auto_lock_hours: int = Field(default=72, ge=1)
    unsigned_note_days: int = Field(default=3, ge=0)
    treatment_plan_review_days: int = Field(default=90, ge=1, le=366)
    document_dir: Path = Path("var/documents")
    document_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    log_level: str = "INFO"
    # Mount GET /bench/ping (no database) for `make bench`; never needed in production.
    bench_routes: bool = False

    # Webhooks (see docs/operations/workers.md). The SSRF guard refuses private, loopback,
    # link-local and metadata addresses; this allow-list (comma-separated CIDRs, IPs or host
    # names) admits on-premises receivers. Metadata addresses stay refused whatever it says.
    webhook_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Loopback receivers over plain http (a developer's local listener); None means "only in
    # the development and test environments".
    webhook_allow_loopback: bool | None = None
    # Per-phase HTTP timeout of one attempt (Standard Webhooks asks for 15-30 s).
    webhook_timeout_seconds: float = Field(default=15.0, ge=1.0, le=30.0)
    # How long a claimed delivery stays reserved for one worker; a live worker renews it, a
    # killed one lets it lapse and another worker takes the delivery over.
    webhook_lease_seconds: int = Field(default=60, ge=2, le=3600)
    webhook_batch_size: int = Field(default=20, ge=1, le=500)
    webhook_poll_seconds: float = Field(default=1.0, gt=0.0, le=60.0)
    # Overlap during which a rotated-out secret still signs deliveries (default 24 h).
    webhook_secret_overlap_hours: int = Field(default=24, ge=0, le=168)
    # `bhlink serve` runs a delivery worker thread unless this is false (`--no-worker`).
    serve_worker: bool = True
    # Bearer token for GET /metrics; when unset, /metrics answers loopback clients only.
    metrics_token: str | None = Field(default=None, min_length=16)

    @field_validator("webhook_allow_hosts", "cors_origins", mode="before")
    @classmethod
    def _split_lists(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _exact_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            # An origin is scheme://host[:port]; a wildcard or a path would silently widen access.
            if (
                origin == "*"
                or not origin.startswith(("https://", "http://"))
                or origin.count("/") != 2
            ):
                raise ValueError(f"{origin!r} is not an origin such as https://app.example.org")
        return value

    @field_validator("webhook_allow_hosts", mode="after")
    @classmethod
    def _check_hosts(cls, value: list[str]) -> list[str]:
        from bhlink.events.egress import EgressPolicy  # the guard owns the entry syntax

        EgressPolicy.from_allow_list(value)  # ValueError names the malformed entry's index
        return value

    @property
    def webhook_loopback_allowed(self) -> bool:
        """Whether webhooks may target loopback over http (development and test by default)."""
        if self.webhook_allow_loopback is not None:
            return self.webhook_allow_loopback
        return self.environment in ("development", "test")

    def resolved_secret_key(self) -> bytes:
        """Return the server secret, creating a private key file on first use in development."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.secret_key_file
        if path.exists():
            return path.read_bytes().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48).encode()
        # O_EXCL so two processes starting together cannot both write different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (tests build their own Settings instead)."""
    return Settings()
