"""Property-based fuzzing of every API operation (schemathesis over the composed ASGI app).

Two runs, as the security reference (§4) recommends: one with only the server-error check, so a
conformance failure of an operation cannot hide a 500 (Hypothesis reports one failure per test),
and one with response-schema and documented-status-code conformance. Both are seeded
(``derandomize=True``) and bounded by ``BHLINK_FUZZ_EXAMPLES`` examples per operation and
generation mode (valid and invalid input); ``make fuzz`` raises the bound to 1000.

Each operation runs as its own Hypothesis test inside one pytest test, so a failure in one
operation never stops the others, and the report lists every failing operation at once.
(schemathesis' own pytest plugin reads ``Node._nodeid``, which pytest 9.2 no longer has.)
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bhlink.services.rate_limits import InMemoryRateLimiter
from bhlink.store.db import Database
from tests.support.practice import PASSWORD, Practice, build_practice

EXAMPLES = int(os.environ.get("BHLINK_FUZZ_EXAMPLES", "4"))

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


@dataclass
class FuzzRun:
    """What one fuzz run covered, and what failed (operation label → first failure)."""

    operations: int = 0
    cases: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        return f"{self.operations} operations, {self.cases} cases, {len(self.failures)} failing"


@pytest.fixture(scope="module")
def fuzz_practice(db: Database, app: FastAPI) -> Iterator[Practice]:
    """One tenant for the whole fuzz run: every generated case targets it as its admin.

    The fuzzer sends far more requests (and logins) per minute than the rate limits allow a
    user; a limiter whose clock jumps a day per request keeps every window empty. Rate limits
    themselves are tested in test_rate_limits.py.
    """
    ticks = itertools.count()
    previous = app.state.rate_limiter
    app.state.rate_limiter = InMemoryRateLimiter(clock=lambda: float(next(ticks) * 86_400))
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield build_practice(db, app, client)
    finally:
        app.state.rate_limiter = previous


def _fresh_bearer(practice: Practice) -> dict[str, str]:
    """A bearer header of a new admin session (for cases that may end their own session)."""
    response = practice.client.post(
        f"{practice.base}/sessions",
        json={"username": practice.user("admin"), "password": PASSWORD},
        headers={"Authorization": practice.basic()},
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['authToken']}"}


def _ends_session(case: Any) -> bool:
    """Logging out revokes the caller's own session: those cases get a session of their own."""
    return bool(case.method.upper() == "DELETE" and "/sessions" in case.operation.path)


def _fuzz(app: FastAPI, practice: Practice, checks: list[Callable[..., Any]]) -> FuzzRun:
    """Run every operation of the app's OpenAPI document through the given checks."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    run = FuzzRun()
    for result in schema.get_all_operations():
        operation = result.ok()
        run.operations += 1
        path_parameters = (
            {"integration_id": practice.integration_id}
            if "{integration_id}" in operation.path
            else None
        )
        strategy = st.one_of(
            *(
                operation.as_strategy(mode, path_parameters=path_parameters)
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            )
        )

        @FUZZ_SETTINGS
        @given(case=strategy)
        def fuzz_operation(case: Any) -> None:
            run.cases += 1
            headers = _fresh_bearer(practice) if _ends_session(case) else practice.login("admin")
            case.call_and_validate(headers=headers, checks=checks)

        try:
            fuzz_operation()
        except (Exception, BaseExceptionGroup) as error:  # every operation's failure is collected
            run.failures[operation.label] = f"{type(error).__name__}: {error}"[:2000]
    return run


def _report(run: FuzzRun) -> str:
    lines = [run.summary()]
    lines += [f"--- {label}\n{failure}" for label, failure in sorted(run.failures.items())]
    return "\n".join(lines)


def test_no_operation_answers_a_server_error(app: FastAPI, fuzz_practice: Practice) -> None:
    """Whatever the input, valid or not, no operation answers 5xx (or raises)."""
    run = _fuzz(app, fuzz_practice, [not_a_server_error])
    print(run.summary())
    assert run.operations > 100
    assert not run.failures, _report(run)


def test_responses_conform_to_the_openapi_document(app: FastAPI, fuzz_practice: Practice) -> None:
    """Every response has a documented status code and matches its documented schema."""
    run = _fuzz(app, fuzz_practice, [status_code_conformance, response_schema_conformance])
    print(run.summary())
    assert run.operations > 100
    assert not run.failures, _report(run)
