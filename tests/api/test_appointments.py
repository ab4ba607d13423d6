"""Appointments: the seed 003 request, create-or-update, double-booking, states, groups, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.practice import Practice, in_hours


def seed_appointment(
    practice: Practice, start_hours: float = 24, **overrides: Any
) -> dict[str, Any]:
    body = {
        "patientId": practice.patient_ids[0],
        "providerId": practice.provider_ids[0],
        "locationId": practice.location_id,
        "appointmentType": "Follow-up",
        "serviceCode": "90834",
        "diagnosisCodes": ["F41.1"],
        "startTime": in_hours(start_hours),
        "endTime": in_hours(start_hours + 50 / 60),
        "placeOfService": "11",
        "telehealth": {"enabled": True},
        "reminders": {"email": True, "sms": True},
        "notes": "Telehealth follow-up for anxiety management.",
        "referenceId": "ehr-schedule-58320",
    }
    body.update(overrides)
    return body


def test_seed_003_post_appointments_response(practice: Practice) -> None:
    response = practice.post("/appointments", seed_appointment(practice))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["appointmentId"].startswith("apt_")
    assert body["status"] == "scheduled"
    assert body["telehealth"]["enabled"] is True
    assert (
        body["telehealth"]["link"].startswith("https://")
        and body["appointmentId"] in body["telehealth"]["link"]
    )
    assert body["createdAt"].endswith("Z")
    assert body["referenceId"] == "ehr-schedule-58320"
    assert body["diagnosisCodes"] == ["F41.1"]


def test_same_reference_updates_instead_of_duplicating(practice: Practice) -> None:
    first = practice.post("/appointments", seed_appointment(practice)).json()
    moved = practice.post("/appointments", seed_appointment(practice, start_hours=48))
    assert moved.status_code == 200
    assert moved.json()["appointmentId"] == first["appointmentId"]
    assert moved.json()["version"] == 2
    assert practice.count("appointments") == 1


def test_double_booking_is_409_unless_allowed(practice: Practice) -> None:
    practice.post("/appointments", seed_appointment(practice))
    clash = practice.post(
        "/appointments",
        seed_appointment(practice, patientId=practice.patient_ids[2], referenceId="other"),
    )
    assert clash.status_code == 409
    assert clash.json()["code"] == "provider_double_booked"
    allowed = practice.post(
        "/appointments",
        seed_appointment(
            practice, patientId=practice.patient_ids[2], referenceId="other", allowOverlap=True
        ),
    )
    assert allowed.status_code == 201


def test_cancelled_slot_can_be_rebooked(practice: Practice) -> None:
    apt = practice.post("/appointments", seed_appointment(practice)).json()
    cancel = practice.post(
        f"/appointments/{apt['appointmentId']}/status",
        {"status": "cancelled", "reason": "patient_request"},
    )
    assert cancel.status_code == 200 and cancel.json()["cancelReason"] == "patient_request"
    again = practice.post("/appointments", seed_appointment(practice, referenceId="rebook"))
    assert again.status_code == 201


def test_state_machine(practice: Practice) -> None:
    apt_id = practice.post("/appointments", seed_appointment(practice)).json()["appointmentId"]
    path = f"/appointments/{apt_id}/status"
    assert practice.post(path, {"status": "completed"}).status_code == 409  # must check in first
    assert practice.post(path, {"status": "confirmed"}).json()["status"] == "confirmed"
    assert practice.post(path, {"status": "checked_in"}).json()["status"] == "checked_in"
    assert practice.post(path, {"status": "completed"}).json()["status"] == "completed"
    assert practice.post(path, {"status": "cancelled", "reason": "other"}).status_code == 409
    assert practice.patch(f"/appointments/{apt_id}", {"notes": "late edit"}).status_code == 409
    events = practice.get("/audit-events", params={"resourceId": apt_id}).json()
    assert {"appointment.confirmed", "appointment.checked_in", "appointment.completed"} <= {
        e["action"] for e in events["items"]
    }


def test_cancel_needs_a_reason_and_no_show(practice: Practice) -> None:
    apt_id = practice.post("/appointments", seed_appointment(practice)).json()["appointmentId"]
    missing = practice.post(f"/appointments/{apt_id}/status", {"status": "cancelled"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    assert (
        practice.post(f"/appointments/{apt_id}/status", {"status": "no_show"}).json()["status"]
        == "no_show"
    )


def test_group_session_with_several_patients(practice: Practice) -> None:
    body = seed_appointment(practice, serviceCode="90853", referenceId="group-1")
    body.pop("patientId")
    body["patientIds"] = practice.patient_ids[:3]
    created = practice.post("/appointments", body)
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["isGroup"] is True and group["patientId"] is None
    assert sorted(group["patientIds"]) == sorted(practice.patient_ids[:3])
    for pid in practice.patient_ids[:3]:
        ids = {
            a["appointmentId"]
            for a in practice.get("/appointments", params={"patientId": pid}).json()["items"]
        }
        assert group["appointmentId"] in ids


def test_filters_and_provider_week(practice: Practice) -> None:
    a = practice.post("/appointments", seed_appointment(practice, referenceId="a")).json()
    practice.post(
        "/appointments",
        seed_appointment(
            practice,
            start_hours=24 * 10,
            referenceId="b",
            providerId=practice.provider_ids[1],
            patientId=practice.patient_ids[1],
        ),
    )
    week = practice.get(
        "/appointments",
        params={
            "providerId": practice.provider_ids[0],
            "startFrom": in_hours(0),
            "startTo": in_hours(24 * 7),
        },
    ).json()
    assert [x["appointmentId"] for x in week["items"]] == [a["appointmentId"]]
    assert practice.get("/appointments", params={"status": "cancelled"}).json()["total"] == 0
    assert (
        practice.get("/appointments", params={"locationId": practice.location_id}).json()["total"]
        == 2
    )
    assert practice.get("/appointments", params={"startFrom": "yesterday"}).status_code == 422


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"diagnosisCodes": ["41.1"]}, "diagnosisCodes"),
        ({"diagnosisCodes": ["F41.1", "F41.1"]}, "diagnosisCodes"),
        ({"serviceCode": "ABC"}, "serviceCode"),
        ({"startTime": "2026-01-25T15:00:00"}, "startTime"),
        ({"endTime": "not a time"}, "endTime"),
        ({"patientId": "pt_01unknownpatient"}, "patientId"),
        ({"providerId": "prv_01unknown"}, "providerId"),
        ({"locationId": "loc_01unknown"}, "locationId"),
        ({"placeOfService": "2"}, "placeOfService"),
        ({"telehealth": {"enabled": "sometimes"}}, "telehealth.enabled"),
        ({"telehealth": {"enabled": False}, "placeOfService": "02"}, "placeOfService"),
        ({"unknownField": 1}, "unknownField"),
        ({"patientIds": ["pt_01a"], "patientId": "pt_01b"}, "body"),
    ],
)
def test_bad_appointments_name_the_field_and_write_nothing(
    practice: Practice, overrides: dict[str, Any], field: str
) -> None:
    before = (practice.count("appointments"), practice.count("outbox_events"))
    response = practice.post("/appointments", seed_appointment(practice, **overrides))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert field in fields, fields
    assert (practice.count("appointments"), practice.count("outbox_events")) == before


def test_end_before_start_is_422(practice: Practice) -> None:
    response = practice.post("/appointments", seed_appointment(practice, endTime=in_hours(23)))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "endTime"
    assert practice.count("appointments") == 0


def test_clinician_cannot_book_or_see_outside_caseload(practice: Practice) -> None:
    outside = practice.post(
        "/appointments",
        seed_appointment(
            practice, patientId=practice.patient_ids[1], providerId=practice.provider_ids[1]
        ),
    )
    assert outside.status_code == 201
    apt_id = outside.json()["appointmentId"]
    assert practice.get(f"/appointments/{apt_id}", role="clinician").status_code == 404
    assert apt_id not in {
        a["appointmentId"] for a in practice.get("/appointments", role="clinician").json()["items"]
    }
    refused = practice.post(
        "/appointments",
        seed_appointment(
            practice,
            patientId=practice.patient_ids[1],
            referenceId="x",
            startTime=in_hours(72),
            endTime=in_hours(73),
        ),
        role="clinician",
    )
    assert refused.status_code == 422


def test_appointment_events(practice: Practice) -> None:
    apt_id = practice.post("/appointments", seed_appointment(practice)).json()["appointmentId"]
    practice.post(f"/appointments/{apt_id}/status", {"status": "cancelled", "reason": "weather"})
    from sqlalchemy import text

    with practice.db.engine.connect() as conn:
        types = [
            r[0]
            for r in conn.execute(
                text("SELECT type FROM outbox_events WHERE resource_id = :r ORDER BY seq"),
                {"r": apt_id},
            )
        ]
    assert types == ["appointment.created", "appointment.cancelled"]
