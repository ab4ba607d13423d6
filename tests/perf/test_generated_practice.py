"""A bulk-loaded practice is one the API serves like any other: counters, audit, reads, writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bhlink.services import audit
from bhlink.store.bulk import BulkWriter
from bhlink.store.db import Database
from tests.perf.conftest import TODAY, Generated, generate

TENANT_TABLES = ("providers", "locations", "payers", "patients", "appointments", "clinical_notes")


def _number(db: Database, sql: str, **params: object) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def test_the_change_counter_stands_at_the_newest_generated_record(
    generated: Generated, db: Database
) -> None:
    integration = generated.result.credentials.integration_id
    counter = _number(db, "SELECT change_seq FROM integrations WHERE id = :i", i=integration)
    newest = max(
        _number(
            db,
            f"SELECT coalesce(max(change_seq), 0) FROM {table} WHERE integration_id = :i",
            i=integration,
        )
        for table in TENANT_TABLES
    )
    rows = generated.result.rows
    # The fixture's module may have written since; the generated records alone fill 1..N.
    assert (
        int(counter)
        >= newest
        >= sum(
            rows[k]
            for k in ("providers", "locations", "payers", "patients", "appointments", "notes")
        )
    )


def test_a_new_write_follows_the_generated_records(generated: Generated, db: Database) -> None:
    integration = generated.result.credentials.integration_id
    before = _number(db, "SELECT change_seq FROM integrations WHERE id = :i", i=integration)
    created = generated.client.post(
        generated.base + "/patients",
        json={"firstName": "New", "lastName": "Client", "dob": "1990-02-03", "sex": "female"},
        headers=generated.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    seq = _number(db, "SELECT change_seq FROM patients WHERE id = :p", p=body["patientId"])
    assert seq == before + 1
    # updatedAt moves past every generated record (they all precede the practice's today).
    assert datetime.fromisoformat(body["updatedAt"].replace("Z", "+00:00")) > datetime(
        TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC
    )


def test_the_audit_chain_of_a_generated_practice_verifies(
    generated: Generated, db: Database
) -> None:
    with db.unit_of_work() as uow:
        result = audit.verify(uow, generated.result.credentials.integration_id)
    assert result.ok and result.rows_checked >= 1


def test_generated_notes_appointments_and_directory_are_served(generated: Generated) -> None:
    for path in ("/notes", "/appointments", "/providers", "/locations", "/payers"):
        page = generated.client.get(
            generated.base + path, params={"pageSize": 50}, headers=generated.headers
        )
        assert page.status_code == 200, (path, page.text)
        assert page.json()["items"], path
    notes = generated.client.get(
        generated.base + "/notes", params={"pageSize": 500}, headers=generated.headers
    ).json()
    assert notes["total"] == generated.result.rows["notes"] == 20
    one = generated.client.get(
        f"{generated.base}/notes/{notes['items'][0]['noteId']}", headers=generated.headers
    )
    assert one.status_code == 200, one.text
    assert one.json()["status"] == "draft"


def test_notes_are_skipped_with_a_reason_when_the_schema_has_no_notes_table(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BulkWriter, "has_table", lambda _self, _name: False)
    result = generate(db, patients=10, appointments=40, notes=5)
    assert result.rows["notes"] == 0
    assert result.notes_skipped is not None and "5 notes skipped" in result.notes_skipped
