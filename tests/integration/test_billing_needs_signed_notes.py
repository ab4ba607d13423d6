"""Documentation-to-billing: a practice that bills only documented sessions, and authorization tasks."""

from __future__ import annotations

from tests.api.clinical_support import note_body
from tests.revenue.support import completed_appointment, set_up_billing
from tests.support.practice import Practice


def test_a_charge_waits_for_the_signed_note(practice: Practice) -> None:
    set_up_billing(practice, requireSignedNote=True)
    appointment_id = completed_appointment(practice)
    before = practice.count("charges")
    refused = practice.post("/charges", {"appointmentId": appointment_id}, role="biller")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "note_not_signed"
    assert practice.count("charges") == before
    appointment = practice.get(f"/appointments/{appointment_id}").json()
    note = practice.post(
        "/clinical-notes",
        note_body(
            practice,
            appointmentId=appointment_id,
            sessionStart=appointment["startTime"],
            sessionEnd=appointment["endTime"],
        ),
        role="clinician",
    )
    assert note.status_code == 201, note.text
    signed = practice.post(f"/clinical-notes/{note.json()['noteId']}/sign", role="clinician")
    assert signed.status_code == 200, signed.text
    billed = practice.post("/charges", {"appointmentId": appointment_id}, role="biller")
    assert billed.status_code == 201, billed.text


def test_an_exhausted_authorization_opens_a_task_for_billing(practice: Practice) -> None:
    set_up_billing(practice)
    auth = practice.post(
        "/authorizations",
        {
            "patientId": practice.patient_ids[0],
            "payerId": practice.payer_id,
            "authNumber": "AUTH-1",
            "serviceCodes": ["90834"],
            "unitsAuthorized": 1,
            "startDate": "2020-01-01",
            "endDate": "2099-12-31",
        },
        role="biller",
    )
    assert auth.status_code == 201, auth.text
    completed_appointment(practice, authorizationId=auth.json()["authorizationId"])
    tasks = practice.get(
        "/tasks", params={"patientId": practice.patient_ids[0]}, role="biller"
    ).json()["items"]
    kinds = {t["type"] for t in tasks if t.get("resourceId") == auth.json()["authorizationId"]}
    assert "authorization_exhausted" in kinds
