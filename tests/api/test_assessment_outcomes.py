"""Baselines (per episode, first ever, explicit), outcome series and the SVG chart."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bhlink.api.app import create_api
from bhlink.config import Settings
from bhlink.store.db import Database
from tests.support.assessments import (
    PHQ9_4,
    PHQ9_8,
    PHQ9_12,
    PHQ9_16,
    audit_actions,
    post_result,
    set_integration_settings,
    written,
)
from tests.support.practice import Practice


def _record_two_episodes(practice: Practice) -> list[dict[str, Any]]:
    """Episode A: 16 then 12; episode B: 8 then 4 (in completion order)."""
    plan = [
        (PHQ9_16, "2026-01-04T16:00:00Z", "ep-a"),
        (PHQ9_12, "2026-01-18T16:00:00Z", "ep-a"),
        (PHQ9_8, "2026-03-01T16:00:00Z", "ep-b"),
        (PHQ9_4, "2026-03-15T16:00:00Z", "ep-b"),
    ]
    results = []
    for answers, when, episode in plan:
        response = post_result(practice, answers, completed_on=when, episodeId=episode)
        assert response.status_code == 201, response.text
        results.append(response.json())
    return results


def _baselines(practice: Practice) -> list[tuple[Any, Any]]:
    items = practice.get(
        "/assessments/results", params={"patientId": practice.patient_ids[0]}
    ).json()["items"]
    return [(i["baselineScore"], i["deltaFromBaseline"]) for i in items]


def test_default_baseline_is_the_first_result_of_the_episode(practice: Practice) -> None:
    _record_two_episodes(practice)
    assert _baselines(practice) == [(16, 0), (16, -4), (8, 0), (8, -4)]


def test_first_ever_mode(practice: Practice) -> None:
    set_integration_settings(practice, {"baselineMode": "first_ever"})
    _record_two_episodes(practice)
    assert _baselines(practice) == [(16, 0), (16, -4), (16, -8), (16, -12)]


def test_results_without_episodes_form_one_series(practice: Practice) -> None:
    for answers, day in ((PHQ9_16, "01"), (PHQ9_8, "02")):
        post_result(practice, answers, completed_on=f"2026-02-{day}T09:00:00Z")
    assert _baselines(practice) == [(16, 0), (16, -8)]


def test_a_backdated_result_becomes_the_baseline(practice: Practice) -> None:
    post_result(practice, PHQ9_12, completed_on="2026-02-01T09:00:00Z")
    post_result(practice, PHQ9_16, completed_on="2026-01-01T09:00:00Z")  # entered late
    assert _baselines(practice) == [(16, -4), (16, 0)]


def test_explicit_mode_and_post_baselines(practice: Practice) -> None:
    set_integration_settings(practice, {"baselineMode": "explicit"})
    results = _record_two_episodes(practice)
    assert _baselines(practice) == [(None, None)] * 4
    before = written(practice)
    path = f"/patients/{practice.patient_ids[0]}/baselines"
    chosen = practice.post(path, {"assessmentResultId": results[1]["assessmentResultId"]})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["baselineScore"] == 12 and chosen.json()["instrument"] == "PHQ-9"
    assert _baselines(practice) == [(12, 4), (12, 0), (12, -4), (12, -8)]
    # Audited; no webhook event (the promised catalogue has no type for it).
    assert "assessment.baseline_set" in audit_actions(practice, practice.patient_ids[0])
    assert written(practice) == before
    # Choosing again replaces the first choice.
    practice.post(path, {"assessmentResultId": results[0]["assessmentResultId"]})
    assert _baselines(practice)[3] == (16, -12)


def test_explicit_choice_applies_within_its_episode(practice: Practice) -> None:
    results = _record_two_episodes(practice)
    path = f"/patients/{practice.patient_ids[0]}/baselines"
    practice.post(path, {"assessmentResultId": results[1]["assessmentResultId"]})
    assert _baselines(practice) == [(12, 4), (12, 0), (8, 0), (8, -4)]


def test_bad_baseline_choices(practice: Practice, other_practice: Practice) -> None:
    theirs = post_result(practice, PHQ9_12, patient=1).json()
    path = f"/patients/{practice.patient_ids[0]}/baselines"
    wrong_patient = practice.post(path, {"assessmentResultId": theirs["assessmentResultId"]})
    assert wrong_patient.status_code == 422
    assert wrong_patient.json()["errors"][0]["field"] == "assessmentResultId"
    cssrs = post_result(
        practice,
        [
            {"questionId": "cssrs_q1", "value": 0},
            {"questionId": "cssrs_q2", "value": 0},
            {"questionId": "cssrs_q6", "value": 0},
        ],
        instrument="C-SSRS-SCREENER",
    ).json()
    no_total = practice.post(path, {"assessmentResultId": cssrs["assessmentResultId"]})
    assert no_total.status_code == 422
    assert practice.post(path, {}).status_code == 422
    unknown_patient = practice.post(
        "/patients/pt_01unknown/baselines", {"assessmentResultId": cssrs["assessmentResultId"]}
    )
    assert unknown_patient.status_code == 404
    clinician = practice.post(
        f"/patients/{practice.patient_ids[1]}/baselines",
        {"assessmentResultId": theirs["assessmentResultId"]},
        role="clinician",
    )
    assert clinician.status_code == 404


def test_invalid_practice_settings_are_a_409_naming_the_setting(practice: Practice) -> None:
    set_integration_settings(
        practice,
        {"baselineMode": "latest", "instrumentSettings": {"GAD-7": {"reliableChange": -1}}},
    )
    response = post_result(practice, PHQ9_12)
    assert response.status_code == 409
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"settings.baselineMode", "settings.instrumentSettings.GAD-7.reliableChange"}


def test_practice_overrides_change_the_reliable_change_test(practice: Practice) -> None:
    set_integration_settings(practice, {"instrumentSettings": {"PHQ-9": {"reliableChange": 4}}})
    post_result(practice, PHQ9_16, completed_on="2026-01-04T16:00:00Z")
    item = post_result(practice, PHQ9_12).json()
    assert item["reliableChange"]["reliable"] is True
    assert item["reliableChange"]["threshold"] == 4


def test_outcome_series_per_instrument(practice: Practice) -> None:
    _record_two_episodes(practice)
    gad = [{"questionId": f"gad7_q{n}", "value": 2} for n in range(1, 8)]
    post_result(practice, gad, instrument="GAD-7", completed_on="2026-02-01T10:00:00Z")
    response = practice.get(f"/patients/{practice.patient_ids[0]}/outcomes")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["baselineMode"] == "first_in_episode"
    assert [s["instrument"] for s in body["instruments"]] == ["GAD-7", "PHQ-9"]
    phq = body["instruments"][1]
    assert [p["scoreTotal"] for p in phq["points"]] == [16, 12, 8, 4]
    assert [p["completedOn"][:10] for p in phq["points"]] == [
        "2026-01-04",
        "2026-01-18",
        "2026-03-01",
        "2026-03-15",
    ]
    assert [p["severity"] for p in phq["points"]] == [
        "moderately_severe",
        "moderate",
        "mild",
        "minimal",
    ]
    assert [p["isBaseline"] for p in phq["points"]] == [True, False, True, False]
    assert phq["baseline"]["scoreTotal"] == 8 and phq["baseline"]["episodeId"] == "ep-b"
    assert phq["latest"]["remission"] is True and phq["latest"]["response"] is True
    assert phq["bands"][0]["code"] == "minimal"
    only = practice.get(
        f"/patients/{practice.patient_ids[0]}/outcomes", params={"instrument": "GAD-7"}
    ).json()
    assert [s["instrument"] for s in only["instruments"]] == ["GAD-7"]
    empty = practice.get(f"/patients/{practice.patient_ids[2]}/outcomes").json()
    assert empty["instruments"] == []
    assert practice.get("/patients/pt_01unknown/outcomes").status_code == 404


def test_svg_chart_of_the_current_episode(practice: Practice) -> None:
    _record_two_episodes(practice)
    response = practice.get(
        f"/patients/{practice.patient_ids[0]}/outcomes",
        params={"format": "svg", "instrument": "PHQ-9"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = response.text
    assert svg.startswith("<svg") and "PHQ-9 scores over time" in svg
    # Episode B only (the current one), baseline 8 on 1 March.
    assert "2026-03-01" in svg and "2026-03-15" in svg and "2026-01-04" not in svg
    assert "baseline 8 on 2026-03-01" in svg


def test_svg_needs_a_known_instrument(practice: Practice) -> None:
    path = f"/patients/{practice.patient_ids[0]}/outcomes"
    missing = practice.get(path, params={"format": "svg"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "instrument"
    unknown = practice.get(path, params={"format": "svg", "instrument": "PHQ9"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "instrument"
    bad_format = practice.get(path, params={"format": "png"})
    assert bad_format.status_code == 422 and bad_format.json()["errors"][0]["field"] == "format"
    empty = practice.get(path, params={"format": "svg", "instrument": "GAD-7"})
    assert empty.status_code == 200 and "No scores recorded." in empty.text


def test_svg_dates_are_the_practices_local_dates(practice: Practice) -> None:
    # 03:30 UTC on 2 February is the evening of 1 February in Chicago (the practice's zone).
    post_result(practice, PHQ9_12, completed_on="2026-02-02T03:30:00Z")
    svg = practice.get(
        f"/patients/{practice.patient_ids[0]}/outcomes",
        params={"format": "svg", "instrument": "PHQ-9"},
    ).text
    assert "2026-02-01" in svg and "2026-02-02" not in svg


def test_svg_needs_the_composed_application(
    practice: Practice, settings: Settings, db: Database
) -> None:
    # The API alone (without server.py's composition) has no chart renderer.
    with TestClient(create_api(settings, db), raise_server_exceptions=False) as api_only:
        response = api_only.get(
            f"{practice.base}/patients/{practice.patient_ids[0]}/outcomes",
            params={"format": "svg", "instrument": "PHQ-9"},
            headers=practice.login(),
        )
    assert response.status_code == 406
