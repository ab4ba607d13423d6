"""A generated practice (bulk-loaded by `bhlink demo generate`'s service) and its admin's login."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bhlink.services import synthetic
from bhlink.services.synthetic import GeneratedPractice
from bhlink.store.db import Database

# A fixed "today": the same seed then gives the same practice in every run.
TODAY = date(2026, 3, 2)


@dataclass
class Generated:
    """A generated practice and an admin session on it."""

    result: GeneratedPractice
    client: TestClient
    headers: dict[str, str]

    @property
    def base(self) -> str:
        """Path prefix of the integration."""
        return f"/integrations/{self.result.credentials.integration_id}"


def generate(
    db: Database, *, patients: int, appointments: int, notes: int = 0
) -> GeneratedPractice:
    """Bulk-load a practice into a new integration of the test database and commit."""
    with db.unit_of_work() as uow:
        result = synthetic.generate(
            uow, patients=patients, appointments=appointments, notes=notes, seed=5, today=TODAY
        )
        uow.commit()
    return result


_TOKENS: dict[tuple[str, str], dict[str, str]] = {}


def log_in(client: TestClient, result: GeneratedPractice, role: str = "admin") -> dict[str, str]:
    """Bearer headers of the practice's user with this role (one login per user: the login
    rate limit allows a username only a few logins in five minutes)."""
    creds = result.credentials
    cached = _TOKENS.get((creds.integration_id, role))
    if cached is not None:
        return cached
    user = next(u for u in creds.users if role in u.roles)
    basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
    answer = client.post(
        f"/integrations/{creds.integration_id}/sessions",
        json={"username": user.username, "password": user.password},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 201, answer.text
    headers = {"Authorization": f"Bearer {answer.json()['authToken']}"}
    _TOKENS[(creds.integration_id, role)] = headers
    return headers


@pytest.fixture(scope="module")
def generated(db: Database, app: FastAPI) -> Iterator[Generated]:
    """One practice per test module: 120 patients, 1,500 appointments, 20 notes."""
    result = generate(db, patients=120, appointments=1500, notes=20)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Generated(result, client, log_in(client, result))
