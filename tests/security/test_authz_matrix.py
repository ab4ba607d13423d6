"""Authorization matrix (OWASP API1 BOLA): every operation x role x data axis against authz_matrix.json.

What is tried:
* Coverage: every OpenAPI operation must be in the table and every table row must still exist.
* Role gate for every operation (except public, self-service session ops, and ops that would end the
  caller's session): a request with placeholder ids and `{}` must not be 401, and must be 403 where
  the table says deny. Limits: FastAPI validates the body before the handler runs, so a 422 on a
  body-taking operation proves nothing about a deny cell (counted as "unverifiable", not tried);
  for allow cells 422 and 404 (the placeholder id) count as "not denied by role".
* Data axes with real records: GET-by-id of patients, appointments, notes (and packets), assessment
  results, diagnoses, treatment plans, consents and the patient-path reads (the export included);
  lists unfiltered (out-of-scope records must be absent from `items`) and with `patientId`; ids in the body of POST /appointments,
  /clinical-notes and /assessments. For body ids "hidden" accepts 404 or 422 (an unknown reference)
  provided nothing is created.
Run: `.venv/bin/python -m pytest tests/security/test_authz_matrix.py -q -s` prints the cell count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bhlink.store.db import Database
from tests.api.clinical_support import note_body, plan_body
from tests.support.assessments import PHQ9_8
from tests.support.practice import Practice, build_practice, in_hours

MATRIX = json.loads((Path(__file__).with_name("authz_matrix.json")).read_text())
OPS: dict[str, dict[str, Any]] = MATRIX["operations"]
ROLES: list[str] = MATRIX["roles"]
PREFIX = "/integrations/{integration_id}"
# Self-service or session-ending operations: probing them with a role's token would log it out.
NOT_PROBED = {"public", "self"}


def expected(op: str, role: str, axis: str) -> str:
    """The table's outcome for one cell: the per-axis override, else the role's default."""
    entry = OPS[op]
    return str(entry.get("axes", {}).get(axis, {}).get(role, entry["default"][role]))


def openapi_operations(app: FastAPI) -> set[str]:
    """`METHOD path` of every operation the composed app documents."""
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        f"{method.upper()} {path}"
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method in methods
    }


def test_every_operation_is_in_the_matrix(app: FastAPI) -> None:
    documented = openapi_operations(app)
    assert sorted(documented - OPS.keys()) == [], "add these operations to authz_matrix.json"
    assert sorted(OPS.keys() - documented) == [], "these matrix rows no longer exist"
    for op, entry in OPS.items():
        assert set(entry["default"]) == set(ROLES), op
        assert set(entry["default"].values()) <= {"allow", "deny", "hidden"}, op


@dataclass
class World:
    """The practice under test, another practice, and the records on each data axis."""

    practice: Practice
    other: Practice
    part2: dict[int, str]  # provider index -> Part 2 patient on that provider's caseload
    records: dict[str, dict[str, str]] = field(default_factory=dict)  # patient -> kind -> id
    other_records: dict[str, str] = field(default_factory=dict)
    cells: int = 0
    unverifiable: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> None:
        self.cells += 1
        if not ok:
            self.failures.append(message)


def _caseload_index(role: str) -> int:
    # Practice users: the clinician is provider 0, the supervisor provider 1 (tests/support).
    return 1 if role == "supervisor" else 0


def axis_patients(world: World, role: str) -> dict[str, str]:
    """The patient id standing for each data axis from this role's point of view."""
    own = _caseload_index(role)
    return {
        "own": world.practice.patient_ids[own],
        "other_caseload": world.practice.patient_ids[1 - own],
        "part2": world.part2[own],
    }


def _create_records(p: Practice, patient_id: str, provider_id: str, hours: float) -> dict[str, str]:
    ids = {"patient": patient_id}
    apt = p.post(
        "/appointments",
        {
            "patientId": patient_id,
            "providerId": provider_id,
            "locationId": p.location_id,
            "appointmentType": "Follow-up",
            "serviceCode": "90834",
            "startTime": in_hours(hours),
            "endTime": in_hours(hours + 0.5),
            "placeOfService": "11",
        },
    )
    assert apt.status_code == 201, apt.text
    ids["appointment"] = apt.json()["appointmentId"]
    note = p.post(
        "/clinical-notes",
        note_body(p, patientId=patient_id, providerId=provider_id, source="import"),
    )
    assert note.status_code == 201, note.text
    ids["note"] = note.json()["noteId"]
    result = p.post(
        "/assessments",
        {
            "patientId": patient_id,
            "instrument": "PHQ-9",
            "answers": PHQ9_8,
            "completedOn": "2026-01-18T16:31:22Z",
            "collectedVia": "patient_portal",
            "providerId": provider_id,
        },
    )
    assert result.status_code == 201, result.text
    ids["assessment"] = result.json()["assessmentResultId"]
    dx = p.post(f"/patients/{patient_id}/diagnoses", {"code": "F41.1"})
    assert dx.status_code == 201, dx.text
    ids["diagnosis"] = dx.json()["diagnosisId"]
    plan = p.post("/treatment-plans", plan_body(p, patientId=patient_id, providerId=provider_id))
    assert plan.status_code == 201, plan.text
    ids["plan"] = plan.json()["treatmentPlanId"]
    consent = p.post(f"/patients/{patient_id}/consents", {"type": "treatment"})
    assert consent.status_code == 201, consent.text
    ids["consent"] = consent.json()["consentId"]
    return ids


@pytest.fixture(scope="module")
def world(db: Database, app: FastAPI) -> Iterator[World]:
    """Built once per module: two practices, a Part 2 patient per caseload, records per patient."""
    with TestClient(app, raise_server_exceptions=False) as client:
        practice = build_practice(db, app, client)
        other = build_practice(db, app, client)
        part2: dict[int, str] = {}
        for index in (0, 1):
            created = practice.post(
                "/patients",
                {
                    "mrn": f"P2-{index}",
                    "firstName": "Part",
                    "lastName": "Two",
                    "dob": "1985-05-05",
                    "sex": "male",
                    "primaryProviderId": practice.provider_ids[index],
                    "part2": True,
                },
            )
            assert created.status_code == 201, created.text
            part2[index] = created.json()["patientId"]
        w = World(practice=practice, other=other, part2=part2)
        hours = 24.0
        for patient_id in [*practice.patient_ids[:2], *part2.values()]:
            on = practice.provider_ids[
                0 if patient_id in (practice.patient_ids[0], part2[0]) else 1
            ]
            w.records[patient_id] = _create_records(practice, patient_id, on, hours)
            hours += 2
        w.other_records = _create_records(other, other.patient_ids[0], other.provider_ids[0], 30)
        for role in ROLES:
            practice.login(role)
        yield w
        print(f"\nauthz matrix: {w.cells} cells tried, {w.unverifiable} unverifiable (422 first)")


PATH_RECORDS = {
    "GET /integrations/{integration_id}/patients/{patient_id}": {},
    "GET /integrations/{integration_id}/clients/{patient_id}": {},
    "GET /integrations/{integration_id}/appointments/{appointment_id}": {
        "appointment_id": "appointment"
    },
    "GET /integrations/{integration_id}/clinical-notes/{note_id}": {"note_id": "note"},
    "GET /integrations/{integration_id}/notes/{note_id}": {"note_id": "note"},
    "GET /integrations/{integration_id}/clinical-notes/{note_id}/versions": {"note_id": "note"},
    "GET /integrations/{integration_id}/assessments/results/{result_id}": {
        "result_id": "assessment"
    },
    "GET /integrations/{integration_id}/assessments/results/{result_id}/fhir": {
        "result_id": "assessment"
    },
    "GET /integrations/{integration_id}/patients/{patient_id}/diagnoses/{entry_id}": {
        "entry_id": "diagnosis"
    },
    "GET /integrations/{integration_id}/clinical-notes/{note_id}/packet": {"note_id": "note"},
    "GET /integrations/{integration_id}/treatment-plans/{plan_id}": {"plan_id": "plan"},
    "GET /integrations/{integration_id}/treatment-plans/{plan_id}/versions": {"plan_id": "plan"},
    "GET /integrations/{integration_id}/consents/{consent_id}": {"consent_id": "consent"},
}
PATIENT_PATH_READS = [
    op
    for op, entry in OPS.items()
    if op.startswith("GET ")
    and op.endswith(("/outcomes", "/risk-flags", "/diagnoses", "/medications", "/allergies"))
    and "{patient_id}" in op
    and entry.get("scope") == "patient"
] + [
    "GET /integrations/{integration_id}/patients/{patient_id}/consents",
    "GET /integrations/{integration_id}/patients/{patient_id}/balance",
    "GET /integrations/{integration_id}/patients/{patient_id}/export",
]
# Required query parameters of the path reads above.
QUERY = {
    "GET /integrations/{integration_id}/patients/{patient_id}/export": {"recipient": "Dr. Who"}
}


def _classify(status: int) -> str:
    if status == 403:
        return "deny"
    if status == 404:
        return "hidden"
    if status == 401:
        return "unauthenticated"
    return "allow"


def _path(op: str, world: World, patient_id: str, kinds: dict[str, str], axis: str) -> str:
    path = op.split(" ", 1)[1]
    source = world.other_records if axis == "other_integration" else world.records[patient_id]
    path = path.replace("{integration_id}", world.practice.integration_id)
    path = path.replace("{patient_id}", source["patient"])
    for param, kind in kinds.items():
        path = path.replace("{" + param + "}", source[kind])
    return path


def _axes(world: World, role: str) -> Iterator[tuple[str, str]]:
    yield from axis_patients(world, role).items()
    yield "other_integration", world.other.patient_ids[0]


def test_ids_in_path(world: World) -> None:
    p = world.practice
    world.failures = []
    for op, kinds in [*PATH_RECORDS.items(), *((o, {}) for o in PATIENT_PATH_READS)]:
        for role in ROLES:
            for axis, patient_id in _axes(world, role):
                url = _path(op, world, patient_id, kinds, axis)
                response = p.client.get(url, headers=p.login(role), params=QUERY.get(op, {}))
                got = _classify(response.status_code)
                want = expected(op, role, axis)
                world.check(got == want, f"{op} {role} {axis}: want {want}, got {got}")
    assert not world.failures, "\n".join(world.failures)


LISTS = {
    op: entry
    for op, entry in OPS.items()
    if op.startswith("GET ")
    and entry.get("scope") == "patient"
    and re.fullmatch(r"GET /integrations/\{integration_id\}/[a-z-]+(/results)?", op)
}


def test_lists_hide_out_of_scope_records(world: World, app: FastAPI) -> None:
    p = world.practice
    world.failures = []
    spec = app.openapi()["paths"]
    for op in LISTS:
        path = op.split(" ", 1)[1]
        params = {q["name"] for q in spec[path]["get"].get("parameters", [])}
        url = path.replace("{integration_id}", p.integration_id)
        for role in ROLES:
            visible = set(axis_patients(world, role).values()) - {
                axis_patients(world, role)["other_caseload"]
            }
            if role not in ("clinician", "supervisor"):
                visible |= set(world.records)
            response = p.client.get(url, headers=p.login(role), params={"pageSize": 100})
            want = expected(op, role, "own")
            got = _classify(response.status_code)
            world.check(got == want, f"{op} {role} unfiltered: want {want}, got {got}")
            if response.status_code != 200:
                continue
            for item in response.json()["items"]:
                patient = item.get("patientId")
                leaked = patient in world.records and patient not in visible
                world.check(not leaked, f"{op} {role}: out-of-caseload record in items")
                world.check(
                    patient != world.other.patient_ids[0], f"{op} {role}: other practice leaked"
                )
            if "patientId" not in params:
                continue
            for axis, patient_id in _axes(world, role):
                filtered = p.client.get(
                    url, headers=p.login(role), params={"patientId": patient_id}
                )
                want = expected(op, role, axis)
                if want == "hidden":
                    ok = filtered.status_code == 404 or (
                        filtered.status_code == 200
                        and all(i.get("patientId") != patient_id for i in filtered.json()["items"])
                    )
                    world.check(ok, f"{op} {role} {axis} patientId filter leaked")
                else:
                    got = _classify(filtered.status_code)
                    world.check(got == want, f"{op} {role} {axis} filter: want {want}, got {got}")
    assert not world.failures, "\n".join(world.failures)


def _write_bodies(world: World, patient_id: str, provider_id: str, n: int) -> dict[str, Any]:
    p = world.practice
    world.failures = []
    return {
        "POST /integrations/{integration_id}/appointments": {
            "patientId": patient_id,
            "providerId": provider_id,
            "locationId": p.location_id,
            "appointmentType": "Follow-up",
            "serviceCode": "90834",
            "startTime": in_hours(200 + n),
            "endTime": in_hours(200.5 + n),
            "placeOfService": "11",
        },
        "POST /integrations/{integration_id}/clinical-notes": note_body(
            p, patientId=patient_id, providerId=provider_id
        ),
        "POST /integrations/{integration_id}/assessments": {
            "patientId": patient_id,
            "instrument": "PHQ-9",
            "answers": PHQ9_8,
            "completedOn": "2026-01-18T16:31:22Z",
            "collectedVia": "patient_portal",
            "providerId": provider_id,
        },
    }


def test_ids_in_body(world: World) -> None:
    p = world.practice
    world.failures = []
    n = 0
    for role in ROLES:
        provider = p.provider_ids[_caseload_index(role)]
        for axis, patient_id in _axes(world, role):
            n += 1
            for op, body in _write_bodies(world, patient_id, provider, n).items():
                path = op.split(" ", 1)[1].replace("{integration_id}", p.integration_id)
                response = p.client.post(path, json=body, headers=p.login(role))
                want = expected(op, role, axis)
                got = _classify(response.status_code)
                ok = response.status_code in (404, 422) if want == "hidden" else got == want
                world.check(ok, f"{op} {role} {axis}: want {want}, got {response.status_code}")
    # POST /patients: the role gate with a valid body.
    for role in ROLES:
        body = {
            "mrn": f"NEW-{role}",
            "firstName": "New",
            "lastName": "Patient",
            "dob": "1991-02-03",
            "sex": "female",
            "primaryProviderId": p.provider_ids[_caseload_index(role)],
        }
        got = _classify(p.post("/patients", body, role=role).status_code)
        want = expected("POST /integrations/{integration_id}/patients", role, "own")
        world.check(got == want, f"POST /patients {role}: want {want}, got {got}")
    assert not world.failures, "\n".join(world.failures)


def test_role_gate_on_every_operation(world: World) -> None:
    p = world.practice
    world.failures = []
    for op, entry in OPS.items():
        if entry["gate"] in NOT_PROBED:
            continue
        method, path = op.split(" ", 1)
        url = re.sub(r"\{[a-z_]+\}", "zz_absent0000", path.replace(PREFIX, p.base))
        for role in ROLES:
            kwargs: dict[str, Any] = {} if method == "GET" else {"json": {}}
            response = p.client.request(method, url, headers=p.login(role), **kwargs)
            want = entry["default"][role]
            if response.status_code == 422 and want == "deny":
                world.unverifiable += 1
                continue
            got = _classify(response.status_code)
            ok = got == "deny" if want == "deny" else got in ("allow", "hidden")
            world.check(ok, f"{op} {role}: want {want}, got {response.status_code}")
    assert not world.failures, "\n".join(world.failures)
