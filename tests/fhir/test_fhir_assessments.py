"""FHIR R4 mapping of scored instruments, validated with fhir.resources' R4B models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from bhlink.domain.instruments import score
from bhlink.fhir import (
    AssessmentRecord,
    FhirMappingError,
    fhir_id,
    questionnaire_response,
    score_observation,
)

COMPLETED = datetime(2026, 1, 18, 16, 31, 22, tzinfo=UTC)
PHQ9 = {f"phq9_q{n}": 1 for n in range(1, 10)} | {"phq9_q3": 2, "phq9_q10": 1}


def record(instrument_id: str, answers: dict[str, Any], **kwargs: Any) -> AssessmentRecord:
    result = score(instrument_id, answers, sex=kwargs.pop("sex", None))
    return AssessmentRecord.from_result(
        result_id=kwargs.pop("result_id", "asr_01hqzt5v8k"),
        patient_id=kwargs.pop("patient_id", "pt_92c10f"),
        result=result,
        completed_at=kwargs.pop("completed_at", COMPLETED),
        performer_id=kwargs.pop("performer_id", None),
    )


def test_questionnaire_response_validates_and_carries_the_answers() -> None:
    resource = questionnaire_response(record("PHQ-9", PHQ9))
    QuestionnaireResponse.model_validate(resource)
    assert resource["status"] == "completed"
    assert resource["id"] == "asr-01hqzt5v8k"
    assert resource["questionnaire"] == "https://bhlink.dev/fhir/Questionnaire/phq-9|1.0"
    assert resource["subject"] == {"reference": "Patient/pt-92c10f"}
    assert resource["authored"] == "2026-01-18T16:31:22Z"
    items = {item["linkId"]: item for item in resource["item"]}
    assert len(items) == 10  # nine symptoms plus the recorded difficulty item
    assert items["phq9_q3"]["answer"] == [
        {
            "valueCoding": {
                "system": "http://loinc.org",
                "code": "LA6570-1",
                "display": "More than half the days",
            }
        }
    ]
    assert items["phq9_q10"]["answer"][0]["valueCoding"]["code"] == "LA6573-5"
    assert items["phq9_q1"]["text"] == "Little interest or pleasure in doing things"


def test_answers_without_a_loinc_answer_code_are_integers() -> None:
    resource = questionnaire_response(record("PCL-5", {f"pcl5_q{n}": n % 5 for n in range(1, 21)}))
    QuestionnaireResponse.model_validate(resource)
    assert resource["item"][3]["answer"] == [{"valueInteger": 4}]


def test_licensed_wording_never_reaches_the_questionnaire_response() -> None:
    resource = questionnaire_response(record("EPDS", {f"epds_q{n}": 1 for n in range(1, 11)}))
    QuestionnaireResponse.model_validate(resource)
    assert all("text" not in item for item in resource["item"])
    assert resource["item"][2]["answer"] == [{"valueInteger": 1}]  # position, not score


def test_skipped_items_are_left_out() -> None:
    answers = {"cssrs_q1": 1, "cssrs_q2": 0, "cssrs_q6": 0}
    resource = questionnaire_response(record("C-SSRS-SCREENER", answers))
    QuestionnaireResponse.model_validate(resource)
    assert [item["linkId"] for item in resource["item"]] == ["cssrs_q1", "cssrs_q2", "cssrs_q6"]
    assert resource["item"][0]["answer"][0]["valueCoding"]["code"] == "LA33-6"


def test_observation_is_us_core_screening_assessment_shaped() -> None:
    resource = score_observation(record("PHQ-9", PHQ9, performer_id="prv_41cf92"))
    Observation.model_validate(resource)
    assert resource["status"] == "final"
    categories = [category["coding"][0] for category in resource["category"]]
    assert categories[0]["code"] == "survey"
    assert categories[0]["system"] == "http://terminology.hl7.org/CodeSystem/observation-category"
    assert categories[1]["system"] == "http://hl7.org/fhir/us/core/CodeSystem/us-core-category"
    assert resource["code"]["coding"] == [{"system": "http://loinc.org", "code": "44261-6"}]
    assert resource["valueQuantity"] == {
        "value": 10,
        "unit": "{score}",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    assert resource["effectiveDateTime"] == "2026-01-18T16:31:22Z"
    assert resource["performer"] == [{"reference": "Practitioner/prv-41cf92"}]
    assert resource["derivedFrom"] == [{"reference": "QuestionnaireResponse/asr-01hqzt5v8k"}]
    assert resource["interpretation"][0]["coding"][0]["code"] == "moderate"
    assert resource["subject"] == {"reference": "Patient/pt-92c10f"}


def test_performer_and_us_core_category_are_optional() -> None:
    resource = score_observation(
        record("GAD-7", {f"gad7_q{n}": 0 for n in range(1, 8)}), us_core_category=None
    )
    Observation.model_validate(resource)
    assert "performer" not in resource
    assert len(resource["category"]) == 1


def test_invalid_us_core_category_is_refused() -> None:
    with pytest.raises(FhirMappingError) as caught:
        score_observation(
            record("GAD-7", {f"gad7_q{n}": 0 for n in range(1, 8)}), us_core_category="mood"
        )
    assert caught.value.field == "us_core_category"


def test_subscales_become_components() -> None:
    resource = score_observation(record("PCL-5", {f"pcl5_q{n}": 2 for n in range(1, 21)}))
    Observation.model_validate(resource)
    assert resource["code"]["coding"][0]["code"] == "101698-9"
    components = {
        c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in resource["component"]
    }
    assert components == {
        "cluster_b_intrusion": 10,
        "cluster_c_avoidance": 4,
        "cluster_d_cognition_mood": 14,
        "cluster_e_arousal_reactivity": 12,
    }


def test_instrument_without_loinc_total_gets_a_bhlink_code() -> None:
    resource = score_observation(record("K10", {f"k10_q{n}": 3 for n in range(1, 11)}))
    Observation.model_validate(resource)
    assert resource["code"]["coding"] == [
        {"system": "https://bhlink.dev/fhir/CodeSystem/instrument-total-score", "code": "k10"}
    ]


def test_cssrs_tier_is_a_coded_value_not_a_quantity() -> None:
    answers = {
        "cssrs_q1": 1,
        "cssrs_q2": 1,
        "cssrs_q3": 0,
        "cssrs_q4": 1,
        "cssrs_q5": 0,
        "cssrs_q6": 0,
    }
    resource = score_observation(record("C-SSRS-SCREENER", answers))
    Observation.model_validate(resource)
    assert "valueQuantity" not in resource
    assert resource["code"]["coding"][0]["code"] == "93374-7"
    assert resource["valueCodeableConcept"]["coding"][0]["code"] == "high"


def test_prorated_total_is_kept_as_a_decimal() -> None:
    answers = {f"core10_q{n}": 1 for n in range(1, 10)}
    resource = score_observation(record("CORE-10", answers))
    Observation.model_validate(resource)
    # Items 2 and 3 are reversed (value 1 scores 3): 7 x 1 + 2 x 3 = 13; 13 / 9 x 10 = 14.4.
    assert resource["valueQuantity"]["value"] == pytest.approx(14.4)


def test_times_are_rendered_in_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    resource = questionnaire_response(
        record("PHQ-9", PHQ9, completed_at=datetime(2026, 1, 18, 18, 31, 22, tzinfo=plus_two))
    )
    assert resource["authored"] == "2026-01-18T16:31:22Z"


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(FhirMappingError) as caught:
        questionnaire_response(record("PHQ-9", PHQ9, completed_at=datetime(2026, 1, 18, 16, 31)))
    assert caught.value.field == "completed_at"


@pytest.mark.parametrize("bad", ["", "pt 92", "x" * 65, "pt/92"])
def test_ids_that_cannot_be_fhir_ids_are_refused(bad: str) -> None:
    with pytest.raises(FhirMappingError):
        fhir_id(bad)


def test_record_must_be_consistent() -> None:
    good = record("PHQ-9", PHQ9)
    gad = score("GAD-7", {f"gad7_q{n}": 0 for n in range(1, 8)})
    mismatched = AssessmentRecord(
        result_id=good.result_id,
        patient_id=good.patient_id,
        instrument_id="PHQ-9",
        answers=good.answers,
        score=gad,
        completed_at=COMPLETED,
    )
    with pytest.raises(FhirMappingError) as caught:
        score_observation(mismatched)
    assert caught.value.field == "score"
    bad_answer = AssessmentRecord(
        result_id=good.result_id,
        patient_id=good.patient_id,
        instrument_id="PHQ-9",
        answers={**good.answers, "phq9_q1": 7},
        score=good.score,
        completed_at=COMPLETED,
    )
    with pytest.raises(FhirMappingError) as caught:
        questionnaire_response(bad_answer)
    assert caught.value.field == "answers.phq9_q1"
