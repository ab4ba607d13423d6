"""Measurement-based care meets treatment plans: a PHQ-9 result evaluates a "PHQ-9 < 10" objective."""

from __future__ import annotations

from sqlalchemy import text

from tests.support.assessments import PHQ9_8, PHQ9_16, post_result
from tests.support.practice import Practice


def _plan(practice: Practice) -> dict[str, object]:
    body = {
        "patientId": practice.patient_ids[0],
        "providerId": practice.provider_ids[0],
        "effectiveDate": "2026-01-02",
        "problems": [
            {
                "description": "Depressed mood",
                "diagnosisCode": "F32.1",
                "goals": [
                    {
                        "description": "Mood improves",
                        "targetDate": "2026-07-01",
                        "objectives": [
                            {
                                "description": "PHQ-9 below 10",
                                "targetDate": "2026-04-01",
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
    response = practice.post("/treatment-plans", body)
    assert response.status_code == 201, response.text
    plan: dict[str, object] = response.json()
    return plan


def _objective_status(practice: Practice, plan_id: str) -> str:
    plan = practice.get(f"/treatment-plans/{plan_id}").json()
    return str(plan["problems"][0]["goals"][0]["objectives"][0]["status"])


def _met_events(practice: Practice, plan_id: str) -> int:
    with practice.db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM outbox_events WHERE resource_id = :p AND type = 'treatment_plan.objective_met'"
                ),
                {"p": plan_id},
            ).scalar_one()
        )


def test_result_meeting_the_threshold_marks_the_objective_met_once(practice: Practice) -> None:
    plan_id = str(_plan(practice)["treatmentPlanId"])
    assert post_result(practice, PHQ9_16, completed_on="2026-01-05T16:00:00Z").status_code == 201
    assert _objective_status(practice, plan_id) != "met"
    assert _met_events(practice, plan_id) == 0
    assert post_result(practice, PHQ9_8, completed_on="2026-02-05T16:00:00Z").status_code == 201
    assert _objective_status(practice, plan_id) == "met"
    assert _met_events(practice, plan_id) == 1
    assert post_result(practice, PHQ9_8, completed_on="2026-03-05T16:00:00Z").status_code == 201
    assert _met_events(practice, plan_id) == 1
