"""Regression tests for the server errors the fuzzer (test_fuzz.py) found, one per finding."""

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
        headers={**practice.login("admin"), "Idempotency-Key": key},
    )


def test_an_upload_with_an_idempotency_key_is_stored_once_and_replayed(
    practice: Practice, storage: Path
) -> None:
    # Found by the fuzzer: the multipart body was already parsed when the idempotency
    # dependency read it again, and Starlette raised "Stream consumed" (a 500).
    first = _upload(practice, "upload-1", PDF)
    assert first.status_code == 201, first.text
    again = _upload(practice, "upload-1", PDF)
    assert again.status_code == 201
    assert again.json() == first.json(), (first.text, again.text)
    assert practice.count("documents") == 1


def test_the_same_key_with_another_file_or_field_is_refused(
    practice: Practice, storage: Path
) -> None:
    assert _upload(practice, "upload-2", PDF).status_code == 201
    other_file = _upload(practice, "upload-2", PDF + b"%changed\n")
    other_title = _upload(practice, "upload-2", PDF, title="Another title")
    assert other_file.status_code == 422, other_file.text
    assert other_title.status_code == 422, other_title.text
    assert practice.count("documents") == 1


@pytest.mark.parametrize("exception_id", [2**63, 10**30])
def test_an_exception_id_beyond_the_key_range_is_invalid_input(
    practice: Practice, exception_id: int
) -> None:
    # Found by the fuzzer: an id past SQL BIGINT made the driver raise OverflowError (a 500).
    response = practice.post(
        f"/remittances/exceptions/{exception_id}/resolve", {"note": "checked with the payer"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"].endswith("exception_id")


def test_the_largest_key_is_a_plain_not_found(practice: Practice) -> None:
    response = practice.post(
        f"/remittances/exceptions/{2**63 - 1}/resolve", {"note": "checked with the payer"}
    )
    assert response.status_code == 404, response.text


def test_a_nul_character_in_a_body_is_invalid_input_naming_the_field(practice: Practice) -> None:
    # Found by the fuzzer on PostgreSQL: text columns cannot store U+0000 (a 500 there).
    before = practice.count("payers")
    response = practice.post(
        "/payers", {"name": "Reg\x00ence", "ediPayerId": "00932", "claimFilingIndicator": "BL"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "name"
    assert practice.count("payers") == before
