"""The audit trail: hash chain verification detects edits, deletions and truncation; report filters."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from bhlink.cli import app as cli_app
from bhlink.services import audit
from tests.support.practice import Practice


def _verify(practice: Practice) -> audit.VerifyResult:
    with practice.db.unit_of_work() as uow:
        return audit.verify(uow, practice.integration_id)


def _bypass_guard(conn, dialect: str, enable: bool) -> None:  # type: ignore[no-untyped-def]
    # Simulates an attacker with database-owner rights switching the append-only guard off.
    if dialect == "postgresql":
        conn.execute(
            text(f"ALTER TABLE audit_events {'ENABLE' if enable else 'DISABLE'} TRIGGER USER")
        )
    elif not enable:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
    else:
        for verb in ("UPDATE", "DELETE"):
            conn.execute(
                text(
                    f"CREATE TRIGGER IF NOT EXISTS audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
                )
            )


def test_chain_verifies_after_normal_use(practice: Practice) -> None:
    practice.get(f"/patients/{practice.patient_ids[0]}")
    result = _verify(practice)
    assert result.ok and result.rows_checked > 5


def test_app_cannot_update_or_delete_audit_rows(practice: Practice) -> None:
    import pytest
    from sqlalchemy.exc import DatabaseError

    with pytest.raises(DatabaseError), practice.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET outcome = 'x' WHERE integration_id = :i"),
            {"i": practice.integration_id},
        )
    with pytest.raises(DatabaseError), practice.db.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM audit_events WHERE integration_id = :i"),
            {"i": practice.integration_id},
        )


def test_edited_row_is_named(practice: Practice) -> None:
    practice.get(f"/patients/{practice.patient_ids[0]}")
    dialect = practice.db.dialect
    with practice.db.engine.begin() as conn:
        target = conn.execute(
            text(
                "SELECT id, chain FROM audit_events WHERE integration_id = :i AND action = 'patient.read' ORDER BY chain_seq LIMIT 1"
            ),
            {"i": practice.integration_id},
        ).one()
        _bypass_guard(conn, dialect, enable=False)
        conn.execute(
            text("UPDATE audit_events SET actor_id = 'someone-else' WHERE id = :id"),
            {"id": target.id},
        )
        _bypass_guard(conn, dialect, enable=True)
    result = _verify(practice)
    assert not result.ok
    assert result.breaks[0].row_id == target.id
    assert "edited" in result.breaks[0].reason


def test_deleted_and_truncated_rows_are_detected(practice: Practice) -> None:
    for _ in range(3):
        practice.get(f"/patients/{practice.patient_ids[0]}")
    dialect = practice.db.dialect
    with practice.db.engine.begin() as conn:
        # the busiest chain (PostgreSQL spreads appends over several chains)
        chain = conn.execute(
            text(
                "SELECT chain FROM audit_events WHERE integration_id = :i GROUP BY chain ORDER BY count(*) DESC LIMIT 1"
            ),
            {"i": practice.integration_id},
        ).scalar_one()
        rows = conn.execute(
            text(
                "SELECT id, chain, chain_seq FROM audit_events WHERE integration_id = :i AND chain = :c ORDER BY chain_seq"
            ),
            {"i": practice.integration_id, "c": chain},
        ).all()
        assert len(rows) >= 4
        _bypass_guard(conn, dialect, enable=False)
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": rows[2].id})
        _bypass_guard(conn, dialect, enable=True)
    result = _verify(practice)
    assert not result.ok and result.breaks[0].row_id == rows[3].id
    with practice.db.engine.begin() as conn:
        _bypass_guard(conn, dialect, enable=False)
        conn.execute(
            text(
                "DELETE FROM audit_events WHERE integration_id = :i AND chain = :c AND chain_seq >= :s"
            ),
            {"i": practice.integration_id, "c": chain, "s": rows[2].chain_seq},
        )
        _bypass_guard(conn, dialect, enable=True)
    truncated = _verify(practice)
    assert not truncated.ok and "removed" in truncated.breaks[0].reason


def test_cli_audit_verify_exit_codes(practice: Practice, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BHLINK_DATABASE_URL", practice.db.url)
    from bhlink.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["audit", "verify", "--integration", practice.integration_id])
    assert ok.exit_code == 0, ok.output
    dialect = practice.db.dialect
    with practice.db.engine.begin() as conn:
        row = conn.execute(
            text(
                "SELECT id FROM audit_events WHERE integration_id = :i ORDER BY chain, chain_seq LIMIT 1"
            ),
            {"i": practice.integration_id},
        ).one()
        _bypass_guard(conn, dialect, enable=False)
        conn.execute(
            text("UPDATE audit_events SET action = 'tampered' WHERE id = :id"), {"id": row.id}
        )
        _bypass_guard(conn, dialect, enable=True)
    bad = runner.invoke(cli_app, ["audit", "verify", "--integration", practice.integration_id])
    get_settings.cache_clear()
    assert bad.exit_code == 1
    assert row.id in bad.output


def test_report_filters_sort_and_csv(practice: Practice) -> None:
    pid = practice.patient_ids[0]
    practice.get(f"/patients/{pid}", role="biller")
    report = practice.get(
        "/audit-events", params={"patientId": pid, "sort": "-occurredAt,action"}
    ).json()
    assert report["total"] >= 2
    times = [e["occurredAt"] for e in report["items"]]
    assert times == sorted(times, reverse=True)
    csv = practice.get("/audit-events", params={"patientId": pid, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("auditEventId,occurredAt")
    assert practice.get("/audit-events", params={"sort": "nope"}).status_code == 422
    assert practice.get("/audit-events", role="clinician").status_code == 403
    denied = practice.get(
        "/audit-events", params={"action": "audit.list", "outcome": "denied"}
    ).json()
    assert denied["total"] >= 1
