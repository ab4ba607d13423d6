"""`bhlink tasks generate` and `bhlink notes lock-due` against the test database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from bhlink import cli
from bhlink.config import get_settings
from bhlink.domain import clock
from tests.api.clinical_support import completed_appointment, note_body
from tests.support.practice import Practice


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("BHLINK_DATABASE_URL", database_url)
    monkeypatch.setenv("BHLINK_UNSIGNED_NOTE_DAYS", "0")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
    clock.set_clock(None)


def test_tasks_generate_is_idempotent(practice: Practice, cli_env: CliRunner) -> None:
    completed_appointment(practice, practice.patient_ids[0])
    args = ["tasks", "generate", "--integration", practice.integration_id]
    first = cli_env.invoke(cli.app, args)
    assert first.exit_code == 0, first.output
    assert "1 unsigned-note task(s)" in first.output
    second = cli_env.invoke(cli.app, args)
    assert "0 unsigned-note task(s)" in second.output
    assert practice.count("tasks") == 1


def test_notes_lock_due(practice: Practice, cli_env: CliRunner) -> None:
    note = practice.post("/clinical-notes", note_body(practice), role="clinician").json()
    practice.post(f"/clinical-notes/{note['noteId']}/sign", role="clinician")
    later = clock.utcnow() + timedelta(hours=get_settings().note_auto_lock_hours + 1)
    clock.set_clock(lambda: later)
    result = cli_env.invoke(cli.app, ["notes", "lock-due"])
    assert result.exit_code == 0, result.output
    assert f"{practice.integration_id}: 1 note(s) locked" in result.output
    clock.set_clock(None)
    practice._tokens.clear()
    assert practice.get(f"/clinical-notes/{note['noteId']}").json()["status"] == "locked"
