"""Treatment plans over HTTP: seed 000 `GET /treatment-plans`, versions, signatures, reviews,
measurable objectives, and notes that address plan goals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from bhlink.services import tasks as tasks_service
from bhlink.services import treatment_plans as plans_service
from bhlink.services.context import Actor
from tests.api.clinical_support import etag, note_body, plan_body
from tests.support.practice import Practice


def create_plan(practice: Practice, **overrides: object) -> dict[str, object]:
    response = practice.post("/treatment-plans", plan_body(practice, **overrides), role="clinician")
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def objective_of(plan: dict[str, object]) -> dict[str, object]:
    problems = plan["problems"]
    assert isinstance(problems, list)
    objective: dict[str, object] = problems[0]["goals"][0]["objectives"][0]
    return objective


def outbox_types(practice: Practice, resource_id: str) -> list[str]:
    with practice.db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT type FROM outbox_events WHERE resource_id = :r ORDER BY seq"),
            {"r": resource_id},
        )
        return [r[0] for r in rows]


def test_seed_000_get_treatment_plans_returns_the_tree(practice: Practice) -> None:
    plan = create_plan(practice)
    listed = practice.get(
        "/treatment-plans", role="clinician", params={"patientId": practice.patient_ids[0]}
    )
    assert listed.status_code == 200
    item = listed.json()["items"][0]
    assert item["treatmentPlanId"] == plan["treatmentPlanId"] and item["status"] == "draft"
    problem = item["problems"][0]
    assert problem["problemId"].startswith("prb_") and problem["diagnosisCode"] == "F41.1"
    goal = problem["goals"][0]
    assert goal["goalId"].startswith("gol_") and goal["targetDate"]
    objective = goal["objectives"][0]
    assert objective["objectiveId"].startswith("obj_")
    assert objective["measure"] == {"instrumentId": "PHQ-9", "comparator": "<", "value": "10"}
    assert objective["progress"] == 20 and objective["status"] == "active"
    assert objective["interventions"][0]["description"] == "Weekly CBT"
    effective = date.fromisoformat(str(plan["effectiveDate"]))
    assert item["reviewDueDate"] == (effective + timedelta(days=90)).isoformat()
    assert outbox_types(practice, str(plan["treatmentPlanId"])) == ["treatment_plan.created"]


def test_bad_plans_are_422_naming_the_path_and_nothing_is_written(practice: Practice) -> None:
    body = plan_body(practice)
    objective = body["problems"][0]["goals"][0]["objectives"][0]
    objective["targetDate"] = "2001-01-01"
    objective["measure"] = "PHQ-9 about 10"
    body["problems"][0]["diagnosisCode"] = "Z99.99"
    before = (practice.count("treatment_plans"), practice.count("treatment_plan_items"))
    response = practice.post("/treatment-plans", body, role="clinician")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {
        "problems[0].goals[0].objectives[0].targetDate",
        "problems[0].goals[0].objectives[0].measure",
        "problems[0].diagnosisCode",
    } <= fields
    no_goals = plan_body(practice)
    no_goals["problems"][0]["goals"] = []
    assert practice.post("/treatment-plans", no_goals, role="clinician").status_code == 422
    assert (practice.count("treatment_plans"), practice.count("treatment_plan_items")) == before


def test_patch_sign_and_new_content_versions(practice: Practice) -> None:
    plan = create_plan(practice)
    path = f"/treatment-plans/{plan['treatmentPlanId']}"
    current = practice.get(path, role="clinician")
    assert practice.patch(path, {"title": "x"}, role="clinician").status_code == 428
    assert (
        practice.patch(
            path, {"title": "x"}, role="clinician", headers={"If-Match": 'W/"9"'}
        ).status_code
        == 412
    )
    assert practice.post(f"{path}/sign", {"signerRole": "clinician"}).status_code == 403
    signed = practice.post(f"{path}/sign", {"signerRole": "clinician"}, role="clinician")
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "active" and signed.json()["clinicianSigned"] is True
    client = practice.post(
        f"{path}/sign",
        {"signerRole": "client", "signerName": "Test0 Patient", "method": "portal"},
        role="clinician",
    )
    assert client.status_code == 200 and client.json()["clientSigned"] is True
    again = practice.post(f"{path}/sign", {"signerRole": "clinician"}, role="clinician")
    assert again.status_code == 409
    # Progress only: no new content version, the plan stays active and signed.
    body = plan_body(practice)
    tree = client.json()["problems"]
    body["problems"][0]["problemId"] = tree[0]["problemId"]
    goal = body["problems"][0]["goals"][0]
    goal["goalId"] = tree[0]["goals"][0]["goalId"]
    objective = goal["objectives"][0]
    objective["objectiveId"] = tree[0]["goals"][0]["objectives"][0]["objectiveId"]
    objective["interventions"][0]["interventionId"] = tree[0]["goals"][0]["objectives"][0][
        "interventions"
    ][0]["interventionId"]
    objective["progress"] = 60
    progressed = practice.patch(
        path, {"problems": body["problems"]}, role="clinician", headers=etag(client)
    )
    assert progressed.status_code == 200, progressed.text
    assert progressed.json()["status"] == "active" and progressed.json()["contentVersion"] == 1
    assert objective_of(progressed.json())["objectiveId"] == objective["objectiveId"]
    # A new objective changes the content: back to draft until the clinician signs again.
    goal["objectives"].append(
        {
            "description": "Return to full-time work",
            "targetDate": objective["targetDate"],
            "interventions": [{"description": "Vocational counselling"}],
        }
    )
    revised = practice.patch(
        path, {"problems": body["problems"]}, role="clinician", headers=etag(progressed)
    )
    assert revised.status_code == 200
    assert revised.json()["status"] == "draft" and revised.json()["contentVersion"] == 2
    assert revised.json()["clinicianSigned"] is False
    foreign = practice.patch(
        path,
        {"problems": [{**body["problems"][0], "problemId": "prb_01jnotinthisplan"}]},
        role="clinician",
        headers=etag(revised),
    )
    assert foreign.status_code == 422
    versions = practice.get(f"{path}/versions", role="clinician").json()["items"]
    assert [v["reason"] for v in versions] == [
        "created",
        "signed_clinician",
        "signed_client",
        "edited",
        "edited",
    ]
    assert current.status_code == 200
    assert outbox_types(practice, str(plan["treatmentPlanId"])).count("treatment_plan.signed") == 2


def test_measurable_objectives_for_measurement_based_care(practice: Practice) -> None:
    plan = create_plan(practice)
    objective_id = str(objective_of(plan)["objectiveId"])
    with practice.db.unit_of_work() as uow:
        found = plans_service.objectives_with_thresholds(uow, practice.patient_ids[0], "phq-9")
        assert [o.objective_id for o in found] == [objective_id]
        assert str(found[0].threshold) == "PHQ-9 < 10"
        assert plans_service.objectives_with_thresholds(uow, practice.patient_ids[0], "GAD-7") == []
        actor = Actor.system(practice.integration_id)
        at = datetime.now(UTC)
        still = plans_service.record_objective_progress(uow, actor, objective_id, None, 14, at)
        assert still.status == "active" and still.last_score == "14"
        met = plans_service.record_objective_progress(
            uow, actor, objective_id, None, Decimal(8), at
        )
        assert met.status == "met" and met.met_at is not None
        uow.commit()
    types = outbox_types(practice, str(plan["treatmentPlanId"]))
    assert types.count("treatment_plan.objective_met") == 1
    shown = objective_of(practice.get(f"/treatment-plans/{plan['treatmentPlanId']}").json())
    assert shown["status"] == "met" and shown["lastScore"] == "8"


def test_review_due_opens_one_task_and_a_review_closes_it(practice: Practice) -> None:
    plan = create_plan(practice)
    path = f"/treatment-plans/{plan['treatmentPlanId']}"
    practice.post(f"{path}/sign", {"signerRole": "clinician"}, role="clinician")
    settings = practice.app.state.settings
    later = datetime.now(UTC) + timedelta(days=200)
    for _ in range(2):
        with practice.db.unit_of_work() as uow:
            tasks_service.generate_tasks(uow, practice.integration_id, settings, later)
            uow.commit()
    tasks = practice.get("/tasks", params={"type": "treatment_plan_review"}).json()["items"]
    assert len(tasks) == 1 and tasks[0]["resourceId"] == plan["treatmentPlanId"]
    assert tasks[0]["assigneeProviderId"] == practice.provider_ids[0]
    assert (
        outbox_types(practice, str(plan["treatmentPlanId"])).count("treatment_plan.review_due") == 1
    )
    due = practice.get(
        "/treatment-plans", params={"reviewDueBefore": later.date().isoformat()}
    ).json()
    assert due["total"] == 1
    reviewed = practice.post(
        f"{path}/reviews",
        {"reviewedOn": date.today().isoformat(), "summary": "On track"},
        role="clinician",
    )
    assert reviewed.status_code == 201, reviewed.text
    assert reviewed.json()["reviewDueDate"] == (date.today() + timedelta(days=90)).isoformat()
    closed = practice.get(f"/tasks/{tasks[0]['taskId']}").json()
    assert closed["status"] == "completed"


def test_notes_link_to_existing_plan_goals(practice: Practice) -> None:
    plan = create_plan(practice)
    objective_id = objective_of(plan)["objectiveId"]
    goal_id = plan["problems"][0]["goals"][0]["goalId"]  # type: ignore[index]
    note = practice.post(
        "/clinical-notes",
        note_body(
            practice,
            goalsAddressed=[
                {"objectiveId": objective_id, "comment": "PHQ-9 down to 12"},
                {"goalId": goal_id},
            ],
        ),
        role="clinician",
    )
    assert note.status_code == 201, note.text
    assert note.json()["goalsAddressed"][0] == {
        "treatmentPlanId": plan["treatmentPlanId"],
        "goalId": None,
        "objectiveId": objective_id,
        "comment": "PHQ-9 down to 12",
    }
    wrong_kind = practice.post(
        "/clinical-notes",
        note_body(practice, goalsAddressed=[{"goalId": objective_id}]),
        role="clinician",
    )
    assert wrong_kind.status_code == 422
    other_patient = practice.post(
        "/clinical-notes",
        note_body(
            practice,
            patientId=practice.patient_ids[2],
            goalsAddressed=[{"objectiveId": objective_id}],
        ),
        role="clinician",
    )
    assert other_patient.status_code == 422
    assert other_patient.json()["errors"][0]["field"] == "goalsAddressed[0].objectiveId"


def test_caseload_limits_plans(practice: Practice) -> None:
    plan = create_plan(practice)
    assert (
        practice.get(f"/treatment-plans/{plan['treatmentPlanId']}", role="supervisor").status_code
        == 404
    )
    assert practice.get("/treatment-plans", role="supervisor").json()["total"] == 0
    assert practice.get("/treatment-plans", role="biller").status_code == 403
