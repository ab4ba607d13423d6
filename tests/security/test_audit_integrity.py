"""Audit trail as ONC 170.315(d)(2)/(d)(3) asks: append-only, tamper-evident, reportable by any field.

Complements tests/api/test_audit.py (edit detection, the CLI on an edited row, basic report):
here the CLI names the first bad row after a deletion and after a truncated tail, TRUNCATE is
refused on PostgreSQL, and the report's every filter, every sort field and its CSV are checked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

from bhlink.cli import app as cli_app
from bhlink.config import get_settings
from bhlink.domain.clock import set_clock, utcnow
from bhlink.store.unit_of_work import UniqueViolation
from tests.api.test_audit import _bypass_guard
from tests.support.practice import Practice


@pytest.fixture
def cli(practice: Practice, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("BHLINK_DATABASE_URL", practice.db.url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _verify(cli: CliRunner, practice: Practice):  # type: ignore[no-untyped-def]
    return cli.invoke(cli_app, ["audit", "verify", "--integration", practice.integration_id])


def _busiest_chain_rows(practice: Practice) -> list:  # type: ignore[type-arg]
    with practice.db.engine.connect() as conn:
        chain = conn.execute(
            text(
                "SELECT chain FROM audit_events WHERE integration_id = :i "
                "GROUP BY chain ORDER BY count(*) DESC LIMIT 1"
            ),
            {"i": practice.integration_id},
        ).scalar_one()
        return list(
            conn.execute(
                text(
                    "SELECT id, chain, chain_seq FROM audit_events WHERE integration_id = :i "
                    "AND chain = :c ORDER BY chain_seq"
                ),
                {"i": practice.integration_id, "c": chain},
            )
        )


def _tamper(practice: Practice, statement: str, **params: object) -> None:
    dialect = practice.db.dialect
    with practice.db.engine.begin() as conn:
        _bypass_guard(conn, dialect, enable=False)
        conn.execute(text(statement), params)
        _bypass_guard(conn, dialect, enable=True)


def test_cli_names_the_row_after_a_deleted_one(cli: CliRunner, practice: Practice) -> None:
    for _ in range(4):
        practice.get(f"/patients/{practice.patient_ids[0]}")
    assert _verify(cli, practice).exit_code == 0
    rows = _busiest_chain_rows(practice)
    _tamper(practice, "DELETE FROM audit_events WHERE id = :id", id=rows[2].id)
    result = _verify(cli, practice)
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert f"broken at row {rows[3].id}" in output and "sequence gap" in output


def test_cli_reports_a_truncated_tail(cli: CliRunner, practice: Practice) -> None:
    for _ in range(4):
        practice.get(f"/patients/{practice.patient_ids[1]}")
    rows = _busiest_chain_rows(practice)
    _tamper(
        practice,
        "DELETE FROM audit_events WHERE integration_id = :i AND chain = :c AND chain_seq >= :s",
        i=practice.integration_id,
        c=rows[0].chain,
        s=rows[-2].chain_seq,
    )
    result = _verify(cli, practice)
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "(end of chain)" in output and "rows removed" in output
    assert f"(seq {rows[-2].chain_seq})" in output


def test_cli_names_an_edited_row_in_the_middle(cli: CliRunner, practice: Practice) -> None:
    for _ in range(3):
        practice.get(f"/patients/{practice.patient_ids[2]}")
    rows = _busiest_chain_rows(practice)
    middle = rows[len(rows) // 2]
    _tamper(practice, "UPDATE audit_events SET outcome = 'denied' WHERE id = :id", id=middle.id)
    result = _verify(cli, practice)
    assert result.exit_code == 1
    assert middle.id in result.output and "edited" in result.output


def test_truncate_is_refused_on_postgresql(practice: Practice) -> None:
    if practice.db.dialect != "postgresql":
        pytest.skip(
            "SQLite has no TRUNCATE; its DELETE trigger is tested in tests/api/test_audit.py"
        )
    with pytest.raises(DatabaseError), practice.db.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))


def test_the_app_session_cannot_rewrite_history_either(practice: Practice) -> None:
    """Through the same engine and session the app uses (not only raw SQL)."""
    practice.get(f"/patients/{practice.patient_ids[0]}")
    from bhlink.store.tables import AuditEvent

    with practice.db.unit_of_work() as uow:
        row = (
            uow.session.query(AuditEvent).filter_by(integration_id=practice.integration_id).first()
        )
        assert row is not None
        row.outcome = "denied"
        with pytest.raises((DatabaseError, UniqueViolation)):
            uow.flush()
    with practice.db.unit_of_work() as uow:
        row = (
            uow.session.query(AuditEvent).filter_by(integration_id=practice.integration_id).first()
        )
        uow.delete(row)
        with pytest.raises((DatabaseError, UniqueViolation)):
            uow.flush()


# --- the report -----------------------------------------------------------------------------------

SORT_FIELDS = [
    ("occurredAt", "occurredAt"),
    ("actorId", "actorId"),
    ("action", "action"),
    ("resourceType", "resourceType"),
    ("resourceId", "resourceId"),
    ("patientId", "patientId"),
    ("outcome", "outcome"),
    ("sourceIp", "sourceIp"),
]


@pytest.fixture
def busy_practice(practice: Practice) -> Iterator[Practice]:
    """Reads, writes and refusals by several users, spread over three hours."""
    start = utcnow() - timedelta(hours=3)
    try:
        for hour, role in enumerate(("biller", "front_desk", "clinician")):
            set_clock(lambda h=hour: start + timedelta(hours=h, minutes=1))
            practice.login(role)
            practice.get(f"/patients/{practice.patient_ids[0]}", role=role)
            practice.patch(
                f"/patients/{practice.patient_ids[0]}", {"preferredName": role}, role=role
            )
            practice.get("/audit-events", role=role)  # 403, audited as denied
    finally:
        set_clock(None)
    practice._tokens.clear()  # those tokens were issued hours "ago" and have expired
    yield practice


def _report(practice: Practice, **params: object) -> dict:  # type: ignore[type-arg]
    response = practice.get("/audit-events", params={"pageSize": 1000, **params})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_report_filters_by_every_field_and_time(busy_practice: Practice) -> None:
    p = busy_practice
    everything = _report(p)["items"]
    with p.db.engine.connect() as conn:
        biller_id = conn.execute(
            text("SELECT id FROM users WHERE integration_id = :i AND username = :u"),
            {"i": p.integration_id, "u": p.users["biller"]},
        ).scalar_one()
    filters = {
        "userId": ("actorId", biller_id),
        "patientId": ("patientId", p.patient_ids[0]),
        "action": ("action", "patient.read"),
        "resourceType": ("resourceType", "patient"),
        "resourceId": ("resourceId", p.patient_ids[0]),
        "outcome": ("outcome", "denied"),
    }
    for param, (field, value) in filters.items():
        items = _report(p, **{param: value})["items"]
        assert items, param
        assert all(item[field] == value for item in items), param
        assert len(items) == sum(1 for e in everything if e[field] == value), param
    # A window around one shifted hour holds exactly the events of that hour.
    hour_time = next(e["occurredAt"] for e in everything if e["outcome"] == "denied")
    at = datetime.fromisoformat(hour_time.replace("Z", "+00:00"))
    window = _report(
        p,
        **{
            "from": (at - timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
            "to": (at + timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        },
    )["items"]
    expected = [e["auditEventId"] for e in everything if e["occurredAt"] == hour_time]
    assert sorted(e["auditEventId"] for e in window) == sorted(expected) and len(expected) >= 4
    bad = p.get("/audit-events", params={"from": "yesterday"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "from"


@pytest.mark.parametrize(("param", "field"), SORT_FIELDS)
def test_report_sorts_by_every_field_both_ways(
    busy_practice: Practice, param: str, field: str
) -> None:
    for descending in (False, True):
        items = _report(busy_practice, sort=("-" if descending else "") + param)["items"]
        keys = [(item[field] is None, item[field] or "") for item in items]
        present = [k for k in keys if not k[0]]
        assert present == sorted(present, reverse=descending), (param, descending)


def test_report_pages_and_csv_match_json(busy_practice: Practice) -> None:
    p = busy_practice
    whole = _report(p, sort="occurredAt")
    first = p.get("/audit-events", params={"pageSize": 5, "page": 1, "sort": "occurredAt"}).json()
    second = p.get("/audit-events", params={"pageSize": 5, "page": 2, "sort": "occurredAt"}).json()
    ids = [e["auditEventId"] for e in whole["items"]]
    assert [e["auditEventId"] for e in first["items"] + second["items"]] == ids[:10]
    assert first["total"] >= whole["total"] - 2  # reading the report adds audit rows itself
    as_csv = p.get(
        "/audit-events",
        params={"pageSize": 1000, "sort": "occurredAt", "format": "csv", "outcome": "denied"},
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    denied = _report(p, sort="occurredAt", outcome="denied")["items"]
    assert [r["auditEventId"] for r in rows] == [e["auditEventId"] for e in denied]
    assert all(r["outcome"] == "denied" and r["occurredAt"].endswith("Z") for r in rows)


def test_only_the_audit_entitlement_reads_the_report(busy_practice: Practice) -> None:
    for role in ("clinician", "supervisor", "biller", "front_desk", "readonly"):
        assert busy_practice.get("/audit-events", role=role).status_code == 403
    _report(busy_practice)
    reads = _report(busy_practice, action="audit.read")["items"]
    assert reads  # reading the audit log is itself audited
