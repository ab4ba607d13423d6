"""Clinical notes over HTTP: seed 000/001 requests, drafts, signing, co-signing, locking, addenda."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from bhlink.domain import clock
from bhlink.services import notes as notes_service
from tests.api.clinical_support import (
    SOAP,
    SUPERVISEE,
    SUPERVISOR,
    etag,
    note_body,
    supervisee_patient,
)
from tests.support.practice import Practice


@pytest.fixture
def restore_clock() -> Iterator[None]:
    yield
    clock.set_clock(None)


def events(practice: Practice, resource_id: str) -> list[str]:
    with practice.db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT type FROM outbox_events WHERE resource_id = :r ORDER BY seq"),
            {"r": resource_id},
        )
        return [r[0] for r in rows]


def create(practice: Practice, role: str = "clinician", **overrides: object) -> dict[str, object]:
    response = practice.post("/clinical-notes", note_body(practice, **overrides), role=role)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_seed_000_post_clinical_notes_creates_a_structured_draft(practice: Practice) -> None:
    response = practice.post("/clinical-notes", note_body(practice), role="clinician")
    assert response.status_code == 201, response.text
    note = response.json()
    assert note["noteId"].startswith("note_")
    assert note["status"] == "draft" and note["source"] == "clinician"
    assert note["diagnosisCodes"] == ["F41.1"]
    assert note["interventions"] == ["Cognitive restructuring", "Mindfulness practice"]
    assert note["mentalStatusExam"]["mood"] == "anxious"
    # "not assessed" is kept exactly where it was said, and never invented elsewhere.
    assert note["riskAssessment"] == {"suicide": "none", "harm_to_others": "not_assessed"}
    assert note["durationMinutes"] == 50 and note["telehealth"] is True
    assert response.headers["etag"] == 'W/"1"'
    assert practice.count("note_versions") == 1
    assert events(practice, note["noteId"]) == ["note.created"]


def test_risk_assessment_is_never_filled_in_by_default(practice: Practice) -> None:
    note = create(practice, riskAssessment=None)
    assert note["riskAssessment"] is None
    body = note_body(practice)
    del body["riskAssessment"]
    response = practice.post("/notes", body, role="clinician")
    assert response.json()["riskAssessment"] is None


def test_seed_001_ai_draft_stays_a_draft_until_the_clinician_signs(practice: Practice) -> None:
    # An AI drafting service account (admin role) posts for provider 0's clinician.
    draft = practice.post(
        "/notes", note_body(practice, source="ai_draft", status="draft", referenceId="ai-77")
    )
    assert draft.status_code == 201, draft.text
    assert draft.json()["source"] == "ai_draft" and draft.json()["status"] == "draft"
    note_id = draft.json()["noteId"]
    # The pipeline may refine its own draft by referenceId...
    again = practice.post(
        "/notes",
        note_body(practice, source="ai_draft", referenceId="ai-77", interventions=["CBT"]),
    )
    assert again.status_code == 200 and again.json()["interventions"] == ["CBT"]
    # ...but cannot sign it for the clinician, nor create it signed.
    assert practice.post(f"/notes/{note_id}/sign").status_code == 403
    signed_on_create = practice.post("/notes", note_body(practice, status="signed"))
    assert signed_on_create.status_code == 422
    # The clinician reviews, edits and signs.
    current = practice.get(f"/notes/{note_id}", role="clinician")
    edited = practice.patch(
        f"/notes/{note_id}",
        {"sections": {**SOAP, "plan": "Reviewed and edited by the clinician."}},
        role="clinician",
        headers=etag(current),
    )
    assert edited.status_code == 200, edited.text
    signed = practice.post(f"/notes/{note_id}/sign", role="clinician")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert signed.json()["source"] == "ai_draft"


def test_a_note_for_another_provider_must_say_it_is_a_draft_source(practice: Practice) -> None:
    before = practice.count("clinical_notes")
    response = practice.post("/clinical-notes", note_body(practice))  # admin, no source
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["source"]
    as_clinician = practice.post("/clinical-notes", note_body(practice, source="clinician"))
    assert as_clinician.status_code == 422
    other = practice.post(
        "/clinical-notes",
        note_body(practice, providerId=practice.provider_ids[1]),
        role="clinician",
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "providerId"
    assert practice.count("clinical_notes") == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"diagnosisCodes": ["F41.1", "Q99.9"]}, "diagnosisCodes[1]"),
        ({"diagnosisCodes": ["I10"]}, "diagnosisCodes[0]"),
        ({"diagnosisCodes": ["F41"]}, "diagnosisCodes[0]"),
        ({"serviceCode": "12345"}, "serviceCode"),
        ({"mentalStatusExam": {"aura": "blue"}}, "mentalStatusExam.aura"),
        ({"riskAssessment": {"suicide": "maybe"}}, "riskAssessment.suicide"),
        ({"sections": {"plan": "x", "vibes": "y"}}, "sections.vibes"),
        ({"appointmentId": "apt_01jnotthere"}, "appointmentId"),
        ({"sessionEnd": "2026-01-20T14:00:00Z"}, "sessionEnd"),
        ({"goalsAddressed": [{"objectiveId": "obj_01jnothere"}]}, "goalsAddressed[0].objectiveId"),
        ({"noteType": "journal"}, "noteType"),
    ],
)
def test_bad_content_is_422_naming_the_field_and_nothing_is_written(
    practice: Practice, overrides: dict[str, object], field: str
) -> None:
    before = (practice.count("clinical_notes"), practice.count("note_versions"))
    response = practice.post("/clinical-notes", note_body(practice, **overrides), role="clinician")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (practice.count("clinical_notes"), practice.count("note_versions")) == before


def test_patch_needs_if_match_and_a_current_version(practice: Practice) -> None:
    note = create(practice)
    path = f"/clinical-notes/{note['noteId']}"
    missing = practice.patch(path, {"interventions": ["A"]}, role="clinician")
    assert missing.status_code == 428
    stale = practice.patch(
        path, {"interventions": ["A"]}, role="clinician", headers={"If-Match": 'W/"7"'}
    )
    assert stale.status_code == 412
    assert practice.count("note_versions") == 1
    ok = practice.patch(
        path, {"interventions": ["A"]}, role="clinician", headers={"If-Match": 'W/"1"'}
    )
    assert ok.status_code == 200 and ok.headers["etag"] == 'W/"2"'
    versions = practice.get(f"{path}/versions", role="clinician").json()["items"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["content"]["interventions"] == ["A"]
    assert events(practice, str(note["noteId"])) == ["note.created", "note.updated"]


def test_signing_checks_the_note_is_complete(practice: Practice) -> None:
    note = create(practice, sections={"subjective": "only this"})
    response = practice.post(f"/clinical-notes/{note['noteId']}/sign", role="clinician")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"sections.objective", "sections.assessment", "sections.plan"} <= fields
    assert (
        practice.get(f"/clinical-notes/{note['noteId']}", role="clinician").json()["status"]
        == "draft"
    )


def test_a_signed_note_cannot_be_edited_by_any_role_through_any_endpoint(
    practice: Practice,
) -> None:
    note_id = str(create(practice, referenceId="ica-1")["noteId"])
    signed = practice.post(f"/clinical-notes/{note_id}/sign", role="clinician")
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["status"] == "signed" and len(body["contentHash"]) == 64
    assert body["signatures"][0]["role"] == "author"
    assert body["signatures"][0]["contentHash"] == body["contentHash"]
    for role in ("clinician", "admin"):
        for collection in ("clinical-notes", "notes"):
            patched = practice.patch(
                f"/{collection}/{note_id}", {"sections": SOAP}, role=role, headers=etag(signed)
            )
            assert patched.status_code == 409, (role, patched.text)
        reposted = practice.post("/notes", note_body(practice, referenceId="ica-1"), role=role)
        assert reposted.status_code in (409, 422), (role, reposted.text)
        assert practice.post(f"/notes/{note_id}/sign", role=role).status_code in (403, 409)
    again = practice.get(f"/notes/{note_id}", role="clinician").json()
    assert again["sections"] == SOAP and again["version"] == body["version"]
    assert practice.count("note_versions") == 1


def test_supervisee_notes_need_the_supervisors_cosignature(practice: Practice) -> None:
    patient_id = supervisee_patient(practice)
    supervisee = {"role": "clinician", "provider_index": SUPERVISEE}
    body = note_body(practice, patientId=patient_id, providerId=practice.provider_ids[SUPERVISEE])
    created = practice.client.post(
        practice.base + "/clinical-notes", json=body, headers=practice.login(**supervisee)
    )
    assert created.status_code == 201, created.text
    note_id = created.json()["noteId"]
    path = f"{practice.base}/clinical-notes/{note_id}"
    signed = practice.client.post(f"{path}/sign", headers=practice.login(**supervisee))
    assert signed.json()["status"] == "pending_cosign"
    assert signed.json()["requiresCosign"] is True
    assert signed.json()["supervisorProviderId"] == practice.provider_ids[SUPERVISOR]
    tasks = practice.get("/tasks", params={"type": "cosign_note"}).json()["items"]
    assert [t["resourceId"] for t in tasks] == [note_id]
    assert tasks[0]["assigneeProviderId"] == practice.provider_ids[SUPERVISOR]
    # Neither the author nor an unrelated clinician nor an admin co-signs.
    assert (
        practice.client.post(f"{path}/cosign", headers=practice.login(**supervisee)).status_code
        == 403
    )
    assert practice.post(f"/clinical-notes/{note_id}/cosign").status_code == 403
    assert practice.post(f"/clinical-notes/{note_id}/cosign", role="clinician").status_code == 404
    # Pending co-signature is not signed: no lock, no addendum yet.
    assert practice.post(f"/clinical-notes/{note_id}/lock").status_code == 409
    cosigned = practice.post(f"/clinical-notes/{note_id}/cosign", role="supervisor")
    assert cosigned.status_code == 200, cosigned.text
    assert cosigned.json()["status"] == "signed"
    assert [s["role"] for s in cosigned.json()["signatures"]] == ["author", "cosigner"]
    done = practice.get("/tasks", params={"type": "cosign_note"}).json()["items"][0]
    assert done["status"] == "completed"
    assert events(practice, note_id)[-2:] == ["note.signed", "note.cosigned"]


def test_lock_then_addenda_still_append_with_a_reason(practice: Practice) -> None:
    note_id = str(create(practice)["noteId"])
    path = f"/clinical-notes/{note_id}"
    assert (
        practice.post(
            f"{path}/addenda", {"reason": "late_entry", "text": "x"}, role="clinician"
        ).status_code
        == 409
    )
    practice.post(f"{path}/sign", role="clinician")
    locked = practice.post(f"{path}/lock", role="clinician")
    assert locked.status_code == 200 and locked.json()["status"] == "locked"
    assert locked.json()["locked"] is True
    assert practice.post(f"{path}/lock", role="clinician").status_code == 409
    no_reason = practice.post(f"{path}/addenda", {"text": "Called patient."}, role="clinician")
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    bad_reason = practice.post(
        f"{path}/addenda", {"reason": "felt_like_it", "text": "x"}, role="clinician"
    )
    assert bad_reason.status_code == 422
    needs_why = practice.post(
        f"{path}/addenda", {"reason": "other_with_explanation", "text": "x"}, role="clinician"
    )
    assert needs_why.status_code == 422
    assert needs_why.json()["errors"][0]["field"] == "addendum.explanation"
    not_a_correction = practice.post(
        f"{path}/amend", {"reason": "late_entry", "text": "x"}, role="clinician"
    )
    assert not_a_correction.status_code == 422
    assert (
        practice.post(f"{path}/addenda", {"reason": "late_entry", "text": "x"}).status_code == 403
    )
    added = practice.post(
        f"{path}/addenda",
        {"reason": "late_entry", "text": "Patient called back; safety plan reviewed."},
        role="clinician",
    )
    assert added.status_code == 201, added.text
    amended = practice.post(
        f"{path}/amend",
        {"reason": "correction_of_error", "text": "Session was 45 minutes, not 50."},
        role="clinician",
    )
    assert amended.status_code == 201
    note = amended.json()
    assert note["status"] == "amended" and note["locked"] is True
    assert note["sections"] == SOAP  # the signed content itself never changed
    assert [a["kind"] for a in note["addenda"]] == ["addendum", "amendment"]
    assert note["addenda"][1]["previousHash"] == note["addenda"][0]["contentHash"]
    assert [
        v["reason"] for v in practice.get(f"{path}/versions", role="clinician").json()["items"]
    ] == [
        "created",
        "addendum",
        "amendment",
    ]
    assert events(practice, note_id)[-2:] == ["note.addendum_added", "note.amended"]


def test_signed_notes_lock_themselves_after_the_configured_hours(
    practice: Practice, restore_clock: None
) -> None:
    note_id = str(create(practice)["noteId"])
    signed = practice.post(f"/clinical-notes/{note_id}/sign", role="clinician").json()
    later = clock.utcnow() + timedelta(hours=practice.app.state.settings.note_auto_lock_hours + 1)
    clock.set_clock(lambda: later)
    practice._tokens.clear()  # sessions of the past have idled out by then
    seen = practice.get(f"/clinical-notes/{note_id}", role="clinician").json()
    assert seen["status"] == "locked" and seen["lockedAt"] is not None
    assert seen["contentHash"] == signed["contentHash"]
    assert events(practice, note_id)[-1] == "note.locked"


def test_lock_due_command_service_locks_in_bulk(practice: Practice) -> None:
    first = str(create(practice)["noteId"])
    second = str(create(practice)["noteId"])
    draft = str(create(practice)["noteId"])
    for note_id in (first, second):
        practice.post(f"/clinical-notes/{note_id}/sign", role="clinician")
    settings = practice.app.state.settings
    future = clock.utcnow() + timedelta(hours=settings.note_auto_lock_hours + 1)
    with practice.db.unit_of_work() as uow:
        assert notes_service.lock_due(uow, practice.integration_id, settings, future) == 2
        uow.commit()
    with practice.db.unit_of_work() as uow:
        assert notes_service.lock_due(uow, practice.integration_id, settings, future) == 0
    statuses = {n["noteId"]: n["status"] for n in practice.get("/clinical-notes").json()["items"]}
    assert statuses == {first: "locked", second: "locked", draft: "draft"}


def test_list_filters_and_caseload(practice: Practice) -> None:
    mine = str(create(practice)["noteId"])
    other = practice.post(
        "/clinical-notes",
        note_body(
            practice,
            patientId=practice.patient_ids[1],
            providerId=practice.provider_ids[1],
            source="import",
            noteType="intake",
        ),
    )
    assert other.status_code == 201, other.text
    seen = practice.get("/clinical-notes", role="clinician").json()
    assert [n["noteId"] for n in seen["items"]] == [mine]
    everything = practice.get("/notes").json()
    assert everything["total"] == 2
    intake = practice.get("/notes", params={"type": "intake"}).json()["items"]
    assert [n["noteId"] for n in intake] == [other.json()["noteId"]]
    by_patient = practice.get("/notes", params={"patientId": practice.patient_ids[0]}).json()
    assert [n["noteId"] for n in by_patient["items"]] == [mine]
    assert practice.get("/notes", params={"status": "signed"}).json()["total"] == 0
    hidden = practice.get(f"/notes/{other.json()['noteId']}", role="clinician")
    assert hidden.status_code == 404
    paged = practice.get("/notes", params={"pageSize": 1}).json()
    assert len(paged["items"]) == 1 and paged["nextCursor"]
    rest = practice.get("/notes", params={"pageSize": 1, "cursor": paged["nextCursor"]}).json()
    assert {paged["items"][0]["noteId"], rest["items"][0]["noteId"]} == {
        mine,
        other.json()["noteId"],
    }


def test_reads_are_audited(practice: Practice) -> None:
    note_id = str(create(practice)["noteId"])
    practice.get(f"/clinical-notes/{note_id}", role="clinician")
    practice.get("/clinical-notes", role="clinician")
    with practice.db.engine.connect() as conn:
        actions = [
            r[0]
            for r in conn.execute(
                text("SELECT action FROM audit_events WHERE resource_id = :r"), {"r": note_id}
            )
        ]
    assert actions.count("note.read") == 2 and "note.created" in actions


def test_other_tenants_never_see_a_note(practice: Practice, other_practice: Practice) -> None:
    note_id = str(create(practice)["noteId"])
    assert other_practice.get(f"/clinical-notes/{note_id}").status_code == 404
    assert other_practice.get("/clinical-notes").json()["total"] == 0


def test_bad_transitions_are_409_and_write_nothing(practice: Practice) -> None:
    note_id = str(create(practice)["noteId"])
    path = f"/clinical-notes/{note_id}"
    tables = ("outbox_events", "note_versions", "note_signatures", "note_addenda", "tasks")
    before = [practice.count(t) for t in tables]
    for action, body in (
        ("cosign", None),
        ("lock", None),
        ("addenda", {"reason": "late_entry", "text": "x"}),
        ("amend", {"reason": "correction_of_error", "text": "x"}),
    ):
        response = practice.post(f"{path}/{action}", body, role="clinician")
        assert response.status_code in (403, 409), (action, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    practice.post(f"{path}/sign", role="clinician")
    after_sign = [practice.count(t) for t in tables]
    assert practice.post(f"{path}/sign", role="clinician").status_code == 409
    assert practice.post(f"{path}/cosign", role="clinician").status_code in (403, 409)
    assert [practice.count(t) for t in tables] == after_sign
    assert after_sign[0] == before[0] + 1  # only note.signed was emitted
