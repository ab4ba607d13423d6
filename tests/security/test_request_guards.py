"""Request limits and response headers: body size, JSON depth, content types, security headers, CORS."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from bhlink.config import Settings
from bhlink.server import create_app
from bhlink.store.db import Database
from tests.support.practice import Practice

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
}


def _patient_body(**extra: object) -> dict[str, object]:
    return {"firstName": "Guard", "lastName": "Test", "dob": "1990-01-01", "sex": "female", **extra}


def assert_hardened(response) -> None:  # type: ignore[no-untyped-def]
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-request-id"]


def test_oversize_body_is_413_and_writes_nothing(practice: Practice) -> None:
    before = practice.count("patients")
    big = _patient_body(notes="x" * 1_100_000)
    response = practice.post("/patients", big)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert_hardened(response)
    assert practice.count("patients") == before


def test_oversize_body_without_a_length_is_413(practice: Practice) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b" " * 32_768  # 1.25 MiB of whitespace, sent chunked

    response = practice.client.post(
        f"{practice.base}/patients",
        content=chunks(),
        headers={**practice.login(), "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_a_lying_content_length_is_refused(practice: Practice) -> None:
    response = practice.client.post(
        f"{practice.base}/patients",
        content=b"{}",
        headers={**practice.login(), "Content-Type": "application/json", "Content-Length": "-1"},
    )
    assert response.status_code in (400, 413)


def test_json_nested_past_the_limit_is_422(practice: Practice) -> None:
    deep: object = "leaf"
    for _ in range(40):
        deep = {"a": deep}
    response = practice.post("/patients", _patient_body(extra=deep))
    assert response.status_code == 422
    assert "nesting" in response.json()["detail"]
    # Brackets inside strings do not count.
    shallow = practice.post("/patients", _patient_body(middleName="[[[[[[[[{{{{{{{{" * 4))
    assert shallow.status_code in (201, 422)
    assert "nesting" not in shallow.text


@pytest.mark.parametrize("content_type", ["application/xml", "image/png", "application/x-yaml"])
def test_unsupported_content_type_is_415(practice: Practice, content_type: str) -> None:
    before = practice.count("patients")
    response = practice.client.post(
        f"{practice.base}/patients",
        content=b"<patient/>",
        headers={**practice.login(), "Content-Type": content_type},
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert practice.count("patients") == before


def test_body_without_content_type_is_415(practice: Practice) -> None:
    response = practice.client.post(
        f"{practice.base}/patients", content=b'{"firstName": "x"}', headers=practice.login()
    )
    assert response.status_code == 415


def test_json_that_is_not_utf8_is_422_naming_the_body(practice: Practice) -> None:
    response = practice.client.post(
        f"{practice.base}/patients",
        content=b'{"firstName": "\xff\xfe"}',
        headers={**practice.login(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "message": "the body is not valid JSON"}]


def test_every_kind_of_answer_carries_the_security_headers(
    practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok = practice.get(f"/patients/{practice.patient_ids[0]}")
    assert ok.status_code == 200 and ok.json()["patientId"] == practice.patient_ids[0]
    assert_hardened(ok)  # PHI answers are never cached
    assert_hardened(practice.get("/patients/pt_0missing"))
    assert_hardened(practice.client.get(f"{practice.base}/patients"))  # 401
    assert_hardened(practice.client.get("/no/such/route"))
    assert_hardened(practice.client.get("/health"))

    from bhlink.services import patients

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(patients, "get", broken)
    failed = practice.get(f"/patients/{practice.patient_ids[0]}")
    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    assert "simulated fault" not in failed.text
    assert_hardened(failed)


def test_request_ids_are_echoed_only_when_well_formed(practice: Practice) -> None:
    echoed = practice.client.get("/health", headers={"X-Request-Id": "trace-42.a_b"})
    assert echoed.headers["x-request-id"] == "trace-42.a_b"
    replaced = practice.client.get("/health", headers={"X-Request-Id": "bad id\r\nx: y"})
    assert replaced.headers["x-request-id"] != "bad id\r\nx: y"
    assert len(replaced.headers["x-request-id"]) == 32


# --- CORS -----------------------------------------------------------------------------------------


def _preflight(client: TestClient, path: str, origin: str):  # type: ignore[no-untyped-def]
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )


def test_cors_is_off_unless_configured(practice: Practice) -> None:
    response = _preflight(practice.client, f"{practice.base}/patients", "https://evil.example")
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
    simple = practice.get("/users/me", headers={"Origin": "https://evil.example"})
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers


def test_cors_allows_exactly_the_configured_origins(settings: Settings, db: Database) -> None:
    from tests.support.practice import build_practice

    app = create_app(settings.model_copy(update={"cors_origins": ["https://app.example.org"]}), db)
    with TestClient(app, raise_server_exceptions=False) as client:
        practice = build_practice(db, app, client)
        path = f"{practice.base}/patients"
        allowed = _preflight(client, path, "https://app.example.org")
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example.org"
        assert "idempotency-key" in allowed.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in allowed.headers
        refused = _preflight(client, path, "https://evil.example")
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        lookalike = _preflight(client, path, "https://app.example.org.evil.example")
        assert "access-control-allow-origin" not in lookalike.headers
        simple = practice.get("/users/me", headers={"Origin": "https://app.example.org"})
        assert simple.headers["access-control-allow-origin"] == "https://app.example.org"
        exposed = simple.headers["access-control-expose-headers"].lower()
        assert "ratelimit" in exposed and "etag" in exposed and "retry-after" in exposed
        other = practice.get("/users/me", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(
    "value", ["*", "app.example.org", "https://app.example.org/", "https://a.example/path"]
)
def test_cors_setting_refuses_wildcards_and_non_origins(value: str) -> None:
    with pytest.raises(ValidationError):
        Settings(secret_key="k" * 40, cors_origins=value)


def test_cors_setting_reads_a_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BHLINK_CORS_ORIGINS", "https://a.example, http://localhost:3000")
    assert Settings(secret_key="k" * 40).cors_origins == [
        "https://a.example",
        "http://localhost:3000",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_patient_body(lastName="Nul\u0000Byte"), "lastName"),
        (_patient_body(contact={"email": "a\ud800@example.org"}), "contact.email"),
        (
            _patient_body(insurance=[{"type": "primary", "payerId": "x", "memberId": "\u0000"}]),
            "insurance[0].memberId",
        ),
    ],
)
def test_text_no_database_can_store_is_422_naming_the_field(
    practice: Practice, body: dict[str, object], field: str
) -> None:
    """NUL (PostgreSQL refuses it) and lone surrogates (no driver encodes them) → 422, not 500."""
    before = practice.count("patients")
    response = practice.client.post(
        f"{practice.base}/patients",
        content=json.dumps(body).encode(),  # ASCII with \uXXXX escapes, as a client may send
        headers={**practice.login(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert practice.count("patients") == before


def test_every_json_route_refuses_unstorable_text(practice: Practice) -> None:
    """Not only schemas built on WriteModel: the guard checks every JSON body (found by fuzzing
    POST /remittances/exceptions/{id}/resolve, whose note reached PostgreSQL)."""
    response = practice.client.post(
        f"{practice.base}/remittances/exceptions/rex_0unknown/resolve",
        content=b'{"note": "a\\udba9 b"}',
        headers={**practice.login(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "note"


def test_write_models_refuse_unstorable_text_outside_http_too() -> None:
    """CLI imports and connectors build the same schemas without the HTTP guard."""
    from bhlink.schemas.patients import PatientWrite

    with pytest.raises(ValidationError) as caught:
        PatientWrite.model_validate(_patient_body(lastName="a\x00b"))
    assert caught.value.errors()[0]["loc"] == ("lastName",)


def test_nul_in_path_or_query_is_422(practice: Practice) -> None:
    in_path = practice.get("/patients/pt_01%00x")
    assert in_path.status_code == 422 and in_path.json()["errors"][0]["field"] == "path"
    in_query = practice.get("/patients", params={"mrn": "A\u0000B"})
    assert in_query.status_code == 422 and in_query.json()["errors"][0]["field"] == "query"


def test_an_overlong_id_in_the_path_is_404_and_audited(practice: Practice) -> None:
    """The refusal is audited with the id cut to the column width (PostgreSQL enforces it)."""
    long_id = "pt_" + "x" * 300
    response = practice.get(f"/patients/{long_id}")
    assert response.status_code == 404
    denied = practice.get(
        "/audit-events", params={"outcome": "denied", "action": "patients.get"}
    ).json()["items"]
    assert denied and denied[0]["resourceId"] == long_id[:63] + "…"


def test_a_broken_multipart_body_is_422_naming_the_body(practice: Practice) -> None:
    response = practice.client.post(
        f"{practice.base}/documents",
        content=b"--a222103b\r\n[]--a222103b--\r\n",
        headers={**practice.login(), "Content-Type": "multipart/form-data; boundary=a222103b"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body", "message": "the body is not a valid form"}
    ]


@pytest.mark.parametrize("cursor", [".It\u00b8p", "caf\u00e9.t\u00e4g", "x" * 40 + ".\U0001f600"])
def test_a_forged_cursor_with_any_characters_is_422(practice: Practice, cursor: str) -> None:
    """Found by fuzzing: a non-ASCII tag made the HMAC comparison raise (500)."""
    response = practice.get("/patients", params={"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_an_id_past_bigint_is_422_not_a_database_error(practice: Practice) -> None:
    """Found by fuzzing on PostgreSQL: a 30-digit exception id reached SQL (integer out of range)."""
    response = practice.post(
        "/remittances/exceptions/145596398486649681173830172672/resolve", {"note": "checked"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "exception_id"
