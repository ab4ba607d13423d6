"""Tasks: unsigned notes of completed sessions (idempotent generator), listing, completing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bhlink.services import tasks as tasks_service
from bhlink.services.context import Actor
from tests.api.clinical_support import completed_appointment, note_body
from tests.support.practice import Practice


def generate(practice: Practice, days_later: float) -> tasks_service.GeneratedTasks:
    settings = practice.app.state.settings
    with practice.db.unit_of_work() as uow:
        result = tasks_service.generate_tasks(
            uow, practice.integration_id, settings, datetime.now(UTC) + timedelta(days=days_later)
        )
        uow.commit()
    return result


def test_completed_session_without_signed_note_gets_one_task(practice: Practice) -> None:
    appointment_id = completed_appointment(practice, practice.patient_ids[0])
    days = practice.app.state.settings.unsigned_note_days
    assert generate(practice, days - 1).unsigned_notes == 0  # not due yet
    assert generate(practice, days + 0.1).unsigned_notes == 1
    assert generate(practice, days + 0.2).unsigned_notes == 0  # idempotent
    tasks = practice.get("/tasks", role="clinician", params={"type": "unsigned_note"}).json()
    assert tasks["total"] == 1
    task = tasks["items"][0]
    assert task["resourceId"] == appointment_id and task["status"] == "open"
    assert task["patientId"] == practice.patient_ids[0]
    assert task["assigneeProviderId"] == practice.provider_ids[0]
    # A pending co-signature would not count; a signed note for the session closes the task.
    note = practice.post(
        "/clinical-notes", note_body(practice, appointmentId=appointment_id), role="clinician"
    ).json()
    practice.post(f"/clinical-notes/{note['noteId']}/sign", role="clinician")
    closed = practice.get(f"/tasks/{task['taskId']}", role="clinician").json()
    assert closed["status"] == "completed"


def test_signed_note_before_the_deadline_means_no_task(practice: Practice) -> None:
    appointment_id = completed_appointment(practice, practice.patient_ids[0])
    note = practice.post(
        "/clinical-notes", note_body(practice, appointmentId=appointment_id), role="clinician"
    ).json()
    practice.post(f"/clinical-notes/{note['noteId']}/sign", role="clinician")
    assert generate(practice, 10).unsigned_notes == 0


def test_a_note_must_belong_to_the_appointments_patient(practice: Practice) -> None:
    appointment_id = completed_appointment(practice, practice.patient_ids[0])
    wrong = practice.post(
        "/clinical-notes",
        note_body(practice, patientId=practice.patient_ids[2], appointmentId=appointment_id),
        role="clinician",
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "appointmentId"


def test_task_filters_and_completion(practice: Practice) -> None:
    completed_appointment(practice, practice.patient_ids[0])
    completed_appointment(practice, practice.patient_ids[1], provider_index=1)
    generate(practice, 5)
    everything = practice.get("/tasks").json()
    assert everything["total"] == 2
    mine = practice.get("/tasks", role="clinician").json()
    assert mine["total"] == 1
    practice.user("clinician")
    with practice.db.unit_of_work() as uow:
        user = uow.tenancy.user_by_username(practice.integration_id, practice.users["clinician"])
        assert user is not None
        user_id = user.id
    by_user = practice.get("/tasks", params={"assigneeUserId": user_id}).json()
    assert [t["assigneeProviderId"] for t in by_user["items"]] == [practice.provider_ids[0]]
    by_provider = practice.get("/tasks", params={"providerId": practice.provider_ids[1]}).json()
    assert by_provider["total"] == 1
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat().replace("+00:00", "Z")
    assert practice.get("/tasks", params={"dueBefore": future}).json()["total"] == 2
    assert practice.get("/tasks", params={"dueBefore": "2000-01-01T00:00:00Z"}).json()["total"] == 0
    task_id = mine["items"][0]["taskId"]
    done = practice.post(
        f"/tasks/{task_id}/complete", {"note": "Signed on paper"}, role="clinician"
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert practice.post(f"/tasks/{task_id}/complete", role="clinician").status_code == 409
    assert practice.get("/tasks", params={"status": "open"}).json()["total"] == 1
    assert practice.get("/tasks", params={"assigneeUserId": "u_01jnobody"}).status_code == 422


def test_create_task_is_idempotent_on_type_and_reference(practice: Practice) -> None:
    with practice.db.unit_of_work() as uow:
        actor = Actor.system(practice.integration_id)
        first = tasks_service.create_task(
            uow,
            actor,
            "risk_flag",
            practice.patient_ids[0],
            practice.provider_ids[0],
            None,
            "rsk_1",
        )
        second = tasks_service.create_task(
            uow,
            actor,
            "risk_flag",
            practice.patient_ids[0],
            practice.provider_ids[0],
            None,
            "rsk_1",
        )
        assert first.id == second.id
        uow.commit()
    assert practice.count("tasks") == 1


@pytest.mark.parametrize("role", ["front_desk", "readonly"])
def test_roles_without_notes_cannot_see_notes(practice: Practice, role: str) -> None:
    assert practice.get("/clinical-notes", role=role).status_code == 403
