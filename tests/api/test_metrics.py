"""GET /metrics: Prometheus text, open to loopback or to the configured token only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bhlink.api.app import create_api
from bhlink.config import Settings
from bhlink.store.db import Database
from tests.support.practice import Practice
from tests.support.receiver import HookReceiver, running_receiver
from tests.support.webhooks import FakeClock, create_hook, make_worker, quiesce, run_until_idle

TOKEN = "metrics-token-0123456789abcdef"


@pytest.fixture
def rx() -> Iterator[HookReceiver]:
    with running_receiver() as receiver:
        yield receiver


def test_remote_clients_are_refused_without_a_token(client: TestClient) -> None:
    response = client.get("/metrics")  # TestClient's peer is "testclient", not loopback
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


def test_loopback_scrapes_see_queue_depth_latency_and_failures(
    app: FastAPI,
    practice: Practice,
    db: Database,
    settings: Settings,
    rx: HookReceiver,
) -> None:
    hook = create_hook(practice, rx.url("/m"), ["patient.updated"])
    rx.script("/m", 500)
    practice.patch(f"/patients/{practice.patient_ids[0]}", {"preferredName": "M"})
    run_until_idle(make_worker(db, settings, FakeClock()))
    with TestClient(app, client=("127.0.0.1", 50000)) as local:
        response = local.get("/metrics")
    quiesce(db, practice)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = response.text.splitlines()
    assert any(line.startswith('bhlink_webhook_queue_depth{status="pending"} ') for line in lines)
    assert f'bhlink_webhook_failures_total{{endpoint="{hook["webhookId"]}"}} 1' in lines
    assert f'bhlink_webhook_endpoint_failing{{endpoint="{hook["webhookId"]}"}} 1' in lines
    assert any(line.startswith("bhlink_webhook_delivery_latency_seconds_count ") for line in lines)
    assert 'bhlink_webhook_delivery_latency_seconds_bucket{le="+Inf"}' in response.text


def test_a_configured_token_is_required_from_everyone(db: Database, settings: Settings) -> None:
    guarded = create_api(settings.model_copy(update={"metrics_token": TOKEN}), db)
    with TestClient(guarded, client=("127.0.0.1", 50000)) as local:
        assert local.get("/metrics").status_code == 401
        wrong = local.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = local.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert right.status_code == 200
        assert "bhlink_outbox_undispatched_events" in right.text
