"""The demo practice and the administration commands, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bhlink.cli import app
from bhlink.config import get_settings


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BHLINK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("BHLINK_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("BHLINK_DEMO_CREDENTIALS_FILE", str(tmp_path / "demo.json"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_demo_load_and_credentials(cli_env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    loaded = runner.invoke(
        app, ["demo", "load", "--patients", "24", "--history-days", "10", "--future-days", "5"]
    )
    assert loaded.exit_code == 0, loaded.output
    again = runner.invoke(app, ["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "already" in again.output
    creds = runner.invoke(app, ["demo", "credentials", "--json"])
    data = json.loads(creds.stdout)
    assert set(data) == {"integrationId", "clientId", "clientSecret", "users"}
    roles = {r for u in data["users"] for r in u["roles"]}
    assert roles == {"admin", "clinician", "supervisor", "biller", "front_desk", "readonly"}
    assert any(u["totpSecret"] for u in data["users"])
    assert (cli_env / "demo.json").stat().st_mode & 0o077 == 0
    code = runner.invoke(app, ["demo", "totp", "admin@cascadia.example"])
    assert code.exit_code == 0 and code.output.strip().isdigit()
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0


def test_admin_commands(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    runner.invoke(app, ["db", "upgrade"])
    created = runner.invoke(
        app,
        [
            "integrations",
            "create",
            "--name",
            "Clinic",
            "--vendor",
            "valant",
            "--timezone",
            "America/Denver",
        ],
    )
    assert created.exit_code == 0, created.output
    integration = created.output.strip()
    assert integration.startswith("int_")
    bad = runner.invoke(app, ["integrations", "create", "--name", "X", "--vendor", "nope"])
    assert bad.exit_code == 2
    client = runner.invoke(app, ["clients", "create", "--integration", integration])
    assert json.loads(client.output)["clientId"].startswith("cli_")
    monkeypatch.setenv("NEW_PASSWORD", "a long enough password")
    user = runner.invoke(
        app,
        [
            "users",
            "create",
            "--integration",
            integration,
            "--username",
            "dr@x.example",
            "--name",
            "Dr X",
            "--role",
            "clinician",
            "--password-env",
            "NEW_PASSWORD",
        ],
    )
    assert user.exit_code == 0, user.output
    short = runner.invoke(
        app,
        [
            "users",
            "create",
            "--integration",
            integration,
            "--username",
            "y@x.example",
            "--name",
            "Y",
            "--role",
            "admin",
            "--password-env",
            "MISSING",
        ],
    )
    assert short.exit_code == 2
    enrolled = runner.invoke(
        app, ["users", "enroll-totp", "--integration", integration, "--username", "dr@x.example"]
    )
    assert enrolled.output.startswith("otpauth://totp/")
