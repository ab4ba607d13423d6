"""Who may record and read results: the assessments entitlement, caseloads, tenants, audit."""

from __future__ import annotations

from tests.support.assessments import PHQ9_12, audit_actions, post_result, written
from tests.support.practice import Practice


def test_clinician_sees_only_their_caseload(practice: Practice) -> None:
    mine = post_result(practice, PHQ9_12, patient=0).json()  # provider 0's patient
    theirs = post_result(practice, PHQ9_12, patient=1).json()  # provider 1's patient
    listed = practice.get("/assessments/results", role="clinician")
    assert listed.status_code == 200
    assert [i["assessmentResultId"] for i in listed.json()["items"]] == [mine["assessmentResultId"]]
    assert listed.json()["total"] == 1
    hidden = practice.get(f"/assessments/results/{theirs['assessmentResultId']}", role="clinician")
    assert hidden.status_code == 404
    fhir = practice.get(
        f"/assessments/results/{theirs['assessmentResultId']}/fhir", role="clinician"
    )
    assert fhir.status_code == 404
    by_patient = practice.get(
        "/assessments/results", params={"patientId": practice.patient_ids[1]}, role="clinician"
    )
    assert by_patient.status_code == 404
    outcomes = practice.get(f"/patients/{practice.patient_ids[1]}/outcomes", role="clinician")
    assert outcomes.status_code == 404


def test_clinician_cannot_record_for_another_caseload(practice: Practice) -> None:
    before = written(practice)
    response = post_result(practice, PHQ9_12, patient=1, role="clinician")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "patientId"
    assert written(practice) == before
    own = post_result(practice, PHQ9_12, patient=0, role="clinician", providerId=None)
    assert own.status_code == 201
    # Without a providerId the clinician who records the result is its provider.
    assert own.json()["providerId"] == practice.provider_ids[0]


def test_entitlement_and_read_only(practice: Practice) -> None:
    created = post_result(practice, PHQ9_12).json()
    assert practice.get("/assessments/results", role="front_desk").status_code == 403
    assert practice.get("/instruments", role="biller").status_code == 403
    assert post_result(practice, PHQ9_12, role="front_desk").status_code == 403
    assert practice.get("/assessments/results", role="readonly").status_code == 200
    assert post_result(practice, PHQ9_12, role="readonly").status_code == 403
    assert (
        practice.get(
            f"/assessments/results/{created['assessmentResultId']}", role="readonly"
        ).status_code
        == 200
    )


def test_other_integrations_results_do_not_exist(
    practice: Practice, other_practice: Practice
) -> None:
    created = post_result(practice, PHQ9_12).json()
    assert (
        other_practice.get(f"/assessments/results/{created['assessmentResultId']}").status_code
        == 404
    )
    assert other_practice.get("/assessments/results").json()["total"] == 0
    foreign = other_practice.post(
        "/assessments",
        {"patientId": practice.patient_ids[0], "instrument": "PHQ-9", "answers": PHQ9_12},
    )
    assert foreign.status_code == 422


def test_every_read_of_results_is_audited_with_the_patient(practice: Practice) -> None:
    created = post_result(practice, PHQ9_12).json()
    patient = practice.patient_ids[0]
    assert audit_actions(practice, patient).count("assessment.completed") == 1
    practice.get("/assessments/results")
    practice.get(f"/assessments/results/{created['assessmentResultId']}")
    practice.get(f"/assessments/results/{created['assessmentResultId']}/fhir")
    practice.get(f"/patients/{patient}/outcomes")
    assert audit_actions(practice, patient).count("assessment_result.read") == 4
    practice.get(f"/assessments/results/{created['assessmentResultId']}", role="front_desk")
    assert "assessments.get" in audit_actions(practice)  # the denied attempt is audited too


def test_provider_defaults_to_the_patients_primary_provider(practice: Practice) -> None:
    created = post_result(practice, PHQ9_12, patient=1, providerId=None)
    assert created.status_code == 201
    assert created.json()["providerId"] == practice.provider_ids[1]
