"""Settings: every knob is an environment variable named BHLINK_<NAME>, read into one object."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    token_ttl_seconds: int = Field(default=3600, ge=60)
    session_idle_seconds: int = Field(default=1800, ge=60)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_json_depth: int = Field(default=32, ge=4)
    idempotency_retention_hours: int = Field(default=24, ge=24)
    # A claimed key whose request died (process killed) is released after this lease.
    idempotency_lease_seconds: int = Field(default=60, ge=1)
    page_size_max: int = Field(default=500, ge=1)

    log_level: str = "INFO"
    # Mount GET /bench/ping (no database) for `make bench`; never needed in production.
    bench_routes: bool = False

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
