"""/webhooks over HTTP: secrets shown once and encrypted at rest, clear 422s, access, lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from bhlink.api.app import create_api
from bhlink.config import Settings
from bhlink.store.db import Database
from tests.support.practice import Practice, build_practice
from tests.support.webhooks import api_resolver, create_hook, quiesce

LOCAL = "http://127.0.0.1:9999/hook"  # loopback is allowed in the test environment


@pytest.fixture
def hooks(practice: Practice, db: Database) -> Iterator[Practice]:
    yield practice
    quiesce(db, practice)


def _table_text(db: Database, table: str, integration_id: str) -> str:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT * FROM {table} WHERE integration_id = :i"), {"i": integration_id}
        ).all()
    return repr(rows)


class TestCreate:
    def test_the_secret_is_shown_once_and_stored_encrypted(
        self, hooks: Practice, db: Database
    ) -> None:
        response = hooks.post(
            "/webhooks",
            {
                "url": LOCAL,
                "eventTypes": ["appointment.*", "patient.created"],
                "description": "scheduling sync",
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        secret = body["secret"]
        assert secret.startswith("whsec_")
        assert body["webhookId"].startswith("whk_")
        assert body["status"] == "enabled"
        assert body["eventTypes"] == ["appointment.*", "patient.created"]
        assert body["includeResource"] is False
        assert response.headers["location"].endswith(f"/webhooks/{body['webhookId']}")
        assert response.headers["etag"] == 'W/"1"'

        fetched = hooks.get(f"/webhooks/{body['webhookId']}")
        listed = hooks.get("/webhooks")
        assert fetched.status_code == 200 and listed.status_code == 200
        assert "secret" not in fetched.json()
        assert secret not in fetched.text and secret not in listed.text
        assert [w["webhookId"] for w in listed.json()["items"]] == [body["webhookId"]]
        secret_body = secret.removeprefix("whsec_")
        for table in ("webhook_endpoints", "idempotency_keys", "audit_events"):
            assert secret_body not in _table_text(db, table, hooks.integration_id)

    def test_a_create_is_audited_without_the_url(self, hooks: Practice, db: Database) -> None:
        hook = create_hook(hooks, "http://127.0.0.1:9999/hook?token=s3cr3t")
        audit = _table_text(db, "audit_events", hooks.integration_id)
        assert "webhook.created" in audit and hook["webhookId"] in audit
        assert "s3cr3t" not in audit

    @pytest.mark.parametrize(
        ("body", "field", "fragment"),
        [
            ({"url": "not a url", "eventTypes": ["*"]}, "url", "https URL"),
            ({"url": "ftp://example.com/x", "eventTypes": ["*"]}, "url", "https"),
            ({"url": "https://user:pw@example.com/x", "eventTypes": ["*"]}, "url", "user name"),
            ({"url": "https://10.1.2.3/x", "eventTypes": ["*"]}, "url", "private_address"),
            ({"url": "https://169.254.169.254/latest", "eventTypes": ["*"]}, "url", "metadata"),
            ({"url": "https://2130706433/x", "eventTypes": ["*"]}, "url", "non-canonical"),
            ({"url": "https://example.com:22/x", "eventTypes": ["*"]}, "url", "port"),
            ({"url": LOCAL, "eventTypes": ["appointment.exploded"]}, "eventTypes[0]", "unknown"),
            ({"url": LOCAL, "eventTypes": ["*", "nothing.*"]}, "eventTypes[1]", "group"),
            ({"url": LOCAL, "eventTypes": []}, "eventTypes", "at least one"),
            ({"url": LOCAL, "eventTypes": ["*", "*"]}, "eventTypes[1]", "duplicate"),
            ({"eventTypes": ["*"]}, "url", "required"),
            ({"url": LOCAL, "eventTypes": ["*"], "secret": "x"}, "secret", "not a field"),
            ({"url": LOCAL, "eventTypes": ["*"], "description": "x" * 501}, "description", ""),
        ],
    )
    def test_bad_configuration_is_a_422_naming_the_field_and_writes_nothing(
        self, hooks: Practice, body: dict[str, Any], field: str, fragment: str
    ) -> None:
        hooks.login()  # logging in is audited; the failed create must add nothing
        before = (hooks.count("webhook_endpoints"), hooks.count("audit_events"))
        response = hooks.post("/webhooks", body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        problems = {e["field"]: e["message"] for e in response.json()["errors"]}
        assert field in problems, problems
        assert fragment in problems[field]
        assert (hooks.count("webhook_endpoints"), hooks.count("audit_events")) == before

    def test_every_problem_is_reported_at_once(self, hooks: Practice) -> None:
        response = hooks.post("/webhooks", {"url": "gopher://x", "eventTypes": ["a.b", "*"]})
        assert response.status_code == 422
        assert {e["field"] for e in response.json()["errors"]} == {"url", "eventTypes[0]"}

    def test_a_name_resolving_to_a_private_address_is_refused(
        self, hooks: Practice, app: FastAPI
    ) -> None:
        with api_resolver(app, "93.184.215.14", "192.168.1.20"):
            response = hooks.post(
                "/webhooks", {"url": "https://hooks.example.com/in", "eventTypes": ["*"]}
            )
        assert response.status_code == 422
        [problem] = response.json()["errors"]
        assert problem["field"] == "url" and "private_address" in problem["message"]
        assert hooks.count("webhook_endpoints") == 0

    def test_a_public_name_is_accepted(self, hooks: Practice, app: FastAPI) -> None:
        with api_resolver(app, "93.184.215.14"):
            response = hooks.post(
                "/webhooks", {"url": "https://hooks.example.com/in", "eventTypes": ["*"]}
            )
        assert response.status_code == 201, response.text

    def test_an_allow_listed_private_network_is_accepted(
        self, db: Database, settings: Settings
    ) -> None:
        onprem = settings.model_copy(update={"webhook_allow_hosts": ["10.20.0.0/16"]})
        with TestClient(create_api(onprem, db), raise_server_exceptions=False) as client:
            local = build_practice(db, client.app, client)  # type: ignore[arg-type]
            ok = local.post("/webhooks", {"url": "https://10.20.1.5/hook", "eventTypes": ["*"]})
            refused = local.post("/webhooks", {"url": "https://10.21.1.5/h", "eventTypes": ["*"]})
            quiesce(db, local)
        assert ok.status_code == 201, ok.text
        assert refused.status_code == 422

    def test_full_payloads_need_https_outside_development(
        self, db: Database, settings: Settings
    ) -> None:
        production = settings.model_copy(
            update={"environment": "production", "webhook_allow_loopback": True}
        )
        with TestClient(create_api(production, db), raise_server_exceptions=False) as client:
            prod = build_practice(db, client.app, client)  # type: ignore[arg-type]
            refused = prod.post(
                "/webhooks", {"url": LOCAL, "eventTypes": ["*"], "includeResource": True}
            )
            count = prod.count("webhook_endpoints")
            thin = prod.post("/webhooks", {"url": LOCAL, "eventTypes": ["*"]})
            quiesce(db, prod)
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == ["includeResource"]
        assert count == 0
        assert thin.status_code == 201

    def test_idempotency_key_is_refused_because_replays_would_store_the_secret(
        self, hooks: Practice
    ) -> None:
        response = hooks.post(
            "/webhooks",
            {"url": LOCAL, "eventTypes": ["*"]},
            headers={"Idempotency-Key": "create-1"},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "Idempotency-Key"
        assert hooks.count("webhook_endpoints") == 0
        assert hooks.count("idempotency_keys") == 0

    def test_a_repeated_reference_id_is_a_409_naming_the_existing_webhook(
        self, hooks: Practice
    ) -> None:
        first = create_hook(hooks, LOCAL, referenceId="crm-sync")
        again = hooks.post(
            "/webhooks", {"url": LOCAL, "eventTypes": ["*"], "referenceId": "crm-sync"}
        )
        assert again.status_code == 409
        [problem] = again.json()["errors"]
        assert problem["field"] == "referenceId" and first["webhookId"] in problem["message"]
        assert hooks.count("webhook_endpoints") == 1


class TestAccess:
    @pytest.mark.parametrize("role", ["clinician", "biller", "front_desk", "readonly"])
    def test_roles_without_the_webhooks_entitlement_are_refused(
        self, hooks: Practice, role: str
    ) -> None:
        hook = create_hook(hooks, LOCAL)
        for response in (
            hooks.post("/webhooks", {"url": LOCAL, "eventTypes": ["*"]}, role=role),
            hooks.get("/webhooks", role=role),
            hooks.get(f"/webhooks/{hook['webhookId']}", role=role),
            hooks.post(f"/webhooks/{hook['webhookId']}/rotate-secret", role=role),
            hooks.get("/events", role=role),
        ):
            assert response.status_code == 403, response.text
        assert hooks.count("webhook_endpoints") == 1

    def test_another_integration_sees_nothing(
        self, hooks: Practice, other_practice: Practice
    ) -> None:
        hook = create_hook(hooks, LOCAL)
        path = f"/webhooks/{hook['webhookId']}"
        assert other_practice.get(path).status_code == 404
        assert other_practice.patch(path, {"description": "x"}).status_code == 404
        assert other_practice.post(f"{path}/rotate-secret").status_code == 404
        assert other_practice.post(f"{path}/test").status_code == 404
        assert other_practice.get(f"{path}/deliveries").status_code == 404
        deleted = other_practice.client.delete(
            other_practice.base + path, headers=other_practice.login()
        )
        assert deleted.status_code == 404
        assert other_practice.get("/webhooks").json()["items"] == []
        assert hooks.get(path).status_code == 200

    def test_requests_without_a_token_are_401(self, hooks: Practice) -> None:
        response = hooks.client.get(f"{hooks.base}/webhooks")
        assert response.status_code == 401


class TestLifecycle:
    def test_patch_changes_fields_and_honours_if_match(self, hooks: Practice) -> None:
        hook = create_hook(hooks, LOCAL, ["patient.*"])
        path = f"/webhooks/{hook['webhookId']}"
        response = hooks.patch(
            path,
            {"eventTypes": ["appointment.created"], "description": "moved"},
            headers={"If-Match": 'W/"1"'},
        )
        assert response.status_code == 200, response.text
        assert response.json()["eventTypes"] == ["appointment.created"]
        assert response.json()["version"] == 2
        stale = hooks.patch(path, {"description": "late"}, headers={"If-Match": 'W/"1"'})
        assert stale.status_code == 412
        cleared = hooks.patch(path, {"url": None})
        assert cleared.status_code == 422 and cleared.json()["errors"][0]["field"] == "url"
        bad = hooks.patch(path, {"eventTypes": ["nope.nope"]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "eventTypes[0]"
        assert hooks.get(path).json()["eventTypes"] == ["appointment.created"]
        assert hooks.patch(path, {"description": None}).json()["description"] is None

    def test_disable_enable_and_delete(self, hooks: Practice) -> None:
        hook = create_hook(hooks, LOCAL)
        path = f"/webhooks/{hook['webhookId']}"
        disabled = hooks.post(f"{path}/disable")
        assert disabled.status_code == 200
        assert disabled.json()["status"] == "disabled"
        assert disabled.json()["disabledReason"] == "manual"
        assert hooks.get("/webhooks", params={"status": "disabled"}).json()["total"] == 1
        assert hooks.post(f"{path}/test").status_code == 409
        enabled = hooks.post(f"{path}/enable")
        assert enabled.json()["status"] == "enabled"
        assert enabled.json()["disabledReason"] is None
        assert hooks.post(f"{path}/test").status_code == 202
        assert hooks.count("webhook_deliveries") == 1

        deleted = hooks.client.delete(hooks.base + path, headers=hooks.login())
        assert deleted.status_code == 204
        assert hooks.get(path).status_code == 404
        assert hooks.count("webhook_deliveries") == 0
        assert hooks.count("webhook_endpoints") == 0

    def test_rotation_keeps_the_old_secret_for_the_overlap(self, hooks: Practice) -> None:
        hook = create_hook(hooks, LOCAL)
        path = f"/webhooks/{hook['webhookId']}/rotate-secret"
        rotated = hooks.post(path)
        assert rotated.status_code == 200
        expires = datetime.fromisoformat(
            rotated.json()["previousSecretExpiresAt"].replace("Z", "+00:00")
        )
        assert abs(expires - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)
        immediate = hooks.post(path, {"overlapHours": 0})
        assert immediate.json()["previousSecretExpiresAt"] is None
        assert immediate.json()["secret"] != rotated.json()["secret"]
        assert hooks.post(path, {"overlapHours": 500}).status_code == 422
        refused = hooks.post(path, headers={"Idempotency-Key": "k"})
        assert refused.status_code == 422

    def test_the_event_type_catalogue_is_listed(self, hooks: Practice) -> None:
        response = hooks.get("/event-types")
        assert response.status_code == 200
        types = {item["type"]: item["description"] for item in response.json()}
        assert "appointment.created" in types and "webhook.endpoint_disabled" in types

    def test_a_test_send_is_idempotent(self, hooks: Practice) -> None:
        hook = create_hook(hooks, LOCAL)
        path = f"/webhooks/{hook['webhookId']}/test"
        first = hooks.post(path, headers={"Idempotency-Key": "t-1"})
        again = hooks.post(path, headers={"Idempotency-Key": "t-1"})
        assert first.status_code == again.status_code == 202
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.json()["deliveryId"] == first.json()["deliveryId"]
        assert hooks.count("webhook_deliveries") == 1


class TestRedeliverErrors:
    def test_unknown_event_webhook_and_unsubscribed(self, hooks: Practice) -> None:
        hook = create_hook(hooks, LOCAL, ["appointment.*"])
        assert hooks.post("/events/evt_01unknown/redeliver").status_code == 404
        events = hooks.get("/events", params={"type": "patient.created"}).json()["items"]
        event_id = events[0]["id"]
        missing = hooks.post(f"/events/{event_id}/redeliver", {"webhookId": "whk_01nothing"})
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["field"] == "webhookId"
        unsubscribed = hooks.post(f"/events/{event_id}/redeliver", {"webhookId": hook["webhookId"]})
        assert unsubscribed.status_code == 422
        assert "not subscribed" in unsubscribed.json()["errors"][0]["message"]
        nobody = hooks.post(f"/events/{event_id}/redeliver")
        assert nobody.status_code == 409
        assert hooks.count("webhook_deliveries") == 0
