"""Sessions: token rotation on refresh, logout, idle and absolute limits, and no anonymous access."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from bhlink.domain.clock import set_clock, utcnow
from bhlink.services.crypto import sha256_hex
from tests.security.openapi_doc import document_app
from tests.support.practice import Practice


@pytest.fixture
def clock() -> Iterator[list[timedelta]]:
    offset = [timedelta(0)]
    start = utcnow()
    set_clock(lambda: start + offset[0])
    yield offset
    set_clock(None)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def _refresh(practice: Practice, token: str):  # type: ignore[no-untyped-def]
    return practice.client.post(f"{practice.base}/sessions/refresh", headers=_bearer(token))


def test_refresh_rotates_the_token_and_kills_the_old_one_at_once(practice: Practice) -> None:
    old = _token(practice.login("clinician"))
    refreshed = _refresh(practice, old)
    assert refreshed.status_code == 200
    body = refreshed.json()
    assert set(body) == {"authToken", "expiresIn", "user"}
    new = body["authToken"]
    assert new != old and body["expiresIn"] == 3600
    assert body["user"]["roles"] == ["clinician"]
    me = practice.client.get(f"{practice.base}/users/me", headers=_bearer(new))
    assert me.status_code == 200
    stale = practice.client.get(f"{practice.base}/users/me", headers=_bearer(old))
    assert stale.status_code == 401
    assert _refresh(practice, old).status_code == 401  # the old token cannot refresh either
    with practice.db.engine.connect() as conn:
        hashes = conn.execute(
            text("SELECT token_hash FROM auth_sessions WHERE token_hash IN (:a, :b)"),
            {"a": sha256_hex(old), "b": sha256_hex(new)},
        ).all()
    assert [h[0] for h in hashes] == [sha256_hex(new)]  # stored as a hash, never in clear
    audit = practice.get("/audit-events", params={"action": "session.refresh"}).json()
    assert audit["total"] == 1


def test_refresh_cannot_outlive_the_absolute_session_lifetime(
    practice: Practice, clock: list[timedelta]
) -> None:
    # token 1 h, idle 30 min, absolute 12 h: refresh every 25 minutes and see where it stops.
    token = _token(practice.login("biller"))
    for _ in range(28):  # 28 x 25 min = 11 h 40 min
        clock[0] += timedelta(minutes=25)
        response = _refresh(practice, token)
        assert response.status_code == 200, response.text
        token = response.json()["authToken"]
    # 20 minutes before the 12 h mark the token may live only those 20 minutes.
    assert 0 < response.json()["expiresIn"] <= 20 * 60 + 1
    clock[0] += timedelta(minutes=25)  # past 12 h: the token expired, refresh refused
    late = _refresh(practice, token)
    assert late.status_code == 401


def test_refresh_after_logout_or_idle_timeout_is_refused(
    practice: Practice, clock: list[timedelta]
) -> None:
    token = _token(practice.login("front_desk"))
    assert (
        practice.client.delete(f"{practice.base}/sessions", headers=_bearer(token)).status_code
        == 204
    )
    assert _refresh(practice, token).status_code == 401
    idle = _token(practice.login("readonly"))
    clock[0] += timedelta(minutes=31)
    response = _refresh(practice, idle)
    assert response.status_code == 401 and response.json()["code"] == "idle_timeout"


def test_logout_revokes_only_that_session(practice: Practice) -> None:
    first = _token(practice.login("supervisor"))
    second = practice.client.post(
        f"{practice.base}/sessions",
        json={"username": practice.users["supervisor"], "password": "correct horse battery staple"},
        headers={"Authorization": practice.basic()},
    ).json()["authToken"]
    assert (
        practice.client.delete(f"{practice.base}/sessions", headers=_bearer(first)).status_code
        == 204
    )
    assert (
        practice.client.get(f"{practice.base}/users/me", headers=_bearer(first)).status_code == 401
    )
    assert (
        practice.client.get(f"{practice.base}/users/me", headers=_bearer(second)).status_code == 200
    )
    with practice.db.engine.connect() as conn:
        revoked = conn.execute(
            text("SELECT revoked_at FROM auth_sessions WHERE token_hash = :h"),
            {"h": sha256_hex(first)},
        ).scalar_one()
    assert revoked is not None


def test_admin_revokes_another_users_session_others_may_not(practice: Practice) -> None:
    victim = _token(practice.login("biller"))
    with practice.db.engine.connect() as conn:
        session_id = conn.execute(
            text("SELECT id FROM auth_sessions WHERE token_hash = :h"), {"h": sha256_hex(victim)}
        ).scalar_one()
    refused = practice.client.delete(
        f"{practice.base}/sessions/{session_id}", headers=practice.login("front_desk")
    )
    assert refused.status_code == 403
    assert (
        practice.client.get(f"{practice.base}/users/me", headers=_bearer(victim)).status_code == 200
    )
    done = practice.client.delete(
        f"{practice.base}/sessions/{session_id}", headers=practice.login("admin")
    )
    assert done.status_code == 204
    assert (
        practice.client.get(f"{practice.base}/users/me", headers=_bearer(victim)).status_code == 401
    )


# Routes open without a bearer token by design: liveness, and Prometheus metrics, which are
# served to loopback clients (or with BHLINK_METRICS_TOKEN) and refused to anyone else.
OPEN_ROUTES = {"/health": 200, "/metrics": 403}


def test_every_route_but_health_refuses_anonymous_callers(practice: Practice) -> None:
    """Over the OpenAPI document: no credentials → 401 problem+json, and nothing else."""
    document = document_app().openapi()
    checked = []
    for template, operations in document["paths"].items():
        for method in operations:
            path = re.sub(
                r"\{([a-z_]+)\}",
                lambda m: (
                    practice.integration_id if m.group(1) == "integration_id" else "x_0placeholder"
                ),
                template,
            )
            response = practice.client.request(method.upper(), path, json={})
            if template in OPEN_ROUTES:
                assert response.status_code == OPEN_ROUTES[template], (template, response.text)
                continue
            checked.append(f"{method.upper()} {template}")
            assert response.status_code == 401, (method, template, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            if not template.endswith("/sessions") or method != "post":
                assert response.headers["www-authenticate"].startswith("Bearer")
    assert len(checked) >= 100
