"""Property-based fuzzing of every operation with Schemathesis (in process, through ASGI).

Two tests, as the lesson in shared/reference/security-reliability.md §4 says: Hypothesis stops at
the first distinct failure of an operation, so a conformance failure (say an undocumented 400)
can hide a 500 found later. `test_no_server_errors` checks for 5xx only, with every phase
(explicit examples, the boundary-value coverage phase, random generation);
`test_responses_conform` checks statuses, content types, headers and bodies against the
OpenAPI document.

Requests carry a real bearer token of an admin of a test practice, and the path's integration id
is that practice's, so generated data reaches the handlers rather than stopping at 401/404.

The run is bounded and seeded for CI. Knobs (environment): BHLINK_FUZZ_EXAMPLES (random cases per
operation per test, default 8; `make fuzz` uses 1000), BHLINK_FUZZ_COVERAGE (`positive`, `all`
or `off`; default `positive`, `all` from 100 examples up) and BHLINK_FUZZ_SEED (default pinned;
`random` for a fresh seed, printed at the end so a failure can be replayed).
"""

from __future__ import annotations

import os
import random
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bhlink.config import Settings
from bhlink.domain.clock import utcnow
from bhlink.domain.ids import new_id
from bhlink.server import create_app
from bhlink.services.crypto import sha256_hex
from bhlink.store.db import Database
from bhlink.store.tables import AuthSession
from tests.security.openapi_doc import document_app
from tests.support.practice import Practice, build_practice

EXAMPLES = int(os.environ.get("BHLINK_FUZZ_EXAMPLES", "8"))
# The coverage phase sends boundary values of every field (hundreds of cases per operation for
# "all", which adds the invalid ones); CI keeps the valid boundaries, `make fuzz` runs both.
COVERAGE = os.environ.get("BHLINK_FUZZ_COVERAGE", "all" if EXAMPLES >= 100 else "positive")
_seed_setting = os.environ.get("BHLINK_FUZZ_SEED", "20260520")
SEED = random.getrandbits(32) if _seed_setting == "random" else int(_seed_setting)

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis directory: every CI run starts from the same seed alone
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def _schema(*, coverage: bool) -> Any:
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "phases": {
                "coverage": {
                    "enabled": coverage and COVERAGE != "off",
                    "generation": {"mode": COVERAGE if COVERAGE != "off" else "all"},
                    # Methods an operation does not have answer 405 by routing, not by our code.
                    "unexpected-methods": [],
                },
                "stateful": {"enabled": False},
            },
        }
    )
    return schemathesis.openapi.from_asgi("/openapi.json", document_app(), config=config)


# X12 bodies (835 remittances, 999/277CA files) are text; fuzz them as such.
schemathesis.serializer.alias("application/edi-x12", "text/plain")

# pytest 9 and schemathesis' lazy fixture loader disagree (`request.node._nodeid`), so the schema
# is loaded at import from a route-identical app, and each case is sent to the fixture's app.
server_error_schema = _schema(coverage=True)
conformance_schema = _schema(coverage=False)


@dataclass
class FuzzTarget:
    """The app under test and an admin of a practice in it."""

    app: FastAPI
    practice: Practice
    user_id: str
    _token: str | None = field(default=None)
    cases: Counter[str] = field(default_factory=Counter)

    def mint_token(self) -> str:
        """A session for the admin, written directly (no login: a fuzzed PATCH may demand MFA)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.practice.db.unit_of_work() as uow:
            uow.add(
                AuthSession(
                    id=new_id("ses"),
                    integration_id=self.practice.integration_id,
                    user_id=self.user_id,
                    client_id=self.practice.client_id,
                    token_hash=sha256_hex(token),
                    created_at=now,
                    expires_at=now + timedelta(hours=1),
                    last_seen_at=now,
                )
            )
            uow.commit()
        return token

    def headers(self, case: Any) -> dict[str, str]:
        """Credentials for the case: the client's Basic for login, else a bearer token."""
        path = case.operation.path
        if case.method.upper() == "POST" and path.endswith("/sessions"):
            return {"Authorization": self.practice.basic()}
        if "/sessions" in path or self._token is None:
            # Logout, refresh and revocation may end the token they are sent with.
            token = self.mint_token()
            if "/sessions" in path:
                return {"Authorization": f"Bearer {token}"}
            self._token = token
        return {"Authorization": f"Bearer {self._token}"}

    def aim(self, case: Any, test: str) -> None:
        """Send the case to the test practice rather than to a generated integration id."""
        self.cases[test] += 1
        if case.path_parameters and "integration_id" in case.path_parameters:
            case.path_parameters["integration_id"] = self.practice.integration_id


@pytest.fixture(scope="module")
def fuzz_target(settings: Settings, db: Database) -> Iterator[FuzzTarget]:
    # Rate limits would answer 429 to most of a long run; they are tested on their own.
    app = create_app(settings.model_copy(update={"rate_limits_enabled": False}), db)
    with TestClient(app, raise_server_exceptions=False) as client:
        practice = build_practice(db, app, client)
        username = practice.user("admin")
        with db.unit_of_work() as uow:
            user = uow.tenancy.user_by_username(practice.integration_id, username)
            assert user is not None
            user_id = user.id
        target = FuzzTarget(app=app, practice=practice, user_id=user_id)
        yield target
    print(f"\nschemathesis cases sent (seed {SEED}): {dict(target.cases)}")


@server_error_schema.parametrize()
@HYPOTHESIS
def test_no_server_errors(case: Any, fuzz_target: FuzzTarget) -> None:
    fuzz_target.aim(case, "no_server_errors")
    case.call_and_validate(
        app=fuzz_target.app, headers=fuzz_target.headers(case), checks=[not_a_server_error]
    )


@conformance_schema.parametrize()
@HYPOTHESIS
def test_responses_conform(case: Any, fuzz_target: FuzzTarget) -> None:
    fuzz_target.aim(case, "responses_conform")
    case.call_and_validate(
        app=fuzz_target.app,
        headers=fuzz_target.headers(case),
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )
