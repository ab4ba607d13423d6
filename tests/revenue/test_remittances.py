"""835 import: shared samples, malformed files, reversals, split claims, PLB and exceptions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bhlink.edi import read_835
from tests.revenue.support import completed_appointment, reply_835, set_up_billing
from tests.revenue.test_claims import seed_payload
from tests.support.practice import Practice

# Every 835 in ../shared/x12-samples passes pyx12 4.0.0 (see the README there).
SAMPLES_835 = (
    "835_x221_claimCAS_PLB_badx12.edi",
    "835_x221_emedny_professional_herophilus.txt",
    "835_x221_mult_loops_pyx12.txt",
    "835_x221_multi_claims_badx12.edi",
    "SYNTH_835_x221a1_behavioral.txt",
)


def _upload(practice: Practice, text: str, media: str = "text/plain") -> Any:
    return practice.client.post(
        f"{practice.base}/remittances",
        content=text.encode(),
        headers={**practice.login("biller"), "Content-Type": media},
    )


@pytest.mark.parametrize("name", SAMPLES_835)
def test_shared_835_samples_import_with_their_amounts(
    practice: Practice, shared_dir: Path, name: str
) -> None:
    text = (shared_dir / "x12-samples" / name).read_text()
    expected = read_835(text)
    response = _upload(practice, text, "application/edi-x12")
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["remittances"]) == len(expected)
    for posted, source in zip(body["remittances"], expected, strict=True):
        assert Decimal(str(posted["paymentAmount"])) == source.payment_amount
        assert Decimal(str(posted["claimsPaid"])) == sum(
            (c.paid for c in source.claims), Decimal(0)
        )
        assert Decimal(str(posted["providerAdjustmentTotal"])) == sum(
            (p.amount for p in source.provider_adjustments), Decimal(0)
        )
        assert posted["traceNumber"] == source.trace_number
        assert posted["claimCount"] == len(source.claims)
        # None of these claims are ours: each is queued as an exception, nothing is posted.
        assert posted["matchedClaimCount"] == 0
        assert posted["exceptionCount"] == len(source.claims)
        detail = practice.get(f"/remittances/{posted['remittanceId']}", role="biller").json()
        for item, claim in zip(detail["claims"], source.claims, strict=True):
            assert Decimal(str(item["chargeAmount"])) == claim.charge
            assert Decimal(str(item["paidAmount"])) == claim.paid
    exceptions = practice.get("/remittances/exceptions", role="biller").json()
    assert len(exceptions) == sum(len(r.claims) for r in expected)
    assert {e["kind"] for e in exceptions} == {"unmatched_claim"}
    assert practice.count("ledger_entries") == 0
    again = _upload(practice, text)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert len(practice.get("/remittances/exceptions", role="biller").json()) == len(exceptions)


def _lines(text: str) -> list[str]:
    return text.splitlines()


@pytest.mark.parametrize(
    ("mutate", "segment"),
    [
        (
            lambda lines: [
                row.replace("SE*", "SE*9") if row.startswith("SE*") else row for row in lines
            ],
            "SE",
        ),
        (lambda lines: lines[: len(lines) // 2], "ST"),
        (
            lambda lines: [row.replace("CLP*PCN1*1*120*80", "CLP*PCN1*1*120*90") for row in lines],
            "CLP",
        ),
        (lambda lines: [row.replace("BPR*I*80.00", "BPR*I*81.00") for row in lines], "BPR"),
        (
            lambda lines: [
                row.replace("SVC*HC:90834*120*80", "SVC*HC:90834*12O*80") for row in lines
            ],
            "SVC",
        ),
    ],
    ids=["se-count", "truncated", "unbalanced-claim", "unbalanced-payment", "bad-amount"],
)
def test_malformed_835_is_refused_naming_segment_and_position(
    practice: Practice, mutate: Any, segment: str
) -> None:
    good = reply_835(
        [
            {
                "pcn": "PCN1",
                "charge": "120",
                "paid": "80",
                "lines": [{"code": "90834", "charge": "120", "paid": "80",
                           "adjustments": [("CO", "45", "40")]}],
                "adjustments": [],
            }
        ]
    )  # fmt: skip
    broken = "\n".join(mutate(_lines(good))) + "\n"
    response = _upload(practice, broken)
    assert response.status_code == 422, response.text
    problems = response.json()["errors"]
    assert any(f"segment {segment} at position" in p["message"] for p in problems), problems
    assert "PCN1" not in response.text  # messages name segments, never values
    for table in ("edi_files", "remittances", "remittance_claims", "ledger_entries"):
        assert practice.count(table) == 0


def test_json_upload_and_unsupported_files(practice: Practice) -> None:
    response = practice.post("/remittances", {"content": "not x12 at all"}, role="biller")
    assert response.status_code == 422
    assert practice.post("/remittances", {"nope": 1}, role="biller").status_code == 422
    assert practice.post("/remittances", {"content": "x"}, role="clinician").status_code == 403


def _submitted_claim(practice: Practice) -> dict[str, Any]:
    set_up_billing(practice)
    body = seed_payload(practice, completed_appointment(practice, telehealth=True))
    body["serviceLines"].append(
        {**body["serviceLines"][0], "appointmentId": completed_appointment(practice, days_ago=4),
         "serviceCode": "90837", "chargeAmount": 160.0}
    )  # fmt: skip
    claim = practice.post("/claims", body, role="biller")
    assert claim.status_code == 201, claim.text
    assert practice.post("/claims/batches", {}, role="biller").status_code == 201
    return dict(claim.json())


def test_split_claim_reversal_and_correction(practice: Practice) -> None:
    claim = _submitted_claim(practice)
    pcn = claim["patientControlNumber"]
    first_line, second_line = claim["lines"]

    def line(
        data: dict[str, Any], paid: str, adjustments: list[tuple[str, str, str]]
    ) -> dict[str, Any]:
        return {"code": data["serviceCode"], "modifiers": data["modifiers"],
                "charge": f"{data['chargeAmount']:.2f}", "paid": paid,
                "chargeId": data["chargeId"], "adjustments": adjustments}  # fmt: skip

    # The payer splits the claim: the first line now, the second later.
    part = _upload(practice, reply_835([
        {"pcn": pcn, "charge": "120", "paid": "100", "pr": "20",
         "lines": [line(first_line, "100", [("PR", "1", "20")])]},
    ], trace="EFT-A", control=9101))  # fmt: skip
    assert part.status_code == 201, part.text
    state = practice.get(f"/claims/{claim['claimId']}").json()
    assert state["status"] == "partially_paid"
    assert state["lines"][0]["paidAmount"] == 100.0 and state["lines"][1]["paidAmount"] == 0.0

    rest = _upload(practice, reply_835([
        {"pcn": pcn, "charge": "160", "paid": "0",
         "lines": [line(second_line, "0", [("CO", "197", "160")])]},
    ], trace="EFT-B", control=9102))  # fmt: skip
    assert rest.status_code == 201
    state = practice.get(f"/claims/{claim['claimId']}").json()
    assert state["status"] == "partially_paid"  # one line paid, one denied (CARC 197)
    payment = state["payments"][-1]
    assert payment["adjustments"][0]["reasonCode"] == "197"
    assert payment["adjustments"][0]["reasonDescription"]

    # A reversal of the first payment and its correction, in one 835.
    corrected = _upload(practice, reply_835([
        {"pcn": pcn, "status": "22", "charge": "-120", "paid": "-100", "pr": "-20",
         "lines": [line(first_line, "-100", [("PR", "1", "-20")]) | {"charge": "-120.00"}]},
        {"pcn": pcn, "charge": "120", "paid": "90", "pr": "30",
         "lines": [line(first_line, "90", [("PR", "2", "30")])]},
    ], trace="EFT-C", control=9103))  # fmt: skip
    assert corrected.status_code == 201, corrected.text
    state = practice.get(f"/claims/{claim['claimId']}").json()
    assert state["paidAmount"] == 90.0 and state["patientResponsibility"] == 30.0
    assert state["lines"][0]["paidAmount"] == 90.0
    assert [p["outcome"] for p in state["payments"]] == [
        "partially_paid", "partially_paid", "reversed", "partially_paid",
    ]  # fmt: skip
    balance = practice.get(f"/patients/{practice.patient_ids[0]}/balance").json()
    assert balance["insurancePaid"] == 90.0
    assert balance["patientResponsibility"] == {
        "deductible": 0.0, "coinsurance": 30.0, "copay": 0.0, "other": 0.0,
    }  # fmt: skip
    assert balance["otherAdjustments"] == 0.0 and balance["contractualAdjustments"] == 160.0
    assert balance["insuranceBalance"] == 0.0


def test_denied_claim_unmatched_line_and_provider_adjustments(practice: Practice) -> None:
    claim = _submitted_claim(practice)
    pcn = claim["patientControlNumber"]
    response = _upload(practice, reply_835([
        {"pcn": pcn, "status": "4", "charge": "280", "paid": "0",
         "adjustments": [("CO", "29", "280")]},
        {"pcn": "NOTOURS123", "charge": "50", "paid": "50"},
    ], plb=[("L6", "INTEREST", "-2.50"), ("WO", "ICN77", "10.00")], control=9104))  # fmt: skip
    assert response.status_code == 201, response.text
    (remittance,) = response.json()["remittances"]
    assert remittance["paymentAmount"] == 42.5
    assert [p["reasonCode"] for p in remittance["providerAdjustments"]] == ["L6", "WO"]
    assert remittance["providerAdjustments"][0]["description"] == "Interest owed"
    state = practice.get(f"/claims/{claim['claimId']}").json()
    assert state["status"] == "denied"
    exceptions = practice.get("/remittances/exceptions", role="biller").json()
    assert [(e["kind"], e["reference"]) for e in exceptions] == [("unmatched_claim", "NOTOURS123")]
    resolved = practice.post(
        f"/remittances/exceptions/{exceptions[0]['exceptionId']}/resolve",
        {"note": "Refunded to the payer"},
        role="biller",
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert practice.get("/remittances/exceptions", role="biller").json() == []
    report = practice.get("/reports/reconciliation", role="biller").json()
    (row,) = report["rows"]
    assert (row["claimsPaid"], row["providerAdjustments"], row["unmatched"]) == (50.0, 7.5, 50.0)
    assert row["difference"] == 0.0
