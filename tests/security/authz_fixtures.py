"""The authorization matrix's world and per-operation request fixtures (rows of authz_matrix.json).

A *row* of the matrix is an operation of the OpenAPI document, `METHOD /path/template`, or a
variant of one, `METHOD /path/template #variant` (the same operation with the id in another
place, e.g. in the body instead of the path). For every row, `FIXTURES` says which data axes
apply and how to build the request a role sends for one axis:

* own       a record on the caller's caseload (for roles without a caseload: any record of
            their integration);
* unrelated a record of the same integration that is on no clinician's or supervisor's
            caseload;
* foreign   a record of another integration, its id sent to the caller's own integration;
* part2     a 42 CFR Part 2-flagged record on the caller's caseload.

Adding an endpoint: add its row to authz_matrix.json (`python -m tests.security.test_authz_matrix`
prints a skeleton for every operation that has none) and a fixture here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bhlink.domain.clock import utcnow
from bhlink.domain.identifiers import npi_check_digit
from bhlink.services.crypto import sha256_hex, totp_code
from tests.support.practice import NPIS, PASSWORD, Practice

ROLES = ("anonymous", "admin", "clinician", "supervisor", "biller", "front_desk", "readonly")
AXES = ("own", "unrelated", "foreign", "part2")
RECORD_AXES = AXES
TENANT_AXES = ("own",)  # operations on the caller's own integration or account: no record to vary
DIRECTORY_AXES = ("own", "unrelated", "foreign")  # directory records carry no caseload or Part 2
_counter = itertools.count(1)


@dataclass
class Records:
    """The records one data axis points at."""

    patient: str
    appointment: str
    provider: str
    location: str
    payer: str


@dataclass
class World:
    """Two practices, records for every axis, and tokens per role of the home practice."""

    app: FastAPI
    client: TestClient
    home: Practice
    foreign: Practice
    records: dict[str, Records]
    other_username: str
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, role: str) -> str:
        """A cached bearer token of the home practice's user with this role."""
        if role not in self._tokens:
            self._tokens[role] = self.fresh_token(role)
        return self._tokens[role]

    def fresh_token(self, role: str) -> str:
        """A new login (its own session) of the role's user."""
        return login(self.home, self.home.user(role))

    def session_id(self, token: str) -> str:
        """The session row behind a token (the API never shows session ids in login answers)."""
        from sqlalchemy import text

        with self.home.db.engine.connect() as conn:
            return str(
                conn.execute(
                    text("SELECT id FROM auth_sessions WHERE token_hash = :h"),
                    {"h": sha256_hex(token)},
                ).scalar_one()
            )

    def foreign_session_id(self) -> str:
        """A session of the other practice's admin."""
        from sqlalchemy import text

        token = login(self.foreign, self.foreign.user("admin"))
        with self.foreign.db.engine.connect() as conn:
            return str(
                conn.execute(
                    text("SELECT id FROM auth_sessions WHERE token_hash = :h"),
                    {"h": sha256_hex(token)},
                ).scalar_one()
            )

    def practice_of(self, axis: str) -> Practice:
        """The practice that owns the axis' records."""
        return self.foreign if axis == "foreign" else self.home

    def new_appointment(self, axis: str) -> str:
        """A fresh scheduled appointment of the axis' patient, made by that practice's admin."""
        practice = self.practice_of(axis)
        rec = self.records[axis]
        response = practice.post("/appointments", appointment_body(rec.patient, rec.provider))
        assert response.status_code == 201, response.text
        return str(response.json()["appointmentId"])


def login(practice: Practice, username: str, basic: str | None = None) -> str:
    """Log a user in through the API and return the bearer token."""
    response = practice.client.post(
        f"{practice.base}/sessions",
        json={"username": username, "password": PASSWORD},
        headers={"Authorization": basic or practice.basic()},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["authToken"])


def unique_npi() -> str:
    """A valid NPI not used by the test practices (9 digits from a counter + check digit)."""
    first_nine = f"{190000000 + next(_counter):09d}"
    return first_nine + str(npi_check_digit(first_nine))


def appointment_body(patient_id: str, provider_id: str, **extra: Any) -> dict[str, Any]:
    """A valid new appointment; each call gets its own hour so nothing double-books."""
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(
        days=30, hours=next(_counter)
    )
    body: dict[str, Any] = {
        "patientId": patient_id,
        "providerId": provider_id,
        "startTime": start.isoformat().replace("+00:00", "Z"),
        "endTime": (start + timedelta(minutes=50)).isoformat().replace("+00:00", "Z"),
        "allowOverlap": True,
    }
    body.update(extra)
    return body


# Providers as build_practice creates them (PUT replaces every field, so it must resend them).
def provider_body(index: int) -> dict[str, Any]:
    """The fields of the home practice's provider number `index`."""
    return {
        "npi": NPIS[index],
        "firstName": f"Pat{index}",
        "lastName": "Provider",
        "credentials": "LCSW",
        "taxonomy": "1041C0700X",
    }


LOCATION_BODY = {
    "name": "Main clinic",
    "address": {"line1": "1 Main St", "city": "Chicago", "region": "IL", "postalCode": "60601"},
}
PAYER_BODY = {"name": "Regence", "ediPayerId": "00932", "claimFilingIndicator": "BL"}


def build_world(app: FastAPI, client: TestClient, home: Practice, foreign: Practice) -> World:
    """Patients and appointments for each axis, made through the API by each practice's admin."""
    p0, p1, _p2, p3 = home.provider_ids

    def patient(**fields: Any) -> str:
        body = {
            "firstName": "Axis",
            "lastName": "Patient",
            "dob": "1980-02-03",
            "sex": "female",
            **fields,
        }
        response = home.post("/patients", body)
        assert response.status_code == 201, response.text
        return str(response.json()["patientId"])

    care_team = [{"providerId": p1, "role": "supervisor"}]
    own = patient(primaryProviderId=p0, careTeam=care_team)
    unrelated = patient(primaryProviderId=p3)
    part2 = patient(primaryProviderId=p0, careTeam=care_team, part2=True)
    foreign_patient = foreign.patient_ids[0]

    def appointment(practice: Practice, patient_id: str, provider_id: str) -> str:
        response = practice.post("/appointments", appointment_body(patient_id, provider_id))
        assert response.status_code == 201, response.text
        return str(response.json()["appointmentId"])

    records = {
        "own": Records(own, appointment(home, own, p0), p0, home.location_id, home.payer_id),
        "unrelated": Records(
            unrelated, appointment(home, unrelated, p3), p3, home.location_id, home.payer_id
        ),
        "foreign": Records(
            foreign_patient,
            appointment(foreign, foreign_patient, foreign.provider_ids[0]),
            foreign.provider_ids[0],
            foreign.location_id,
            foreign.payer_id,
        ),
        "part2": Records(part2, appointment(home, part2, p0), p0, home.location_id, home.payer_id),
    }
    # Every patient is read once, so the audit report has rows to find (or to hide).
    for axis, rec in records.items():
        practice = foreign if axis == "foreign" else home
        assert practice.get(f"/patients/{rec.patient}").status_code == 200
    other = home.user("front_desk", provider_index=3)
    return World(app, client, home, foreign, records, other_username=other)


@dataclass
class Call:
    """One request of a cell and what to check in an allowed answer."""

    method: str
    path_params: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    # "bearer": the role's cached token; "fresh": a new login (the call ends or rotates it);
    # "basic": the login endpoint's API-client credential (anonymous sends none).
    auth: str = "bearer"
    basic: str | None = None
    find: tuple[str, str] | None = None  # lists: the item whose field holds this id
    expect_id: tuple[str, str] | None = None  # one record: the answer names this id


@dataclass
class Cell:
    """One role acting on one data axis."""

    world: World
    role: str
    axis: str

    @property
    def rec(self) -> Records:
        """The records of this axis."""
        return self.world.records[self.axis]

    @property
    def own_provider(self) -> str:
        """The caller's own provider (caseload roles) or the home practice's first one."""
        home = self.world.home
        return home.provider_ids[1] if self.role == "supervisor" else home.provider_ids[0]

    def target_appointment(self, allowed: bool) -> str:
        """The axis' appointment; a fresh one when the call is expected to change it."""
        return self.world.new_appointment(self.axis) if allowed else self.rec.appointment


Builder = Callable[[Cell, bool], Call]


@dataclass(frozen=True)
class Fixture:
    """How to exercise one matrix row: the axes that apply and the request for a cell."""

    axes: tuple[str, ...]
    build: Builder


FIXTURES: dict[str, Fixture] = {}
BASE = "/integrations/{integration_id}"


def row(key: str, axes: tuple[str, ...]) -> Callable[[Builder], Builder]:
    """Register the fixture of a matrix row."""

    def register(build: Builder) -> Builder:
        FIXTURES[key] = Fixture(axes, build)
        return build

    return register


# Sessions and the caller's own account ---------------------------------------------------------


@row(f"POST {BASE}/sessions", ("own", "foreign"))
def _login(c: Cell, allowed: bool) -> Call:
    # own: this practice's API client; foreign: another practice's client credential (header id).
    basic = c.world.home.basic() if c.axis == "own" else c.world.foreign.basic()
    username = c.world.home.user(c.role) if c.role != "anonymous" else "nobody@test.example"
    return Call(
        "POST",
        json={"username": username, "password": PASSWORD},
        auth="basic",
        basic=None if c.role == "anonymous" else basic,
    )


@row(f"DELETE {BASE}/sessions", TENANT_AXES)
def _logout(c: Cell, allowed: bool) -> Call:
    return Call("DELETE", auth="fresh")


@row(f"POST {BASE}/sessions/refresh", TENANT_AXES)
def _refresh(c: Cell, allowed: bool) -> Call:
    return Call("POST", auth="fresh")


@row(f"DELETE {BASE}/sessions/{{session_id}}", ("own", "unrelated", "foreign"))
def _revoke(c: Cell, allowed: bool) -> Call:
    w = c.world
    if c.axis == "own" and c.role != "anonymous":
        target = w.session_id(w.fresh_token(c.role))  # the caller's other session
    elif c.axis == "foreign":
        target = w.foreign_session_id()
    else:
        target = w.session_id(login(w.home, w.other_username))  # another user's session
    return Call("DELETE", path_params={"session_id": target})


@row(f"GET {BASE}/users/me", TENANT_AXES)
def _me(c: Cell, allowed: bool) -> Call:
    return Call("GET")


@row(f"POST {BASE}/users/me/mfa/totp", TENANT_AXES)
def _enroll(c: Cell, allowed: bool) -> Call:
    return Call("POST")


@row(f"POST {BASE}/users/me/mfa/totp/confirm", TENANT_AXES)
def _confirm(c: Cell, allowed: bool) -> Call:
    code = "123456"
    if c.role != "anonymous":
        # Start an enrolment, then send a code that is certainly wrong for it: reaching the
        # code check (422) proves the caller got past authentication and authorization.
        started = c.world.client.post(
            f"{c.world.home.base}/users/me/mfa/totp",
            headers={"Authorization": f"Bearer {c.world.token(c.role)}"},
        )
        assert started.status_code == 201, started.text
        secret = started.json()["secret"]
        now = utcnow()
        valid = {totp_code(secret, now + timedelta(seconds=s)) for s in (-60, -30, 0, 30, 60)}
        code = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in valid)
    return Call("POST", json={"code": code})


@row(f"GET {BASE}", TENANT_AXES)
def _integration(c: Cell, allowed: bool) -> Call:
    return Call("GET")


@row(f"PATCH {BASE}", TENANT_AXES)
def _integration_patch(c: Cell, allowed: bool) -> Call:
    return Call("PATCH", json={"name": "Test practice"})


# Patients (and the Echo/PIMSY alias /clients) -------------------------------------------------


def _patient_rows(collection: str) -> None:
    @row(f"GET {BASE}/{collection}", RECORD_AXES)
    def _list(c: Cell, allowed: bool) -> Call:
        return Call("GET", params={"pageSize": 500}, find=("patientId", c.rec.patient))

    @row(f"GET {BASE}/{collection} #patientId", RECORD_AXES)
    def _list_by_id(c: Cell, allowed: bool) -> Call:
        return Call("GET", params={"patientId": c.rec.patient}, find=("patientId", c.rec.patient))

    @row(f"POST {BASE}/{collection}", ("own", "unrelated", "foreign"))
    def _create(c: Cell, allowed: bool) -> Call:
        # A new patient whose primary provider is the axis' provider (an id in the body).
        provider = c.own_provider if c.axis == "own" else c.rec.provider
        return Call(
            "POST",
            json={
                "firstName": "Matrix",
                "lastName": "Created",
                "dob": "1991-04-05",
                "sex": "male",
                "primaryProviderId": provider,
            },
        )

    @row(f"POST {BASE}/{collection} #update-by-id", RECORD_AXES)
    def _update(c: Cell, allowed: bool) -> Call:
        return Call(
            "POST",
            json={"patientId": c.rec.patient, "preferredName": "Axis"},
            expect_id=("patientId", c.rec.patient),
        )

    @row(f"GET {BASE}/{collection}/{{patient_id}}", RECORD_AXES)
    def _get(c: Cell, allowed: bool) -> Call:
        return Call(
            "GET",
            path_params={"patient_id": c.rec.patient},
            expect_id=("patientId", c.rec.patient),
        )

    @row(f"PATCH {BASE}/{collection}/{{patient_id}}", RECORD_AXES)
    def _patch(c: Cell, allowed: bool) -> Call:
        return Call(
            "PATCH",
            path_params={"patient_id": c.rec.patient},
            json={"preferredName": "Axis"},
            expect_id=("patientId", c.rec.patient),
        )


_patient_rows("patients")
_patient_rows("clients")


# Directory: providers, locations, payers ------------------------------------------------------


def _directory_rows(collection: str, id_field: str, attr: str) -> None:
    def record(c: Cell) -> str:
        return str(getattr(c.rec, attr))

    @row(f"GET {BASE}/{collection}", DIRECTORY_AXES)
    def _list(c: Cell, allowed: bool) -> Call:
        return Call("GET", params={"pageSize": 500}, find=(id_field, record(c)))

    @row(f"GET {BASE}/{collection}/{{record_id}}", DIRECTORY_AXES)
    def _get(c: Cell, allowed: bool) -> Call:
        return Call("GET", path_params={"record_id": record(c)}, expect_id=(id_field, record(c)))

    @row(f"PUT {BASE}/{collection}/{{record_id}}", DIRECTORY_AXES)
    def _put(c: Cell, allowed: bool) -> Call:
        if collection == "providers":
            index = c.world.home.provider_ids.index(record(c)) if c.axis != "foreign" else 0
            body: dict[str, Any] = provider_body(index)
        else:
            body = dict(LOCATION_BODY if collection == "locations" else PAYER_BODY)
        return Call(
            "PUT",
            path_params={"record_id": record(c)},
            json=body,
            expect_id=(id_field, record(c)),
        )


_directory_rows("providers", "providerId", "provider")
_directory_rows("locations", "locationId", "location")
_directory_rows("payers", "payerId", "payer")


@row(f"POST {BASE}/providers", DIRECTORY_AXES)
def _provider_create(c: Cell, allowed: bool) -> Call:
    # The axis' provider as the new provider's supervisor: an id in the body.
    body = {
        "npi": unique_npi(),
        "firstName": "Matrix",
        "lastName": "Provider",
        "supervisorId": c.rec.provider,
    }
    return Call("POST", json=body)


@row(f"POST {BASE}/locations", TENANT_AXES)
def _location_create(c: Cell, allowed: bool) -> Call:
    return Call("POST", json={"name": f"Matrix site {next(_counter)}"})


@row(f"POST {BASE}/payers", TENANT_AXES)
def _payer_create(c: Cell, allowed: bool) -> Call:
    return Call("POST", json={"name": "Matrix payer", "ediPayerId": f"MX{next(_counter)}"})


# Appointments ---------------------------------------------------------------------------------


@row(f"GET {BASE}/appointments", RECORD_AXES)
def _appointments(c: Cell, allowed: bool) -> Call:
    return Call("GET", params={"pageSize": 500}, find=("appointmentId", c.rec.appointment))


@row(f"GET {BASE}/appointments #patientId", RECORD_AXES)
def _appointments_by_patient(c: Cell, allowed: bool) -> Call:
    return Call(
        "GET", params={"patientId": c.rec.patient}, find=("appointmentId", c.rec.appointment)
    )


@row(f"POST {BASE}/appointments", RECORD_AXES)
def _appointment_create(c: Cell, allowed: bool) -> Call:
    # The axis' patient in the body; the caller's own provider.
    provider = c.own_provider if c.axis != "foreign" else c.world.home.provider_ids[0]
    return Call("POST", json=appointment_body(c.rec.patient, provider))


@row(f"POST {BASE}/appointments #update-by-id", RECORD_AXES)
def _appointment_update(c: Cell, allowed: bool) -> Call:
    return Call(
        "POST",
        json={"appointmentId": c.rec.appointment, "notes": "matrix update"},
        expect_id=("appointmentId", c.rec.appointment),
    )


@row(f"GET {BASE}/appointments/{{appointment_id}}", RECORD_AXES)
def _appointment(c: Cell, allowed: bool) -> Call:
    return Call(
        "GET",
        path_params={"appointment_id": c.rec.appointment},
        expect_id=("appointmentId", c.rec.appointment),
    )


@row(f"PATCH {BASE}/appointments/{{appointment_id}}", RECORD_AXES)
def _appointment_patch(c: Cell, allowed: bool) -> Call:
    return Call(
        "PATCH",
        path_params={"appointment_id": c.rec.appointment},
        json={"notes": "matrix patch"},
        expect_id=("appointmentId", c.rec.appointment),
    )


@row(f"POST {BASE}/appointments/{{appointment_id}}/status", RECORD_AXES)
def _appointment_status(c: Cell, allowed: bool) -> Call:
    target = c.target_appointment(allowed)
    return Call(
        "POST",
        path_params={"appointment_id": target},
        json={"status": "cancelled", "reason": "patient_request"},
        expect_id=("appointmentId", target),
    )


# Audit report ---------------------------------------------------------------------------------


@row(f"GET {BASE}/audit-events", RECORD_AXES)
def _audit(c: Cell, allowed: bool) -> Call:
    return Call(
        "GET",
        params={"patientId": c.rec.patient, "pageSize": 1000},
        find=("patientId", c.rec.patient),
    )


# Liveness: the one anonymous route -------------------------------------------------------------


@row("GET /health", TENANT_AXES)
def _health(c: Cell, allowed: bool) -> Call:
    return Call("GET")
