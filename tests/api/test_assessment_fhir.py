"""FHIR R4 export of results (validated with fhir.resources' R4B models) and the catalogue."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import text

from tests.support.assessments import PHQ9_12, post_result
from tests.support.practice import Practice


def test_result_exports_as_a_valid_collection_bundle(practice: Practice) -> None:
    created = post_result(practice, PHQ9_12).json()
    rid = created["assessmentResultId"]
    response = practice.get(f"/assessments/results/{rid}/fhir")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    qr, observation = (entry["resource"] for entry in bundle["entry"])
    QuestionnaireResponse.model_validate(qr)
    Observation.model_validate(observation)
    fhir_id = rid.replace("_", "-")
    assert qr["id"] == fhir_id
    assert qr["subject"]["reference"] == "Patient/" + practice.patient_ids[0].replace("_", "-")
    assert qr["authored"] == "2026-01-18T16:31:22Z"
    assert len(qr["item"]) == 9
    assert observation["valueQuantity"]["value"] == 12
    assert observation["code"]["coding"][0] == {"system": "http://loinc.org", "code": "44261-6"}
    assert observation["interpretation"][0]["coding"][0]["code"] == "moderate"
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{fhir_id}"}]
    assert observation["performer"] == [
        {"reference": "Practitioner/" + practice.provider_ids[0].replace("_", "-")}
    ]


def test_one_resource_on_request(practice: Practice) -> None:
    rid = post_result(practice, PHQ9_12).json()["assessmentResultId"]
    qr = practice.get(
        f"/assessments/results/{rid}/fhir", params={"resource": "QuestionnaireResponse"}
    )
    QuestionnaireResponse.model_validate(qr.json())
    obs = practice.get(f"/assessments/results/{rid}/fhir", params={"resource": "Observation"})
    Observation.model_validate(obs.json())
    bad = practice.get(f"/assessments/results/{rid}/fhir", params={"resource": "Patient"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "resource"
    missing = practice.get("/assessments/results/asr_01unknown/fhir")
    assert missing.status_code == 404


def test_licensed_wording_stays_out_of_the_export(practice: Practice) -> None:
    answers = [{"questionId": f"epds_q{n}", "value": 0} for n in range(1, 11)]
    rid = post_result(practice, answers, instrument="EPDS").json()["assessmentResultId"]
    bundle = practice.get(f"/assessments/results/{rid}/fhir").json()
    Bundle.model_validate(bundle)
    qr = bundle["entry"][0]["resource"]
    assert all("text" not in item for item in qr["item"])


def test_catalogue_lists_every_instrument(practice: Practice) -> None:
    response = practice.get("/instruments")
    assert response.status_code == 200
    body = response.json()
    by_id = {item["instrument"]: item for item in body["items"]}
    assert body["total"] == 14 == len(by_id)
    phq9 = by_id["PHQ-9"]
    assert phq9["version"] == "1.0"
    assert phq9["loinc"]["panel"] == "44249-1" and phq9["loinc"]["total"] == "44261-6"
    assert [b["code"] for b in phq9["bands"]] == [
        "minimal",
        "mild",
        "moderate",
        "moderately_severe",
        "severe",
    ]
    assert phq9["items"][0]["text"] == "Little interest or pleasure in doing things"
    assert phq9["items"][0]["options"][3] == {
        "value": 3,
        "code": "nearly_every_day",
        "label": "Nearly every day",
    }
    assert phq9["criticalItems"][0]["questionId"] == "phq9_q9"
    assert phq9["patientFormAvailable"] is True and phq9["itemTextShipped"] is True
    epds = by_id["EPDS"]
    assert epds["itemTextShipped"] is False and epds["patientFormAvailable"] is False
    assert all(item["text"] is None for item in epds["items"])
    assert by_id["AUDIT-C"]["screenCutoffBySex"] == {"male": 4, "female": 3}
    one = practice.get("/instruments/GAD-7")
    assert one.status_code == 200 and one.json()["reliableChange"] == 4
    assert practice.get("/instruments/GAD-8").status_code == 404


def test_a_result_the_engine_would_score_differently_is_not_exported(practice: Practice) -> None:
    rid = post_result(practice, PHQ9_12).json()["assessmentResultId"]
    with practice.db.engine.begin() as conn:
        conn.execute(text("UPDATE assessment_results SET total = 13 WHERE id = :id"), {"id": rid})
    response = practice.get(f"/assessments/results/{rid}/fhir")
    assert response.status_code == 409
    assert response.json()["code"] == "instrument_changed"
