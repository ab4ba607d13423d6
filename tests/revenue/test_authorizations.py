"""Authorizations: counted usage, booking and billing checks with audited overrides, alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from tests.revenue.support import completed_appointment, iso, set_up_billing
from tests.support.practice import Practice


def _authorization(practice: Practice, **changes: Any) -> dict[str, Any]:
    today = date.today()
    body = {
        "patientId": practice.patient_ids[0],
        "payerId": practice.payer_id,
        "memberId": "M0",
        "authNumber": "AUTH-1",
        "serviceCodes": ["90834"],
        "unitsAuthorized": 2,
        "startDate": (today - timedelta(days=30)).isoformat(),
        "endDate": (today + timedelta(days=60)).isoformat(),
        **changes,
    }
    response = practice.post("/authorizations", body, role="biller")
    assert response.status_code == 201, response.text
    return dict(response.json())


def _book(practice: Practice, days: int, **extra: Any) -> Any:
    start = (datetime.now(UTC) + timedelta(days=days)).replace(hour=16, minute=0, second=0)
    return practice.post(
        "/appointments",
        {
            "patientId": practice.patient_ids[0],
            "providerId": practice.provider_ids[0],
            "serviceCode": "90834",
            "startTime": iso(start),
            "endTime": iso(start + timedelta(minutes=50)),
            **extra,
        },
        role="front_desk",
    )


def _events(practice: Practice, event_type: str) -> int:
    with practice.db.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM outbox_events WHERE integration_id = :i AND type = :t"),
                {"i": practice.integration_id, "t": event_type},
            ).scalar_one()
        )


def test_booking_beyond_the_units_is_409_unless_overridden(practice: Practice) -> None:
    auth = _authorization(practice)
    assert (auth["unitsUsed"], auth["unitsScheduled"], auth["unitsAvailable"]) == (0, 0, 2)
    assert _book(practice, 5).status_code == 201
    assert _book(practice, 6).status_code == 201
    before = practice.count("appointments")
    refused = _book(practice, 7)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "authorization_not_covered"
    assert {e["field"] for e in refused.json()["errors"]} == {"units"}
    assert practice.count("appointments") == before
    allowed = _book(practice, 7, authorizationOverride={"reason": "Payer extension pending"})
    assert allowed.status_code == 201, allowed.text
    with practice.db.engine.connect() as conn:
        detail = conn.execute(
            text(
                "SELECT detail FROM audit_events WHERE integration_id = :i"
                " AND action = 'authorization.override'"
            ),
            {"i": practice.integration_id},
        ).scalar_one()
    assert "Payer extension pending" in str(detail)
    counted = practice.get(f"/authorizations/{auth['authorizationId']}", role="biller").json()
    assert (counted["unitsScheduled"], counted["unitsAvailable"]) == (3, -1)
    assert {a["kind"] for a in counted["alerts"]} >= {"exhausted"}
    assert _events(practice, "authorization.exhausted") == 1


def test_dates_and_codes_outside_the_authorization_are_refused(practice: Practice) -> None:
    auth = _authorization(practice, unitsAuthorized=10)
    late = _book(practice, 90, authorizationId=auth["authorizationId"])
    assert late.status_code == 409
    assert {e["field"] for e in late.json()["errors"]} == {"dateOfService"}
    other_code = _book(practice, 5, authorizationId=auth["authorizationId"], serviceCode="90837")
    assert other_code.status_code == 409
    assert "serviceCode" in {e["field"] for e in other_code.json()["errors"]}
    unrelated = _book(practice, 5, serviceCode="90837")  # no authorization for 90837: no check
    assert unrelated.status_code == 201


def test_cancelling_frees_units_and_charges_count_as_used(practice: Practice) -> None:
    set_up_billing(practice)
    auth = _authorization(practice)
    booked = _book(practice, 5).json()["appointmentId"]
    assert _book(practice, 6).status_code == 201
    assert _book(practice, 7).status_code == 409
    practice.post(f"/appointments/{booked}/status", {"status": "cancelled", "reason": "weather"})
    assert _book(practice, 7).status_code == 201
    done = completed_appointment(
        practice,
        days_ago=2,
        telehealth=False,
        authorizationOverride={"reason": "Walk-in crisis visit"},
    )
    # Billing counts units used, not those still booked: the completed visit fits.
    charge = practice.post("/charges", {"appointmentId": done}, role="biller")
    assert charge.status_code == 201, charge.text
    counted = practice.get("/authorizations", params={"patientId": practice.patient_ids[0]}).json()
    (item,) = counted["items"]
    assert item["authorizationId"] == auth["authorizationId"]
    assert (item["unitsUsed"], item["unitsScheduled"], item["unitsRemaining"]) == (1, 2, 1)


def test_billing_beyond_remaining_units_is_409(practice: Practice) -> None:
    set_up_billing(practice)
    _authorization(practice, unitsAuthorized=1)
    first = completed_appointment(practice, days_ago=3, telehealth=False)
    second = completed_appointment(practice, days_ago=2, telehealth=False)
    assert practice.post("/charges", {"appointmentId": first}, role="biller").status_code == 201
    refused = practice.post("/charges", {"appointmentId": second}, role="biller")
    assert refused.status_code == 409 and refused.json()["code"] == "authorization_not_covered"
    assert practice.count("charges") == 1


def test_expiring_alert_fires_once(practice: Practice) -> None:
    today = date.today()
    auth = _authorization(
        practice, unitsAuthorized=50, endDate=(today + timedelta(days=3)).isoformat()
    )
    assert {a["kind"] for a in auth["alerts"]} == {"expiring"}
    practice.post("/authorizations", {**_body(auth), "notes": "renewal requested"}, role="biller")
    assert _events(practice, "authorization.expiring") == 1
    assert practice.count("authorization_alerts") == 1


def _body(auth: dict[str, Any]) -> dict[str, Any]:
    keys = ("authorizationId", "patientId", "payerId", "memberId", "authNumber", "serviceCodes",
            "unitsAuthorized", "startDate", "endDate", "status")  # fmt: skip
    return {k: auth[k] for k in keys}


def test_bad_authorization_input_is_422_and_nothing_written(practice: Practice) -> None:
    response = practice.post(
        "/authorizations",
        {
            "patientId": "pt_nobody",
            "payerId": practice.payer_id,
            "authNumber": "A",
            "serviceCodes": ["90834"],
            "unitsAuthorized": 0,
            "startDate": "2026-02-01",
            "endDate": "2026-01-01",
        },
        role="biller",
    )
    assert response.status_code == 422
    assert "unitsAuthorized" in {e["field"] for e in response.json()["errors"]}
    assert practice.count("authorizations") == 0
    assert practice.get("/authorizations", role="clinician").status_code == 403
