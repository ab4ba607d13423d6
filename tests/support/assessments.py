"""Helpers for measurement-based-care tests: answer lists, posting results, practice settings."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from tests.support.practice import Practice


def phq9(*values: int) -> list[dict[str, Any]]:
    """PHQ-9 answers in the seeds' list shape; nine values, item 9 last."""
    assert len(values) == 9
    return [{"questionId": f"phq9_q{n}", "value": v} for n, v in enumerate(values, start=1)]


# Totals used throughout: 16 (moderately severe), 12 (moderate), 8 (mild), 4 (minimal).
PHQ9_16 = phq9(2, 2, 2, 2, 2, 2, 2, 2, 0)
PHQ9_12 = phq9(2, 1, 2, 1, 2, 1, 2, 1, 0)
PHQ9_8 = phq9(1, 1, 1, 1, 1, 1, 1, 1, 0)
PHQ9_4 = phq9(1, 1, 1, 1, 0, 0, 0, 0, 0)
PHQ9_ITEM9 = phq9(1, 1, 1, 1, 1, 1, 1, 1, 1)


def assessment(
    practice: Practice,
    answers: list[dict[str, Any]],
    *,
    instrument: str = "PHQ-9",
    patient: int = 0,
    completed_on: str = "2026-01-18T16:31:22Z",
    **extra: Any,
) -> dict[str, Any]:
    """A POST /assessments body for one of the practice's patients."""
    body: dict[str, Any] = {
        "patientId": practice.patient_ids[patient],
        "instrument": instrument,
        "answers": answers,
        "completedOn": completed_on,
        "collectedVia": "patient_portal",
        "providerId": practice.provider_ids[patient % 2],
    }
    body.update(extra)
    return body


def post_result(
    practice: Practice, answers: list[dict[str, Any]], role: str = "admin", **kwargs: Any
) -> httpx.Response:
    """POST /assessments and return the response."""
    return practice.post("/assessments", assessment(practice, answers, **kwargs), role=role)


def set_integration_settings(practice: Practice, settings: dict[str, Any]) -> None:
    """Replace the integration's settings (an administrator's job; no API exists for it yet)."""
    with practice.db.unit_of_work() as uow:
        integration = uow.tenancy.integration(practice.integration_id)
        assert integration is not None
        integration.settings = settings
        uow.commit()


def event_types(practice: Practice) -> list[str]:
    """Types of the integration's outbox events, oldest first."""
    with practice.db.engine.connect() as conn:
        return [
            row[0]
            for row in conn.execute(
                text("SELECT type FROM outbox_events WHERE integration_id = :i ORDER BY seq"),
                {"i": practice.integration_id},
            )
        ]


def audit_actions(practice: Practice, patient_id: str | None = None) -> list[str]:
    """Actions of the integration's audit events (optionally about one patient)."""
    query = "SELECT action FROM audit_events WHERE integration_id = :i"
    params = {"i": practice.integration_id}
    if patient_id is not None:
        query += " AND patient_id = :p"
        params["p"] = patient_id
    with practice.db.engine.connect() as conn:
        return [row[0] for row in conn.execute(text(query + " ORDER BY occurred_at"), params)]


WRITTEN_TABLES = ("assessment_results", "risk_flags", "tasks", "outbox_events")


def written(practice: Practice) -> dict[str, int]:
    """Row counts of everything recording a result writes (to prove nothing was written)."""
    return {table: practice.count(table) for table in WRITTEN_TABLES}
