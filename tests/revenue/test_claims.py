"""POST /claims with seed 003's payload, the scrubber, lifecycle changes, files and the CMS-1500."""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlsplit

from bhlink.edi import parse_segments, validate_837
from tests.edi.pyx12_check import assert_pyx12_accepts
from tests.revenue.support import (
    BILLING_NPI,
    completed_appointment,
    reply_277ca,
    set_up_billing,
)
from tests.support.practice import Practice

# Seed 003's request, verbatim; only ids change (see seed_payload).
SEED_003_CLAIM: dict[str, Any] = {
    "claimType": "837P",
    "payerId": "payer_regence",
    "billingProvider": {
        "npi": "1234567890",
        "taxonomy": "Behavioral Health",
        "name": "Cascadia Behavioral Health",
        "billingAddress": {
            "line1": "200 Wellness Ave",
            "city": "Seattle",
            "region": "WA",
            "postalCode": "98109",
        },
    },
    "patient": {"patientId": "pt_92c10f", "memberId": "RGN1234567"},
    "serviceLines": [
        {
            "appointmentId": "apt_7c2e51",
            "serviceCode": "90834",
            "modifiers": ["95"],
            "diagnosisPointers": ["1"],
            "units": 1,
            "placeOfService": "02",
            "renderingProviderId": "prv_41cf92",
            "chargeAmount": 120.00,
        }
    ],
    "submissionChannel": "clearinghouse",
    "referenceId": "billing-batch-jan25",
}


def seed_payload(practice: Practice, appointment_id: str, npi: str = BILLING_NPI) -> dict[str, Any]:
    """Seed 003's payload with this practice's ids (the seed's NPI fails its check digit)."""
    body = copy.deepcopy(SEED_003_CLAIM)
    body["payerId"] = practice.payer_id
    body["billingProvider"]["npi"] = npi
    body["patient"] = {"patientId": practice.patient_ids[0], "memberId": "M0"}
    line = body["serviceLines"][0]
    line["appointmentId"] = appointment_id
    line["renderingProviderId"] = practice.provider_ids[0]
    return body


def test_seed_003_post_claims(practice: Practice) -> None:
    set_up_billing(practice)
    appointment_id = completed_appointment(practice)
    response = practice.post("/claims", seed_payload(practice, appointment_id), role="biller")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["claimId"].startswith("clm_")
    assert body["status"] == "queued"
    assert (
        body["edi"] == {"format": "837P", "size": body["edi"]["size"]} and body["edi"]["size"] > 500
    )
    assert body["submissionChannel"] == "clearinghouse"
    assert body["createdAt"].endswith("Z")
    assert body["referenceId"] == "billing-batch-jan25"
    assert body["diagnosisCodes"] == ["F41.1"]  # from the appointment
    assert body["billingProvider"]["taxonomy"] == "261QM0801X"
    assert body["billingProvider"]["taxonomySource"] == "settings"

    review = urlsplit(body["reviewUrl"])
    assert review.path == f"{practice.base}/claims/{body['claimId']}/edi"
    text = practice.client.get(f"{review.path}?{review.query}", headers=practice.login()).text
    segments = parse_segments(text)
    prv = next(s for s in segments if s.segment_id == "PRV")
    assert prv.value(3) == "261QM0801X"  # never the seed's free text
    n4 = next(s for s in segments if s.segment_id == "N4")
    assert n4.value(3) == "981091234"  # ZIP+4 from the settings, the seed sends 5 digits
    sv1 = next(s for s in segments if s.segment_id == "SV1")
    assert sv1.composite(1) == ("HC", "90834", "95")
    assert next(s for s in segments if s.segment_id == "CLM").component(5, 1) == "02"
    assert validate_837(text) == []
    assert_pyx12_accepts(text)

    # The same referenceId answers with the same claim instead of a second one.
    again = practice.post("/claims", seed_payload(practice, appointment_id), role="biller")
    assert again.status_code == 200 and again.json()["claimId"] == body["claimId"]
    assert practice.count("claims") == 1


def test_review_link_is_signed_expiring_and_for_authorised_users(practice: Practice) -> None:
    set_up_billing(practice)
    body = practice.post(
        "/claims", seed_payload(practice, completed_appointment(practice)), role="biller"
    ).json()
    review = urlsplit(body["reviewUrl"])
    url = f"{review.path}?{review.query}"
    assert practice.client.get(url).status_code == 401
    assert practice.client.get(url, headers=practice.login("clinician")).status_code == 403
    tampered = url.replace("signature=", "signature=x")
    assert practice.client.get(tampered, headers=practice.login()).status_code == 404
    expired = url.split("expires=")[0] + "expires=1&" + url.split("&", 1)[1]
    assert practice.client.get(expired, headers=practice.login()).status_code == 404


def test_seed_npi_with_a_bad_check_digit_is_refused_and_nothing_saved(practice: Practice) -> None:
    set_up_billing(practice)
    payload = seed_payload(practice, completed_appointment(practice), npi="1234567890")
    response = practice.post("/claims", payload, role="biller")
    assert response.status_code == 422, response.text
    fields = {e["field"] for e in response.json()["errors"]}
    assert "billingProvider.npi" in fields
    assert practice.count("claims") == 0 and practice.count("charges") == 0


def test_scrub_reports_every_problem_at_once_and_writes_nothing(practice: Practice) -> None:
    set_up_billing(practice)
    old = completed_appointment(practice, days_ago=400)
    scheduled = practice.post(
        "/appointments",
        {
            "patientId": practice.patient_ids[0],
            "providerId": practice.provider_ids[0],
            "serviceCode": "90834",
            "startTime": "2030-01-10T15:00:00Z",
            "endTime": "2030-01-10T15:50:00Z",
        },
    ).json()["appointmentId"]
    body = seed_payload(practice, old)
    body["serviceLines"][0].update({"modifiers": ["GT", "ZZ"], "diagnosisPointers": ["3"]})
    body["serviceLines"].append(
        {
            **body["serviceLines"][0],
            "appointmentId": scheduled,
            "modifiers": ["95"],
            "diagnosisPointers": ["1"],
        }
    )
    before = {t: practice.count(t) for t in ("claims", "charges", "claim_lines", "edi_files")}
    response = practice.post("/claims/scrub", body, role="biller")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is False
    found = {(p["field"], p["code"]) for p in result["problems"]}
    assert ("serviceLines[0].modifiers[1]", "modifier.unknown") in found
    assert ("serviceLines[0].diagnosisPointers[0]", "claim.pointer_range") in found
    assert ("serviceLines[0].modifiers", "telehealth.modifier_missing") in found
    assert ("serviceLines[0].modifiers", "telehealth.modifier_unexpected") in found
    assert ("serviceLines[0].serviceDate", "timely_filing.late") in found
    assert ("serviceLines[1].appointmentId", "claim.appointment_not_completed") in found
    assert {t: practice.count(t) for t in before} == before
    queued = practice.post("/claims", body, role="biller")
    assert queued.status_code == 422
    assert {e["field"] for e in queued.json()["errors"]} >= {
        "serviceLines[0].modifiers[1]",
        "serviceLines[0].serviceDate",
    }
    assert {t: practice.count(t) for t in before} == before


def test_duplicate_claims_are_caught(practice: Practice) -> None:
    set_up_billing(practice)
    appointment_id = completed_appointment(practice)
    first = practice.post("/claims", seed_payload(practice, appointment_id), role="biller")
    assert first.status_code == 201
    second = seed_payload(practice, appointment_id)
    second["referenceId"] = "another"
    response = practice.post("/claims/scrub", second, role="biller").json()
    assert "claim.duplicate" in {p["code"] for p in response["problems"]}


def test_draft_claims_keep_their_problems_and_queue_once_fixed(practice: Practice) -> None:
    set_up_billing(practice)
    body = seed_payload(practice, completed_appointment(practice))
    body["serviceLines"][0]["modifiers"] = []
    body["status"] = "draft"
    draft = practice.post("/claims", body, role="biller")
    assert draft.status_code == 201, draft.text
    assert draft.json()["status"] == "draft" and draft.json()["edi"] is None
    assert {p["code"] for p in draft.json()["problems"]} == {"telehealth.modifier_missing"}
    claim_id = draft.json()["claimId"]
    refused = practice.post(f"/claims/{claim_id}/status", {"status": "queued"}, role="biller")
    assert refused.status_code == 422
    voided = practice.post(f"/claims/{claim_id}/void", role="biller")
    assert voided.json()["status"] == "voided"
    charge_id = voided.json()["lines"][0]["chargeId"]
    assert practice.get(f"/charges/{charge_id}").json()["status"] == "open"


def test_corrected_claim_is_frequency_7_with_the_payer_claim_number(practice: Practice) -> None:
    set_up_billing(practice)
    claim = practice.post(
        "/claims", seed_payload(practice, completed_appointment(practice)), role="biller"
    ).json()
    early = practice.post(f"/claims/{claim['claimId']}/correct", {}, role="biller")
    assert early.status_code == 409  # not sent yet
    assert practice.post("/claims/batches", {}, role="biller").status_code == 201
    practice.client.post(
        f"{practice.base}/remittances",
        content=reply_277ca(claim["patientControlNumber"], "120").encode(),
        headers={**practice.login(), "Content-Type": "text/plain"},
    )
    corrected = practice.post(
        f"/claims/{claim['claimId']}/correct", {"diagnosisCodes": ["F41.1", "F33.1"]}, role="biller"
    )
    assert corrected.status_code == 201, corrected.text
    replacement = corrected.json()
    assert (
        replacement["frequencyCode"] == "7" and replacement["originalClaimId"] == claim["claimId"]
    )
    assert replacement["status"] == "queued"
    review = urlsplit(replacement["reviewUrl"])
    text = practice.client.get(f"{review.path}?{review.query}", headers=practice.login()).text
    segments = parse_segments(text)
    assert next(s for s in segments if s.segment_id == "CLM").component(5, 3) == "7"
    assert any(
        s.segment_id == "REF" and s.value(1) == "F8" and s.value(2) == "PAYERICN0001"
        for s in segments
    )
    assert_pyx12_accepts(text)
    original = practice.get(f"/claims/{claim['claimId']}").json()
    assert original["replacedByClaimId"] == replacement["claimId"]

    voided = practice.post(f"/claims/{replacement['claimId']}/void", role="biller")
    assert voided.status_code == 200 and voided.json()["status"] == "voided"


def test_cms1500_pdf(practice: Practice) -> None:
    set_up_billing(practice)
    claim = practice.post(
        "/claims", seed_payload(practice, completed_appointment(practice)), role="biller"
    ).json()
    response = practice.get(f"/claims/{claim['claimId']}/cms1500.pdf", role="biller")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 2000
    assert (
        practice.get(f"/claims/{claim['claimId']}/cms1500.pdf", role="clinician").status_code == 403
    )


def test_unknown_references_are_422_naming_the_field(practice: Practice) -> None:
    set_up_billing(practice)
    body = seed_payload(practice, "apt_doesnotexist")
    body["payerId"] = "payer_nope"
    response = practice.post("/claims", body, role="biller")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"payerId"}
    body = seed_payload(practice, "apt_doesnotexist")
    response = practice.post("/claims", body, role="biller")
    assert {e["field"] for e in response.json()["errors"]} == {"serviceLines[0].appointmentId"}
    body["submissionChannel"] = "carrier_pigeon"
    response = practice.post("/claims", body, role="biller")
    assert "submissionChannel" in {e["field"] for e in response.json()["errors"]}
    assert practice.count("claims") == 0


def test_other_tenants_cannot_see_claims(practice: Practice, other_practice: Practice) -> None:
    set_up_billing(practice)
    claim = practice.post(
        "/claims", seed_payload(practice, completed_appointment(practice)), role="biller"
    ).json()
    assert other_practice.get(f"/claims/{claim['claimId']}").status_code == 404


def test_institutional_claim_from_charges_passes_pyx12(practice: Practice) -> None:
    set_up_billing(practice)
    charge_ids = [
        practice.post(
            "/charges",
            {"appointmentId": completed_appointment(practice, days_ago=days, telehealth=False)},
            role="biller",
        ).json()["chargeId"]
        for days in (3, 5)
    ]
    response = practice.post(
        "/claims", {"claimType": "837I", "chargeIds": charge_ids}, role="biller"
    )
    assert response.status_code == 201, response.text
    claim = response.json()
    assert claim["edi"]["format"] == "837I"
    review = urlsplit(claim["reviewUrl"])
    text = practice.client.get(f"{review.path}?{review.query}", headers=practice.login()).text
    segments = parse_segments(text)
    assert [s.value(1) for s in segments if s.segment_id == "SV2"] == ["0914", "0914"]
    assert next(s for s in segments if s.segment_id == "CLM").composite(5) == ("13", "A", "1")
    assert validate_837(text) == []
    assert_pyx12_accepts(text)
