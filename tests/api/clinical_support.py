"""Helpers for the clinical documentation tests: seed-shaped note and plan bodies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.support.practice import Practice

SOAP = {
    "subjective": "Reports better sleep; worry about work persists.",
    "objective": "Alert, oriented, engaged; PHQ-9 reviewed.",
    "assessment": "Generalized anxiety improving with CBT.",
    "plan": "Continue weekly CBT; practice worry postponement.",
}


def note_body(practice: Practice, **overrides: Any) -> dict[str, Any]:
    """A progress note as an ICANotes client would post it (seed 000 vocabulary)."""
    body: dict[str, Any] = {
        "patientId": practice.patient_ids[0],
        "providerId": practice.provider_ids[0],
        "noteType": "progress",
        "format": "soap",
        "sections": dict(SOAP),
        "diagnosisCodes": ["F41.1"],
        "interventions": ["Cognitive restructuring", "Mindfulness practice"],
        "mentalStatusExam": {"mood": "anxious", "affect": "congruent", "orientation": "x3"},
        "riskAssessment": {"suicide": "none", "harm_to_others": "not_assessed"},
        "serviceCode": "90834",
        "sessionStart": "2026-01-20T15:00:00Z",
        "sessionEnd": "2026-01-20T15:50:00Z",
        "telehealth": True,
    }
    body.update(overrides)
    return body


def plan_body(practice: Practice, **overrides: Any) -> dict[str, Any]:
    """A treatment plan with one measurable objective (PHQ-9 < 10)."""
    effective = date.today() - timedelta(days=10)
    body: dict[str, Any] = {
        "patientId": practice.patient_ids[0],
        "providerId": practice.provider_ids[0],
        "title": "Anxiety and mood",
        "effectiveDate": effective.isoformat(),
        "problems": [
            {
                "description": "Persistent worry interfering with work",
                "diagnosisCode": "F41.1",
                "goals": [
                    {
                        "description": "Reduce worry to a manageable level",
                        "targetDate": (effective + timedelta(days=180)).isoformat(),
                        "objectives": [
                            {
                                "description": "PHQ-9 below 10 on two consecutive visits",
                                "targetDate": (effective + timedelta(days=90)).isoformat(),
                                "measure": "PHQ-9 < 10",
                                "interventions": [
                                    {"description": "Weekly CBT", "frequency": "weekly"}
                                ],
                            }
                        ],
                    }
                ],
            }
        ],
    }
    body.update(overrides)
    return body


def etag(response: Any) -> dict[str, str]:
    """If-Match headers echoing a response's ETag."""
    return {"If-Match": response.headers["etag"]}


def now_utc() -> datetime:
    """The current time, aware."""
    return datetime.now(UTC)
