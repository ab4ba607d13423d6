"""Canary PHI and secrets never leak into error bodies or logs, and secrets never sit in the database.

Known canary values (a patient's names, dob, member id, phone, email; the user's password, the
API client's secret, a bearer token, a TOTP seed) are written, errors of every class are provoked
with those values in the request, and then every error body, every captured log record and a
dump of the database are scanned. PHI is expected in the patients tables of the dump (that is
where it belongs); secrets are not expected anywhere.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect, text

from bhlink.services import patients
from bhlink.store.db import Database
from tests.support.practice import PASSWORD, Practice

FIRST, LAST = "Zyxcanary", "Qwvphi"
DOB = "1961-07-19"
MEMBER_ID = "CANARYMEMBER123"
PHONE = "+1 312 555 0147"
EMAIL = "zyx.canary@qwvphi.example"
MRN = "CANARY-MRN-77"
WRONG_PASSWORD = "Zyxcanary wrong password 31"
PHI = [FIRST, LAST, DOB, MEMBER_ID, PHONE, EMAIL]
LOGGERS = ["", "bhlink", "uvicorn", "sqlalchemy"]


def _canary_patient(practice: Practice, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mrn": MRN,
        "firstName": FIRST,
        "lastName": LAST,
        "dob": DOB,
        "sex": "female",
        "contact": {"email": EMAIL, "phone": PHONE},
        "insurance": [{"type": "primary", "payerId": practice.payer_id, "memberId": MEMBER_ID}],
    }
    body.update(overrides)
    return body


def _leaks(haystack: str, needles: Iterable[str]) -> list[str]:
    lowered = haystack.lower()
    return [needle for needle in needles if needle and needle.lower() in lowered]


def _record_text(record: logging.LogRecord) -> str:
    parts = [str(record.msg), repr(record.args), record.exc_text or ""]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(logging.Formatter().formatException(record.exc_info))
    parts.extend(repr(value) for key, value in vars(record).items() if key not in ("msg", "args"))
    return "\n".join(parts)


def _dump(db: Database) -> str:
    """Every row of every table, as text (sqlite3 iterdump, or SELECT * on PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        path = db.engine.url.database
        assert path is not None
        with sqlite3.connect(path) as conn:
            return "\n".join(conn.iterdump())
    lines: list[str] = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                lines.append(f"{table}: {tuple(row)!r}")
    return "\n".join(lines)


def test_errors_and_logs_carry_no_canary_and_the_dump_holds_no_secret(
    practice: Practice, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    practice.user("admin", totp=True)
    headers = practice.login("admin")
    token = headers["Authorization"].removeprefix("Bearer ")
    seed = practice.totp_secrets["admin"]
    secrets_ = [PASSWORD, WRONG_PASSWORD, practice.client_secret, token, seed]

    created = practice.post("/patients", _canary_patient(practice))
    assert created.status_code == 201, created.text
    canary_id = created.json()["patientId"]
    # Successful reads put the canary rows through the ORM (and SQLAlchemy's row logging).
    assert practice.get(f"/patients/{canary_id}").status_code == 200
    assert practice.get("/patients", params={"mrn": MRN}).json()["total"] == 1

    errors: list[httpx.Response] = [
        # 422s with the canary values in the body.
        practice.post("/patients", _canary_patient(practice, mrn=None, dob=FIRST)),
        practice.post("/patients", _canary_patient(practice, mrn="x", dob="2999-01-01")),
        practice.post(
            "/patients",
            _canary_patient(practice, mrn="y", contact={"email": LAST, "phone": MEMBER_ID}),
        ),
        practice.post("/patients", _canary_patient(practice, mrn="z", sex=EMAIL)),
        practice.post(
            "/patients",
            _canary_patient(
                practice,
                mrn="w",
                insurance=[{"type": "primary", "payerId": "pay_missing0", "memberId": MEMBER_ID}],
            ),
        ),
        practice.post("/patients", _canary_patient(practice, mrn="v", firstName=FIRST * 40)),
        # 404s.
        practice.get("/patients/pat_zzzzzzzzzzzz"),
        practice.patch("/patients/pat_zzzzzzzzzzzz", {"firstName": FIRST}),
        # 409: another patient takes the canary's mrn.
        practice.patch(f"/patients/{practice.patient_ids[0]}", {"mrn": MRN, "lastName": LAST}),
        # 401s: wrong password, right password with a wrong second factor, a forged token.
        practice.client.post(
            f"{practice.base}/sessions",
            json={"username": practice.users["admin"], "password": WRONG_PASSWORD},
            headers={"Authorization": practice.basic()},
        ),
        practice.client.post(
            f"{practice.base}/sessions",
            json={
                "username": practice.users["admin"],
                "password": PASSWORD,
                "mfa": {"type": "totp", "code": "000000"},
            },
            headers={"Authorization": practice.basic()},
        ),
        practice.client.get(
            f"{practice.base}/patients/{canary_id}",
            headers={"Authorization": f"Bearer {token}x"},
        ),
    ]
    expected = [422, 422, 422, 422, 422, 422, 404, 404, 409, 401, 401, 401]

    # 500: a service fails with an exception whose message quotes PHI.
    def explode(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"cannot load {FIRST} {LAST} born {DOB} member {MEMBER_ID}")

    monkeypatch.setattr(patients, "get", explode)
    errors.append(practice.get(f"/patients/{canary_id}"))
    expected.append(500)

    assert [response.status_code for response in errors] == expected, [
        (r.status_code, r.text) for r in errors
    ]
    for response in errors:
        assert response.headers["content-type"].startswith("application/problem+json")
        leaked = _leaks(response.text, PHI + secrets_)
        assert not leaked, f"{response.status_code} body leaks {leaked}: {response.text}"

    assert caplog.records, "nothing was logged: the log scan would prove nothing"
    for record in caplog.records:
        leaked = _leaks(_record_text(record), PHI + secrets_)
        assert not leaked, f"log record {record.name}:{record.lineno} leaks {leaked}"

    dump = _dump(practice.db)
    assert FIRST in dump, "the canary patient is missing: the dump scan would prove nothing"
    leaked = _leaks(dump, secrets_)
    assert not leaked, f"the database dump holds plaintext secrets: {leaked}"
