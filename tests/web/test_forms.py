"""Assignments and the patient form over HTTP: one-time links, HTML, validation, refusals."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bhlink.domain.clock import set_clock
from tests.support.assessments import event_types, written
from tests.support.practice import Practice


def assign(practice: Practice, **overrides: Any) -> dict[str, Any]:
    body = {"patientId": practice.patient_ids[0], "instrument": "PHQ-9", "channel": "sms"}
    body.update(overrides)
    response = practice.post("/assessments/assignments", body, role="clinician")
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def form_path(created: dict[str, Any]) -> str:
    return "/forms/" + created["url"].split("/forms/", 1)[1]


def phq9_form(*values: int, item10: int | None = None) -> dict[str, str]:
    fields = {f"phq9_q{n}": str(v) for n, v in enumerate(values, start=1)}
    if item10 is not None:
        fields["phq9_q10"] = str(item10)
    return fields


def test_assignment_returns_the_link_once_and_stores_a_hash(practice: Practice) -> None:
    created = assign(practice, expiresInHours=24)
    assert created["assignmentId"].startswith("asg_")
    assert created["status"] == "pending" and created["channel"] == "sms"
    assert created["url"].startswith("http://127.0.0.1:8000/forms/")
    token = created["url"].rsplit("/", 1)[1]
    assert len(token) == 43  # 32 random bytes, URL-safe base64
    expires = datetime.fromisoformat(created["expiresAt"].replace("Z", "+00:00"))
    made = datetime.fromisoformat(created["createdAt"].replace("Z", "+00:00"))
    assert expires - made == timedelta(hours=24)
    with practice.db.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT token_hash FROM assessment_assignments WHERE id = :id"),
            {"id": created["assignmentId"]},
        ).scalar_one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    again = practice.get(f"/assessments/assignments/{created['assignmentId']}", role="clinician")
    assert again.status_code == 200 and again.json()["url"] is None
    assert "assessment.assigned" in event_types(practice)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"instrument": "EPDS"}, "instrument"),
        ({"instrument": "C-SSRS-SCREENER"}, "instrument"),
        ({"instrument": "PHQ-10"}, "instrument"),
        ({"expiresInHours": 0}, "expiresInHours"),
        ({"channel": "carrier_pigeon"}, "channel"),
        ({"patientId": "pt_01unknown"}, "patientId"),
    ],
)
def test_bad_assignments_are_refused(
    practice: Practice, change: dict[str, Any], field: str
) -> None:
    before = practice.count("assessment_assignments")
    body = {"patientId": practice.patient_ids[0], "instrument": "PHQ-9"} | change
    response = practice.post("/assessments/assignments", body)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert practice.count("assessment_assignments") == before


def test_form_page_is_plain_accessible_html(practice: Practice) -> None:
    created = assign(practice)
    page = practice.client.get(form_path(created))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="en">' in html and 'name="viewport"' in html
    assert html.count("<fieldset") == 10 and html.count("<legend>") == 10
    assert html.count('type="radio"') == 40
    assert "<legend>9. Thoughts that you would be better off dead" in html
    assert "Over the last 2 weeks, how often have you been bothered" in html
    assert (
        '<label><input type="radio" name="phq9_q1" value="0" required> Not at all</label>' in html
    )
    assert '<button type="submit">' in html
    assert "(optional)" in html  # item 10 is recorded but not required
    assert "Test0" not in html  # never the patient's name
    # No external assets, no script.
    assert not re.search(r"(src|href)=\"(https?:)?//", html) and "<script" not in html
    policies = page.headers.get_list("content-security-policy")
    assert len(policies) == 1
    nonce = re.search(r"'nonce-([^']+)'", policies[0])
    assert nonce and f'<style nonce="{nonce.group(1)}">' in html
    assert "default-src 'none'" in policies[0] and "form-action 'self'" in policies[0]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_submission_is_scored_stored_and_the_link_used_once(practice: Practice) -> None:
    created = assign(practice)
    path = form_path(created)
    done = practice.client.post(path, data=phq9_form(2, 1, 2, 1, 2, 1, 2, 1, 0, item10=1))
    assert done.status_code == 200, done.text
    assert "Thank you" in done.text and "988" in done.text
    results = practice.get("/assessments/results").json()["items"]
    assert len(results) == 1
    result = results[0]
    assert result["collectedVia"] == "patient_portal" and result["scoreTotal"] == 12
    assert result["providerId"] == practice.provider_ids[0]
    assert {"questionId": "phq9_q10", "value": 1} in result["answers"]
    status = practice.get(f"/assessments/assignments/{created['assignmentId']}").json()
    assert status["status"] == "completed"
    assert status["assessmentResultId"] == result["assessmentResultId"]

    before = written(practice)
    reuse = practice.client.post(path, data=phq9_form(0, 0, 0, 0, 0, 0, 0, 0, 0))
    assert reuse.status_code == 410
    assert "already been submitted" in reuse.text
    assert written(practice) == before
    reopen = practice.client.get(path)
    assert reopen.status_code == 410


def test_critical_answer_through_the_form_raises_a_flag(practice: Practice) -> None:
    created = assign(practice)
    done = practice.client.post(form_path(created), data=phq9_form(1, 1, 1, 1, 1, 1, 1, 1, 2))
    assert done.status_code == 200
    flags = practice.get(f"/patients/{practice.patient_ids[0]}/risk-flags").json()["items"]
    assert len(flags) == 1 and flags[0]["triggers"][0]["questionId"] == "phq9_q9"


def test_invalid_submission_re_renders_with_errors_naming_each_item(practice: Practice) -> None:
    created = assign(practice)
    path = form_path(created)
    before = written(practice)
    fields = phq9_form(2, 1, 2, 1, 2, 1, 2, 1, 0)
    fields.pop("phq9_q3")
    fields["phq9_q5"] = "7"
    fields["phq9_q6"] = "often"
    response = practice.client.post(path, data=fields)
    assert response.status_code == 422
    html = response.text
    assert 'role="alert"' in html
    assert '<a href="#q-phq9_q3">Question 3: Please choose an answer.</a>' in html
    assert '<a href="#q-phq9_q5">Question 5: Please choose one of the answers listed.</a>' in html
    assert '<a href="#q-phq9_q6">Question 6' in html
    assert 'aria-describedby="err-phq9_q3"' in html
    # Valid choices are kept, so the patient does not start again.
    assert 'name="phq9_q1" value="2" required checked' in html
    assert written(practice) == before
    # The link is still usable after a rejected attempt.
    ok = practice.client.post(path, data=phq9_form(2, 1, 2, 1, 2, 1, 2, 1, 0))
    assert ok.status_code == 200


def test_unknown_and_malformed_links_are_404_pages(practice: Practice) -> None:
    for token in ("A" * 43, "short", "x" * 44, "bad%20token"):
        response = practice.client.get(f"/forms/{token}")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "This link is not valid" in response.text
    before = written(practice)
    posted = practice.client.post("/forms/" + "B" * 43, data=phq9_form(0, 0, 0, 0, 0, 0, 0, 0, 0))
    assert posted.status_code == 404 and written(practice) == before


def test_expired_links_are_410_and_write_nothing(practice: Practice) -> None:
    created = assign(practice, expiresInHours=1)
    path = form_path(created)
    later = datetime.now(UTC) + timedelta(hours=2)
    set_clock(lambda: later)
    try:
        before = written(practice)
        page = practice.client.get(path)
        posted = practice.client.post(path, data=phq9_form(0, 0, 0, 0, 0, 0, 0, 0, 0))
    finally:
        set_clock(None)
    assert page.status_code == 410 and "expired" in page.text
    assert posted.status_code == 410
    assert written(practice) == before
    status = practice.get(f"/assessments/assignments/{created['assignmentId']}").json()
    assert status["status"] == "pending"  # not expired by the real clock yet
    with practice.db.engine.connect() as conn:
        refused = conn.execute(
            text(
                "SELECT count(*) FROM audit_events WHERE integration_id = :i "
                "AND action = 'assessment_form.refused' AND outcome = 'denied'"
            ),
            {"i": practice.integration_id},
        ).scalar_one()
    assert refused == 2


def test_gad7_form_leaves_out_the_unlicensed_difficulty_item(practice: Practice) -> None:
    created = assign(practice, instrument="GAD-7")
    html = practice.client.get(form_path(created)).text
    assert html.count("<fieldset") == 7 and "gad7_q8" not in html
    fields = {f"gad7_q{n}": "1" for n in range(1, 8)}
    assert practice.client.post(form_path(created), data=fields).status_code == 200
