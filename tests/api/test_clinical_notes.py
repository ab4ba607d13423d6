"""Clinical notes over HTTP: seed 000/001 requests, drafts, signing, co-signing, locking, addenda."""

from __future__ import annotations

from tests.api.clinical_support import SOAP, etag, note_body
from tests.support.practice import Practice


def test_seed_000_post_clinical_notes_creates_a_structured_draft(practice: Practice) -> None:
    response = practice.post("/clinical-notes", note_body(practice), role="clinician")
    assert response.status_code == 201, response.text
    note = response.json()
    assert note["noteId"].startswith("note_")
    assert note["status"] == "draft" and note["source"] == "clinician"
    assert note["diagnosisCodes"] == ["F41.1"]
    assert note["riskAssessment"] == {"suicide": "none", "harm_to_others": "not_assessed"}
    assert note["durationMinutes"] == 50
    assert response.headers["etag"] == 'W/"1"'
    assert practice.count("note_versions") == 1


def test_sign_then_no_endpoint_changes_content(practice: Practice) -> None:
    note = practice.post("/clinical-notes", note_body(practice, referenceId="ica-1"), role="clinician")
    note_id = note.json()["noteId"]
    signed = practice.post(f"/clinical-notes/{note_id}/sign", role="clinician")
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed"
    assert len(signed.json()["contentHash"]) == 64
    for role in ("clinician", "admin", "supervisor"):
        patched = practice.patch(
            f"/clinical-notes/{note_id}", {"sections": SOAP}, role=role, headers=etag(signed)
        )
        assert patched.status_code in (404, 409), (role, patched.text)
    reposted = practice.post("/notes", note_body(practice, referenceId="ica-1"), role="clinician")
    assert reposted.status_code == 409
    again = practice.get(f"/notes/{note_id}", role="clinician").json()
    assert again["sections"] == SOAP and again["version"] == signed.json()["version"]
