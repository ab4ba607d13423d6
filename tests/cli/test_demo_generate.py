"""`bhlink demo generate`: bulk-loads a practice, writes its logins privately, refuses bad sizes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bhlink.cli import app
from bhlink.config import get_settings


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("BHLINK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("BHLINK_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()


def test_generate_loads_a_practice_and_reports_it(cli_env: Path) -> None:
    logins = cli_env / "logins.json"
    done = CliRunner().invoke(
        app,
        [
            "demo",
            "generate",
            "--patients",
            "40",
            "--appointments",
            "300",
            "--notes",
            "4",
            "--seed",
            "9",
            "--today",
            "2026-03-02",
            "--credentials-file",
            str(logins),
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["rows"]["patients"] == 40
    assert summary["rows"]["appointments"] == 300
    assert summary["rows"]["notes"] == 4 and summary["notesSkipped"] is None
    assert summary["plan"]["firstMonday"] < "2026-03-02"
    creds = json.loads(logins.read_text())
    assert creds["integrationId"] == summary["integrationId"]
    assert {r for u in creds["users"] for r in u["roles"]} == {"admin", "clinician", "front_desk"}
    assert logins.stat().st_mode & 0o077 == 0
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "ok" in verified.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--patients", "2", "--appointments", "100000"], "generate more patients"),
        (["--today", "03/02/2026"], "--today"),
        (["--patients", "0"], "patients"),
    ],
)
def test_generate_refuses_bad_sizes_and_writes_nothing(
    cli_env: Path, arguments: list[str], message: str
) -> None:
    done = CliRunner().invoke(
        app, ["demo", "generate", "--credentials-file", str(cli_env / "x.json"), *arguments]
    )
    assert done.exit_code == 2
    assert message in " ".join(done.output.split())
    assert not (cli_env / "x.json").exists()
    listed = CliRunner().invoke(app, ["audit", "verify"])
    assert "int_" not in listed.output  # no integration was created
