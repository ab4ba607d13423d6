"""Retry policy: Svix schedule, jitter, Retry-After, 410 and the 5-day endpoint cut-off."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bhlink.events.retry_policy import (
    DELIVERY_TIMEOUT_SECONDS,
    ENDPOINT_DISABLE_AFTER,
    JITTER_FRACTION,
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER,
    RETRY_SCHEDULE,
    DecisionKind,
    is_success,
    jittered,
    next_attempt,
    parse_retry_after,
    should_disable_endpoint,
)

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)


class FixedRandom:
    """Returns one chosen point of the jitter range and records what it was asked for."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = value
        self.calls: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.calls.append((a, b))
        return self.value


NO_JITTER = FixedRandom(0.0)


def test_constants_follow_svix() -> None:
    assert [delay.total_seconds() for delay in RETRY_SCHEDULE] == [
        0,
        5,
        5 * 60,
        30 * 60,
        2 * 3600,
        5 * 3600,
        10 * 3600,
        10 * 3600,
    ]
    assert MAX_ATTEMPTS == 8
    assert sum(RETRY_SCHEDULE, timedelta()) == timedelta(hours=27, minutes=35, seconds=5)
    assert DELIVERY_TIMEOUT_SECONDS == 15
    assert timedelta(days=5) == ENDPOINT_DISABLE_AFTER
    assert JITTER_FRACTION == 0.2


def test_the_whole_schedule_without_jitter() -> None:
    expected_waits = [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=10),
    ]
    for attempt, wait in enumerate(expected_waits, start=1):
        decision = next_attempt(attempt, NOW, 500, None, NO_JITTER)
        assert decision.kind is DecisionKind.RETRY
        assert decision.retry_at == NOW + wait
        assert decision.reason == "status_500"
    last = next_attempt(MAX_ATTEMPTS, NOW, 500, None, NO_JITTER)
    assert last.kind is DecisionKind.GIVE_UP
    assert last.retry_at is None
    assert last.reason == "attempts_exhausted"


def test_jitter_extremes_are_plus_minus_twenty_percent() -> None:
    low = FixedRandom(-0.2)
    high = FixedRandom(0.2)
    assert next_attempt(1, NOW, 503, None, low).retry_at == NOW + timedelta(seconds=4)
    assert next_attempt(1, NOW, 503, None, high).retry_at == NOW + timedelta(seconds=6)
    assert low.calls == [(-0.2, 0.2)]


@given(attempt=st.integers(1, MAX_ATTEMPTS - 1), seed=st.integers(0, 2**32))
def test_seeded_jitter_stays_within_bounds(attempt: int, seed: int) -> None:
    decision = next_attempt(attempt, NOW, None, None, random.Random(seed))
    nominal = RETRY_SCHEDULE[attempt]
    assert decision.retry_at is not None
    wait = decision.retry_at - NOW
    assert nominal * 0.8 <= wait <= nominal * 1.2


def test_default_random_source_is_used_when_none_given() -> None:
    decision = next_attempt(2, NOW, 500, None)
    assert decision.retry_at is not None
    assert timedelta(minutes=4) <= decision.retry_at - NOW <= timedelta(minutes=6)


def test_zero_delay_has_no_jitter() -> None:
    assert jittered(timedelta(0), FixedRandom(0.2)) == timedelta(0)


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_is_delivered(status: int) -> None:
    decision = next_attempt(3, NOW, status, "3600", NO_JITTER)
    assert decision.kind is DecisionKind.DELIVERED
    assert decision.retry_at is None
    assert is_success(status)


@pytest.mark.parametrize(
    "status", [100, 199, 300, 301, 302, 304, 307, 400, 401, 404, 409, 500, 502]
)
def test_everything_else_is_a_failure_to_retry(status: int) -> None:
    decision = next_attempt(1, NOW, status, None, NO_JITTER)
    assert decision.kind is DecisionKind.RETRY
    assert decision.reason == f"status_{status}"
    assert not is_success(status)


def test_no_response_is_a_network_error_to_retry() -> None:
    decision = next_attempt(1, NOW, None, None, NO_JITTER)
    assert decision.kind is DecisionKind.RETRY
    assert decision.reason == "network_error"
    assert not is_success(None)


@pytest.mark.parametrize("attempt", [1, MAX_ATTEMPTS])
def test_410_gone_disables_the_endpoint(attempt: int) -> None:
    decision = next_attempt(attempt, NOW, 410, None, NO_JITTER)
    assert decision.kind is DecisionKind.DISABLE_ENDPOINT
    assert decision.reason == "gone"


class TestRetryAfter:
    def test_seconds_later_than_schedule_win(self) -> None:
        decision = next_attempt(1, NOW, 429, "3600", NO_JITTER)
        assert decision.retry_at == NOW + timedelta(hours=1)

    def test_seconds_earlier_than_schedule_are_ignored(self) -> None:
        # After the third attempt the schedule waits 30 minutes; "1 second" cannot shorten it.
        decision = next_attempt(3, NOW, 503, "1", NO_JITTER)
        assert decision.retry_at == NOW + timedelta(minutes=30)

    def test_zero_does_not_undercut_the_schedule(self) -> None:
        assert next_attempt(1, NOW, 429, "0", NO_JITTER).retry_at == NOW + timedelta(seconds=5)

    @pytest.mark.parametrize(
        "value",
        [
            "Mon, 02 Jun 2025 12:30:00 GMT",  # IMF-fixdate
            "Monday, 02-Jun-25 12:30:00 GMT",  # obsolete RFC 850
            "Mon Jun  2 12:30:00 2025",  # obsolete asctime, implicitly GMT
        ],
    )
    def test_http_dates_in_all_three_forms(self, value: str) -> None:
        decision = next_attempt(1, NOW, 503, value, NO_JITTER)
        assert decision.retry_at == datetime(2025, 6, 2, 12, 30, tzinfo=UTC)

    def test_values_are_capped(self) -> None:
        assert next_attempt(1, NOW, 429, "99999999999", NO_JITTER).retry_at == NOW + MAX_RETRY_AFTER
        far = "Tue, 01 Jan 2030 00:00:00 GMT"
        assert next_attempt(1, NOW, 429, far, NO_JITTER).retry_at == NOW + MAX_RETRY_AFTER

    @pytest.mark.parametrize(
        "value", ["", "  ", "soon", "-30", "1.5", "Sun, 01 Jun 2025 00:00:00 GMT", "\uff13\uff10"]
    )
    def test_malformed_or_past_values_are_ignored(self, value: str) -> None:
        assert parse_retry_after(value, NOW) is None
        assert next_attempt(2, NOW, 503, value, NO_JITTER).retry_at == NOW + timedelta(minutes=5)

    def test_parse_returns_the_requested_wait(self) -> None:
        assert parse_retry_after(" 120 ", NOW) == timedelta(seconds=120)
        assert parse_retry_after(None, NOW) is None
        assert parse_retry_after("Mon, 02 Jun 2025 09:31:00 GMT", NOW) == timedelta(minutes=1)

    def test_not_consulted_once_attempts_are_exhausted(self) -> None:
        assert next_attempt(MAX_ATTEMPTS, NOW, 429, "60", NO_JITTER).kind is DecisionKind.GIVE_UP


class TestEndpointDisabling:
    def test_five_days_of_failure_disables(self) -> None:
        since = NOW - timedelta(days=5)
        decision = next_attempt(2, NOW, 500, None, NO_JITTER, endpoint_failing_since=since)
        assert decision.kind is DecisionKind.DISABLE_ENDPOINT
        assert decision.reason == "endpoint_failing_too_long"
        assert should_disable_endpoint(since, NOW)

    def test_just_under_five_days_keeps_retrying(self) -> None:
        since = NOW - timedelta(days=5) + timedelta(seconds=1)
        decision = next_attempt(2, NOW, None, None, NO_JITTER, endpoint_failing_since=since)
        assert decision.kind is DecisionKind.RETRY
        assert not should_disable_endpoint(since, NOW)

    def test_a_success_wins_over_the_failure_history(self) -> None:
        since = NOW - timedelta(days=30)
        decision = next_attempt(2, NOW, 200, None, NO_JITTER, endpoint_failing_since=since)
        assert decision.kind is DecisionKind.DELIVERED

    def test_healthy_endpoint_is_not_disabled(self) -> None:
        assert not should_disable_endpoint(None, NOW)

    def test_naive_failing_since_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            should_disable_endpoint(datetime(2025, 1, 1), NOW)


class TestBadInput:
    @pytest.mark.parametrize("attempt", [0, -1, MAX_ATTEMPTS + 1, True])
    def test_attempt_number_out_of_range(self, attempt: int) -> None:
        with pytest.raises(ValueError, match="attempt_number"):
            next_attempt(attempt, NOW, 500, None, NO_JITTER)

    @pytest.mark.parametrize("status", [0, 42, 99, 600, 1000])
    def test_status_out_of_range(self, status: int) -> None:
        with pytest.raises(ValueError, match="response_status"):
            next_attempt(1, NOW, status, None, NO_JITTER)

    def test_naive_now_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            next_attempt(1, datetime(2025, 1, 1), 500, None, NO_JITTER)
        with pytest.raises(ValueError, match="timezone-aware"):
            parse_retry_after("5", datetime(2025, 1, 1))
