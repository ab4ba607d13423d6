"""No N+1: the SQL statements a request runs do not grow with the page size or the data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bhlink.store.db import Database
from tests.perf.conftest import Generated, log_in

# Statements per request at most: authentication (1), the page and its count (2), child
# collections (1 per relationship), the audit append (head, rows, head) and transaction
# control. The exact figure matters less than its not depending on the page size.
BOUND = 16
# A booking also checks references, overlap, authorizations and writes record, event, audit.
WRITE_BOUND = 20


class StatementCounter:
    """Counts statements the engine sends while `counting()` is active."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.statements: list[str] = []
        self._active = False

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if self._active:
            self.statements.append(statement.split()[0].upper())

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        """Record the statements sent inside the block (BEGIN/COMMIT of SQLite included)."""
        self.statements = []
        self._active = True
        try:
            yield self.statements
        finally:
            self._active = False


@pytest.fixture
def counter(db: Database) -> Iterator[StatementCounter]:
    found = StatementCounter(db)
    event.listen(db.engine, "before_cursor_execute", found._seen)
    yield found
    event.remove(db.engine, "before_cursor_execute", found._seen)


def _get(generated: Generated, counter: StatementCounter, path: str, **params: Any) -> list[str]:
    # A fresh session: its last-seen time needs no refresh, as for most requests.
    headers = log_in(generated.client, generated.result)
    with counter.counting() as statements:
        answer = generated.client.get(generated.base + path, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return list(statements)


def test_patient_pages_of_5_and_50_run_the_same_statements(
    generated: Generated, counter: StatementCounter
) -> None:
    small = _get(generated, counter, "/patients", pageSize=5)
    large = _get(generated, counter, "/patients", pageSize=50)
    assert len(small) == len(large) <= BOUND
    # The audit rows of a whole page go in one statement (executemany counts once).
    assert large.count("INSERT") == 1


def test_patient_pages_with_updated_after_run_the_same_statements(
    generated: Generated, counter: StatementCounter
) -> None:
    since = "2020-01-01T00:00:00Z"
    small = _get(generated, counter, "/patients", pageSize=5, updatedAfter=since)
    large = _get(generated, counter, "/patients", pageSize=50, updatedAfter=since)
    assert len(small) == len(large) <= BOUND


def test_appointment_pages_of_5_and_50_run_the_same_statements(
    generated: Generated, counter: StatementCounter
) -> None:
    provider = generated.client.get(
        generated.base + "/providers", params={"pageSize": 1}, headers=generated.headers
    ).json()["items"][0]["providerId"]
    monday = generated.result.first_monday
    window = {
        "providerId": provider,
        "startFrom": f"{monday.isoformat()}T00:00:00Z",
        "startTo": f"{(monday + timedelta(weeks=20)).isoformat()}T00:00:00Z",
    }
    small = _get(generated, counter, "/appointments", pageSize=5, **window)
    large = _get(generated, counter, "/appointments", pageSize=50, **window)
    assert len(small) == len(large) <= BOUND


def test_one_patient_runs_a_bounded_number_of_statements(
    generated: Generated, counter: StatementCounter
) -> None:
    patients = generated.client.get(
        generated.base + "/patients", params={"pageSize": 2}, headers=generated.headers
    ).json()["items"]
    first = _get(generated, counter, f"/patients/{patients[0]['patientId']}")
    second = _get(generated, counter, f"/patients/{patients[1]['patientId']}")
    assert len(first) == len(second) <= BOUND


def test_booking_runs_a_bounded_number_of_statements(
    generated: Generated, counter: StatementCounter
) -> None:
    page = generated.client.get(
        generated.base + "/patients", params={"pageSize": 3}, headers=generated.headers
    ).json()["items"]
    counts = []
    for index, patient in enumerate(page):
        start = datetime(2030, 1, 7, 15, tzinfo=UTC) + timedelta(hours=index)
        headers = log_in(generated.client, generated.result)
        body = {
            "patientId": patient["patientId"],
            "providerId": patient["primaryProviderId"],
            "serviceCode": "90834",
            "startTime": start.isoformat().replace("+00:00", "Z"),
            "endTime": (start + timedelta(minutes=45)).isoformat().replace("+00:00", "Z"),
        }
        with counter.counting() as statements:
            answer = generated.client.post(
                generated.base + "/appointments", json=body, headers=headers
            )
        assert answer.status_code == 201, answer.text
        counts.append(len(statements))
    # Whether the patient has coverage changes a lookup or two, never per-row work.
    assert max(counts) <= WRITE_BOUND
