"""Crash test: worker processes are SIGKILLed at random while events flow; none is lost.

PostgreSQL only (several processes share the queue through FOR UPDATE SKIP LOCKED; SQLite has
one writer and is covered by the in-process worker tests). Each run gets its own schema.

* `test_bounded_crash_run` (normal suite): 300 events, 2 workers, 3 kills.
* `test_crash_run` (`make crash`, marked slow): 10,000 events, 3 workers, BHLINK_CRASH_ROUNDS
  kills (25 by default).

Checks: every event reaches the receiver at least once (none lost), every request verifies with
the `standardwebhooks` library, a duplicate always carries the same `webhook-id` as its body's
event id, per resource the first arrivals follow the outbox order, and every delivery ends
`delivered` in the database. The figures are printed (run with -s to see them).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from standardwebhooks import Webhook

from bhlink.config import Settings
from bhlink.domain.clock import utcnow
from bhlink.schemas.webhooks import WebhookCreate
from bhlink.services import outbox, tenancy, webhooks
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
from bhlink.services.webhooks import EgressContext
from bhlink.store import migrate
from bhlink.store.db import Database
from tests.support.receiver import HookReceiver, running_receiver

PG_URL = os.environ.get("BHLINK_TEST_DATABASE_URL")
needs_postgres = pytest.mark.skipif(
    not PG_URL,
    reason="needs PostgreSQL (BHLINK_TEST_DATABASE_URL): several worker processes share the "
    "queue with SKIP LOCKED; SQLite serialises writers and is covered in-process",
)
RESOURCES = 200
LEASE_SECONDS = 4


@dataclass
class Figures:
    events: int
    workers: int
    kills: int
    lost: int
    duplicates: int
    requests: int
    seconds: float
    seed: int


def _conninfo(url: str) -> str:
    parsed = make_url(url)
    info = (
        f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} "
        f"user={parsed.username or 'postgres'} dbname={parsed.database or 'test'}"
    )
    return info + (f" password={parsed.password}" if parsed.password else "")


@pytest.fixture
def crash_db() -> Iterator[Database]:
    """A fresh, migrated schema of its own, dropped afterwards."""
    assert PG_URL
    schema = f"bhlink_crash_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(_conninfo(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    url = (
        make_url(PG_URL)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    database = Database(url, pool_size=4)
    try:
        migrate.upgrade(database)
        yield database
    finally:
        database.dispose()
        with psycopg.connect(_conninfo(PG_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class WorkerPool:
    """`python -m bhlink.cli worker` processes, killed and restarted at will."""

    def __init__(self, size: int, env: dict[str, str]) -> None:
        self.env = env
        self.processes = [self._start() for _ in range(size)]
        self.kills = 0

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "bhlink.cli", "worker"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill_one(self, rng: random.Random) -> None:
        index = rng.randrange(len(self.processes))
        self.processes[index].send_signal(signal.SIGKILL)
        self.processes[index].wait()
        self.kills += 1
        self.processes[index] = self._start()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _setup_endpoint(db: Database, settings: Settings, url: str) -> tuple[str, str]:
    with db.unit_of_work() as uow:
        integration = tenancy.create_integration(uow, name="Crash practice", require_mfa=False)
        uow.commit()
    actor = Actor.system(integration.id)
    box = SecretBox(settings.resolved_secret_key())
    with db.unit_of_work() as uow:
        _, secret = webhooks.create(
            uow,
            actor,
            box,
            WebhookCreate(url=url, event_types=["appointment.*"]),
            EgressContext.from_settings(settings),
        )
        uow.commit()
    return integration.id, secret


def _write_events(
    db: Database, integration_id: str, total: int, batch: int, pause: float, out: list[str]
) -> None:
    """Emit events the way services do: under the integration's change lock, in batches."""
    actor = Actor.system(integration_id)
    written = 0
    while written < total:
        with db.unit_of_work() as uow:
            ids = []
            for _ in range(min(batch, total - written)):
                seq, at = uow.next_change(integration_id, utcnow())
                resource = f"apt_crash{written % RESOURCES:04d}"
                event = outbox.emit(
                    uow,
                    actor,
                    "appointment.updated",
                    "appointment",
                    resource,
                    change_seq=seq,
                    occurred_at=at,
                    changed_fields=["startTime"],
                )
                ids.append(event.id)
                written += 1
            uow.commit()
        out.extend(ids)
        time.sleep(pause)


def _undelivered(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'")
            ).scalar_one()
            + conn.execute(
                text("SELECT count(*) FROM outbox_events WHERE dispatched_at IS NULL")
            ).scalar_one()
        )


def run_crash(
    db: Database,
    settings: Settings,
    receiver: HookReceiver,
    *,
    events: int,
    workers: int,
    kills: int,
    kill_gap: tuple[float, float],
    write_batch: int,
    deadline_seconds: float,
) -> Figures:
    seed = int(os.environ.get("BHLINK_CRASH_SEED", secrets.randbelow(2**31)))
    rng = random.Random(seed)
    integration_id, secret = _setup_endpoint(db, settings, receiver.url("/crash"))
    receiver.verify_with = Webhook(secret)  # verified on arrival, as a receiver would
    env = {
        **os.environ,
        "BHLINK_DATABASE_URL": db.url,
        "BHLINK_SECRET_KEY": settings.secret_key or "",
        "BHLINK_ENVIRONMENT": "test",
        "BHLINK_WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS),
        "BHLINK_WEBHOOK_TIMEOUT_SECONDS": "1",
        "BHLINK_WEBHOOK_POLL_SECONDS": "0.05",
        "BHLINK_WEBHOOK_BATCH_SIZE": "20",
        "BHLINK_LOG_LEVEL": "WARNING",
    }
    started = time.monotonic()
    pool = WorkerPool(workers, env)
    written: list[str] = []
    writer = threading.Thread(
        target=_write_events, args=(db, integration_id, events, write_batch, 0.01, written)
    )
    try:
        writer.start()
        while pool.kills < kills and time.monotonic() - started < deadline_seconds:
            time.sleep(rng.uniform(*kill_gap))
            pool.kill_one(rng)
        writer.join()
        while time.monotonic() - started < deadline_seconds:
            if len({r.webhook_id for r in receiver.on("/crash")}) >= events and not _undelivered(
                db
            ):
                break
            time.sleep(0.1)
    finally:
        pool.stop()
        writer.join()
    elapsed = time.monotonic() - started

    requests = receiver.on("/crash")
    first_arrival: dict[str, list[str]] = {}
    seen: set[str] = set()
    for request in requests:
        body = json.loads(request.body)
        assert request.webhook_id == body["id"]  # a duplicate carries the same webhook-id
        assert request.verified is True
        if request.webhook_id not in seen:
            seen.add(request.webhook_id)
            first_arrival.setdefault(body["resource"]["id"], []).append(body["id"])
    order = {event_id: index for index, event_id in enumerate(written)}
    for resource, arrivals in first_arrival.items():
        assert arrivals == sorted(arrivals, key=order.__getitem__), f"{resource} out of order"
    figures = Figures(
        events=len(written),
        workers=workers,
        kills=pool.kills,
        lost=len(set(written) - seen),
        duplicates=len(requests) - len(seen),
        requests=len(requests),
        seconds=round(elapsed, 1),
        seed=seed,
    )
    print(f"\nwebhook crash run: {figures}")
    return figures


@needs_postgres
def test_bounded_crash_run(crash_db: Database, settings: Settings) -> None:
    with running_receiver() as receiver:
        receiver.delay_seconds = 0.002
        figures = run_crash(
            crash_db,
            settings,
            receiver,
            events=300,
            workers=2,
            kills=3,
            kill_gap=(0.3, 0.9),
            write_batch=10,
            deadline_seconds=25,
        )
    assert figures.events == 300
    assert figures.kills == 3
    assert figures.lost == 0
    assert _undelivered(crash_db) == 0


@pytest.mark.slow
@needs_postgres
def test_crash_run(crash_db: Database, settings: Settings) -> None:
    rounds = int(os.environ.get("BHLINK_CRASH_ROUNDS", "25"))
    with running_receiver() as receiver:
        receiver.delay_seconds = 0.001
        figures = run_crash(
            crash_db,
            settings,
            receiver,
            events=10_000,
            workers=3,
            kills=rounds,
            kill_gap=(0.5, 2.0),
            write_batch=50,
            deadline_seconds=600,
        )
    assert figures.events == 10_000
    assert figures.kills == rounds
    assert figures.lost == 0
    assert _undelivered(crash_db) == 0
