"""`bhlink keys rotate`: every SecretBox ciphertext moves to the new key; repeatable; all or nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from bhlink.cli import app as cli_app
from bhlink.config import Settings, get_settings
from bhlink.domain.clock import utcnow
from bhlink.server import create_app
from bhlink.services.crypto import SecretBox, totp_code
from bhlink.store.db import Database
from bhlink.store.queries.secrets import SecretQueries
from tests.revenue.support import SETTINGS as BILLING_SETTINGS
from tests.support.practice import PASSWORD, Practice
from tests.support.webhooks import api_resolver, create_hook

NEW_KEY = "rotated-server-key-for-tests-" + "n" * 24


@pytest.fixture
def cli(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("BHLINK_DATABASE_URL", db.url)
    monkeypatch.setenv("BHLINK_SECRET_KEY", str(settings.secret_key))
    monkeypatch.setenv("NEW_BHLINK_KEY", NEW_KEY)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _ciphertext(practice: Practice, username: str) -> str:
    with practice.db.engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT totp_secret_enc FROM users WHERE integration_id = :i AND username = :u"
                ),
                {"i": practice.integration_id, "u": username},
            ).scalar_one()
        )


def _totp_login(
    app_key: str, practice: Practice, settings: Settings, username: str, seed: str
) -> int:
    app = create_app(settings.model_copy(update={"secret_key": app_key}), practice.db)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            f"{practice.base}/sessions",
            json={
                "username": username,
                "password": PASSWORD,
                "mfa": {"type": "totp", "code": totp_code(seed, utcnow())},
            },
            headers={"Authorization": practice.basic()},
        )
    return response.status_code


def test_the_registry_finds_every_encrypted_column() -> None:
    columns = {c.label: c.json_keys for c in SecretQueries.columns()}
    assert columns["users.totp_secret_enc"] == ()
    assert columns["webhook_endpoints.secret_enc"] == ()
    assert columns["webhook_endpoints.previous_secret_enc"] == ()
    assert columns["revenue_settings.document"] == ("passwordEncrypted",)


def test_webhook_secrets_and_channel_passwords_rotate_too(
    cli: CliRunner, practice: Practice, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with api_resolver(practice.app, "93.184.216.34"):
        hook = create_hook(practice, "https://hooks.example.org/bhlink")
    channel = {
        "type": "sftp",
        "host": "sftp.clearinghouse.example",
        "port": 22,
        "username": "cascadia",
        "password": "sftp-password-to-rotate",
        "hostKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq0pUhSMZL0kM0dGk2rrXKOt7Rx8aW0Wm2e0jaKf2Lz",
        "outboundDir": "outbound",
        "inboundDir": "inbound",
    }
    response = practice.client.put(
        f"{practice.base}/billing/settings",
        json={**BILLING_SETTINGS, "channels": {"clearinghouse": channel}},
        headers=practice.login(),
    )
    assert response.status_code == 200, response.text
    new_box = SecretBox(NEW_KEY.encode())

    def stored() -> tuple[str, str]:
        with practice.db.engine.connect() as conn:
            secret = conn.execute(
                text("SELECT secret_enc FROM webhook_endpoints WHERE id = :i"),
                {"i": hook["webhookId"]},
            ).scalar_one()
            document = conn.execute(
                text("SELECT document FROM revenue_settings WHERE integration_id = :i"),
                {"i": practice.integration_id},
            ).scalar_one()
        if isinstance(document, str):
            document = json.loads(document)
        return str(secret), str(document["channels"]["clearinghouse"]["passwordEncrypted"])

    old_secret, old_password = stored()
    result = cli.invoke(cli_app, ["keys", "rotate", "--new-key-env", "NEW_BHLINK_KEY"])
    assert result.exit_code == 0, result.output
    secret, password = stored()
    assert secret != old_secret and password != old_password
    assert new_box.decrypt(password) == "sftp-password-to-rotate"
    assert new_box.decrypt(secret) == SecretBox(str(settings.secret_key).encode()).decrypt(
        old_secret
    )
    monkeypatch.setenv("BHLINK_SECRET_KEY", NEW_KEY)
    monkeypatch.setenv("OLD_BHLINK_KEY", str(settings.secret_key))
    get_settings.cache_clear()
    back = cli.invoke(cli_app, ["keys", "rotate", "--new-key-env", "OLD_BHLINK_KEY"])
    assert back.exit_code == 0, back.output


def test_rotation_reencrypts_and_logins_follow_the_new_key(
    cli: CliRunner, practice: Practice, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    username = practice.user("supervisor", totp=True)
    seed = practice.totp_secrets["supervisor"]
    before = _ciphertext(practice, username)
    old_box, new_box = SecretBox(str(settings.secret_key).encode()), SecretBox(NEW_KEY.encode())

    result = cli.invoke(cli_app, ["keys", "rotate", "--new-key-env", "NEW_BHLINK_KEY"])
    assert result.exit_code == 0, result.output
    assert "users.totp_secret_enc:" in result.output and "re-encrypted" in result.output
    assert seed not in result.output and NEW_KEY not in result.output

    after = _ciphertext(practice, username)
    assert after != before
    assert new_box.decrypt(after) == seed
    with pytest.raises(ValueError):
        old_box.decrypt(after)
    assert _totp_login(NEW_KEY, practice, settings, username, seed) == 201
    rotated = practice.get("/audit-events", params={"action": "security.key_rotated"}).json()
    assert rotated["total"] == 1 and rotated["items"][0]["detail"]["reencrypted"] >= 1

    # Running it again changes nothing: every value already opens with the new key.
    again = cli.invoke(cli_app, ["keys", "rotate", "--new-key-env", "NEW_BHLINK_KEY"])
    assert again.exit_code == 0 and " 0 re-encrypted" in again.output
    assert _ciphertext(practice, username) == after

    # Rotate back, so the rest of the session's database matches the test key again.
    monkeypatch.setenv("BHLINK_SECRET_KEY", NEW_KEY)
    monkeypatch.setenv("OLD_BHLINK_KEY", str(settings.secret_key))
    get_settings.cache_clear()
    back = cli.invoke(cli_app, ["keys", "rotate", "--new-key-env", "OLD_BHLINK_KEY"])
    assert back.exit_code == 0, back.output
    assert old_box.decrypt(_ciphertext(practice, username)) == seed


def test_a_key_that_opens_nothing_stops_before_any_write(
    cli: CliRunner, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    username = practice.user("admin", totp=True)
    before = _ciphertext(practice, username)
    monkeypatch.setenv("BHLINK_SECRET_KEY", "a-key-this-database-never-saw-" + "w" * 20)
    get_settings.cache_clear()
    result = cli.invoke(cli_app, ["keys", "rotate", "--new-key-env", "NEW_BHLINK_KEY"])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "opens with neither key" in output
    assert any(f"{column.label} row " in output for column in SecretQueries.columns())
    assert before not in result.output  # the row is named by its key, never by its ciphertext
    assert _ciphertext(practice, username) == before


@pytest.mark.parametrize(
    ("value", "message"),
    [("short", "at least 32"), ("", "at least 32"), (None, "is the current key")],
)
def test_unusable_new_keys_are_refused(
    cli: CliRunner,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    value: str | None,
    message: str,
) -> None:
    monkeypatch.setenv("NEW_BHLINK_KEY", str(settings.secret_key) if value is None else value)
    result = cli.invoke(cli_app, ["keys", "rotate", "--new-key-env", "NEW_BHLINK_KEY"])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
