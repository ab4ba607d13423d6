"""Critical answers: risk flag, follow-up task and event in one transaction; acknowledgement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text

from bhlink.services import risk_flags
from tests.support.assessments import (
    PHQ9_12,
    PHQ9_ITEM9,
    audit_actions,
    event_types,
    post_result,
    set_integration_settings,
    written,
)
from tests.support.practice import Practice


def _followups(practice: Practice) -> list[dict[str, Any]]:
    with practice.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, task_type AS type, status, patient_id, assignee_provider_id, reference "
                "FROM tasks WHERE integration_id = :i AND task_type = 'risk_follow_up'"
            ),
            {"i": practice.integration_id},
        )
        return [dict(row._mapping) for row in rows]


def _flags(practice: Practice, patient: int = 0, **params: Any) -> list[dict[str, Any]]:
    response = practice.get(f"/patients/{practice.patient_ids[patient]}/risk-flags", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_phq9_item_9_raises_flag_task_and_event(practice: Practice) -> None:
    result = post_result(practice, PHQ9_ITEM9, patient=1)
    assert result.status_code == 201, result.text
    body = result.json()
    assert body["criticalItems"] == [
        {
            "questionId": "phq9_q9",
            "reason": "item 9 (thoughts of death or self-harm) endorsed: assess suicide risk",
            "score": 1,
        }
    ]
    flags = _flags(practice, patient=1)
    assert len(flags) == 1
    flag = flags[0]
    assert flag["riskFlagId"].startswith("rsk_")
    assert flag["status"] == "open"
    assert flag["assessmentResultId"] == body["assessmentResultId"]
    assert flag["triggers"][0]["questionId"] == "phq9_q9"
    followups = _followups(practice)
    assert len(followups) == 1
    task = followups[0]
    assert task["id"].startswith("tsk_") and task["type"] == "risk_follow_up"
    assert task["status"] == "open"
    # Patient 1's primary provider is provider 1.
    assert task["assignee_provider_id"] == practice.provider_ids[1]
    assert task["reference"] == f"risk_flag:{flag['riskFlagId']}"
    assert flag["followUp"]["taskId"] == task["id"]
    assert flag["followUp"]["assigneeProviderId"] == practice.provider_ids[1]
    assert event_types(practice)[-3:] == [
        "assessment.completed",
        "assessment.critical_item",
        "task.created",
    ]


def test_a_failure_after_the_flag_is_written_leaves_nothing(
    practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    flags_seen: list[str] = []

    def fail_after_the_flag(uow: Any, actor: Any, **kwargs: Any) -> Any:
        # Called once the flag row is flushed into the request's transaction.
        flags_seen.extend(
            row[0]
            for row in uow.session.execute(
                text("SELECT id FROM risk_flags WHERE integration_id = :i"),
                {"i": practice.integration_id},
            )
        )
        raise RuntimeError("task store unavailable")

    monkeypatch.setattr(risk_flags, "create_risk_followup", fail_after_the_flag)
    before = written(practice)
    response = post_result(practice, PHQ9_ITEM9)
    assert response.status_code == 500
    assert len(flags_seen) == 1  # the flag had been written ...
    assert written(practice) == before  # ... and the rollback took it back with the rest
    assert _flags(practice) == []


def test_no_flag_without_a_critical_answer(practice: Practice) -> None:
    post_result(practice, PHQ9_12)
    assert _flags(practice) == [] and _followups(practice) == []
    assert "assessment.critical_item" not in event_types(practice)


@pytest.mark.parametrize(
    ("instrument", "answers", "question"),
    [
        ("EPDS", {f"epds_q{n}": 0 for n in range(1, 10)} | {"epds_q10": 1}, "epds_q10"),
        (
            "CORE-10",
            {f"core10_q{n}": 0 for n in range(1, 10)} | {"core10_q6": 1, "core10_q10": 0},
            "core10_q6",
        ),
        (
            "PHQ-A",
            {f"phqa_q{n}": 0 for n in range(1, 12)} | {"phqa_q12": 1, "phqa_q13": 0},
            "phqa_q12",
        ),
        (
            "C-SSRS-SCREENER",
            {
                "cssrs_q1": 1,
                "cssrs_q2": 1,
                "cssrs_q3": 0,
                "cssrs_q4": 1,
                "cssrs_q5": 0,
                "cssrs_q6": 0,
            },
            "cssrs_q4",
        ),
    ],
)
def test_other_instruments_critical_items_raise_flags(
    practice: Practice, instrument: str, answers: dict[str, int], question: str
) -> None:
    listed = [{"questionId": k, "value": v} for k, v in answers.items()]
    response = post_result(practice, listed, instrument=instrument)
    assert response.status_code == 201, response.text
    flags = _flags(practice)
    assert len(flags) == 1
    assert question in [t["questionId"] for t in flags[0]["triggers"]]


def test_cssrs_moderate_tier_raises_a_flag_without_a_critical_item(practice: Practice) -> None:
    answers = {
        "cssrs_q1": 1,
        "cssrs_q2": 1,
        "cssrs_q3": 1,
        "cssrs_q4": 0,
        "cssrs_q5": 0,
        "cssrs_q6": 0,
    }
    listed = [{"questionId": k, "value": v} for k, v in answers.items()]
    body = post_result(practice, listed, instrument="C-SSRS-SCREENER").json()
    assert body["severity"] == "moderate" and body["criticalItems"] == []
    flags = _flags(practice)
    assert [t["questionId"] for t in flags[0]["triggers"]] == [None]
    assert "moderate" in flags[0]["triggers"][0]["reason"]


def test_acknowledge_with_note_is_audited_and_never_deletes(practice: Practice) -> None:
    post_result(practice, PHQ9_ITEM9)
    flag = _flags(practice)[0]
    path = f"/risk-flags/{flag['riskFlagId']}/acknowledge"
    no_note = practice.post(path, {}, role="clinician")
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    empty = practice.post(path, {"note": ""}, role="clinician")
    assert empty.status_code == 422
    note = "Called the patient; safety plan reviewed, no current intent."
    done = practice.post(path, {"note": note}, role="clinician")
    assert done.status_code == 200, done.text
    acked = done.json()
    assert acked["status"] == "acknowledged"
    assert acked["acknowledgement"]["note"] == note
    assert acked["acknowledgement"]["acknowledgedBy"].startswith("u_")
    assert acked["followUp"]["status"] == "completed"
    assert done.headers["ETag"] == 'W/"2"'
    again = practice.post(path, {"note": "again"}, role="clinician")
    assert again.status_code == 409
    assert [f["status"] for f in _flags(practice)] == ["acknowledged"]
    assert _flags(practice, status="open") == []
    assert "risk_flag.acknowledged" in audit_actions(practice, practice.patient_ids[0])
    assert event_types(practice)[-2:] == ["risk_flag.acknowledged", "task.completed"]
    # The note may describe the patient: it stays out of the audit trail and the events.
    with practice.db.engine.connect() as conn:
        details = [
            str(row[0])
            for row in conn.execute(
                text("SELECT detail FROM audit_events WHERE integration_id = :i"),
                {"i": practice.integration_id},
            )
        ]
    assert not any("safety plan" in detail for detail in details)
    delete = practice.client.delete(
        f"{practice.base}/risk-flags/{flag['riskFlagId']}", headers=practice.login()
    )
    assert delete.status_code in (404, 405)


def test_stale_if_match_is_412(practice: Practice) -> None:
    post_result(practice, PHQ9_ITEM9)
    flag = _flags(practice)[0]
    response = practice.post(
        f"/risk-flags/{flag['riskFlagId']}/acknowledge",
        {"note": "seen"},
        headers={"If-Match": 'W/"7"'},
    )
    assert response.status_code == 412


def test_flags_of_another_caseload_are_hidden(practice: Practice) -> None:
    post_result(practice, PHQ9_ITEM9, patient=1)  # provider 1's patient
    flag_id = _flags(practice, patient=1)[0]["riskFlagId"]
    listing = practice.get(f"/patients/{practice.patient_ids[1]}/risk-flags", role="clinician")
    assert listing.status_code == 404
    ack = practice.post(f"/risk-flags/{flag_id}/acknowledge", {"note": "x"}, role="clinician")
    assert ack.status_code == 404


def test_follow_up_due_time_is_configurable(practice: Practice) -> None:
    set_integration_settings(practice, {"riskFollowUpDueHours": 4})
    post_result(practice, PHQ9_ITEM9)
    flag = _flags(practice)[0]
    raised = datetime.fromisoformat(flag["raisedAt"].replace("Z", "+00:00"))
    due = datetime.fromisoformat(flag["followUp"]["dueAt"].replace("Z", "+00:00"))
    assert (due - raised).total_seconds() == 4 * 3600
