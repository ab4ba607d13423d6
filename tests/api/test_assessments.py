"""POST /assessments and GET /assessments/results: the seed 003 contract, scoring, bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.assessments import (
    PHQ9_8,
    PHQ9_12,
    PHQ9_16,
    assessment,
    event_types,
    phq9,
    post_result,
    written,
)
from tests.support.practice import Practice

SEED_RESULT_KEYS = {
    "assessmentResultId",
    "patientId",
    "instrument",
    "version",
    "scoreTotal",
    "severity",
    "answers",
    "baselineScore",
    "deltaFromBaseline",
    "completedOn",
    "collectedVia",
    "providerId",
}
ADDED_KEYS = {
    "subscales",
    "reliableChange",
    "response",
    "remission",
    "criticalItems",
    "interpretations",
}


def _seed_003_results_section(shared_dir: Path) -> str:
    text = next((shared_dir / "seeds").glob("003_*.txt")).read_text(encoding="utf-8")
    start = text.index("GET /assessments/results")
    return text[start : text.index("Claims", start)]


def _record_seed_series(practice: Practice) -> dict[str, Any]:
    baseline = post_result(practice, PHQ9_16, completed_on="2026-01-04T16:00:00Z")
    assert baseline.status_code == 201, baseline.text
    current = post_result(practice, PHQ9_12, completed_on="2026-01-18T16:31:22Z")
    assert current.status_code == 201, current.text
    return current.json()


def test_seed_003_results_query_replays_with_ids_changed(
    practice: Practice, shared_dir: Path
) -> None:
    section = _seed_003_results_section(shared_dir)
    seed_params = re.findall(r"•\s+(\w+): ", section.split("Example response")[0])
    assert seed_params == ["patientId", "instrument", "completedAfter", "providerId"]
    example = section.split("Example response", 1)[1]
    seed_item = json.loads(example[example.index("{") : example.rindex("}") + 1])["items"][0]
    example_item_keys = set(seed_item)

    _record_seed_series(practice)
    values = {
        "patientId": practice.patient_ids[0],
        "instrument": "PHQ-9",
        "completedAfter": "2026-01-10T00:00:00Z",
        "providerId": practice.provider_ids[0],
    }
    response = practice.get("/assessments/results", params={k: values[k] for k in seed_params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert {"items", "page", "pageSize", "total"} <= set(body)
    assert body["total"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert example_item_keys == SEED_RESULT_KEYS
    assert example_item_keys | ADDED_KEYS <= set(item)
    assert item["assessmentResultId"].startswith("asr_")
    assert item["patientId"] == practice.patient_ids[0]
    assert item["instrument"] == "PHQ-9"
    assert item["version"] == "1.0"
    assert item["scoreTotal"] == 12
    assert item["severity"] == "moderate"
    assert item["answers"][:2] == [
        {"questionId": "phq9_q1", "value": 2},
        {"questionId": "phq9_q2", "value": 1},
    ]
    assert item["baselineScore"] == 16
    assert item["deltaFromBaseline"] == -4
    assert item["completedOn"] == "2026-01-18T16:31:22Z"
    assert item["collectedVia"] == "patient_portal"
    assert item["providerId"] == practice.provider_ids[0]
    for key, seed_value in seed_item.items():
        assert type(item[key]) is type(seed_value), key


def test_result_shape_and_change_flags(practice: Practice) -> None:
    item = _record_seed_series(practice)
    assert set(item) >= SEED_RESULT_KEYS | ADDED_KEYS
    assert isinstance(item["scoreTotal"], int) and isinstance(item["baselineScore"], int)
    assert item["reliableChange"]["change"] == "better"
    assert item["reliableChange"]["reliable"] is False  # 4 points < PHQ-9's 6
    assert item["reliableChange"]["threshold"] == 6
    assert item["response"] is False and item["remission"] is False
    assert item["criticalItems"] == [] and item["subscales"] == {}
    assert [i["code"] for i in item["interpretations"]] == ["positive_screen"]
    assert len(item["answers"]) == 9


def test_reliable_change_emits_its_event(practice: Practice) -> None:
    post_result(practice, PHQ9_16, completed_on="2026-01-04T16:00:00Z")
    assert "assessment.reliable_change" not in event_types(practice)
    item = post_result(practice, PHQ9_8).json()
    assert item["deltaFromBaseline"] == -8
    assert item["reliableChange"]["reliable"] is True
    assert item["reliableChange"]["improved"] is True
    assert item["response"] is True  # 50% reduction
    assert event_types(practice).count("assessment.reliable_change") == 1
    assert event_types(practice).count("assessment.completed") == 2


def test_first_result_is_its_own_baseline(practice: Practice) -> None:
    item = post_result(practice, PHQ9_16).json()
    assert item["baselineScore"] == 16 and item["deltaFromBaseline"] == 0
    assert item["baselineAssessmentResultId"] == item["assessmentResultId"]
    assert item["severity"] == "moderately_severe"


def test_get_one_result_and_the_seed_001_list_alias(practice: Practice) -> None:
    created = post_result(practice, PHQ9_12).json()
    one = practice.get(f"/assessments/results/{created['assessmentResultId']}")
    assert one.status_code == 200
    assert one.json() == created
    listed = practice.get("/assessments", params={"patientId": practice.patient_ids[0]})
    assert listed.status_code == 200
    assert [i["assessmentResultId"] for i in listed.json()["items"]] == [
        created["assessmentResultId"]
    ]


def test_answers_may_be_option_codes(practice: Practice) -> None:
    answers = phq9(0, 0, 0, 0, 0, 0, 0, 0, 0)
    answers[0]["value"] = "nearly_every_day"
    item = post_result(practice, answers).json()
    assert item["scoreTotal"] == 3
    assert item["answers"][0] == {"questionId": "phq9_q1", "value": 3}


def test_completed_on_defaults_to_now_and_may_not_be_future(practice: Practice) -> None:
    body = assessment(practice, PHQ9_12)
    body.pop("completedOn")
    assert practice.post("/assessments", body).status_code == 201
    future = practice.post(
        "/assessments", assessment(practice, PHQ9_12, completed_on="2999-01-01T00:00:00Z")
    )
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "completedOn"


def test_list_filters_and_paging(practice: Practice) -> None:
    for index, answers in enumerate((PHQ9_16, PHQ9_12, PHQ9_8)):
        post_result(practice, answers, completed_on=f"2026-01-0{index + 1}T10:00:00Z")
    post_result(practice, phq9(0, 0, 0, 0, 0, 0, 0, 0, 0), patient=1)
    gad = [{"questionId": f"gad7_q{n}", "value": 1} for n in range(1, 8)]
    post_result(practice, gad, instrument="GAD-7")

    def ids(**params: Any) -> list[str]:
        response = practice.get("/assessments/results", params=params)
        assert response.status_code == 200, response.text
        return [i["instrument"] + ":" + str(i["scoreTotal"]) for i in response.json()["items"]]

    assert ids(instrument="PHQ-9", patientId=practice.patient_ids[0]) == [
        "PHQ-9:16",
        "PHQ-9:12",
        "PHQ-9:8",
    ]
    assert ids(instrument="GAD-7") == ["GAD-7:7"]
    assert ids(completedAfter="2026-01-02T00:00:00Z", instrument="PHQ-9") == [
        "PHQ-9:12",
        "PHQ-9:8",
        "PHQ-9:0",
    ]
    assert ids(providerId=practice.provider_ids[1]) == ["PHQ-9:0"]
    first = practice.get("/assessments/results", params={"pageSize": 2}).json()
    assert len(first["items"]) == 2 and first["total"] == 5 and first["nextCursor"]
    rest = practice.get(
        "/assessments/results", params={"pageSize": 2, "cursor": first["nextCursor"]}
    ).json()
    assert rest["page"] == 2 and len(rest["items"]) == 2
    bad = practice.get("/assessments/results", params={"instrument": "phq9"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "instrument"
    bad_time = practice.get("/assessments/results", params={"completedAfter": "yesterday"})
    assert bad_time.status_code == 422
    assert bad_time.json()["errors"][0]["field"] == "completedAfter"


def test_reference_id_makes_the_post_idempotent(practice: Practice) -> None:
    first = post_result(practice, PHQ9_12, referenceId="ehr-phq-1")
    again = post_result(practice, PHQ9_12, referenceId="ehr-phq-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["assessmentResultId"] == first.json()["assessmentResultId"]
    changed = post_result(practice, PHQ9_16, referenceId="ehr-phq-1")
    assert changed.status_code == 409
    assert changed.json()["errors"][0]["field"] == "referenceId"
    assert practice.count("assessment_results") == 1


def test_idempotency_key_replays_the_first_response(practice: Practice) -> None:
    body = assessment(practice, PHQ9_12)
    headers = {"Idempotency-Key": "mbc-retry-1"}
    first = practice.post("/assessments", body, headers=headers)
    second = practice.post("/assessments", body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert practice.count("assessment_results") == 1


def test_audit_c_cut_off_follows_the_patients_sex_unless_told(practice: Practice) -> None:
    answers = [{"questionId": f"auditc_q{n}", "value": v} for n, v in ((1, 1), (2, 1), (3, 1))]
    recorded = post_result(practice, answers, instrument="AUDIT-C").json()
    assert recorded["severity"] == "positive"  # the test patients are female: cut-off 3
    as_male = post_result(practice, answers, instrument="AUDIT-C", sex="male").json()
    assert as_male["severity"] == "negative"  # men's cut-off 4


def test_cssrs_has_a_tier_and_no_baseline(practice: Practice) -> None:
    answers = [
        {"questionId": "cssrs_q1", "value": 1},
        {"questionId": "cssrs_q2", "value": 0},
        {"questionId": "cssrs_q6", "value": 0},
    ]
    item = post_result(practice, answers, instrument="C-SSRS-SCREENER").json()
    assert item["scoreTotal"] is None and item["severity"] == "low"
    assert item["baselineScore"] is None and item["reliableChange"] is None


# -- malformed submissions: 422 naming the item, nothing written ------------------------------

BAD_ANSWERS: list[tuple[str, dict[str, Any], str]] = [
    ("unknown instrument", {"instrument": "PHQ-10"}, "instrument"),
    (
        "unknown question id",
        {"answers": [*PHQ9_12, {"questionId": "phq9_q99", "value": 1}]},
        "answers.phq9_q99",
    ),
    (
        "out of range",
        {"answers": [*PHQ9_12[:2], {"questionId": "phq9_q3", "value": 4}, *PHQ9_12[3:]]},
        "answers.phq9_q3",
    ),
    (
        "non-integer number",
        {"answers": [*PHQ9_12[:2], {"questionId": "phq9_q3", "value": 2.5}, *PHQ9_12[3:]]},
        "answers.phq9_q3",
    ),
    (
        "text",
        {"answers": [*PHQ9_12[:2], {"questionId": "phq9_q3", "value": "two"}, *PHQ9_12[3:]]},
        "answers.phq9_q3",
    ),
    (
        "boolean",
        {"answers": [*PHQ9_12[:2], {"questionId": "phq9_q3", "value": True}, *PHQ9_12[3:]]},
        "answers.phq9_q3",
    ),
    ("missing item", {"answers": PHQ9_12[:8]}, "answers.phq9_q9"),
    ("answered twice", {"answers": [*PHQ9_12, PHQ9_12[4]]}, "answers.phq9_q5"),
    ("unknown sex", {"sex": "f"}, "sex"),
    ("unknown field", {"score": 12}, "score"),
    ("unknown patient", {"patientId": "pt_01unknown"}, "patientId"),
    ("unknown provider", {"providerId": "prv_01unknown"}, "providerId"),
    ("collection channel", {"collectedVia": "fax"}, "collectedVia"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_ANSWERS, ids=[c[0] for c in BAD_ANSWERS])
def test_malformed_submission_is_422_naming_the_item_and_writes_nothing(
    practice: Practice, case: str, change: dict[str, Any], field: str
) -> None:
    before = written(practice)
    body = assessment(practice, PHQ9_12) | change
    response = practice.post("/assessments", body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [error["field"] for error in response.json()["errors"]]
    assert field in fields
    assert written(practice) == before


def test_errors_never_echo_free_text(practice: Practice) -> None:
    secret = "I feel hopeless since my divorce"
    answers = [*PHQ9_12[:2], {"questionId": "phq9_q3", "value": secret}, *PHQ9_12[3:]]
    answers.append({"questionId": secret, "value": 1})
    response = practice.post("/assessments", assessment(practice, answers))
    assert response.status_code == 422
    assert secret not in response.text
