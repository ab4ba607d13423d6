"""Note packets (JSON and PDF), tamper detection, psychotherapy-note segregation, 42 CFR Part 2."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from tests.api.clinical_support import note_body
from tests.support.practice import Practice

PSYCHOTHERAPY = {
    "noteType": "psychotherapy_note",
    "format": "narrative",
    "sections": {"text": "Process notes on the session's themes."},
    "diagnosisCodes": [],
    "mentalStatusExam": None,
    "riskAssessment": None,
}
RECIPIENT = "Harbor Recovery Clinic"


def signed_note(practice: Practice, **overrides: Any) -> str:
    created = practice.post("/clinical-notes", note_body(practice, **overrides), role="clinician")
    assert created.status_code == 201, created.text
    note_id: str = created.json()["noteId"]
    signed = practice.post(f"/clinical-notes/{note_id}/sign", role="clinician")
    assert signed.status_code == 200, signed.text
    return note_id


def audit_actions(practice: Practice, **where: str) -> list[str]:
    clause = " AND ".join(f"{k} = :{k}" for k in where)
    with practice.db.engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT action FROM audit_events WHERE integration_id = :i AND {clause}"),
            {"i": practice.integration_id, **where},
        )
        return [r[0] for r in rows]


def part2_consent(practice: Practice, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "part2_disclosure",
        "discloser": "Test practice SUD program",
        "recipient": RECIPIENT,
        "purpose": "Coordination of care after discharge",
        "informationDescription": "Progress notes and diagnoses for the last 90 days",
        "expiresOn": (date.today() + timedelta(days=90)).isoformat(),
        "signedBy": "Test0 Patient",
        "signatureDate": date.today().isoformat(),
    }
    body.update(overrides)
    return body


def make_part2(practice: Practice, index: int = 0) -> str:
    patient_id = practice.patient_ids[index]
    response = practice.patch(f"/patients/{patient_id}", {"part2": True})
    assert response.status_code == 200, response.text
    return patient_id


def test_packet_has_note_versions_signatures_addenda_and_audit_trail(practice: Practice) -> None:
    note_id = signed_note(practice)
    practice.post(
        f"/clinical-notes/{note_id}/addenda",
        {"reason": "clarification", "text": "Homework: thought record."},
        role="clinician",
    )
    packet = practice.get(f"/clinical-notes/{note_id}/packet", role="clinician")
    assert packet.status_code == 200, packet.text
    body = packet.json()
    assert body["contentVerified"] is True
    assert body["contentHash"] == body["computedContentHash"] == body["note"]["contentHash"]
    assert [s["role"] for s in body["signatures"]] == ["author"]
    assert [a["reason"] for a in body["addenda"]] == ["clarification"]
    assert [v["reason"] for v in body["versions"]] == ["created", "addendum"]
    actions = [e["action"] for e in body["auditEvents"]]
    assert actions[:2] == ["note.created", "note.signed"] and "note.addendum_added" in actions
    assert body["disclosure"] is None
    assert "note.packet" in audit_actions(practice, resource_id=note_id)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("sections", '{"subjective": "edited behind the API"}'),
        ("diagnosis_codes", '["F32.A"]'),
        ("service_code", "90837"),
        ("patient_id", None),
    ],
)
def test_tampering_with_a_stored_note_is_detected(
    practice: Practice, column: str, value: str | None
) -> None:
    note_id = signed_note(practice)
    placeholder = ":v"
    if column in ("sections", "diagnosis_codes") and practice.db.dialect == "postgresql":
        placeholder = "CAST(:v AS JSONB)"
    with practice.db.engine.begin() as conn:
        conn.execute(
            text(f"UPDATE clinical_notes SET {column} = {placeholder} WHERE id = :n"),
            {"n": note_id, "v": value if value is not None else practice.patient_ids[2]},
        )
    packet = practice.get(f"/clinical-notes/{note_id}/packet").json()
    assert packet["contentVerified"] is False
    assert packet["computedContentHash"] != packet["contentHash"]
    assert "note.integrity_failed" in audit_actions(practice, resource_id=note_id)


def test_tampering_with_an_addendum_is_detected(practice: Practice) -> None:
    note_id = signed_note(practice)
    practice.post(
        f"/clinical-notes/{note_id}/addenda",
        {"reason": "late_entry", "text": "Original text."},
        role="clinician",
    )
    with practice.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE note_addenda SET text = 'Rewritten.' WHERE note_id = :n"), {"n": note_id}
        )
    assert practice.get(f"/clinical-notes/{note_id}/packet").json()["contentVerified"] is False


def test_pdf_of_a_signed_note(practice: Practice) -> None:
    draft = practice.post("/clinical-notes", note_body(practice), role="clinician").json()
    refused = practice.get(f"/clinical-notes/{draft['noteId']}/packet.pdf", role="clinician")
    assert refused.status_code == 409
    note_id = signed_note(
        practice, sections={**note_body(practice)["sections"], "plan": "Café <b>CBT</b> & rest"}
    )
    response = practice.get(f"/clinical-notes/{note_id}/packet.pdf", role="clinician")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    content = " ".join(page.extract_text() for page in reader.pages)
    assert "Progress note" in content
    assert "Café <b>CBT</b> & rest" in content  # markup in notes is text, not formatting
    assert "F41.1" in content and note_id in content


def test_psychotherapy_notes_are_seen_only_by_author_and_admins(practice: Practice) -> None:
    progress = signed_note(practice)
    psycho = practice.post(
        "/clinical-notes", note_body(practice, **PSYCHOTHERAPY), role="clinician"
    )
    assert psycho.status_code == 201, psycho.text
    psycho_id = psycho.json()["noteId"]
    # A second clinician on the patient's care team sees the progress note, not the other.
    practice.user("clinician", provider_index=3)
    practice.patch(
        f"/patients/{practice.patient_ids[0]}",
        {"careTeam": [{"providerId": practice.provider_ids[3]}]},
    )
    colleague = practice.login("clinician", provider_index=3)
    listed = practice.client.get(f"{practice.base}/clinical-notes", headers=colleague).json()
    assert [n["noteId"] for n in listed["items"]] == [progress]
    single = practice.client.get(f"{practice.base}/clinical-notes/{psycho_id}", headers=colleague)
    assert single.status_code == 404
    assert practice.get(f"/clinical-notes/{psycho_id}", role="clinician").status_code == 200
    assert {n["noteId"] for n in practice.get("/clinical-notes").json()["items"]} == {
        progress,
        psycho_id,
    }


def test_psychotherapy_notes_keep_out_diagnoses_and_stay_out_of_packets(practice: Practice) -> None:
    with_dx = practice.post(
        "/clinical-notes",
        note_body(practice, **{**PSYCHOTHERAPY, "diagnosisCodes": ["F41.1"]}),
        role="clinician",
    ).json()
    refused = practice.post(f"/clinical-notes/{with_dx['noteId']}/sign", role="clinician")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "diagnosisCodes"
    psycho_id = signed_note(practice, **PSYCHOTHERAPY)
    path = f"/clinical-notes/{psycho_id}/packet"
    assert practice.get(path, role="clinician").status_code == 403
    assert practice.get(path).status_code == 403
    assert (
        practice.get(
            path, role="clinician", params={"includePsychotherapyNotes": "true"}
        ).status_code
        == 403
    )
    released = practice.get(path, params={"includePsychotherapyNotes": "true"})
    assert released.status_code == 200
    assert "note.psychotherapy_note_released" in audit_actions(practice, resource_id=psycho_id)


def test_exports_leave_out_psychotherapy_notes_unless_an_admin_asks(practice: Practice) -> None:
    progress = signed_note(practice)
    psycho = signed_note(practice, **PSYCHOTHERAPY)
    path = f"/patients/{practice.patient_ids[0]}/export"
    exported = practice.get(path, params={"recipient": "Dr. Lee"}).json()
    assert [n["noteId"] for n in exported["notes"]] == [progress]
    assert exported["disclosure"] == {"recipient": "Dr. Lee", "part2": False}
    as_clinician = practice.get(
        path, role="clinician", params={"recipient": "Dr. Lee", "includePsychotherapyNotes": "true"}
    )
    assert as_clinician.status_code == 403
    full = practice.get(path, params={"recipient": "Dr. Lee", "includePsychotherapyNotes": "true"})
    assert {n["noteId"] for n in full.json()["notes"]} == {progress, psycho}
    assert practice.get(path).status_code == 422  # an export always names its recipient


def test_part2_records_need_a_consent_naming_the_recipient(practice: Practice) -> None:
    patient_id = make_part2(practice)
    note_id = signed_note(practice)
    packet = f"/clinical-notes/{note_id}/packet"
    export = f"/patients/{patient_id}/export"
    denied = practice.get(packet, params={"recipient": RECIPIENT})
    assert denied.status_code == 403 and denied.json()["code"] == "part2_consent_required"
    assert practice.get(export, params={"recipient": RECIPIENT}).status_code == 403
    assert practice.get(f"{packet}.pdf", params={"recipient": RECIPIENT}).status_code == 403
    with practice.db.engine.connect() as conn:
        outcomes = conn.execute(
            text("SELECT outcome FROM audit_events WHERE resource_id = :n"), {"n": note_id}
        )
        assert "denied" in [r[0] for r in outcomes]
    consent = practice.post(f"/patients/{patient_id}/consents", part2_consent(practice))
    assert consent.status_code == 201, consent.text
    assert consent.json()["inForce"] is True
    allowed = practice.get(packet, params={"recipient": " harbor   recovery clinic "})
    assert allowed.status_code == 200, allowed.text
    disclosure = allowed.json()["disclosure"]
    assert disclosure["part2"] is True
    assert disclosure["redisclosureNotice"].startswith(
        "This record which has been disclosed to you is protected by Federal confidentiality rules"
    )
    assert disclosure["consent"]["consentId"] == consent.json()["consentId"]
    assert disclosure["consent"]["purpose"] == "Coordination of care after discharge"
    exported = practice.get(export, params={"recipient": RECIPIENT}).json()
    assert "42 CFR part 2" in exported["disclosure"]["redisclosureNotice"]
    pdf = practice.get(f"{packet}.pdf", params={"recipient": RECIPIENT})
    text_of_pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "42 CFR part 2" in " ".join(text_of_pdf.split())
    assert practice.get(packet, params={"recipient": "Someone Else"}).status_code == 403
    assert "disclosure" in audit_actions(practice, resource_id=note_id)
    revoked = practice.post(
        f"/consents/{consent.json()['consentId']}/revoke", {"reason": "patient asked"}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert practice.post(f"/consents/{consent.json()['consentId']}/revoke").status_code == 409
    assert practice.get(packet, params={"recipient": RECIPIENT}).status_code == 403


def test_an_expired_part2_consent_covers_nothing(practice: Practice) -> None:
    patient_id = make_part2(practice)
    note_id = signed_note(practice)
    past = date.today() - timedelta(days=30)
    consent = practice.post(
        f"/patients/{patient_id}/consents",
        part2_consent(
            practice,
            effectiveDate=(past - timedelta(days=30)).isoformat(),
            signatureDate=(past - timedelta(days=30)).isoformat(),
            expiresOn=past.isoformat(),
        ),
    )
    assert consent.status_code == 201 and consent.json()["inForce"] is False
    assert (
        practice.get(
            f"/clinical-notes/{note_id}/packet", params={"recipient": RECIPIENT}
        ).status_code
        == 403
    )


@pytest.mark.parametrize(
    "missing",
    ["recipient", "purpose", "informationDescription", "signatureDate", "signedBy", "discloser"],
)
def test_part2_consent_missing_an_element_is_422_naming_it(
    practice: Practice, missing: str
) -> None:
    body = part2_consent(practice)
    del body[missing]
    before = practice.count("consents")
    response = practice.post(f"/patients/{practice.patient_ids[0]}/consents", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [missing]
    assert practice.count("consents") == before


def test_part2_consent_needs_an_expiry(practice: Practice) -> None:
    body = part2_consent(practice)
    del body["expiresOn"]
    response = practice.post(f"/patients/{practice.patient_ids[0]}/consents", body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "expiresOn"
    body["expirationEvent"] = "End of the current treatment episode"
    assert practice.post(f"/patients/{practice.patient_ids[0]}/consents", body).status_code == 201


def test_other_consents_list_and_events(practice: Practice) -> None:
    patient_id = practice.patient_ids[0]
    created = practice.post(
        f"/patients/{patient_id}/consents",
        {
            "type": "telehealth",
            "scope": "Video sessions",
            "signatureDate": date.today().isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    listed = practice.get(f"/patients/{patient_id}/consents").json()
    assert [c["type"] for c in listed["items"]] == ["telehealth"]
    assert practice.get(f"/consents/{created.json()['consentId']}").json()["inForce"] is True
    with practice.db.engine.connect() as conn:
        types = [
            r[0]
            for r in conn.execute(
                text("SELECT type FROM outbox_events WHERE resource_id = :r"),
                {"r": created.json()["consentId"]},
            )
        ]
    assert types == ["consent.created"]
