"""The delivery worker against a real receiver on 127.0.0.1, driven pass by pass with a fake clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from bhlink.config import Settings
from bhlink.events.signing import SignatureVerificationError, verify
from bhlink.events.worker import Worker
from bhlink.store.db import Database
from tests.support.practice import Practice
from tests.support.receiver import HookReceiver, Reply, running_receiver
from tests.support.webhooks import (
    FakeClock,
    NoJitter,
    api_resolver,
    create_hook,
    make_worker,
    quiesce,
    run_until_idle,
    touch_patient,
)


@pytest.fixture
def rx() -> Iterator[HookReceiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hooks(practice: Practice, db: Database) -> Iterator[Practice]:
    """The practice, with its endpoints disabled afterwards so other tests' workers skip them."""
    yield practice
    quiesce(db, practice)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def deliveries(practice: Practice, hook_id: str) -> list[dict[str, object]]:
    response = practice.get(f"/webhooks/{hook_id}/deliveries")
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


class TestDelivery:
    def test_a_receiver_verifies_the_thin_event_with_standardwebhooks(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        hook = create_hook(hooks, rx.url("/hook"), ["patient.*"])
        touch_patient(hooks)
        run_until_idle(make_worker(db, settings, clock))

        [request] = rx.on("/hook")
        payload = Webhook(hook["secret"]).verify(request.body, request.headers)
        [event] = hooks.get("/events", params={"type": "patient.updated"}).json()["items"][-1:]
        assert payload == {
            "id": event["id"],
            "type": "patient.updated",
            "occurredAt": event["occurredAt"],
            "integrationId": hooks.integration_id,
            "resource": {"type": "patient", "id": hooks.patient_ids[0]},
            "changedFields": ["preferredName"],
        }
        assert request.webhook_id == event["id"]
        assert request.headers["content-type"] == "application/json"

        [delivery] = deliveries(hooks, hook["webhookId"])
        assert delivery["status"] == "delivered"
        assert delivery["eventId"] == event["id"]
        [attempt] = delivery["attempts"]  # type: ignore[misc]
        assert attempt["statusCode"] == 200
        assert attempt["responseExcerpt"] == "ok"
        assert attempt["latencyMs"] >= 0
        assert attempt["outcome"] == "delivered"

    def test_a_tampered_body_does_not_verify(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        hook = create_hook(hooks, rx.url("/hook"), ["patient.updated"])
        touch_patient(hooks)
        run_until_idle(make_worker(db, settings, clock))
        [request] = rx.on("/hook")
        with pytest.raises(WebhookVerificationError):
            Webhook(hook["secret"]).verify(
                request.body.replace(b"patient", b"pat1ent"), request.headers
            )

    def test_the_full_resource_is_sent_only_when_opted_in(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        create_hook(hooks, rx.url("/full"), ["patient.updated"], includeResource=True)
        create_hook(hooks, rx.url("/thin"), ["patient.updated"])
        touch_patient(hooks)
        run_until_idle(make_worker(db, settings, clock))

        [full] = rx.on("/full")
        [thin] = rx.on("/thin")
        assert full.webhook_id == thin.webhook_id
        assert "data" not in thin.json()
        assert full.json()["data"] == hooks.get(f"/patients/{hooks.patient_ids[0]}").json()
        with db.engine.connect() as conn:
            disclosed = conn.execute(
                text(
                    "SELECT count(*) FROM audit_events WHERE integration_id = :i "
                    "AND action = 'webhook.disclosed' AND patient_id = :p"
                ),
                {"i": hooks.integration_id, "p": hooks.patient_ids[0]},
            ).scalar_one()
        assert disclosed == 1

    def test_part_2_patients_never_travel_in_full(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        create_hook(hooks, rx.url("/full"), ["patient.updated"], includeResource=True)
        response = hooks.patch(f"/patients/{hooks.patient_ids[1]}", {"part2": True})
        assert response.status_code == 200, response.text
        run_until_idle(make_worker(db, settings, clock))
        [request] = rx.on("/full")
        assert request.json()["resource"]["id"] == hooks.patient_ids[1]
        assert "data" not in request.json()

    def test_filters_and_subscription_start(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        touch_patient(hooks, name="before")  # written before any endpoint exists
        create_hook(hooks, rx.url("/appointments"), ["appointment.*"])
        create_hook(hooks, rx.url("/patients"), ["patient.updated", "webhook.*"])
        touch_patient(hooks, name="after")
        run_until_idle(make_worker(db, settings, clock))
        assert rx.on("/appointments") == []
        [request] = rx.on("/patients")
        assert request.json()["type"] == "patient.updated"


class TestRetries:
    def test_three_failures_then_success_follow_the_schedule_and_ack_once(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        hook = create_hook(hooks, rx.url("/flaky"), ["patient.updated"])
        rx.script("/flaky", 500, 503, Reply(500, b"still down"), 200)
        worker = make_worker(db, settings, clock)
        touch_patient(hooks)

        run_until_idle(worker)
        assert len(rx.on("/flaky")) == 1
        for wait in (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30)):
            clock.advance(wait - timedelta(seconds=1))
            run_until_idle(worker)
            before = len(rx.on("/flaky"))
            clock.advance(timedelta(seconds=1))
            run_until_idle(worker)
            assert len(rx.on("/flaky")) == before + 1, f"retry after {wait} did not come on time"
        clock.advance(timedelta(hours=30))
        run_until_idle(worker)

        requests = rx.on("/flaky")
        assert [r.status for r in requests] == [500, 503, 500, 200]
        assert len({r.webhook_id for r in requests}) == 1
        for request in requests:  # each attempt is signed at its own (fake) time
            verify(
                request.body,
                request.headers,
                [hook["secret"]],
                now=int(request.headers["webhook-timestamp"]),
            )
        [delivery] = deliveries(hooks, hook["webhookId"])
        assert delivery["status"] == "delivered"
        assert delivery["attemptCount"] == 4
        attempts = delivery["attempts"]
        assert [a["outcome"] for a in attempts] == ["retry", "retry", "retry", "delivered"]
        assert attempts[2]["responseExcerpt"] == "still down"
        gaps = [parse_time(a["nextAttemptAt"]) - parse_time(a["attemptedAt"]) for a in attempts[:3]]
        assert gaps == [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30)]

    def test_retry_after_delays_the_next_attempt(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        hook = create_hook(hooks, rx.url("/busy"), ["patient.updated"])
        rx.script("/busy", Reply(429, b"slow down", (("Retry-After", "120"),)))
        worker = make_worker(db, settings, clock)
        touch_patient(hooks)
        run_until_idle(worker)
        [delivery] = deliveries(hooks, hook["webhookId"])
        attempt = delivery["attempts"][0]  # type: ignore[index]
        wait = parse_time(attempt["nextAttemptAt"]) - parse_time(attempt["attemptedAt"])
        assert wait == timedelta(seconds=120)
        clock.advance(timedelta(seconds=60))
        run_until_idle(worker)
        assert len(rx.on("/busy")) == 1
        clock.advance(timedelta(seconds=60))
        run_until_idle(worker)
        assert [r.status for r in rx.on("/busy")] == [429, 200]

    def test_410_disables_the_endpoint_and_tells_other_subscribers(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        gone = create_hook(hooks, rx.url("/gone"), ["patient.updated"])
        watcher = create_hook(hooks, rx.url("/watch"), ["webhook.*"])
        rx.script("/gone", 410)
        worker = make_worker(db, settings, clock)
        touch_patient(hooks)
        run_until_idle(worker)

        endpoint = hooks.get(f"/webhooks/{gone['webhookId']}").json()
        assert endpoint["status"] == "disabled"
        assert endpoint["disabledReason"] == "gone"
        [notice] = rx.on("/watch")
        assert notice.json()["type"] == "webhook.endpoint_disabled"
        assert notice.json()["resource"] == {"type": "webhook_endpoint", "id": gone["webhookId"]}
        Webhook(watcher["secret"]).verify(notice.body, notice.headers)
        [delivery] = deliveries(hooks, gone["webhookId"])
        assert delivery["status"] == "failed"

        touch_patient(hooks, name="later")
        clock.advance(timedelta(hours=1))
        run_until_idle(worker)
        assert len(rx.on("/gone")) == 1

    def test_an_endpoint_failing_for_five_days_is_disabled(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        hook = create_hook(hooks, rx.url("/down"), ["patient.updated"])
        rx.script("/down", *([500] * 20))
        worker = make_worker(db, settings, clock)
        touch_patient(hooks)
        run_until_idle(worker)
        assert hooks.get(f"/webhooks/{hook['webhookId']}").json()["failingSince"] is not None
        clock.advance(timedelta(days=4, hours=23))
        touch_patient(hooks, index=1)
        run_until_idle(worker)
        assert hooks.get(f"/webhooks/{hook['webhookId']}").json()["status"] == "enabled"
        clock.advance(timedelta(hours=1))
        touch_patient(hooks, index=2)
        run_until_idle(worker)
        endpoint = hooks.get(f"/webhooks/{hook['webhookId']}").json()
        assert endpoint["status"] == "disabled"
        assert endpoint["disabledReason"] == "endpoint_failing_too_long"
        events = hooks.get("/events", params={"type": "webhook.endpoint_disabled"}).json()
        assert [e["resource"]["id"] for e in events["items"]] == [hook["webhookId"]]

    def test_a_success_resets_the_failure_streak(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        hook = create_hook(hooks, rx.url("/blip"), ["patient.updated"])
        rx.script("/blip", 500)
        worker = make_worker(db, settings, clock)
        touch_patient(hooks)
        run_until_idle(worker)
        assert hooks.get(f"/webhooks/{hook['webhookId']}").json()["failingSince"] is not None
        clock.advance(timedelta(seconds=5))
        run_until_idle(worker)
        assert hooks.get(f"/webhooks/{hook['webhookId']}").json()["failingSince"] is None


class TestOrderingAndLeases:
    def test_a_later_event_waits_for_the_earlier_one_of_the_same_resource(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        create_hook(hooks, rx.url("/ordered"), ["patient.updated"])
        rx.script("/ordered", 500)
        worker = make_worker(db, settings, clock)
        touch_patient(hooks, name="first")
        touch_patient(hooks, name="second")
        touch_patient(hooks, index=1, name="other patient")
        run_until_idle(worker)

        seen = [(r.json()["resource"]["id"], r.status) for r in rx.on("/ordered")]
        first, other = hooks.patient_ids[0], hooks.patient_ids[1]
        assert sorted(seen) == sorted([(first, 500), (other, 200)])  # "second" is held back
        clock.advance(timedelta(seconds=5))
        run_until_idle(worker)
        ids_for_first = [
            r.webhook_id for r in rx.on("/ordered") if r.json()["resource"]["id"] == first
        ]
        events = hooks.get("/events", params={"resourceId": first, "type": "patient.updated"})
        expected = [e["id"] for e in events.json()["items"][-2:]]
        assert ids_for_first == [expected[0], expected[0], expected[1]]

    def test_a_lapsed_lease_lets_another_worker_take_over(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        hook = create_hook(hooks, rx.url("/lease"), ["patient.updated"])
        touch_patient(hooks)
        crashed = make_worker(db, settings, clock, worker_id="crashed")
        survivor = make_worker(db, settings, clock, worker_id="survivor")
        while crashed.dispatch():
            pass
        claimed = [c for c in crashed.claim() if c.endpoint_id == hook["webhookId"]]
        assert len(claimed) == 1  # claimed, then the process "dies" before sending

        run_until_idle(survivor)
        assert rx.on("/lease") == []  # the lease still protects it
        clock.advance(timedelta(seconds=settings.webhook_lease_seconds))
        run_until_idle(survivor)
        assert len(rx.on("/lease")) == 1

        # The crashed worker comes back and sends late: recorded, but it changes nothing.
        settled = crashed.attempt(claimed[0])
        assert settled.outcome == "lease_lost"
        [delivery] = deliveries(hooks, hook["webhookId"])
        assert delivery["status"] == "delivered"
        assert [a["outcome"] for a in delivery["attempts"]] == ["delivered", "lease_lost"]  # type: ignore[index]

    def test_a_worker_whose_lease_was_taken_over_does_not_send(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        create_hook(hooks, rx.url("/stalled"), ["patient.updated"])
        touch_patient(hooks)
        stalled = make_worker(db, settings, clock, worker_id="stalled")
        other = make_worker(db, settings, clock, worker_id="other")
        while stalled.dispatch():
            pass
        mine = stalled.claim()
        assert mine
        clock.advance(timedelta(seconds=settings.webhook_lease_seconds))  # stalled, no heartbeat
        theirs = other.claim()
        assert {c.delivery_id for c in theirs} >= {c.delivery_id for c in mine}

        attempted, _, released = stalled.work_through(mine)
        assert attempted == 0 and released == 0  # nothing of it was still ours to release
        assert rx.on("/stalled") == []
        other.work_through(theirs)
        assert len(rx.on("/stalled")) == 1

    def test_stopping_hands_claimed_work_back(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        hook = create_hook(hooks, rx.url("/stop"), ["patient.updated"])
        touch_patient(hooks, index=0)
        touch_patient(hooks, index=1)
        stopping = make_worker(db, settings, clock, worker_id="stopping")
        while stopping.dispatch():
            pass
        stopping.request_stop()
        report = stopping.run_once()
        assert report.attempted == 0 and report.released >= 2
        assert rx.on("/stop") == []
        assert {d["status"] for d in deliveries(hooks, hook["webhookId"])} == {"pending"}
        run_until_idle(make_worker(db, settings, clock, worker_id="next"))
        assert len(rx.on("/stop")) == 2


class TestEgressAndRotation:
    def test_a_host_that_now_resolves_inside_is_refused_at_delivery(
        self,
        hooks: Practice,
        app: FastAPI,
        db: Database,
        settings: Settings,
        clock: FakeClock,
    ) -> None:
        with api_resolver(app, "93.184.215.14"):
            hook = create_hook(hooks, "https://hooks.example.com/in", ["patient.updated"])
        rebinding = make_worker(
            db, settings, clock, resolver=lambda host, port: ["169.254.169.254"]
        )
        touch_patient(hooks)
        run_until_idle(rebinding)
        [delivery] = deliveries(hooks, hook["webhookId"])
        assert delivery["status"] == "pending"
        [attempt] = delivery["attempts"]  # type: ignore[misc]
        assert attempt["statusCode"] is None
        assert attempt["error"] == "egress_refused:metadata_address"
        assert attempt["outcome"] == "retry"

    def test_an_injected_transport_sees_the_pinned_signed_request_and_redirects_fail(
        self, hooks: Practice, app: FastAPI, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        seen: list[httpx.Request] = []

        def answer(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/"})

        with api_resolver(app, "93.184.215.14"):
            hook = create_hook(hooks, "https://hooks.example.com/in?k=1", ["patient.updated"])
        worker = Worker(
            db,
            settings,
            clock=clock,
            rng=NoJitter(),
            resolver=lambda host, port: ["93.184.215.14"],
            transport=httpx.MockTransport(answer),
        )
        touch_patient(hooks)
        run_until_idle(worker)
        [request] = seen
        assert request.url == "https://93.184.215.14:443/in?k=1"  # pinned to the vetted address
        assert request.headers["host"] == "hooks.example.com"
        assert request.extensions["sni_hostname"] == "hooks.example.com"
        Webhook(hook["secret"]).verify(request.content, dict(request.headers))
        [delivery] = deliveries(hooks, hook["webhookId"])
        assert delivery["status"] == "pending"  # 3xx is a failure, and it was not followed
        assert delivery["attempts"][0]["error"] == "redirect_not_followed:status_302"  # type: ignore[index]

    def test_rotation_signs_with_both_secrets_until_the_overlap_ends(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        hook = create_hook(hooks, rx.url("/rotate"), ["patient.updated"])
        rotated = hooks.post(f"/webhooks/{hook['webhookId']}/rotate-secret")
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        assert new_secret.startswith("whsec_") and new_secret != hook["secret"]
        worker = make_worker(db, settings, clock)
        touch_patient(hooks)
        run_until_idle(worker)
        [during] = rx.on("/rotate")
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        for secret in (hook["secret"], new_secret):
            Webhook(secret).verify(during.body, during.headers)

        clock.advance(timedelta(hours=24, minutes=1))
        touch_patient(hooks, name="after overlap")
        run_until_idle(worker)
        after = rx.on("/rotate")[-1]
        stamp = int(after.headers["webhook-timestamp"])
        verify(after.body, after.headers, [new_secret], now=stamp)
        with pytest.raises(SignatureVerificationError):
            verify(after.body, after.headers, [hook["secret"]], now=stamp)


class TestTestEventsAndRedelivery:
    def test_a_test_event_goes_to_its_endpoint_only(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        target = create_hook(hooks, rx.url("/target"), ["patient.updated"])
        create_hook(hooks, rx.url("/bystander"), ["*"])
        response = hooks.post(f"/webhooks/{target['webhookId']}/test")
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "pending"
        run_until_idle(make_worker(db, settings, clock))
        [request] = rx.on("/target")
        assert request.json()["type"] == "webhook.test"
        assert request.json()["resource"] == {"type": "webhook_endpoint", "id": target["webhookId"]}
        assert rx.on("/bystander") == []

    def test_redeliver_sends_the_same_webhook_id_again(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        hook = create_hook(hooks, rx.url("/again"), ["patient.updated"])
        worker = make_worker(db, settings, clock)
        touch_patient(hooks)
        run_until_idle(worker)
        [first] = rx.on("/again")

        response = hooks.post(
            f"/events/{first.webhook_id}/redeliver", {"webhookId": hook["webhookId"]}
        )
        assert response.status_code == 202, response.text
        [queued] = response.json()["deliveries"]
        assert queued["status"] == "pending" and queued["webhookId"] == hook["webhookId"]
        run_until_idle(worker)
        second = rx.on("/again")[-1]
        assert second.webhook_id == first.webhook_id
        assert json.loads(second.body)["id"] == first.webhook_id
        [delivery] = deliveries(hooks, hook["webhookId"])
        assert delivery["status"] == "delivered" and delivery["attemptCount"] == 2

    def test_redeliver_reaches_an_endpoint_created_after_the_event(
        self, hooks: Practice, rx: HookReceiver, db: Database, settings: Settings, clock: FakeClock
    ) -> None:
        touch_patient(hooks)
        event_id = hooks.get("/events", params={"type": "patient.updated"}).json()["items"][-1][
            "id"
        ]
        hook = create_hook(hooks, rx.url("/late"), ["patient.*"])
        response = hooks.post(f"/events/{event_id}/redeliver")
        assert response.status_code == 202, response.text
        assert [d["webhookId"] for d in response.json()["deliveries"]] == [hook["webhookId"]]
        run_until_idle(make_worker(db, settings, clock))
        assert [r.webhook_id for r in rx.on("/late")] == [event_id]
