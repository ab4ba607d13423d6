"""Patients and clients: seed 003 shape and filters, create-or-update, patch, caseload, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.practice import Practice

SEED_PATIENT: dict[str, Any] = {
    "mrn": "MRN-10027",
    "firstName": "Avery",
    "lastName": "Nguyen",
    "dob": "1992-04-17",
    "sex": "female",
    "contact": {"email": "avery@example.com", "phone": "+1-206-555-0192"},
    "address": {"line1": "422 Pine St", "city": "Seattle", "region": "WA", "postalCode": "98101"},
    "insurance": [
        {
            "type": "primary",
            "payerId": "PAYER",
            "memberId": "RGN1234567",
            "groupNumber": "GRP-78291",
            "effectiveStart": "2025-01-01",
            "effectiveEnd": None,
        }
    ],
    "primaryProviderId": "PROVIDER",
    "portalEnrollment": {"status": "invited", "invitedOn": "2026-01-10T18:12:05Z"},
    "status": "active",
}


def seed_patient(practice: Practice, **overrides: Any) -> dict[str, Any]:
    body = {**SEED_PATIENT, **overrides}
    body["insurance"] = (
        [{**body["insurance"][0], "payerId": practice.payer_id}]
        if body.get("insurance")
        else body.get("insurance")
    )
    if body.get("primaryProviderId") == "PROVIDER":
        body["primaryProviderId"] = practice.provider_ids[0]
    return body


def test_create_then_read_has_every_seed_field(practice: Practice) -> None:
    created = practice.post("/patients", seed_patient(practice))
    assert created.status_code == 201, created.text
    patient = created.json()
    assert patient["patientId"].startswith("pt_")
    assert created.headers["etag"] == 'W/"1"'
    fetched = practice.get(f"/patients/{patient['patientId']}").json()
    for key in (
        "mrn",
        "firstName",
        "lastName",
        "dob",
        "sex",
        "contact",
        "primaryProviderId",
        "status",
    ):
        assert (
            fetched[key] == SEED_PATIENT[key]
            if key != "primaryProviderId"
            else practice.provider_ids[0]
        )
    assert fetched["address"]["postalCode"] == "98101"
    assert fetched["insurance"][0] | {"payerId": "x"} == {
        **SEED_PATIENT["insurance"][0],
        "payerId": "x",
        "relationship": "self",
        "subscriber": None,
    }
    assert fetched["portalEnrollment"] == {"status": "invited", "invitedOn": "2026-01-10T18:12:05Z"}
    assert fetched["updatedAt"].endswith("Z")


def test_list_envelope_and_seed_filters(practice: Practice) -> None:
    pid = practice.post("/patients", seed_patient(practice)).json()["patientId"]
    listing = practice.get("/patients", params={"mrn": "MRN-10027"}).json()
    assert set(listing) == {"items", "page", "pageSize", "total", "nextCursor"}
    assert [p["patientId"] for p in listing["items"]] == [pid]
    assert listing["page"] == 1 and listing["pageSize"] == 50 and listing["total"] == 1
    assert practice.get("/patients", params={"patientId": pid}).json()["total"] == 1
    by_provider = practice.get("/patients", params={"providerId": practice.provider_ids[0]}).json()
    assert pid in {p["patientId"] for p in by_provider["items"]}
    assert pid not in {
        p["patientId"]
        for p in practice.get("/patients", params={"providerId": practice.provider_ids[3]}).json()[
            "items"
        ]
    }
    assert practice.get("/patients", params={"activeOn": "2000-01-01"}).json()["total"] == 0
    assert practice.get("/patients", params={"activeOn": "2999-01-01"}).json()["total"] >= 1
    assert (
        practice.get("/patients", params={"updatedAfter": "2999-01-01T00:00:00Z"}).json()["total"]
        == 0
    )
    clients = practice.get("/clients", params={"mrn": "MRN-10027"}).json()
    assert [p["patientId"] for p in clients["items"]] == [pid]


def test_post_with_same_reference_or_mrn_updates(practice: Practice) -> None:
    first = practice.post("/patients", seed_patient(practice, referenceId="crm-1"))
    again = practice.post(
        "/patients", seed_patient(practice, referenceId="crm-1", preferredName="Ave")
    )
    assert again.status_code == 200
    assert again.json()["patientId"] == first.json()["patientId"]
    assert again.json()["preferredName"] == "Ave" and again.json()["version"] == 2
    by_mrn = practice.post("/patients", {"mrn": "MRN-10027", "lastName": "Nguyen-Smith"})
    assert by_mrn.status_code == 200 and by_mrn.json()["lastName"] == "Nguyen-Smith"
    same = practice.post("/patients", {"mrn": "MRN-10027", "lastName": "Nguyen-Smith"})
    assert same.json()["version"] == by_mrn.json()["version"]  # no change, no new version


def test_patch_changes_only_sent_fields_and_honours_if_match(practice: Practice) -> None:
    pid = practice.patient_ids[0]
    before = practice.get(f"/patients/{pid}").json()
    patched = practice.patch(
        f"/patients/{pid}", {"preferredName": "T"}, headers={"If-Match": f'W/"{before["version"]}"'}
    )
    assert patched.status_code == 200 and patched.json()["preferredName"] == "T"
    assert patched.json()["firstName"] == before["firstName"]
    stale = practice.patch(
        f"/patients/{pid}", {"preferredName": "U"}, headers={"If-Match": f'W/"{before["version"]}"'}
    )
    assert stale.status_code == 412
    assert practice.patch(f"/patients/{pid}", {"firstName": None}).status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"firstName": "A", "lastName": "B", "sex": "female"}, "dob"),
        ({"firstName": "A", "lastName": "B", "dob": "1990-13-40", "sex": "female"}, "dob"),
        ({"firstName": "A", "lastName": "B", "dob": "2990-01-01", "sex": "female"}, "dob"),
        ({"firstName": "A", "lastName": "B", "dob": "1990-01-01", "sex": "robot"}, "sex"),
        ({"firstName": 5, "lastName": "B", "dob": "1990-01-01", "sex": "female"}, "firstName"),
        (
            {
                "firstName": "A",
                "lastName": "B",
                "dob": "1990-01-01",
                "sex": "female",
                "favouriteColour": "blue",
            },
            "favouriteColour",
        ),
        (
            {
                "firstName": "A",
                "lastName": "B",
                "dob": "1990-01-01",
                "sex": "female",
                "contact": {"email": "nope"},
            },
            "contact.email",
        ),
        (
            {
                "firstName": "A",
                "lastName": "B",
                "dob": "1990-01-01",
                "sex": "female",
                "insurance": [{"type": "primary", "memberId": "x"}],
            },
            "insurance[0].payerId",
        ),
        (
            {
                "firstName": "A",
                "lastName": "B",
                "dob": "1990-01-01",
                "sex": "female",
                "insurance": [{"type": "primary", "payerId": "payer_01unknown", "memberId": "x"}],
            },
            "insurance[0].payerId",
        ),
        (
            {
                "firstName": "A",
                "lastName": "B",
                "dob": "1990-01-01",
                "sex": "female",
                "primaryProviderId": "prv_01unknown",
            },
            "primaryProviderId",
        ),
        (
            {
                "firstName": "A",
                "lastName": "B",
                "dob": "1990-01-01",
                "sex": "female",
                "patientId": "pt_01doesnotexist",
            },
            None,
        ),
    ],
)
def test_bad_input_is_a_problem_naming_the_field_and_writes_nothing(
    practice: Practice, body: dict[str, Any], field: str | None
) -> None:
    before = practice.count("patients")
    events = practice.count("outbox_events")
    response = practice.post("/patients", body)
    assert response.headers["content-type"] == "application/problem+json"
    if field is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 422, response.text
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()
    assert practice.count("patients") == before
    assert practice.count("outbox_events") == events


def test_wrong_json_and_oversize_bodies(practice: Practice) -> None:
    headers = {**practice.login(), "Content-Type": "application/json"}
    bad = practice.client.post(f"{practice.base}/patients", content=b"{not json", headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    not_object = practice.client.post(
        f"{practice.base}/patients", content=b"[1,2]", headers=headers
    )
    assert not_object.status_code == 422
    huge = practice.client.post(
        f"{practice.base}/patients",
        content=b'{"firstName":"' + b"a" * 2_000_000 + b'"}',
        headers=headers,
    )
    assert huge.status_code == 413
    deep = practice.client.post(
        f"{practice.base}/patients", content=b"[" * 100 + b"]" * 100, headers=headers
    )
    assert deep.status_code == 422
    wrong_type = practice.client.post(
        f"{practice.base}/patients",
        content=b"<xml/>",
        headers={**practice.login(), "Content-Type": "application/xml"},
    )
    assert wrong_type.status_code == 415


def test_duplicate_mrn_on_patch_is_409(practice: Practice) -> None:
    a, b = practice.patient_ids[:2]
    mrn_a = practice.get(f"/patients/{a}").json()["mrn"]
    response = practice.patch(f"/patients/{b}", {"mrn": mrn_a})
    assert response.status_code == 409


def test_clinician_sees_only_the_caseload(practice: Practice) -> None:
    # patient 0 and 2 belong to provider 0 (the clinician), patient 1 to provider 1
    mine, theirs = practice.patient_ids[0], practice.patient_ids[1]
    assert practice.get(f"/patients/{mine}", role="clinician").status_code == 200
    hidden = practice.get(f"/patients/{theirs}", role="clinician")
    assert hidden.status_code == 404
    listed = {p["patientId"] for p in practice.get("/patients", role="clinician").json()["items"]}
    assert mine in listed and theirs not in listed
    assert (
        practice.patch(f"/patients/{theirs}", {"preferredName": "x"}, role="clinician").status_code
        == 404
    )
    # a care-team membership puts the patient on the caseload
    practice.patch(
        f"/patients/{theirs}",
        {"careTeam": [{"providerId": practice.provider_ids[0], "role": "therapist"}]},
    )
    assert practice.get(f"/patients/{theirs}", role="clinician").status_code == 200


def test_supervisor_sees_supervisees_caseload(practice: Practice) -> None:
    # provider 2 is supervised by provider 1 (the supervisor user's provider)
    created = practice.post(
        "/patients", seed_patient(practice, primaryProviderId=practice.provider_ids[2])
    )
    pid = created.json()["patientId"]
    assert practice.get(f"/patients/{pid}", role="supervisor").status_code == 200
    assert practice.get(f"/patients/{pid}", role="clinician").status_code == 404


def test_readonly_cannot_write_and_biller_reads(practice: Practice) -> None:
    assert practice.post("/patients", seed_patient(practice), role="readonly").status_code == 403
    assert practice.get("/patients", role="biller").status_code == 200


def test_every_read_is_audited_with_the_patient(practice: Practice) -> None:
    pid = practice.patient_ids[0]
    practice.get(f"/patients/{pid}", role="front_desk")
    events = practice.get(
        "/audit-events", params={"patientId": pid, "action": "patient.read"}
    ).json()
    assert events["total"] >= 1
    assert events["items"][0]["patientId"] == pid


def test_writes_emit_outbox_events(practice: Practice) -> None:
    before = practice.count("outbox_events")
    pid = practice.post("/patients", seed_patient(practice)).json()["patientId"]
    practice.patch(f"/patients/{pid}", {"preferredName": "A"})
    assert practice.count("outbox_events") == before + 2
