"""Documents: multipart upload rules, download integrity checks, and their audit trail."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bhlink.store.blobs import LocalDocumentStorage
from tests.support.practice import Practice

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def storage(practice: Practice, tmp_path: Path) -> Iterator[Path]:
    state = practice.app.state
    original = state.document_storage
    state.document_storage = LocalDocumentStorage(tmp_path)
    try:
        yield tmp_path
    finally:
        state.document_storage = original


def upload(
    practice: Practice,
    data: bytes,
    content_type: str = "application/pdf",
    role: str = "admin",
    **fields: str,
) -> httpx.Response:
    form: dict[str, Any] = {"patientId": practice.patient_ids[0], "type": "consent", **fields}
    return practice.client.post(
        f"{practice.base}/documents",
        data=form,
        files={"file": ("signed consent.pdf", data, content_type)},
        headers=practice.login(role),
    )


def audit_actions(practice: Practice, resource_id: str) -> list[str]:
    with practice.db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action FROM audit_events WHERE resource_id = :r"), {"r": resource_id}
        )
        return [r[0] for r in rows]


def test_upload_list_download(practice: Practice, storage: Path) -> None:
    created = upload(practice, PDF, title="Treatment consent")
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["documentId"].startswith("doc_")
    assert document["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert document["sizeBytes"] == len(PDF) and document["contentType"] == "application/pdf"
    listed = practice.get("/documents", params={"patientId": practice.patient_ids[0]}).json()
    assert [d["documentId"] for d in listed["items"]] == [document["documentId"]]
    content = practice.get(f"/documents/{document['documentId']}/content")
    assert content.status_code == 200 and content.content == PDF
    assert content.headers["content-type"] == "application/pdf"
    assert "attachment" in content.headers["content-disposition"]
    assert (
        practice.get(f"/documents/{document['documentId']}").json()["title"] == "Treatment consent"
    )
    actions = audit_actions(practice, document["documentId"])
    assert {"document.uploaded", "document.read", "document.downloaded"} <= set(actions)


def test_uploads_larger_than_the_global_body_limit_are_allowed(
    practice: Practice, storage: Path
) -> None:
    big = PDF + b"%" + b"x" * (practice.app.state.settings.max_body_bytes + 10)
    response = upload(practice, big)
    assert response.status_code == 201, response.text
    json_body = practice.post("/patients", {"firstName": "x" * 2_000_000})
    assert json_body.status_code == 413  # other routes keep the global limit


def test_oversize_upload_is_413_and_nothing_written(practice: Practice, storage: Path) -> None:
    state = practice.app.state
    original = state.settings
    state.settings = original.model_copy(update={"document_max_bytes": 1024})
    try:
        response = upload(practice, PDF + b"x" * 2048)
    finally:
        state.settings = original
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "file"
    assert practice.count("documents") == 0
    assert not any(storage.rglob("*"))


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"<html><script>alert(1)</script></html>", "text/html", 415),
        (b"<svg onload='x'/>", "image/svg+xml", 415),
        (PNG, "application/pdf", 422),
        (PDF, "image/png", 422),
        (b"plain\x00text", "text/plain", 422),
        (b"", "application/pdf", 422),
    ],
)
def test_disallowed_or_mislabelled_files_are_refused(
    practice: Practice, storage: Path, data: bytes, content_type: str, status: int
) -> None:
    response = upload(practice, data, content_type)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "file"
    assert practice.count("documents") == 0


def test_bad_form_fields_are_422(practice: Practice, storage: Path) -> None:
    assert upload(practice, PDF, type="selfie").status_code == 422
    unknown_patient = upload(practice, PDF, patientId="pt_01jnobodyhere")
    assert unknown_patient.status_code == 422
    assert unknown_patient.json()["errors"][0]["field"] == "patientId"
    assert practice.count("documents") == 0


def test_altered_bytes_are_never_served(practice: Practice, storage: Path) -> None:
    document = upload(practice, b"Consent to telehealth, signed.", "text/plain").json()
    stored = next(p for p in storage.rglob("*") if p.is_file())
    stored.write_bytes(b"Consent to nothing.")
    response = practice.get(f"/documents/{document['documentId']}/content")
    assert response.status_code == 409
    assert response.json()["code"] == "document_integrity_failed"
    assert "Consent to nothing" not in response.text
    assert "document.integrity_failed" in audit_actions(practice, document["documentId"])
    stored.unlink()
    assert practice.get(f"/documents/{document['documentId']}/content").status_code == 409


def test_documents_follow_the_caseload(practice: Practice, storage: Path) -> None:
    other = upload(practice, PDF, patientId=practice.patient_ids[1]).json()
    assert practice.get(f"/documents/{other['documentId']}", role="clinician").status_code == 404
    assert practice.get("/documents", role="clinician").json()["total"] == 0
    assert practice.get("/documents").json()["total"] == 1
