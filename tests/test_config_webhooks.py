"""Webhook settings read from the environment: the SSRF allow-list and loopback defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bhlink.config import Settings


def test_the_allow_list_is_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BHLINK_WEBHOOK_ALLOW_HOSTS", " 10.20.0.0/16, ehr.clinic.internal ,")
    assert Settings().webhook_allow_hosts == ["10.20.0.0/16", "ehr.clinic.internal"]


def test_a_malformed_allow_list_entry_stops_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BHLINK_WEBHOOK_ALLOW_HOSTS", "10.0.0.0/8,not a host")
    with pytest.raises(ValidationError, match=r"entry \[1\]"):
        Settings()


@pytest.mark.parametrize(
    ("environment", "override", "expected"),
    [
        ("development", None, True),
        ("test", None, True),
        ("production", None, False),
        ("production", True, True),
        ("development", False, False),
    ],
)
def test_loopback_receivers_default_to_development_and_test(
    environment: str, override: bool | None, expected: bool
) -> None:
    settings = Settings(environment=environment, webhook_allow_loopback=override)
    assert settings.webhook_loopback_allowed is expected


def test_a_short_metrics_token_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(metrics_token="short")
