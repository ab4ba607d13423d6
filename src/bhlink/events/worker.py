"""The webhook delivery worker: fan out the outbox, claim due deliveries, send, record, repeat.

`Worker.run_once()` does one pass and is what tests drive step by step (clock, HTTP transport,
DNS resolver and jitter source are injectable). `Worker.run(stop)` loops until `stop` is set,
with a heartbeat thread renewing the leases of the deliveries it holds, and on the way out
releases whatever it claimed but has not sent. Several workers (threads or processes) share
the queue: on PostgreSQL through `FOR UPDATE SKIP LOCKED`, on SQLite through its single writer.

Every step commits on its own: the claim (with its lease) before any HTTP call, the outcome
after it. A worker killed between the two leaves a lease that lapses; another worker then
sends the delivery again with the same `webhook-id` (at-least-once).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from bhlink.config import Settings
from bhlink.domain.clock import utcnow
from bhlink.events.delivery_client import DeliveryOutcome, deliver
from bhlink.events.egress import Resolver
from bhlink.events.metrics import METRICS, WebhookMetrics
from bhlink.events.retry_policy import RandomSource
from bhlink.events.signing import build_headers
from bhlink.services import webhook_delivery
from bhlink.services.crypto import SecretBox
from bhlink.services.webhook_delivery import ClaimedDelivery, Settled
from bhlink.services.webhooks import EgressContext
from bhlink.store.db import Database

log = logging.getLogger("bhlink.worker")

# Fan-out rounds per pass: enough to drain a burst of writes, bounded so delivery still runs.
MAX_FAN_OUT_ROUNDS = 10
FAN_OUT_MIN_BATCH = 100
# A claimed delivery is only sent if its lease outlives one whole attempt by this much.
LEASE_SAFETY = timedelta(seconds=1)


def new_worker_id() -> str:
    """A worker identity for leases and logs: host, process and a random suffix."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class RunReport:
    """What one pass did."""

    dispatched: int = 0
    attempted: int = 0
    delivered: int = 0
    released: int = 0

    @property
    def busy(self) -> bool:
        """Whether the pass found any work (the loop polls again at once if so)."""
        return bool(self.dispatched or self.attempted or self.released)


class Worker:
    """One delivery loop with its own identity (a process may run several in threads)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        box: SecretBox | None = None,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        transport: httpx.BaseTransport | None = None,
        resolver: Resolver | None = None,
        rng: RandomSource | None = None,
        ssl_context: ssl.SSLContext | None = None,
        metrics: WebhookMetrics = METRICS,
    ) -> None:
        self.db = db
        self.settings = settings
        self.box = box or SecretBox(settings.resolved_secret_key())
        self.worker_id = worker_id or new_worker_id()
        self.clock = clock
        self.transport = transport
        self.egress = EgressContext.from_settings(settings, resolver)
        self.rng = rng
        # One context for every attempt: building httpx's default one (loading the CA bundle)
        # costs more than a local delivery itself.
        self.ssl_context = ssl_context or httpx.create_ssl_context()
        self.metrics = metrics
        self.lease = timedelta(seconds=settings.webhook_lease_seconds)
        self.timeout = settings.webhook_timeout_seconds
        self.batch_size = settings.webhook_batch_size
        # Fanning out is cheap per event (no HTTP), so it takes bigger bites than claims do.
        self.fan_out_size = max(self.batch_size, FAN_OUT_MIN_BATCH)
        self._stop = threading.Event()
        self._held: set[str] = set()
        self._held_lock = threading.Lock()

    # One pass ------------------------------------------------------------------------------

    def run_once(self) -> RunReport:
        """Fan out new events, then claim, send and settle one batch of due deliveries."""
        dispatched = self.dispatch()
        attempted, delivered, released = self.deliver_due()
        return RunReport(dispatched, attempted, delivered, released)

    def dispatch(self) -> int:
        """Fan out undispatched outbox events (a few batches); returns how many events."""
        total = 0
        for _ in range(MAX_FAN_OUT_ROUNDS):
            if self._stop.is_set():
                break
            with self.db.unit_of_work() as uow:
                count = webhook_delivery.fan_out(
                    uow, now=self.clock(), batch_size=self.fan_out_size
                )
                uow.commit()
            total += count
            self.metrics.fanned_out.inc(amount=count)
            if count < self.fan_out_size:
                break
        return total

    def claim(self) -> list[ClaimedDelivery]:
        """Claim a batch of due deliveries under a lease and commit the claim."""
        with self.db.unit_of_work() as uow:
            claimed = webhook_delivery.claim(
                uow,
                self.box,
                self.egress,
                owner=self.worker_id,
                now=self.clock(),
                limit=self.batch_size,
                lease=self.lease,
            )
            uow.commit()
        with self._held_lock:
            self._held.update(c.delivery_id for c in claimed)
        return claimed

    def deliver_due(self) -> tuple[int, int, int]:
        """Claim one batch and work through it; returns (attempted, delivered, released)."""
        return self.work_through(self.claim())

    def work_through(self, claimed: list[ClaimedDelivery]) -> tuple[int, int, int]:
        """Send claimed deliveries in order; returns (attempted, delivered, released).

        Before each send the lease must outlive the attempt, or be renewed; a delivery whose
        lease went to another worker meanwhile is released, never sent. A stop request releases
        the rest.
        """
        attempted = delivered = 0
        index = 0
        try:
            for index, item in enumerate(claimed):
                if self._stop.is_set() or not self._lease_covers_attempt(item):
                    return attempted, delivered, self.release(claimed[index:])
                settled = self.attempt(item)
                attempted += 1
                delivered += settled.outcome == "delivered"
        except Exception:
            # Hand back what was not sent rather than leave it to the lease (best effort).
            with contextlib.suppress(Exception):
                self.release(claimed[index:])
            raise
        return attempted, delivered, 0

    def _lease_covers_attempt(self, item: ClaimedDelivery) -> bool:
        """Whether the lease outlives an attempt; if not, renew every lease we hold first."""
        budget = timedelta(seconds=self.timeout * 2) + LEASE_SAFETY
        if item.lease_expires_at - self.clock() > budget:
            return True
        return item.delivery_id in self.renew_leases()

    def attempt(self, item: ClaimedDelivery) -> Settled:
        """Sign and send one claimed delivery, then record the outcome."""
        attempted_at = self.clock()
        headers = build_headers(item.msg_id, attempted_at, item.body, item.secrets)
        headers["Content-Type"] = "application/json"
        outcome = deliver(
            item.url,
            item.body,
            headers,
            timeout=self.timeout,
            policy=self.egress.policy,
            resolver=self.egress.resolver,
            transport=self.transport,
            ssl_context=self.ssl_context,
        )
        return self.settle(item, outcome, attempted_at)

    def settle(
        self, item: ClaimedDelivery, outcome: DeliveryOutcome, attempted_at: datetime
    ) -> Settled:
        """Record an attempt's outcome in its own transaction and update the metrics."""
        with self.db.unit_of_work() as uow:
            settled = webhook_delivery.record_outcome(
                uow,
                item,
                outcome,
                owner=self.worker_id,
                attempted_at=attempted_at,
                finished_at=self.clock(),
                rng=self.rng,
            )
            uow.commit()
        with self._held_lock:
            self._held.discard(item.delivery_id)
        self.metrics.attempts.inc(settled.outcome)
        self.metrics.latency.observe(outcome.latency_ms / 1000)
        if not outcome.succeeded:
            self.metrics.failures.inc(item.endpoint_id)
        log.info(
            "webhook attempt",
            extra={
                "deliveryId": item.delivery_id,
                "webhookId": item.endpoint_id,
                "eventId": item.msg_id,
                "eventType": item.event_type,
                "statusCode": outcome.status_code,
                "error": outcome.error.value if outcome.error else None,
                "latencyMs": outcome.latency_ms,
                "outcome": settled.outcome,
                "reason": settled.reason,
                "workerId": self.worker_id,
            },
        )
        return settled

    # Leases --------------------------------------------------------------------------------

    def renew_leases(self) -> set[str]:
        """Extend the leases this worker holds; return the ids the database says it still holds.

        A delivery whose lease lapsed and went to another worker is not among them, so the
        caller never sends it: one delivery is never sent by two workers at once.
        """
        with self._held_lock:
            if not self._held:
                return set()
        with self.db.unit_of_work() as uow:
            renewed = webhook_delivery.renew_leases(
                uow, owner=self.worker_id, until=self.clock() + self.lease
            )
            uow.commit()
        return renewed

    def release(self, items: list[ClaimedDelivery]) -> int:
        """Hand claimed but unsent deliveries back to the queue."""
        ids = [item.delivery_id for item in items]
        if not ids:
            return 0
        with self.db.unit_of_work() as uow:
            count = webhook_delivery.release(uow, owner=self.worker_id, delivery_ids=ids)
            uow.commit()
        with self._held_lock:
            self._held.difference_update(ids)
        log.info("released deliveries", extra={"count": count, "workerId": self.worker_id})
        return count

    # The loop ------------------------------------------------------------------------------

    def request_stop(self) -> None:
        """Ask the loop to stop after the attempt in progress (signal handlers call this)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """Whether a stop was requested."""
        return self._stop.is_set()

    def run(self, poll_seconds: float | None = None) -> None:
        """Loop until `request_stop()`; poll every `poll_seconds` while there is no work."""
        poll = self.settings.webhook_poll_seconds if poll_seconds is None else poll_seconds
        heartbeat = threading.Thread(
            target=self._heartbeat, name=f"webhook-heartbeat-{self.worker_id}", daemon=True
        )
        heartbeat.start()
        log.info("webhook worker started", extra={"workerId": self.worker_id})
        try:
            while not self._stop.is_set():
                try:
                    report = self.run_once()
                except Exception as exc:  # the loop must outlive a database hiccup
                    log.error(
                        "webhook worker pass failed",
                        extra={"errorType": type(exc).__name__, "workerId": self.worker_id},
                    )
                    report = RunReport()
                if not report.busy:
                    self._stop.wait(poll)
        finally:
            self._stop.set()
            heartbeat.join()
            log.info("webhook worker stopped", extra={"workerId": self.worker_id})

    def _heartbeat(self) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.2)
        while not self._stop.wait(interval):
            try:
                self.renew_leases()
            except Exception as exc:  # a missed beat only shortens the lease
                log.warning(
                    "lease renewal failed",
                    extra={"errorType": type(exc).__name__, "workerId": self.worker_id},
                )


class WorkerGroup:
    """Several worker loops in threads of one process, stopped together."""

    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers
        self._threads: list[threading.Thread] = []

    def start(self, poll_seconds: float | None = None) -> None:
        """Start every loop in a thread."""
        for worker in self.workers:
            thread = threading.Thread(
                target=worker.run,
                kwargs={"poll_seconds": poll_seconds},
                name=f"webhook-worker-{worker.worker_id}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float | None = None) -> None:
        """Ask every loop to stop, then wait: attempts in progress finish, unsent work is released."""
        for worker in self.workers:
            worker.request_stop()
        for thread in self._threads:
            thread.join(timeout)

    def wait(self) -> None:
        """Block until every loop has stopped."""
        for thread in self._threads:
            thread.join()
