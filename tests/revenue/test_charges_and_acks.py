"""Charges from appointments and by hand, fee schedules, and 999/277CA rejections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.revenue.support import (
    completed_appointment,
    iso,
    reply_277ca,
    reply_999,
    set_up_billing,
)
from tests.revenue.test_claims import seed_payload
from tests.support.practice import Practice


def test_units_follow_the_time_rules_and_the_fee_schedule(practice: Practice) -> None:
    set_up_billing(practice)
    h_code = completed_appointment(practice, code="H0004", minutes=52, telehealth=False)
    charge = practice.post("/charges", {"appointmentId": h_code}, role="biller").json()
    assert (charge["units"], charge["chargeAmount"]) == (3, 72.0)  # 52 min = 3 x 15-min units
    practice.client.put(
        f"{practice.base}/payers/{practice.payer_id}/billing-rules",
        json={"unitRounding": "whole_units_only"},
        headers=practice.login(),
    )
    direct = practice.post(
        "/charges",
        {
            "patientId": practice.patient_ids[1],
            "providerId": practice.provider_ids[0],
            "serviceCode": "H0004",
            "minutes": 44,
            "serviceDate": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
            "diagnosisCodes": ["F33.1"],
        },
        role="biller",
    )
    assert direct.status_code == 201, direct.text
    # Whole units only: 44 minutes are 2 units (the 8-minute rule would give 3).
    assert direct.json()["units"] == 2 and direct.json()["source"] == "api"
    short = practice.post(
        "/charges",
        {"appointmentId": completed_appointment(practice, minutes=10, telehealth=False)},
        role="biller",
    )
    assert short.status_code == 422  # 10 minutes is not 90834 (38-52 minutes)
    assert short.json()["errors"][0]["field"] == "minutes"
    schedule = practice.get(f"/payers/{practice.payer_id}/fee-schedule", role="biller").json()
    assert {"serviceCode": "H0004", "modifier": None, "amount": 24.0} in schedule["rates"]


def test_bad_charges_are_refused_and_nothing_written(practice: Practice) -> None:
    set_up_billing(practice)
    start = datetime.now(UTC) + timedelta(days=2)
    future = practice.post(
        "/appointments",
        {
            "patientId": practice.patient_ids[0],
            "providerId": practice.provider_ids[0],
            "serviceCode": "90834",
            "startTime": iso(start),
            "endTime": iso(start + timedelta(minutes=50)),
        },
    ).json()["appointmentId"]
    before = (practice.count("charges"), practice.count("ledger_entries"))
    not_done = practice.post("/charges", {"appointmentId": future}, role="biller")
    assert not_done.status_code == 409 and not_done.json()["code"] == "appointment_not_completed"
    incomplete = practice.post("/charges", {"serviceCode": "90834"}, role="biller")
    assert incomplete.status_code == 422
    assert {e["field"] for e in incomplete.json()["errors"]} >= {"patientId", "providerId"}
    no_rate = practice.post(
        "/charges",
        {"patientId": practice.patient_ids[0], "providerId": practice.provider_ids[0],
         "serviceCode": "90846", "units": 1, "serviceDate": "2026-01-05"},
        role="biller",
    )  # fmt: skip
    assert no_rate.status_code == 422 and no_rate.json()["errors"][0]["field"] == "chargeAmount"
    unknown = practice.post("/charges", {"appointmentId": "apt_nope"}, role="biller")
    assert unknown.status_code == 422
    assert (
        practice.post("/charges", {"appointmentId": future}, role="front_desk").status_code == 403
    )
    assert (practice.count("charges"), practice.count("ledger_entries")) == before
    bad_schedule = practice.client.put(
        f"{practice.base}/payers/{practice.payer_id}/fee-schedule",
        json={
            "rates": [
                {"serviceCode": "90834", "amount": "1"},
                {"serviceCode": "90834", "amount": "2"},
            ]
        },
        headers=practice.login(),
    )
    assert (
        bad_schedule.status_code == 422 and bad_schedule.json()["errors"][0]["field"] == "rates[1]"
    )


def _sent_claim(practice: Practice) -> tuple[dict[str, object], str]:
    set_up_billing(practice)
    claim = practice.post(
        "/claims", seed_payload(practice, completed_appointment(practice)), role="biller"
    ).json()
    (batch,) = practice.post("/claims/batches", {}, role="biller").json()
    return claim, practice.get(f"/claims/batches/{batch['batchId']}/edi").text


def _upload(practice: Practice, text: str) -> dict[str, object]:
    response = practice.client.post(
        f"{practice.base}/remittances",
        content=text.encode(),
        headers={**practice.login(), "Content-Type": "text/plain"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_999_rejection_rejects_the_claims_of_the_interchange(practice: Practice) -> None:
    claim, sent = _sent_claim(practice)
    result = _upload(practice, reply_999(sent, status="R"))
    assert result["claimsUpdated"] == [claim["claimId"]]
    state = practice.get(f"/claims/{claim['claimId']}").json()
    assert state["status"] == "rejected"
    assert state["history"][-1]["detail"]["segmentErrors"][0]["segmentId"] == "CLM"
    fixed = practice.post(f"/claims/{claim['claimId']}/correct", {}, role="biller")
    assert fixed.status_code == 201 and fixed.json()["frequencyCode"] == "1"


def test_277ca_rejection(practice: Practice) -> None:
    claim, _ = _sent_claim(practice)
    _upload(practice, reply_277ca(str(claim["patientControlNumber"]), "120", category="A7"))
    state = practice.get(f"/claims/{claim['claimId']}").json()
    assert state["status"] == "rejected"
    assert state["history"][-1]["detail"]["statuses"][0]["category"] == "A7"
