"""Rate limits: token-bucket arithmetic, the in-process limiter, and the HTTP contract (429 + headers).

No test sleeps: the limiter's clock is injected (unit tests) or is the domain clock, which
`set_clock` moves together with the account-lockout clock (HTTP tests).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bhlink.config import Settings
from bhlink.domain.clock import set_clock, utcnow
from bhlink.domain.rate_limits import Bucket, Charge, Policy, decide
from bhlink.server import create_app
from bhlink.services.rate_limits import InMemoryRateLimiter, RatePolicies
from bhlink.store.db import Database
from tests.support.practice import PASSWORD, Practice, build_practice

# draft-ietf-httpapi-ratelimit-headers-10 §3 and §4: a List of String items with parameters.
POLICY_ITEM = re.compile(r'^"(?P<name>[a-z-]+)";q=(?P<q>\d+);w=(?P<w>\d+)$')
LIMIT_ITEM = re.compile(r'^"(?P<name>[a-z-]+)";r=(?P<r>\d+);t=(?P<t>\d+)$')


class FakeClock:
    """Seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def parse(header: str, pattern: re.Pattern[str]) -> dict[str, dict[str, int]]:
    items = {}
    for member in header.split(", "):
        match = pattern.match(member)
        assert match, f"not a draft-10 list member: {member!r}"
        values = match.groupdict()
        name = values.pop("name")
        items[name] = {k: int(v) for k, v in values.items()}
    return items


# --- the arithmetic and the limiter --------------------------------------------------------------


def test_a_burst_of_the_quota_then_refusal_then_refill() -> None:
    clock = FakeClock()
    limiter = InMemoryRateLimiter(clock)
    policy = Policy("user", quota=3, window_seconds=60)  # one token every 20 s
    charge = [Charge(policy, "u1")]
    decisions = [limiter.hit(charge) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.limits[0].remaining for d in decisions] == [2, 1, 0, 0]
    refused = decisions[-1]
    assert refused.retry_after_seconds == 20 and refused.violated == ("user",)
    assert refused.headers()["Retry-After"] == "20"
    clock.now += 19
    assert not limiter.hit(charge).allowed
    clock.now += 1
    assert limiter.hit(charge).allowed  # exactly one token has come back
    assert not limiter.hit(charge).allowed


def test_reset_parameter_counts_seconds_until_the_next_request_is_admitted() -> None:
    policy = Policy("user", quota=10, window_seconds=60)  # a token every 6 s
    decision, buckets = decide([Charge(policy, "k")], [Bucket(tokens=4.5, at=0.0)], now=0.0)
    assert decision.allowed
    (limit,) = decision.limits
    # 3.5 tokens left: 3 whole requests, the 4th in (4.0 - 3.5) / (10/60) = 3 s.
    assert (limit.remaining, limit.reset_seconds) == (3, 3)
    assert buckets[0] == Bucket(tokens=3.5, at=0.0)
    assert decision.headers() == {
        "RateLimit-Policy": '"user";q=10;w=60',
        "RateLimit": '"user";r=3;t=3',
    }


def test_refusal_by_one_policy_charges_no_other() -> None:
    clock = FakeClock()
    limiter = InMemoryRateLimiter(clock)
    client = Policy("client", quota=2, window_seconds=60)
    user = Policy("user", quota=5, window_seconds=60)
    for _ in range(2):
        assert limiter.hit([Charge(client, "c"), Charge(user, "u")]).allowed
    refused = limiter.hit([Charge(client, "c"), Charge(user, "u")])
    assert not refused.allowed and refused.violated == ("client",)
    # The user's bucket was not charged by the refused request: 3 left, not 2.
    assert limiter.hit([Charge(user, "u")]).limits[0].remaining == 2


def test_partition_keys_are_independent() -> None:
    limiter = InMemoryRateLimiter(FakeClock())
    policy = Policy("user", quota=1, window_seconds=60)
    assert limiter.hit([Charge(policy, "a")]).allowed
    assert limiter.hit([Charge(policy, "b")]).allowed
    assert not limiter.hit([Charge(policy, "a")]).allowed


def test_a_clock_stepping_back_mints_no_tokens() -> None:
    clock = FakeClock()
    limiter = InMemoryRateLimiter(clock)
    charge = [Charge(Policy("user", quota=1, window_seconds=60), "k")]
    assert limiter.hit(charge).allowed
    clock.now -= 3600
    assert not limiter.hit(charge).allowed


def test_policies_need_a_quota_and_a_window() -> None:
    with pytest.raises(ValueError):
        Policy("p", quota=0, window_seconds=60)
    with pytest.raises(ValueError):
        Policy("p", quota=1, window_seconds=0)


def test_concurrent_hits_admit_exactly_the_quota() -> None:
    limiter = InMemoryRateLimiter(FakeClock())
    charge = [Charge(Policy("user", quota=50, window_seconds=60), "k")]
    admitted: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            allowed = limiter.hit(charge).allowed
            with lock:
                admitted.append(allowed)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 200 and admitted.count(True) == 50


def test_pruning_forgets_only_full_buckets(monkeypatch: pytest.MonkeyPatch) -> None:
    from bhlink.services import rate_limits

    monkeypatch.setattr(rate_limits, "_PRUNE_ABOVE", 10)
    clock = FakeClock()
    limiter = InMemoryRateLimiter(clock)
    policy = Policy("login-address", quota=2, window_seconds=60)
    for n in range(10):
        limiter.hit([Charge(policy, f"addr-{n}")])
    limiter.hit([Charge(policy, "busy")])
    limiter.hit([Charge(policy, "busy")])  # empty now
    clock.now += 61  # every bucket has refilled: pruning drops the full ones
    limiter.hit([Charge(policy, "late")])
    assert len(limiter) <= 2
    # Dropping a full bucket changes nothing: the next caller still has the whole quota.
    assert limiter.hit([Charge(policy, "addr-0")]).limits[0].remaining == 1


def test_settings_build_the_four_policies() -> None:
    settings = Settings(
        secret_key="k" * 40,
        rate_limit_user_quota=7,
        rate_limit_user_window=10,
        login_rate_limit_username_quota=3,
    )
    policies = RatePolicies.from_settings(settings)
    assert policies.user == Policy("user", 7, 10)
    assert policies.client == Policy("client", 6000, 60)
    assert policies.login_username.quota == 3
    charges = policies.for_login("int_1", "cli_1", "10.0.0.1", "Ann@Example.org")
    assert [c.key for c in charges] == ["int_1:cli_1:10.0.0.1", "int_1:ann@example.org"]


# --- over HTTP -----------------------------------------------------------------------------------


@pytest.fixture
def clock() -> Iterator[list[timedelta]]:
    """Move the domain clock (lockout, sessions, and the limiter's default clock) by hand."""
    offset = [timedelta(0)]
    start = utcnow()
    set_clock(lambda: start + offset[0])
    yield offset
    set_clock(None)


@pytest.fixture
def limited_app(settings: Settings, db: Database) -> FastAPI:
    """An app with small limits and its own buckets."""
    return create_app(
        settings.model_copy(
            update={
                "rate_limit_user_quota": 3,
                "rate_limit_user_window": 60,
                "rate_limit_client_quota": 5,
                "rate_limit_client_window": 60,
                "login_rate_limit_address_quota": 30,
                "login_rate_limit_username_quota": 8,
                "login_rate_limit_username_window": 300,
                "login_max_failures": 5,
                "login_lockout_seconds": 900,
            }
        ),
        db,
    )


@pytest.fixture
def limited(limited_app: FastAPI, db: Database) -> Iterator[Practice]:
    with TestClient(limited_app, raise_server_exceptions=False) as client:
        yield build_practice(db, limited_app, client)


def _login(practice: Practice, username: str, password: str = PASSWORD) -> int:
    response = practice.client.post(
        f"{practice.base}/sessions",
        json={"username": username, "password": password},
        headers={"Authorization": practice.basic()},
    )
    return response.status_code


def test_every_authenticated_answer_advertises_the_limits(
    limited: Practice, clock: list[timedelta]
) -> None:
    response = limited.get("/users/me", role="biller")
    assert response.status_code == 200
    policies = parse(response.headers["ratelimit-policy"], POLICY_ITEM)
    assert policies == {"client": {"q": 5, "w": 60}, "user": {"q": 3, "w": 60}}
    limits = parse(response.headers["ratelimit"], LIMIT_ITEM)
    assert limits["user"]["r"] == 2 and limits["client"]["r"] == 4


def test_over_the_user_quota_is_429_problem_with_retry_after(
    limited: Practice, clock: list[timedelta]
) -> None:
    headers = limited.login("front_desk")
    for _ in range(3):
        assert limited.client.get(f"{limited.base}/users/me", headers=headers).status_code == 200
    refused = limited.client.get(f"{limited.base}/patients", headers=headers)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["status"] == 429 and "user" in problem["detail"]
    retry_after = int(refused.headers["retry-after"])
    limits = parse(refused.headers["ratelimit"], LIMIT_ITEM)
    assert limits["user"]["r"] == 0
    assert retry_after >= limits["user"]["t"] > 0  # draft §6: Retry-After not before the reset
    assert patient_reads(limited) == 0  # refused before the handler: nothing read, nothing audited
    clock[0] += timedelta(seconds=retry_after)
    assert limited.client.get(f"{limited.base}/users/me", headers=headers).status_code == 200


def patient_reads(practice: Practice) -> int:
    from sqlalchemy import text

    with practice.db.engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM audit_events WHERE integration_id = :i "
                    "AND action = 'patient.read'"
                ),
                {"i": practice.integration_id},
            ).scalar_one()
        )


def test_users_have_their_own_buckets_and_share_the_clients(
    limited: Practice, clock: list[timedelta]
) -> None:
    biller, desk = limited.login("biller"), limited.login("front_desk")
    for _ in range(3):
        assert limited.client.get(f"{limited.base}/users/me", headers=biller).status_code == 200
    assert limited.client.get(f"{limited.base}/users/me", headers=biller).status_code == 429
    # Another user of the same API client still has their own quota...
    assert limited.client.get(f"{limited.base}/users/me", headers=desk).status_code == 200
    assert limited.client.get(f"{limited.base}/users/me", headers=desk).status_code == 200
    # ...until the client's quota (5) is spent by both together.
    refused = limited.client.get(f"{limited.base}/users/me", headers=desk)
    assert refused.status_code == 429 and "client" in refused.json()["detail"]


def test_brute_force_locks_the_account_and_then_meets_the_limiter(
    limited: Practice, clock: list[timedelta]
) -> None:
    username = limited.user("clinician")
    statuses = [_login(limited, username, "wrong password!") for _ in range(5)]
    assert statuses == [401] * 5  # the fifth failure locks the account
    locked = limited.client.post(
        f"{limited.base}/sessions",
        json={"username": username, "password": PASSWORD},
        headers={"Authorization": limited.basic()},
    )
    assert locked.status_code == 401 and locked.json()["code"] == "account_locked"
    # Two more tries use up the username's quota of 8; the guesser is then throttled outright.
    assert [_login(limited, username, "guess") for _ in range(2)] == [401, 401]
    throttled = limited.client.post(
        f"{limited.base}/sessions",
        json={"username": username, "password": PASSWORD},
        headers={"Authorization": limited.basic()},
    )
    assert throttled.status_code == 429
    assert "login-username" in throttled.json()["detail"]
    assert int(throttled.headers["retry-after"]) > 0
    # After the lockout (900 s) and a refill, the right password works again.
    clock[0] += timedelta(seconds=901)
    assert _login(limited, username) == 201


def test_the_username_limit_holds_from_any_address(
    limited_app: FastAPI, limited: Practice, clock: list[timedelta]
) -> None:
    username = limited.user("biller")
    for n in range(8):
        address = (f"198.51.100.{n}", 40000)
        with TestClient(limited_app, client=address, raise_server_exceptions=False) as other:
            response = other.post(
                f"{limited.base}/sessions",
                json={"username": username, "password": f"guess {n}"},
                headers={"Authorization": limited.basic()},
            )
            assert response.status_code == 401
    with TestClient(limited_app, client=("203.0.113.9", 40000)) as fresh:
        response = fresh.post(
            f"{limited.base}/sessions",
            json={"username": username, "password": PASSWORD},
            headers={"Authorization": limited.basic()},
        )
    assert response.status_code == 429


def test_the_address_limit_holds_for_every_username(
    settings: Settings, db: Database, clock: list[timedelta]
) -> None:
    app = create_app(settings.model_copy(update={"login_rate_limit_address_quota": 4}), db)
    with TestClient(app, raise_server_exceptions=False) as client:
        practice = build_practice(db, app, client)
        statuses = [_login(practice, f"nobody{n}@test.example") for n in range(5)]
    assert statuses == [401, 401, 401, 401, 429]


def test_no_limits_no_headers_when_disabled(settings: Settings, db: Database) -> None:
    app = create_app(settings.model_copy(update={"rate_limits_enabled": False}), db)
    with TestClient(app, raise_server_exceptions=False) as client:
        practice = build_practice(db, app, client)
        response = practice.get("/users/me")
    assert response.status_code == 200
    assert "ratelimit" not in response.headers and "ratelimit-policy" not in response.headers
