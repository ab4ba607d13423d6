"""Every API operation in the OpenAPI document refuses a request without credentials (401)."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.support.practice import Practice

# Operations that answer without a bearer token, by design, and why.
ANONYMOUS_BY_DESIGN = {
    ("GET", "/health"): "liveness/readiness probe for load balancers; reveals no tenant data",
    (
        "POST",
        "/integrations/{integration_id}/sessions",
    ): "login: authenticated by the API client's Basic credential, checked in its own tests",
    ("GET", "/metrics"): (
        "operator metrics: a separate BHLINK_METRICS_TOKEN (401 without it) or, with no token"
        " configured, loopback peers only (403 to anyone else); checked below"
    ),
}
# Served outside the OpenAPI document, so not walked here: /openapi.json and /docs (the API's
# own description), and GET/POST /forms/{token} (patient form pages: the unguessable, expiring
# form token is the credential, by design).
NOT_IN_DOCUMENT = {"/openapi.json", "/docs", "/forms/{token}"}

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _operations(app: FastAPI) -> list[tuple[str, str]]:
    document = app.openapi()
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _concrete(path: str, practice: Practice) -> str:
    """The path with plausible ids: the real integration, ids of the right shape elsewhere."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "integration_id":
            return practice.integration_id
        if name == "patient_id":
            return practice.patient_ids[0]
        if name == "payer_id":
            return practice.payer_id
        if name == "token":
            return "frm_0123456789abcdefghijklmnop"
        return f"{name.split('_')[0][:3]}_01hzzzzzzzzzzzzzzzzzzzzzzz"

    return PLACEHOLDER.sub(fill, path)


def test_the_document_lists_no_form_page_or_documentation_path(app: FastAPI) -> None:
    paths = {path for _, path in _operations(app)}
    assert not paths & NOT_IN_DOCUMENT


def test_every_operation_answers_401_without_credentials(app: FastAPI, practice: Practice) -> None:
    operations = _operations(app)
    assert len(operations) > 100
    refused, answered = 0, []
    for method, path in operations:
        if (method, path) in ANONYMOUS_BY_DESIGN:
            continue
        url = _concrete(path, practice)
        body = {} if method in {"POST", "PUT", "PATCH"} else None
        response = practice.client.request(method, url, json=body)
        if response.status_code == 401:
            refused += 1
            assert response.headers["content-type"].startswith("application/problem+json")
        else:
            answered.append(f"{method} {path} -> {response.status_code}")
    assert not answered, "\n".join(answered)
    assert refused == len(operations) - len(ANONYMOUS_BY_DESIGN)


def test_the_anonymous_exceptions_still_exist(app: FastAPI) -> None:
    # An exception for an operation that no longer exists would hide nothing but rot silently.
    assert set(ANONYMOUS_BY_DESIGN) <= set(_operations(app))


def test_login_without_the_client_credential_is_refused(practice: Practice) -> None:
    response = practice.client.post(
        f"{practice.base}/sessions",
        json={"username": practice.user("admin"), "password": "correct horse battery staple"},
    )
    assert response.status_code == 401


def test_metrics_refuse_an_anonymous_remote_client(practice: Practice) -> None:
    # No metrics token in the test settings: only loopback peers may read; the test client's
    # peer ("testclient") is not loopback.
    response = practice.client.get("/metrics")
    assert response.status_code == 403
    assert "bhlink_" not in response.text
