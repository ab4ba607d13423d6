"""Seed documents replayed: the endpoints and payloads of seeds 000, 002, 003 and 004 work as written."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from tests.api.test_appointments import seed_appointment
from tests.support.practice import PASSWORD, Practice


def _curl_bodies(seed: Path) -> dict[str, dict[str, object]]:
    """The JSON bodies of the curl examples in a seed, by the endpoint they are sent to."""
    text = seed.read_text(encoding="utf-8")
    bodies: dict[str, dict[str, object]] = {}
    for match in re.finditer(
        r"--url \S+/integrations/<integration_id>(/\S+) \\.*?--data '(\{.*?\})'", text, re.S
    ):
        bodies[match.group(1)] = json.loads(
            match.group(2).replace("[email protected]", "user@example.com")
        )
    return bodies


def test_seed_003_requests_replay_with_ids_and_credentials_changed(
    practice: Practice, shared_dir: Path
) -> None:
    seed = next((shared_dir / "seeds").glob("003_*.txt"))
    bodies = _curl_bodies(seed)
    assert {"/sessions", "/appointments"} <= set(bodies)

    session_body = dict(bodies["/sessions"])
    username = practice.user("admin")
    session_body.update(username=username, password=PASSWORD)
    session_body.pop("mfa")  # this test user has no TOTP; test_sessions covers the mfa form
    login = practice.client.post(
        f"{practice.base}/sessions", json=session_body, headers={"Authorization": practice.basic()}
    )
    assert login.status_code == 201
    token = login.json()["authToken"]
    bearer = {"Authorization": f"Bearer {token}"}

    appointment = dict(bodies["/appointments"])
    ours = seed_appointment(practice)
    for key in ("patientId", "providerId", "locationId", "startTime", "endTime"):
        appointment[key] = ours[key]
    created = practice.client.post(
        f"{practice.base}/appointments", json=appointment, headers=bearer
    )
    assert created.status_code == 201, created.text
    for key in ("appointmentId", "status", "telehealth", "createdAt", "referenceId"):
        assert key in created.json()

    patients = practice.client.get(
        f"{practice.base}/patients",
        params={
            "updatedAfter": "2020-01-01T00:00:00Z",
            "activeOn": "2026-01-20",
            "providerId": practice.provider_ids[0],
        },
        headers=bearer,
    )
    assert patients.status_code == 200
    assert {"items", "page", "pageSize", "total"} <= set(patients.json())


def test_seed_example_patient_is_accepted_by_post(practice: Practice) -> None:
    # The seed's GET /patients item, posted back (as a sync client would), minus server fields.
    item = {
        "mrn": "MRN-10027",
        "firstName": "Avery",
        "lastName": "Nguyen",
        "dob": "1992-04-17",
        "sex": "female",
        "contact": {"email": "avery@example.com", "phone": "+1-206-555-0192"},
        "address": {
            "line1": "422 Pine St",
            "city": "Seattle",
            "region": "WA",
            "postalCode": "98101",
        },
        "insurance": [
            {
                "type": "primary",
                "payerId": practice.payer_id,
                "memberId": "RGN1234567",
                "groupNumber": "GRP-78291",
                "effectiveStart": "2025-01-01",
                "effectiveEnd": None,
            }
        ],
        "primaryProviderId": practice.provider_ids[0],
        "portalEnrollment": {"status": "invited", "invitedOn": "2026-01-10T18:12:05Z"},
        "status": "active",
        "updatedAt": "2026-01-20T11:02:43Z",
    }
    response = practice.post("/patients", item)
    assert response.status_code == 201, response.text


def test_echo_and_pimsy_clients_vocabulary(practice: Practice) -> None:
    # Seeds 002 and 004: GET /clients and POST /clients (create or update with coverage).
    created = practice.post(
        "/clients",
        {
            "mrn": "C-1",
            "firstName": "Sam",
            "lastName": "Lee",
            "dob": "1985-05-05",
            "sex": "male",
            "insurance": [{"type": "primary", "payerId": practice.payer_id, "memberId": "MC123"}],
        },
    )
    assert created.status_code == 201
    cid = created.json()["patientId"]
    updated = practice.post("/clients", {"patientId": cid, "preferredName": "Sammy"})
    assert updated.status_code == 200
    assert practice.get(f"/clients/{cid}").json()["preferredName"] == "Sammy"
    assert cid in {c["patientId"] for c in practice.get("/clients").json()["items"]}


def test_icanotes_and_pimsy_appointments(practice: Practice) -> None:
    # Seeds 000 and 004: POST /appointments create or update with service coding and telehealth flags.
    first = practice.post(
        "/appointments",
        seed_appointment(practice, referenceId="pimsy-1", telehealth={"enabled": False}),
    )
    assert first.status_code == 201
    again = practice.post(
        "/appointments",
        seed_appointment(practice, referenceId="pimsy-1", telehealth={"enabled": True}),
    )
    assert again.status_code == 200 and again.json()["telehealth"]["link"]


def test_basic_header_is_base64_of_client_id_and_secret(practice: Practice) -> None:
    token = base64.b64encode(f"{practice.client_id}:{practice.client_secret}".encode()).decode()
    assert practice.basic() == f"Basic {token}"
