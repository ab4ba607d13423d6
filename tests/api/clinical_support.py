"""Helpers for the clinical documentation tests: seed-shaped bodies and practice set-up."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.support.practice import Practice, in_hours

SOAP = {
    "subjective": "Reports better sleep; worry about work persists.",
    "objective": "Alert, oriented, engaged; PHQ-9 reviewed.",
    "assessment": "Generalized anxiety improving with CBT.",
    "plan": "Continue weekly CBT; practice worry postponement.",
}
# Provider 2 of the test practice is supervised by provider 1 (tests/support/practice.py).
SUPERVISEE = 2
SUPERVISOR = 1


def note_body(practice: Practice, **overrides: Any) -> dict[str, Any]:
    """A progress note as an ICANotes client posts it (seed 000: diagnoses, interventions,
    mental status, goals addressed)."""
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
                                "progress": 20,
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


def etag(response: httpx.Response) -> dict[str, str]:
    """If-Match headers echoing a response's ETag."""
    return {"If-Match": response.headers["etag"]}


def supervisee_patient(practice: Practice) -> str:
    """A patient on the supervisee's caseload (primary provider 2)."""
    response = practice.post(
        "/patients",
        {
            "firstName": "Sam",
            "lastName": "Supervised",
            "dob": "1988-04-02",
            "sex": "male",
            "primaryProviderId": practice.provider_ids[SUPERVISEE],
        },
    )
    assert response.status_code == 201, response.text
    patient_id: str = response.json()["patientId"]
    return patient_id


def completed_appointment(practice: Practice, patient_id: str, provider_index: int = 0) -> str:
    """An appointment taken through checked_in to completed (now)."""
    created = practice.post(
        "/appointments",
        {
            "patientId": patient_id,
            "providerId": practice.provider_ids[provider_index],
            "serviceCode": "90834",
            "startTime": in_hours(-2),
            "endTime": in_hours(-2 + 50 / 60),
            "allowOverlap": True,
        },
    )
    assert created.status_code == 201, created.text
    appointment_id: str = created.json()["appointmentId"]
    for status in ("checked_in", "completed"):
        moved = practice.post(f"/appointments/{appointment_id}/status", {"status": status})
        assert moved.status_code == 200, moved.text
    return appointment_id
