"""Problem list, medications and allergies under /patients/{id}."""

from __future__ import annotations

from sqlalchemy import text

from tests.support.practice import Practice


def base(practice: Practice, index: int = 0) -> str:
    return f"/patients/{practice.patient_ids[index]}"


def test_diagnoses_are_validated_against_the_shipped_icd10_list(practice: Practice) -> None:
    path = f"{base(practice)}/diagnoses"
    before = practice.count("patient_diagnoses")
    for code in ("Q99.99", "I10", "F41", "not-a-code"):
        response = practice.post(path, {"code": code}, role="clinician")
        assert response.status_code == 422, code
        assert response.json()["errors"][0]["field"] == "code"
        assert code not in response.text  # problem messages never echo the diagnosis
    assert practice.post(path, {"rank": "primary"}, role="clinician").status_code == 422
    assert practice.count("patient_diagnoses") == before
    created = practice.post(
        path, {"code": "f411", "rank": "primary", "onsetDate": "2025-06-01"}, role="clinician"
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["diagnosisId"].startswith("dx_") and body["code"] == "F41.1"
    assert "anxiety" in body["description"].lower() and body["status"] == "active"


def test_one_active_primary_and_no_duplicate_codes(practice: Practice) -> None:
    path = f"{base(practice)}/diagnoses"
    first = practice.post(path, {"code": "F41.1", "rank": "primary"}, role="clinician").json()
    assert practice.post(path, {"code": "F41.1"}, role="clinician").status_code == 409
    second_primary = practice.post(path, {"code": "F33.1", "rank": "primary"}, role="clinician")
    assert second_primary.status_code == 409
    assert second_primary.json()["errors"][0]["field"] == "rank"
    secondary = practice.post(path, {"code": "F33.1"}, role="clinician").json()
    assert secondary["rank"] == "secondary"
    resolved = practice.patch(
        f"{path}/{first['diagnosisId']}", {"resolvedDate": "2026-01-10"}, role="clinician"
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    bad_dates = practice.patch(
        f"{path}/{first['diagnosisId']}", {"onsetDate": "2026-02-01"}, role="clinician"
    )
    assert bad_dates.status_code == 422  # onset after the stored resolution date
    assert bad_dates.json()["errors"][0]["field"] == "resolvedDate"
    both = practice.patch(
        f"{path}/{first['diagnosisId']}",
        {"onsetDate": "2026-02-01", "resolvedDate": "2026-01-01"},
        role="clinician",
    )
    assert both.status_code == 422
    stale = practice.patch(
        f"{path}/{secondary['diagnosisId']}",
        {"rank": "primary"},
        role="clinician",
        headers={"If-Match": 'W/"9"'},
    )
    assert stale.status_code == 412
    listed = practice.get(path, role="clinician", params={"status": "active"}).json()
    assert [d["code"] for d in listed["items"]] == ["F33.1"]
    # Billers read the problem list (claims need it) but cannot change it.
    assert practice.get(path, role="biller").status_code == 200
    assert practice.post(path, {"code": "F32.A"}, role="biller").status_code == 403


def test_medications_from_an_e_prescribing_partner(practice: Practice) -> None:
    path = f"{base(practice)}/medications"
    body = {
        "name": "Sertraline 50 mg tablet",
        "rxnormCode": "312940",
        "dose": "50 mg",
        "route": "oral",
        "frequency": "once daily",
        "prescriberProviderId": practice.provider_ids[0],
        "startDate": "2026-01-05",
        "source": "e_prescribing",
        "sourceSystem": "DrFirst",
        "externalId": "rx-9981",
        "referenceId": "drfirst-rx-9981",
    }
    created = practice.post(path, body, role="clinician")
    assert created.status_code == 201, created.text
    assert created.json()["medicationId"].startswith("med_")
    again = practice.post(path, {**body, "dose": "100 mg"}, role="clinician")
    assert again.status_code == 200 and again.json()["dose"] == "100 mg"
    assert practice.count("patient_medications") == 1
    for bad, field in (
        ({"rxnormCode": "abc"}, "rxnormCode"),
        ({"route": "telepathic"}, "route"),
        ({"prescriberProviderId": "prv_01jnobody"}, "prescriberProviderId"),
        ({"startDate": "2026-02-01", "stopDate": "2026-01-01"}, "stopDate"),
    ):
        response = practice.post(path, {"name": "Lithium", **bad}, role="clinician")
        assert response.status_code == 422, bad
        assert field in response.text
    stopped = practice.patch(
        f"{path}/{created.json()['medicationId']}",
        {"status": "discontinued", "stopDate": "2026-02-01"},
        role="clinician",
    )
    assert stopped.status_code == 200 and stopped.json()["status"] == "discontinued"
    assert practice.count("patient_medications") == 1


def test_allergies_and_events(practice: Practice) -> None:
    path = f"{base(practice)}/allergies"
    created = practice.post(
        path,
        {
            "substance": "Penicillin",
            "category": "medication",
            "reaction": "Hives",
            "severity": "moderate",
        },
        role="clinician",
    )
    assert created.status_code == 201, created.text
    allergy_id = created.json()["allergyId"]
    assert practice.post(path, {"category": "food"}, role="clinician").status_code == 422
    assert (
        practice.patch(f"{path}/{allergy_id}", {"substance": None}, role="clinician").status_code
        == 422
    )
    practice.patch(f"{path}/{allergy_id}", {"status": "inactive"}, role="clinician")
    assert practice.get(f"{path}/{allergy_id}", role="clinician").json()["status"] == "inactive"
    with practice.db.engine.connect() as conn:
        types = [
            r[0]
            for r in conn.execute(
                text("SELECT type FROM outbox_events WHERE resource_id = :r ORDER BY seq"),
                {"r": allergy_id},
            )
        ]
    assert types == ["allergy.created", "allergy.updated"]


def test_chart_lists_follow_the_caseload(practice: Practice) -> None:
    other_patient = base(practice, 1)  # provider 1's patient
    assert practice.get(f"{other_patient}/medications", role="clinician").status_code == 404
    assert (
        practice.post(
            f"{other_patient}/allergies", {"substance": "Latex"}, role="clinician"
        ).status_code
        == 404
    )
    assert practice.get(f"{base(practice)}/allergies", role="front_desk").status_code == 403
