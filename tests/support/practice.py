"""A practice (tenant) built for one test: directory, patients, API client and users per role."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bhlink.domain.clock import utcnow
from bhlink.schemas.directory import LocationWrite, PayerWrite, ProviderWrite
from bhlink.schemas.patients import PatientWrite
from bhlink.services import directory, patients, tenancy
from bhlink.services.context import Actor
from bhlink.services.crypto import totp_code
from bhlink.store.db import Database

# Valid NPIs (Luhn with the 80840 prefix), one per provider a test practice has.
NPIS = ["1234567893", "1245319599", "1679576722", "1003000126"]
PASSWORD = "correct horse battery staple"


@dataclass
class Practice:
    """Ids and credentials of one test tenant, plus helpers to call the API as a role."""

    db: Database
    app: FastAPI
    client: TestClient
    integration_id: str
    client_id: str
    client_secret: str
    provider_ids: list[str]
    location_id: str
    payer_id: str
    patient_ids: list[str]
    users: dict[str, str] = field(default_factory=dict)
    totp_secrets: dict[str, str] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        """Path prefix of this integration."""
        return f"/integrations/{self.integration_id}"

    def basic(self) -> str:
        """The API client's Basic credential."""
        raw = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def user(self, role: str, *, provider_index: int | None = None, totp: bool = False) -> str:
        """Create (once) a user with this role; clinicians and supervisors get a provider."""
        key = role if provider_index is None else f"{role}:{provider_index}"
        if key in self.users:
            return self.users[key]
        if provider_index is None and role in ("clinician", "supervisor"):
            provider_index = 0 if role == "clinician" else 1
        username = f"{key.replace(':', '-')}@test.example"
        with self.db.unit_of_work() as uow:
            user = tenancy.create_user(
                uow,
                self.integration_id,
                username=username,
                name=f"Test {role}",
                password=PASSWORD,
                roles=[role],
                provider_id=self.provider_ids[provider_index]
                if provider_index is not None
                else None,
            )
            if totp:
                uri = tenancy.begin_totp(uow, self.app.state.box, user, confirmed=True)
                self.totp_secrets[key] = uri.split("secret=")[1].split("&")[0]
            uow.commit()
        self.users[key] = username
        return username

    def login(self, role: str = "admin", *, provider_index: int | None = None) -> dict[str, str]:
        """Bearer headers for a user of this role (cached per role)."""
        key = role if provider_index is None else f"{role}:{provider_index}"
        if key not in self._tokens:
            username = self.user(role, provider_index=provider_index)
            body: dict[str, Any] = {"username": username, "password": PASSWORD}
            if key in self.totp_secrets:
                body["mfa"] = {"type": "totp", "code": totp_code(self.totp_secrets[key], utcnow())}
            response = self.client.post(
                f"{self.base}/sessions", json=body, headers={"Authorization": self.basic()}
            )
            assert response.status_code == 201, response.text
            self._tokens[key] = response.json()["authToken"]
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    def get(self, path: str, role: str = "admin", **kwargs: Any) -> httpx.Response:
        """GET a path under this integration as a role."""
        return self.client.get(
            self.base + path, headers={**self.login(role), **kwargs.pop("headers", {})}, **kwargs
        )

    def post(
        self, path: str, json: Any = None, role: str = "admin", **kwargs: Any
    ) -> httpx.Response:
        """POST JSON under this integration as a role."""
        return self.client.post(
            self.base + path,
            json=json,
            headers={**self.login(role), **kwargs.pop("headers", {})},
            **kwargs,
        )

    def patch(
        self, path: str, json: Any = None, role: str = "admin", **kwargs: Any
    ) -> httpx.Response:
        """PATCH JSON under this integration as a role."""
        return self.client.patch(
            self.base + path,
            json=json,
            headers={**self.login(role), **kwargs.pop("headers", {})},
            **kwargs,
        )

    def count(self, table: str) -> int:
        """Rows of a tenant-owned table in this integration (to prove nothing was written)."""
        from sqlalchemy import text  # tests may look at the store directly

        with self.db.engine.connect() as conn:
            return int(
                conn.execute(
                    text(f"SELECT count(*) FROM {table} WHERE integration_id = :i"),
                    {"i": self.integration_id},
                ).scalar_one()
            )


def build_practice(
    db: Database, app: FastAPI, client: TestClient, *, patients_count: int = 3
) -> Practice:
    """Create a tenant through the services, as the CLI would."""
    with db.unit_of_work() as uow:
        integration = tenancy.create_integration(
            uow, name="Test practice", timezone="America/Chicago", require_mfa=False
        )
        actor = Actor.system(integration.id)
        providers = []
        for index, npi in enumerate(NPIS):
            provider, _ = directory.upsert_provider(
                uow,
                actor,
                ProviderWrite(
                    npi=npi,
                    first_name=f"Pat{index}",
                    last_name="Provider",
                    credentials="LCSW",
                    taxonomy="1041C0700X",
                    supervisor_id=providers[1].id if index == 2 else None,
                ),
            )
            providers.append(provider)
        location, _ = directory.upsert_location(
            uow,
            actor,
            LocationWrite.model_validate(
                {
                    "name": "Main clinic",
                    "address": {
                        "line1": "1 Main St",
                        "city": "Chicago",
                        "region": "IL",
                        "postalCode": "60601",
                    },
                }
            ),
        )
        payer, _ = directory.upsert_payer(
            uow,
            actor,
            PayerWrite.model_validate(
                {"name": "Regence", "ediPayerId": "00932", "claimFilingIndicator": "BL"}
            ),
        )
        patient_ids = []
        for index in range(patients_count):
            patient, _ = patients.upsert(
                uow,
                actor,
                PatientWrite.model_validate(
                    {
                        "mrn": f"MRN-{secrets.token_hex(4)}",
                        "firstName": f"Test{index}",
                        "lastName": "Patient",
                        "dob": "1990-01-0" + str(index + 1),
                        "sex": "female",
                        "primaryProviderId": providers[index % 2].id,
                        "insurance": [
                            {"type": "primary", "payerId": payer.id, "memberId": f"M{index}"}
                        ],
                    }
                ),
            )
            patient_ids.append(patient.id)
        created = tenancy.create_client(uow, integration.id, "test client")
        uow.commit()
    return Practice(
        db=db,
        app=app,
        client=client,
        integration_id=integration.id,
        client_id=created.client.id,
        client_secret=created.secret,
        provider_ids=[p.id for p in providers],
        location_id=location.id,
        payer_id=payer.id,
        patient_ids=patient_ids,
    )


def in_hours(hours: float) -> str:
    """A UTC timestamp `hours` from now, as the API expects it."""
    return (
        (datetime.now(UTC) + timedelta(hours=hours))
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z")
    )
