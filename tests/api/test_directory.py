"""Providers, locations, payers and the integration's own settings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.practice import Practice


def test_provider_create_update_and_read(practice: Practice) -> None:
    body = {
        "npi": "1003000134",
        "firstName": "Jo",
        "lastName": "Kim",
        "credentials": "PsyD",
        "taxonomy": "103T00000X",
        "supervisorId": practice.provider_ids[1],
        "referenceId": "hr-1",
    }
    created = practice.post("/providers", body)
    assert created.status_code == 201, created.text
    provider = created.json()
    assert (
        provider["providerId"].startswith("prv_")
        and provider["supervisorId"] == practice.provider_ids[1]
    )
    updated = practice.post("/providers", {**body, "credentials": "PhD"})
    assert updated.status_code == 200 and updated.json()["providerId"] == provider["providerId"]
    assert updated.json()["version"] == 2
    assert (
        practice.get(f"/providers/{provider['providerId']}", role="front_desk").json()[
            "credentials"
        ]
        == "PhD"
    )
    listed = practice.get("/providers").json()
    assert listed["total"] == 5


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"npi": "1234567890", "firstName": "A", "lastName": "B"}, "npi", 422),
        ({"npi": "12345", "firstName": "A", "lastName": "B"}, "npi", 422),
        ({"firstName": "A", "lastName": "B", "taxonomy": "behavioral"}, "taxonomy", 422),
        ({"firstName": "A", "lastName": "B", "supervisorId": "prv_01nobody"}, "supervisorId", 422),
        ({"lastName": "B"}, "firstName", 422),
        ({"npi": "1234567893", "firstName": "Dup", "lastName": "B"}, "npi", 409),
    ],
)
def test_bad_providers(practice: Practice, body: dict[str, Any], field: str, status: int) -> None:
    before = practice.count("providers")
    response = practice.post("/providers", body)
    assert response.status_code == status, response.text
    assert field in {e["field"] for e in response.json()["errors"]}
    assert practice.count("providers") == before


def test_only_admins_write_the_directory(practice: Practice) -> None:
    response = practice.post("/locations", {"name": "Annex"}, role="clinician")
    assert response.status_code == 403
    assert practice.count("locations") == 1


def test_locations_and_payers(practice: Practice) -> None:
    loc = practice.post("/locations", {"name": "Telehealth", "defaultPlaceOfService": "02"})
    assert loc.status_code == 201 and loc.json()["defaultPlaceOfService"] == "02"
    assert (
        practice.post("/locations", {"name": "X", "defaultPlaceOfService": "2"}).status_code == 422
    )
    assert (
        practice.post(
            "/locations", {"name": "X", "address": {"line1": "1 A St", "city": "B"}}
        ).status_code
        == 422
    )
    payer = practice.post(
        "/payers",
        {
            "name": "Medicaid",
            "ediPayerId": "SKWA0",
            "claimFilingIndicator": "MC",
            "telehealthPolicy": {"placeOfService": "02", "modifier": "GT"},
        },
    )
    assert payer.status_code == 201 and payer.json()["telehealthPolicy"] == {
        "placeOfService": "02",
        "modifier": "GT",
    }
    bad = practice.post("/payers", {"name": "X", "ediPayerId": "1", "claimFilingIndicator": "QQ"})
    assert bad.status_code == 422
    assert {"ediPayerId", "claimFilingIndicator"} <= {e["field"] for e in bad.json()["errors"]}
    put = practice.client.put(
        f"{practice.base}/payers/{practice.payer_id}",
        json={"name": "Regence BlueShield", "ediPayerId": "00932", "timelyFilingDays": 180},
        headers=practice.login(),
    )
    assert put.status_code == 200 and put.json()["timelyFilingDays"] == 180
    assert practice.get("/payers/payer_01nothere").status_code == 404


def test_integration_settings(practice: Practice) -> None:
    current = practice.get(f"/../{practice.integration_id}")
    assert current.status_code == 200
    billing = {
        "name": "Cascadia BH",
        "npi": "1234567893",
        "ein": "911234567",
        "taxonomy": "261QM0801X",
        "address": {
            "line1": "200 Wellness Ave",
            "city": "Seattle",
            "region": "WA",
            "postalCode": "981091234",
        },
    }
    patched = practice.patch(
        f"/../{practice.integration_id}",
        {"billingProvider": billing, "timezone": "America/Los_Angeles"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["billingProvider"]["npi"] == "1234567893"
    assert (
        practice.patch(f"/../{practice.integration_id}", {"timezone": "Mars/Olympus"}).status_code
        == 422
    )
    assert (
        practice.patch(
            f"/../{practice.integration_id}", {"billingProvider": {**billing, "npi": "1234567890"}}
        ).status_code
        == 422
    )
    assert practice.get(f"/../{practice.integration_id}", role="biller").status_code == 403
