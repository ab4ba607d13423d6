"""Idempotency-Key (Stripe semantics): replay, mismatch, concurrent duplicates, failures not stored."""

from __future__ import annotations

import threading
from typing import Any

from bhlink.services import idempotency
from tests.api.test_appointments import seed_appointment
from tests.support.practice import Practice


def _patient(practice: Practice, mrn: str) -> dict[str, Any]:
    return {
        "mrn": mrn,
        "firstName": "Idem",
        "lastName": "Potent",
        "dob": "1980-02-02",
        "sex": "male",
    }


def test_same_key_same_body_replays_the_first_response(practice: Practice) -> None:
    headers = {"Idempotency-Key": "key-1"}
    first = practice.post("/patients", _patient(practice, "MRN-I1"), headers=headers)
    second = practice.post("/patients", _patient(practice, "MRN-I1"), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers.get("idempotent-replayed") == "true"
    assert practice.count("patients") == 4  # three from the fixture + one


def test_same_key_different_body_is_422(practice: Practice) -> None:
    headers = {"Idempotency-Key": "key-2"}
    practice.post("/patients", _patient(practice, "MRN-I2"), headers=headers)
    mismatch = practice.post("/patients", _patient(practice, "MRN-I3"), headers=headers)
    assert mismatch.status_code == 422
    assert mismatch.json()["code"] == "idempotency_key_mismatch"
    assert practice.count("patients") == 4


def test_keys_are_scoped_to_the_route(practice: Practice) -> None:
    practice.post("/patients", _patient(practice, "MRN-I4"), headers={"Idempotency-Key": "shared"})
    other = practice.post(
        "/appointments", seed_appointment(practice), headers={"Idempotency-Key": "shared"}
    )
    assert other.status_code == 201


def test_failed_requests_are_not_stored_and_can_be_retried(practice: Practice) -> None:
    headers = {"Idempotency-Key": "key-fail"}
    bad = practice.post(
        "/appointments", seed_appointment(practice, providerId="prv_01nobody"), headers=headers
    )
    assert bad.status_code == 422
    good = practice.post("/appointments", seed_appointment(practice), headers=headers)
    assert good.status_code == 201


def test_in_flight_duplicate_is_409(practice: Practice) -> None:
    # Hold a claim as a concurrent request would, then send the duplicate.
    login = practice.login()
    me = practice.get("/users/me").json()
    body = b'{"mrn":"MRN-I5","firstName":"A","lastName":"B","dob":"1990-01-01","sex":"female"}'
    scope = idempotency.Scope(
        practice.integration_id, me["id"], "POST", f"{practice.base}/patients", "key-busy"
    )
    held = idempotency.claim(
        practice.db,
        scope,
        idempotency.request_fingerprint(body),
        lease_seconds=60,
        retention_hours=24,
    )
    assert isinstance(held, idempotency.Claim)
    duplicate = practice.client.post(
        f"{practice.base}/patients",
        content=body,
        headers={**login, "Idempotency-Key": "key-busy", "Content-Type": "application/json"},
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "idempotency_key_in_use"
    idempotency.release(practice.db, held)
    retried = practice.client.post(
        f"{practice.base}/patients",
        content=body,
        headers={**login, "Idempotency-Key": "key-busy", "Content-Type": "application/json"},
    )
    assert retried.status_code == 201


def test_concurrent_requests_with_one_key_create_one_record(practice: Practice) -> None:
    login = practice.login()
    statuses: list[int] = []
    body = _patient(practice, "MRN-RACE")

    def send() -> None:
        response = practice.client.post(
            f"{practice.base}/patients", json=body, headers={**login, "Idempotency-Key": "race"}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert practice.count("patients") == 4


def test_bad_key_is_422(practice: Practice) -> None:
    response = practice.post(
        "/patients", _patient(practice, "MRN-I6"), headers={"Idempotency-Key": "x" * 300}
    )
    assert response.status_code == 422
