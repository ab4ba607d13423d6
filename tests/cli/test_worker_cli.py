"""`bhlink worker` as a process (delivers, stops cleanly on SIGTERM) and the worker in `serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bhlink.api.app import create_api
from bhlink.config import Settings
from bhlink.server import worker_lifespan
from bhlink.store.db import Database
from tests.support.practice import Practice
from tests.support.receiver import HookReceiver, running_receiver
from tests.support.webhooks import create_hook, quiesce, touch_patient

WAIT_SECONDS = 30.0  # a bound for a broken run, never reached by a passing one


@pytest.fixture
def rx() -> Iterator[HookReceiver]:
    with running_receiver() as receiver:
        yield receiver


def worker_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "BHLINK_DATABASE_URL": settings.database_url,
        "BHLINK_SECRET_KEY": settings.secret_key or "",
        "BHLINK_ENVIRONMENT": "test",
        "BHLINK_WEBHOOK_POLL_SECONDS": "0.1",
    }


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_process_delivers_and_stops_cleanly_on_sigterm(
    practice: Practice, db: Database, settings: Settings, rx: HookReceiver
) -> None:
    hook = create_hook(practice, rx.url("/proc"), ["patient.updated"])
    process = subprocess.Popen(
        [sys.executable, "-m", "bhlink.cli", "worker"],
        env=worker_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        touch_patient(practice)
        wait_for(lambda: len(rx.on("/proc")) == 1, "the delivery")
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        quiesce(db, practice)
    assert process.returncode == 0, stderr
    logs = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    messages = [entry["message"] for entry in logs]
    assert "webhook worker started" in messages and "webhook worker stopped" in messages
    attempts = [e for e in logs if e["message"] == "webhook attempt"]
    assert attempts and attempts[0]["webhookId"] == hook["webhookId"]
    assert all("url" not in entry for entry in logs)


def test_worker_once_reports_its_pass(
    practice: Practice, db: Database, settings: Settings, rx: HookReceiver
) -> None:
    create_hook(practice, rx.url("/once"), ["patient.updated"])
    touch_patient(practice)
    env = {**worker_env(settings), "BHLINK_WEBHOOK_BATCH_SIZE": "500"}
    try:
        for _ in range(20):  # other tests' events may need a few passes to fan out
            result = subprocess.run(
                [sys.executable, "-m", "bhlink.cli", "worker", "--once"],
                env=env,
                capture_output=True,
                text=True,
                timeout=WAIT_SECONDS,
                check=True,
            )
            if rx.on("/once"):
                break
    finally:
        quiesce(db, practice)
    report = json.loads(result.stdout.splitlines()[-1])
    assert set(report) == {"dispatched", "attempted", "delivered", "released"}
    assert len(rx.on("/once")) == 1


def _worker_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("webhook-worker-")]


@pytest.mark.parametrize("enabled", [True, False])
def test_serve_runs_a_worker_thread_unless_told_not_to(
    db: Database, settings: Settings, enabled: bool
) -> None:
    configured = settings.model_copy(update={"serve_worker": enabled})
    app = create_api(configured, db, lifespan=worker_lifespan(configured))
    before = _worker_threads()
    with TestClient(app):
        during = _worker_threads()
    assert len(during) == len(before) + (1 if enabled else 0)
    assert _worker_threads() == before
