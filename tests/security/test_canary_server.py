"""Canary PHI and secrets through a real uvicorn server: never in logs or error bodies.

test_canary.py runs the app in process; what only a server shows is checked here: uvicorn's own
error log (Starlette re-raises an unhandled exception after answering, and uvicorn logs its
text) and its access log (which prints query strings). Known canary values (a patient's names, date of birth, MRN, member id, email; a password, the API
client secret, a TOTP seed, bearer tokens, the server key) go through a real uvicorn server in a
thread, with every logger at DEBUG and uvicorn's access log on, while the test provokes bad
input (422), unknown ids (404), a uniqueness conflict (409) and two forced faults (500: an
exception quoting PHI, and a database error whose bound values are PHI). Then it scans every log
record, every error body and a dump of the database (SQLite `iterdump`; PostgreSQL: every
table of the schema selected as text).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from bhlink.config import Settings
from bhlink.domain.clock import utcnow
from bhlink.server import create_app
from bhlink.services import tenancy
from bhlink.services.crypto import totp_code
from bhlink.store.db import Database
from tests.support.practice import build_practice

PHI = {
    "first name": "Zebulonia",
    "last name": "Quixcanary",
    "dob": "1937-11-23",
    "mrn": "CANARY-MRN-5521",
    "member id": "CANARYMEMBER7731",
    "email": "zebulonia.quixcanary@example.org",
    "phone": "+1-312-555-0147",
}
PASSWORD = "Canary-Password-8d1f-Quokka!"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThreadedServer:
    """uvicorn serving the app in a thread, logging through the root logger (so caplog sees it)."""

    def __init__(self, app: Any) -> None:
        self.port = _free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,  # no handlers of its own: records propagate to the root logger
            log_level="debug",
            access_log=True,
            ws="none",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(20)


def database_dump(db: Database) -> str:
    """Every row of every table as text."""
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            raw: Any = conn.connection.dbapi_connection
            return "\n".join(raw.iterdump())
        tables = conn.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        ).scalars()
        parts = []
        for table in tables:
            rows = conn.execute(text(f'SELECT t::text FROM "{table}" t')).scalars()
            parts.append(f"-- {table}\n" + "\n".join(rows))
        return "\n".join(parts)


def log_text(records: list[logging.LogRecord], test_thread: int) -> str:
    """Everything a handler could print from these records: message, args, extras, tracebacks.

    Leaves out only the test's own HTTP client (httpx logs each URL it requests): it is the
    caller, not the server, and runs in the test's thread.
    """
    formatter = logging.Formatter()
    chunks = []
    for record in records:
        if record.thread == test_thread and record.name.startswith(("httpx", "httpcore")):
            continue
        chunks.append(record.getMessage())
        chunks.append(repr(record.__dict__))
        if record.exc_info:
            chunks.append(formatter.formatException(record.exc_info))
        if record.stack_info:
            chunks.append(record.stack_info)
    return "\n".join(chunks)


@pytest.fixture
def canary_run(
    settings: Settings,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, Any]]:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy.engine"):
        caplog.set_level(logging.DEBUG, logger=name)
    app = create_app(settings.model_copy(update={"log_level": "DEBUG"}), db)
    error_bodies: list[str] = []
    secrets: dict[str, str] = {"server key": str(settings.secret_key), "password": PASSWORD}
    with ThreadedServer(app) as http:
        from fastapi.testclient import TestClient

        with TestClient(app) as setup_client:
            practice = build_practice(db, app, setup_client)
        secrets["client secret"] = practice.client_secret
        with db.unit_of_work() as uow:
            tenancy.create_user(
                uow,
                practice.integration_id,
                username="canary.admin@test.example",
                name="Canary Admin",
                password=PASSWORD,
                roles=["admin"],
            )
            uow.commit()
        basic = {"Authorization": practice.basic()}
        base = practice.base

        def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
            response = http.request(method, base + path, **kwargs)
            if response.status_code >= 400:
                error_bodies.append(f"{method} {path} -> {response.status_code}: {response.text}")
            return response

        login_body = {"username": "canary.admin@test.example", "password": PASSWORD}
        assert (
            call(
                "POST", "/sessions", json={**login_body, "password": PASSWORD + "x"}, headers=basic
            ).status_code
            == 401
        )
        assert (
            call(
                "POST",
                "/sessions",
                json={"username": PASSWORD, "password": PASSWORD},
                headers=basic,
            ).status_code
            == 401
        )
        login = call(
            "POST",
            "/sessions",
            json=login_body,
            headers={**basic, "Idempotency-Key": "canary-login"},
        )
        assert login.status_code == 201
        token = login.json()["authToken"]
        secrets["bearer token"] = token
        auth = {"Authorization": f"Bearer {token}"}

        # TOTP: enrol, confirm, log in with a code; the seed is shown once, in the 201 body only.
        enrolled = call(
            "POST", "/users/me/mfa/totp", headers={**auth, "Idempotency-Key": "canary-totp"}
        )
        assert enrolled.status_code == 201
        seed = enrolled.json()["secret"]
        secrets["TOTP seed"] = seed
        code = totp_code(seed, utcnow())
        assert (
            call(
                "POST", "/users/me/mfa/totp/confirm", json={"code": code}, headers=auth
            ).status_code
            == 204
        )

        patient = {
            "mrn": PHI["mrn"],
            "firstName": PHI["first name"],
            "lastName": PHI["last name"],
            "dob": PHI["dob"],
            "sex": "female",
            "contact": {"email": PHI["email"], "phone": PHI["phone"]},
            "insurance": [
                {"type": "primary", "payerId": practice.payer_id, "memberId": PHI["member id"]}
            ],
        }
        created = call(
            "POST", "/patients", json=patient, headers={**auth, "Idempotency-Key": "canary-1"}
        )
        assert created.status_code == 201, created.text
        patient_id = created.json()["patientId"]

        # 422s whose inputs are PHI: bad date, bad enum, bad payer, bad types.
        bad_inputs: list[dict[str, Any]] = [
            {**patient, "mrn": None, "dob": PHI["first name"]},
            {**patient, "sex": PHI["last name"]},
            {
                **patient,
                "mrn": "OTHER-1",
                "insurance": [
                    {"type": "primary", "payerId": PHI["member id"], "memberId": PHI["member id"]}
                ],
            },
            {**patient, "firstName": {"nested": PHI["first name"]}},
            {**patient, "contact": {"email": PHI["first name"] + " not an email"}},
        ]
        for body in bad_inputs:
            assert call("POST", "/patients", json=body, headers=auth).status_code == 422
        assert (
            call(
                "PATCH", f"/patients/{patient_id}", json={"dob": PHI["last name"]}, headers=auth
            ).status_code
            == 422
        )
        assert (
            call(
                "GET", "/patients", params={"updatedAfter": PHI["first name"]}, headers=auth
            ).status_code
            == 422
        )
        # 404s and a filtered list (the MRN travels in a query string: the access log).
        assert call("GET", "/patients/pt_0canarymissing", headers=auth).status_code == 404
        assert call("GET", "/patients", params={"mrn": PHI["mrn"]}, headers=auth).status_code == 200
        assert call("GET", f"/patients/{patient_id}", headers=auth).status_code == 200
        # 409: another patient takes the canary's MRN.
        other = call(
            "POST",
            "/patients",
            json={**patient, "mrn": "CANARY-OTHER-1", "firstName": "Other"},
            headers=auth,
        )
        assert other.status_code == 201
        clash = call(
            "PATCH",
            f"/patients/{other.json()['patientId']}",
            json={"mrn": PHI["mrn"]},
            headers=auth,
        )
        assert clash.status_code == 409
        # 412: stale If-Match.
        assert (
            call(
                "PATCH",
                f"/patients/{patient_id}",
                json={"preferredName": "Zeb"},
                headers={**auth, "If-Match": 'W/"99"'},
            ).status_code
            == 412
        )

        # 500 (1): an exception whose text quotes PHI.
        from bhlink.services import patients as patient_service

        def leaky_get(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError(
                f"cannot load {PHI['first name']} {PHI['last name']} born {PHI['dob']}"
            )

        monkeypatch.setattr(patient_service, "get", leaky_get)
        assert call("GET", f"/patients/{patient_id}", headers=auth).status_code == 500

        # 500 (2): a database error whose bound values are PHI (the driver error names them
        # unless the engine hides parameters).
        def failing_sql(uow: Any, *args: Any, **kwargs: Any) -> Any:
            uow.session.execute(
                text("INSERT INTO no_such_table (a, b) VALUES (:a, :b)"),
                {"a": PHI["member id"], "b": PHI["email"]},
            )

        monkeypatch.setattr(patient_service, "get", failing_sql)
        assert call("GET", f"/patients/{patient_id}", headers=auth).status_code == 500
        monkeypatch.undo()

        # Token rotation and logout.
        refreshed = call("POST", "/sessions/refresh", headers=auth)
        assert refreshed.status_code == 200
        secrets["refreshed token"] = refreshed.json()["authToken"]
        assert call("GET", "/users/me", headers=auth).status_code == 401
        assert (
            call(
                "DELETE",
                "/sessions",
                headers={"Authorization": f"Bearer {secrets['refreshed token']}"},
            ).status_code
            == 204
        )

    yield {
        "logs": log_text(caplog.records, threading.get_ident()),
        "records": len(caplog.records),
        "errors": error_bodies,
        "dump": database_dump(db),
        "secrets": secrets,
    }


def test_no_canary_phi_or_secret_in_logs(canary_run: dict[str, Any]) -> None:
    logs = canary_run["logs"]
    assert canary_run["records"] > 50  # uvicorn, SQLAlchemy and our own loggers all spoke
    assert "GET /integrations/" in logs  # the access log was on
    assert "unhandled error RuntimeError" in logs  # the faults were logged, by type
    assert "unhandled error OperationalError" in logs or "unhandled error ProgrammingError" in logs
    leaks = {k: v for k, v in {**PHI, **canary_run["secrets"]}.items() if v in logs}
    assert not leaks, f"found in logs: {sorted(leaks)}"


def test_no_canary_phi_or_secret_in_error_bodies(canary_run: dict[str, Any]) -> None:
    errors = "\n".join(canary_run["errors"])
    assert errors.count("-> 422") >= 7 and "-> 404" in errors and "-> 409" in errors
    assert errors.count("-> 500") == 2 and "-> 412" in errors
    leaks = {k: v for k, v in {**PHI, **canary_run["secrets"]}.items() if v in errors}
    assert not leaks, f"found in error bodies: {sorted(leaks)}"


def test_no_secret_in_clear_in_the_database(canary_run: dict[str, Any]) -> None:
    dump = canary_run["dump"]
    assert PHI["last name"] in dump  # the dump is real: the canary patient is in it
    leaks = sorted(k for k, v in canary_run["secrets"].items() if v in dump)
    assert not leaks, f"stored in clear: {leaks}"
