"""Appointment → charge → claim → 837P → 999 → 277CA → 835 → balances and reconciliation."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bhlink.config import Settings
from bhlink.edi import validate_837
from tests.edi.pyx12_check import assert_pyx12_accepts, assert_pyx12_accepts_835, pyx12_validate
from tests.revenue.support import (
    completed_appointment,
    reply_277ca,
    reply_835,
    reply_999,
    set_up_billing,
)
from tests.support.practice import Practice


def _x12(practice: Practice, text: str) -> dict[str, Any]:
    response = practice.client.post(
        f"{practice.base}/remittances",
        content=text.encode(),
        headers={**practice.login("biller"), "Content-Type": "application/edi-x12"},
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def test_appointment_to_paid_claim_with_patient_responsibility(
    practice: Practice, settings: Settings
) -> None:
    set_up_billing(practice)
    appointment_id = completed_appointment(practice)

    charge = practice.post("/charges", {"appointmentId": appointment_id}, role="biller")
    assert charge.status_code == 201, charge.text
    charge_body = charge.json()
    assert charge_body["chargeId"].startswith("svc_")
    assert charge_body["units"] == 1 and charge_body["chargeAmount"] == 120.0
    assert charge_body["modifiers"] == ["95"]  # the payer's telehealth policy
    again = practice.post("/charges", {"appointmentId": appointment_id}, role="biller")
    assert again.status_code == 200 and again.json()["chargeId"] == charge_body["chargeId"]

    created = practice.post(
        "/claims",
        {"chargeIds": [charge_body["chargeId"]], "submissionChannel": "outbox"},
        role="biller",
    )
    assert created.status_code == 201, created.text
    claim = created.json()
    assert claim["status"] == "queued"
    assert claim["edi"]["format"] == "837P" and claim["edi"]["size"] > 0
    pcn = claim["patientControlNumber"]
    assert len(pcn) <= 20 and claim["claimId"][4:].upper().startswith(pcn)

    review = urlsplit(claim["reviewUrl"])
    own_file = practice.client.get(
        f"{review.path}?{review.query}", headers=practice.login("biller")
    )
    assert own_file.status_code == 200, own_file.text
    assert f"CLM*{pcn}*120" in own_file.text
    assert f"REF*6R*{charge_body['chargeId']}" in own_file.text
    assert validate_837(own_file.text) == []
    assert_pyx12_accepts(own_file.text)

    batches = practice.post("/claims/batches", {}, role="biller")
    assert batches.status_code == 201, batches.text
    (batch,) = batches.json()
    assert batch["claimIds"] == [claim["claimId"]]
    sent = practice.get(f"/claims/batches/{batch['batchId']}/edi", role="biller").text
    assert_pyx12_accepts(sent)
    outbox = Path(settings.edi_outbox) / practice.integration_id
    assert [p.read_text() for p in outbox.iterdir()] == [sent]
    assert practice.get(f"/claims/{claim['claimId']}").json()["status"] == "submitted"

    # The payer's replies are built with our serializer and are valid X12 themselves.
    acknowledgment = reply_999(sent)
    assert pyx12_validate(acknowledgment)[:2] == (True, [])
    ack = _x12(practice, acknowledgment)
    assert ack["kind"] == "999" and ack["claimsUpdated"] == [claim["claimId"]]
    assert practice.get(f"/claims/{claim['claimId']}").json()["status"] == "submitted"

    claim_ack = reply_277ca(pcn, "120")
    assert pyx12_validate(claim_ack)[:2] == (True, [])
    accepted = _x12(practice, claim_ack)
    assert accepted["claimsUpdated"] == [claim["claimId"]]
    state = practice.get(f"/claims/{claim['claimId']}").json()
    assert state["status"] == "accepted"
    assert state["payerClaimControlNumber"] == "PAYERICN0001"

    era = reply_835(
        [
            {
                "pcn": pcn,
                "charge": "120",
                "paid": "80",
                "pr": "20",
                "lines": [
                    {
                        "code": "90834",
                        "modifiers": ["95"],
                        "charge": "120",
                        "paid": "80",
                        "chargeId": charge_body["chargeId"],
                        "adjustments": [("CO", "45", "20"), ("PR", "2", "15"), ("PR", "3", "5")],
                    }
                ],
            }
        ]
    )
    assert_pyx12_accepts_835(era)
    posted = _x12(practice, era)
    assert posted["kind"] == "835" and posted["duplicate"] is False
    (remittance,) = posted["remittances"]
    assert remittance["paymentAmount"] == 80.0 and remittance["exceptionCount"] == 0
    assert remittance["traceNumber"] == "EFT0001" and remittance["payerId"] == practice.payer_id

    paid = practice.get(f"/claims/{claim['claimId']}").json()
    assert paid["status"] == "paid"
    assert (paid["paidAmount"], paid["patientResponsibility"], paid["adjustmentAmount"]) == (
        80.0,
        20.0,
        20.0,
    )
    assert paid["balance"] == 0.0
    (payment,) = paid["payments"]
    assert payment["responsibility"] == {"coinsurance": 15.0, "copay": 5.0}
    reasons = {(a["groupCode"], a["reasonCode"]): a for a in payment["adjustments"]}
    assert reasons[("CO", "45")]["kind"] == "contractual"
    assert reasons[("PR", "2")]["reasonDescription"]
    assert [h["toStatus"] for h in paid["history"]] == [
        "queued", "submitted", "submitted", "accepted", "paid",
    ]  # fmt: skip

    balance = practice.get(f"/patients/{practice.patient_ids[0]}/balance", role="biller").json()
    assert balance["charges"] == 120.0
    assert balance["insurancePaid"] == 80.0
    assert balance["contractualAdjustments"] == 20.0
    assert balance["patientResponsibility"]["coinsurance"] == 15.0
    assert balance["patientResponsibility"]["copay"] == 5.0
    assert balance["patientBalance"] == 20.0 and balance["insuranceBalance"] == 0.0

    report = practice.get(
        f"/reports/reconciliation?payerId={practice.payer_id}&from=2026-01-01&to=2026-12-31",
        role="biller",
    ).json()
    (row,) = report["rows"]
    assert row["traceNumber"] == "EFT0001"
    assert (row["paymentAmount"], row["claimsPaid"], row["postedToClaims"]) == (80.0, 80.0, 80.0)
    assert row["unmatched"] == 0.0 and row["difference"] == 0.0
    assert report["totals"]["paymentAmount"] == 80.0
    csv = practice.get("/reports/reconciliation?format=csv", role="biller")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "EFT0001" in csv.text and csv.text.splitlines()[-1].startswith("TOTAL")

    counts = (practice.count("remittances"), practice.count("ledger_entries"))
    repeated = _x12(practice, era)
    assert repeated["duplicate"] is True
    assert (practice.count("remittances"), practice.count("ledger_entries")) == counts
    assert practice.get(f"/patients/{practice.patient_ids[0]}/balance").json() == balance
