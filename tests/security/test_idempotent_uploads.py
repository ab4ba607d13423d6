"""Idempotency-Key on a multipart upload (found by the fuzzer: it answered 500).

FastAPI parses a form before dependencies run, so the idempotency fingerprint cannot re-read
the raw body; it fingerprints the parsed parts instead (files by name, type and SHA-256).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bhlink.store.blobs import LocalDocumentStorage
from tests.support.practice import Practice

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def storage(practice: Practice, tmp_path: Path) -> Iterator[Path]:
    state = practice.app.state
    original = state.document_storage
    state.document_storage = LocalDocumentStorage(tmp_path)
    try:
        yield tmp_path
    finally:
        state.document_storage = original


def _upload(practice: Practice, key: str, data: bytes, title: str = "Consent") -> httpx.Response:
    return practice.client.post(
        f"{practice.base}/documents",
        data={"patientId": practice.patient_ids[0], "type": "consent", "title": title},
        files={"file": ("consent.pdf", data, "application/pdf")},
        headers={**practice.login(), "Idempotency-Key": key},
    )


def test_a_retried_upload_replays_the_first_answer(practice: Practice, storage: Path) -> None:
    first = _upload(practice, "upload-1", PDF)
    assert first.status_code == 201, first.text
    again = _upload(practice, "upload-1", PDF)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["documentId"] == first.json()["documentId"]
    assert practice.count("documents") == 1


@pytest.mark.parametrize(
    ("data", "title"), [(PDF + b"%changed", "Consent"), (PDF, "Another title")]
)
def test_the_same_key_with_another_file_or_field_is_422(
    practice: Practice, storage: Path, data: bytes, title: str
) -> None:
    assert _upload(practice, "upload-2", PDF).status_code == 201
    mismatch = _upload(practice, "upload-2", data, title)
    assert mismatch.status_code == 422
    assert practice.count("documents") == 1


def test_a_refused_upload_with_a_key_is_a_4xx(practice: Practice, storage: Path) -> None:
    response = practice.client.post(
        f"{practice.base}/documents",
        data={"patientId": "000", "type": "", "title": ""},
        files={"file": ("file", b"")},
        headers={**practice.login(), "Idempotency-Key": "upload-3"},
    )
    assert response.status_code == 422
