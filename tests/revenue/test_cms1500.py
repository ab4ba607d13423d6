"""GET /claims/{id}/cms1500.pdf, read back with pypdf: item labels, values, continuation pages."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from pypdf import PdfReader
from sqlalchemy import text

from tests.revenue.support import BILLING_NPI, completed_appointment, set_up_billing
from tests.revenue.test_claims import seed_payload
from tests.support.practice import Practice


def _pages(content: bytes) -> list[str]:
    """Each page's text with runs of whitespace (including wrapped label lines) as one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def _renders(practice: Practice, claim_id: str) -> int:
    with practice.db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM audit_events WHERE integration_id = :i "
                    "AND action = 'claim.cms1500_rendered' AND resource_id = :c"
                ),
                {"i": practice.integration_id, "c": claim_id},
            ).scalar_one()
        )


def _claim(practice: Practice, body: dict[str, Any]) -> dict[str, Any]:
    response = practice.post("/claims", body, role="biller")
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_items_are_labelled_by_number_and_carry_the_claim(practice: Practice) -> None:
    set_up_billing(practice)
    claim = _claim(practice, seed_payload(practice, completed_appointment(practice)))
    patient = practice.get(f"/patients/{practice.patient_ids[0]}").json()
    provider = practice.get(f"/providers/{practice.provider_ids[0]}").json()

    response = practice.get(f"/claims/{claim['claimId']}/cms1500.pdf", role="biller")

    assert response.status_code == 200
    (page,) = _pages(response.content)
    for label in (
        "HEALTH INSURANCE CLAIM FORM",
        "1. PROGRAM",
        "1A. INSURED'S ID NUMBER",
        "2. PATIENT'S NAME",
        "3. PATIENT'S BIRTH DATE, SEX",
        "6. PATIENT RELATIONSHIP TO INSURED",
        "10. CONDITION RELATED TO EMPLOYMENT / AUTO / OTHER",
        "11C. INSURANCE PLAN NAME",
        "21. DIAGNOSIS OR NATURE OF ILLNESS (ICD IND. 0 = ICD-10)",
        "23. PRIOR AUTHORIZATION NUMBER",
        "24A DATE(S) OF SERVICE",
        "24D CPT/HCPCS MODIFIER",
        "24J RENDERING NPI",
        "25. FEDERAL TAX I.D. NUMBER (EIN)",
        "28. TOTAL CHARGE",
        "33. BILLING PROVIDER INFO",
    ):
        assert label in page, label
    service_date = date.fromisoformat(claim["lines"][0]["serviceDate"])
    dob = date.fromisoformat(patient["dob"]).strftime("%m %d %Y")
    for value in (
        "1A. INSURED'S ID NUMBER M0",
        f"2. PATIENT'S NAME {patient['lastName']}, {patient['firstName']}",
        f"{dob} {patient['sex'][:1].upper()}",
        "A. F41.1",
        f"{service_date:%m %d %Y} - {service_date:%m %d %Y} 02",
        "90834 95 A 120.00 1 NPI",
        provider["npi"],
        "911234567",
        claim["patientControlNumber"],
        "28. TOTAL CHARGE 120.00",
        "29. AMOUNT PAID 0.00",
        f"33a NPI {BILLING_NPI} 33b ZZ 261QM0801X",
        f"{provider['firstName']} {provider['lastName']}",
    ):
        assert value in page, value
    assert "CONTINUED" not in page and "Page 1" not in page
    assert _renders(practice, claim["claimId"]) == 1


def test_more_than_six_lines_continue_on_a_second_page(practice: Practice) -> None:
    set_up_billing(practice)
    body = seed_payload(practice, completed_appointment(practice, days_ago=3))
    first_line = body["serviceLines"][0]
    for days_ago in range(4, 10):
        body["serviceLines"].append(
            {**first_line, "appointmentId": completed_appointment(practice, days_ago=days_ago)}
        )
    claim = _claim(practice, body)
    dates = [date.fromisoformat(line["serviceDate"]) for line in claim["lines"]]
    assert len(dates) == 7

    response = practice.get(f"/claims/{claim['claimId']}/cms1500.pdf", role="biller")

    assert response.status_code == 200
    first, second = _pages(response.content)
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    for page in (first, second):  # the claim repeats on every page
        assert claim["patientControlNumber"] in page and "A. F41.1" in page
    assert all(f"{day:%m %d %Y} - " in first for day in dates[:6])
    assert f"{dates[6]:%m %d %Y} - " not in first
    assert f"{dates[6]:%m %d %Y} - " in second
    assert all(f"{day:%m %d %Y} - " not in second for day in dates[:6])
    assert "28. TOTAL CHARGE CONTINUED" in first and "840.00" not in first
    assert "28. TOTAL CHARGE 840.00" in second  # 7 x 120.00, on the last page only


def test_names_print_as_written_and_unprintable_characters_show(practice: Practice) -> None:
    set_up_billing(practice)
    renamed = practice.patch(
        f"/patients/{practice.patient_ids[0]}", {"firstName": "Zoë", "lastName": "Łukasz-李"}
    )
    assert renamed.status_code == 200, renamed.text
    claim = _claim(practice, seed_payload(practice, completed_appointment(practice)))

    response = practice.get(f"/claims/{claim['claimId']}/cms1500.pdf", role="biller")

    (page,) = _pages(response.content)
    # The embedded font has no CJK glyphs: "?" marks the gap instead of dropping the letter.
    assert "2. PATIENT'S NAME Łukasz-?, Zoë" in page


def test_refused_without_access_and_unknown_claims(
    practice: Practice, other_practice: Practice
) -> None:
    set_up_billing(practice)
    claim = _claim(practice, seed_payload(practice, completed_appointment(practice)))
    path = f"/claims/{claim['claimId']}/cms1500.pdf"

    assert practice.get(path, role="clinician").status_code == 403
    assert other_practice.get(path, role="biller").status_code == 404
    missing = practice.get("/claims/clm_01jzzzzzzzzzzzzzzzzzzzzzzz/cms1500.pdf", role="biller")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert _renders(practice, claim["claimId"]) == 0
