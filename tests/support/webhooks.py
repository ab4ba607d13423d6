"""Webhook test helpers: a movable clock, jitter-free retries, endpoint setup and clean-up."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from bhlink.config import Settings
from bhlink.events.egress import Resolver
from bhlink.events.worker import Worker
from bhlink.store.db import Database
from tests.support.practice import Practice


class FakeClock:
    """A clock tests move by hand; it starts a minute ahead so API-made work is already due."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


class NoJitter:
    """A random source whose jitter is always zero: the documented schedule, exactly."""

    def uniform(self, a: float, b: float) -> float:
        return 0.0


def make_worker(
    db: Database,
    settings: Settings,
    clock: FakeClock,
    *,
    resolver: Resolver | None = None,
    worker_id: str = "test-worker",
) -> Worker:
    tuned = settings.model_copy(update={"webhook_batch_size": 200})
    return Worker(db, tuned, clock=clock, rng=NoJitter(), resolver=resolver, worker_id=worker_id)


def create_hook(
    practice: Practice,
    url: str,
    event_types: Sequence[str] = ("*",),
    **extra: Any,
) -> dict[str, Any]:
    response = practice.post("/webhooks", {"url": url, "eventTypes": list(event_types), **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def touch_patient(practice: Practice, index: int = 0, name: str = "Sam") -> None:
    """Write one patient.updated event (the preferred name changes)."""
    response = practice.patch(f"/patients/{practice.patient_ids[index]}", {"preferredName": name})
    assert response.status_code == 200, response.text


def quiesce(db: Database, practice: Practice) -> None:
    """Disable the practice's endpoints so later tests' workers ignore its leftover deliveries."""
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE webhook_endpoints SET status = 'disabled' WHERE integration_id = :i"),
            {"i": practice.integration_id},
        )


def run_until_idle(worker: Worker, max_passes: int = 200) -> int:
    """Run passes until one finds nothing to do; returns how many attempts were made.

    Other tests' events share the database, so the fan-out may need several passes to reach
    this test's events.
    """
    attempted = 0
    for _ in range(max_passes):
        report = worker.run_once()
        attempted += report.attempted
        if not report.busy:
            return attempted
    raise AssertionError("the worker never went idle")


@contextmanager
def api_resolver(app: FastAPI, *addresses: str) -> Iterator[None]:
    """Make the API's URL vetting resolve every host to `addresses` (no DNS leaves the test)."""
    previous = getattr(app.state, "webhook_resolver", None)
    app.state.webhook_resolver = lambda host, port: list(addresses)
    try:
        yield
    finally:
        app.state.webhook_resolver = previous
