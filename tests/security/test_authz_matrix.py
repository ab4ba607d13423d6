"""The authorization matrix: every role x every operation x every data axis, as authz_matrix.json says.

The table is the specification (OWASP Authorization Testing Automation cheat sheet: a
machine-readable file of role x service x expected outcome); this module proves the API
matches it cell by cell, and fails when an operation of the OpenAPI document has no row, so a
new endpoint cannot ship without its access rules written down.

Run `python -m tests.security.test_authz_matrix` to print skeleton rows for operations the
table lacks.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bhlink.api.app import create_api
from bhlink.config import Settings
from bhlink.store.db import Database
from tests.security.authz_fixtures import AXES, FIXTURES, ROLES, Call, Cell, World, build_world
from tests.support.practice import build_practice

MATRIX_PATH = Path(__file__).with_name("authz_matrix.json")
OUTCOMES = {"allow", "hidden", "n/a", 200, 201, 204, 401, 403, 404, 409, 412, 422}
# Stored-secret fields no answer may ever carry, whoever asks.
FORBIDDEN_KEYS = {
    "passwordHash",
    "password_hash",
    "tokenHash",
    "token_hash",
    "secretHash",
    "secret_hash",
    "totpSecretEnc",
    "totp_secret_enc",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def load_matrix() -> dict[str, Any]:
    """The table as stored."""
    matrix: dict[str, Any] = json.loads(MATRIX_PATH.read_text())
    return matrix


def base_operation(row_key: str) -> str:
    """`METHOD /path` of a row (`METHOD /path #variant` names the same operation)."""
    return row_key.split(" #", 1)[0]


def openapi_operations(app: FastAPI) -> set[str]:
    """Every operation of the app's OpenAPI document as `METHOD /path/template`."""
    return {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }


def _schema_app() -> FastAPI:
    # The OpenAPI document depends on the routes only; this app never touches its database.
    return create_api(Settings(database_url="sqlite://", secret_key="openapi-only-" + "k" * 32))


@pytest.fixture(scope="module")
def matrix() -> dict[str, Any]:
    return load_matrix()


@pytest.fixture(scope="module")
def world(settings: Settings, db: Database) -> Iterator[World]:
    # Rate limits have their own tests; here a 429 would only hide an authorization answer.
    app = create_api(settings.model_copy(update={"rate_limits_enabled": False}), db)
    with TestClient(app, raise_server_exceptions=False) as client:
        home = build_practice(db, app, client)
        foreign = build_practice(db, app, client)
        yield build_world(app, client, home, foreign)


def test_every_operation_has_a_row(matrix: dict[str, Any]) -> None:
    rows = {base_operation(key) for key in matrix["rows"]}
    missing = sorted(openapi_operations(_schema_app()) - rows)
    assert not missing, (
        "operations without a row in tests/security/authz_matrix.json (add the row and a "
        "fixture in tests/security/authz_fixtures.py):\n" + skeleton(missing)
    )


def test_every_row_names_an_operation_and_has_a_fixture(matrix: dict[str, Any]) -> None:
    operations = openapi_operations(_schema_app())
    stale = sorted(k for k in matrix["rows"] if base_operation(k) not in operations)
    assert not stale, f"rows for operations the API no longer has: {stale}"
    assert set(matrix["rows"]) == set(FIXTURES), (
        f"rows without fixture: {sorted(set(matrix['rows']) - set(FIXTURES))}; "
        f"fixtures without row: {sorted(set(FIXTURES) - set(matrix['rows']))}"
    )


def test_every_cell_is_filled(matrix: dict[str, Any]) -> None:
    assert tuple(matrix["roles"]) == ROLES and tuple(matrix["axes"]) == AXES
    for key, row in matrix["rows"].items():
        assert set(row["cells"]) == set(ROLES), key
        for role, cells in row["cells"].items():
            assert set(cells) == set(AXES), (key, role)
            for axis, outcome in cells.items():
                assert outcome in OUTCOMES, (key, role, axis, outcome)
                applies = axis in FIXTURES[key].axes
                assert (outcome != "n/a") == applies, (
                    f"{key} {role}/{axis}: 'n/a' exactly where the axis does not apply"
                )


def _send(
    world: World, cell: Cell, call: Call, row_key: str, integration_id: str
) -> httpx.Response:
    method, template = base_operation(row_key).split(" ", 1)
    path = template.format(integration_id=integration_id, **call.path_params)
    headers: dict[str, str] = {}
    if cell.role != "anonymous":
        if call.auth == "basic":
            if call.basic:
                headers["Authorization"] = call.basic
        elif call.auth == "fresh":
            headers["Authorization"] = f"Bearer {world.fresh_token(cell.role)}"
        else:
            headers["Authorization"] = f"Bearer {world.token(cell.role)}"
    return world.client.request(
        method, path, params=call.params or None, json=call.json, headers=headers
    )


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def judge(
    expected: str | int, response: httpx.Response, call: Call, hidden: list[str]
) -> str | None:
    """None when the answer is what the cell expects, else what went wrong."""
    status = response.status_code
    body: Any = None
    if response.headers.get("content-type", "").split(";")[0].endswith("json") and response.content:
        body = response.json()
    leaked = (set(_keys(body)) & FORBIDDEN_KEYS) | (set(_keys(body)) & set(hidden))
    if leaked:
        return f"answer carries fields the caller may not see: {sorted(leaked)}"
    if status >= 400 and response.headers.get("content-type") != "application/problem+json":
        return f"{status} is not problem+json"
    found = None
    if call.find is not None and status == 200 and isinstance(body, dict):
        field, wanted = call.find
        found = any(item.get(field) == wanted for item in body.get("items", []))
    if expected == "allow":
        if not 200 <= status < 300:
            return f"expected a 2xx, got {status}: {response.text[:200]}"
        if call.find is not None and not found:
            return "allowed list does not show the record"
        if call.expect_id is not None and (body or {}).get(call.expect_id[0]) != call.expect_id[1]:
            return "the answer is about another record"
        return None
    if expected == "hidden":
        if status != 200 or call.find is None:
            return f"expected a 200 list without the record, got {status}: {response.text[:200]}"
        return "the list shows a record the caller may not see" if found else None
    if status != expected:
        return f"expected {expected}, got {status}: {response.text[:200]}"
    return None


def _outbox_counts(world: World) -> tuple[int, int]:
    return world.home.count("outbox_events"), world.foreign.count("outbox_events")


def test_authorization_matrix(world: World, matrix: dict[str, Any]) -> None:
    mismatches: list[str] = []
    tried: Counter[str] = Counter()
    for key, row in matrix["rows"].items():
        fixture = FIXTURES[key]
        method = base_operation(key).split(" ", 1)[0]
        for role in ROLES:
            for axis in AXES:
                expected = row["cells"][role][axis]
                if expected == "n/a":
                    continue
                cell = Cell(world, role, axis)
                call = fixture.build(cell, expected == "allow")
                denied_write = method in WRITES and expected not in ("allow", 200, 201, 204)
                before = _outbox_counts(world) if denied_write else None
                response = _send(world, cell, call, key, world.home.integration_id)
                tried["allowed" if 200 <= response.status_code < 300 else "refused"] += 1
                problem = judge(expected, response, call, row.get("hiddenFields", {}).get(role, []))
                if problem is None and before is not None and _outbox_counts(world) != before:
                    problem = "a refused write changed data (an outbox event was written)"
                if problem:
                    mismatches.append(f"{key} | {role} | {axis}: {problem}")
    total = sum(tried.values())
    print(
        f"\nauthorization matrix: {total} cells tried ({dict(tried)}), {len(mismatches)} mismatches"
    )
    assert not mismatches, f"{len(mismatches)} of {total} cells differ:\n" + "\n".join(mismatches)


def test_tokens_only_open_their_own_integration(world: World, matrix: dict[str, Any]) -> None:
    """Every operation under the other practice's path, with this practice's admin token → 404."""
    failures = []
    for key in matrix["rows"]:
        if "{integration_id}" not in key:
            continue
        fixture = FIXTURES[key]
        login = key.startswith("POST") and key.endswith("/sessions")
        # The other practice's own records, so only the token (or client) is out of place.
        axis = "foreign" if "foreign" in fixture.axes and not login else "own"
        cell = Cell(world, "admin", axis)
        call = fixture.build(cell, False)
        response = _send(world, cell, call, key, world.foreign.integration_id)
        # Login carries this practice's client credential, which the other one does not know.
        wanted = 401 if login else 404
        if response.status_code != wanted:
            failures.append(f"{key}: {response.status_code} (wanted {wanted})")
    assert not failures, failures


def skeleton(operations: list[str]) -> str:
    """JSON rows to paste into authz_matrix.json (every cell to be decided; 401 for anonymous)."""
    rows = {
        op: {
            "cells": {
                role: {axis: 401 if role == "anonymous" else "TODO" for axis in AXES}
                for role in ROLES
            }
        }
        for op in operations
    }
    return json.dumps(rows, indent=2)


if __name__ == "__main__":
    known = {base_operation(k) for k in load_matrix()["rows"]}
    sys.stdout.write(skeleton(sorted(openapi_operations(_schema_app()) - known)) + "\n")
