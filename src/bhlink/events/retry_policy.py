"""Webhook retry policy: after an attempt, decide to stop, retry later or disable the endpoint.

Everything here is pure: the caller passes the clock (``now``) and the random source, so the
worker can be tested without sleeping and the schedule can be asserted exactly.

Sources:
* Svix retry schedule, https://docs.svix.com/retries — "Immediately, 5 seconds, 5 minutes,
  30 minutes, 2 hours, 5 hours, 10 hours, 10 hours", each period "started following the failure
  of the preceding attempt"; success is a 2xx "within a reasonable time-frame (15s with Svix)";
  3xx counts as failure; an endpoint whose attempts all fail "for a period of 5 days" is disabled.
* Standard Webhooks 1.0, "Deliverability and reliability" and "Delivery success and failure"
  (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
  exponential backoff with random jitter; 2xx is success, anything else failure; 410 Gone means
  "disable the webhook endpoint"; a ``Retry-After`` header "should be taken into consideration";
  a request timeout "between 15 and 30s".
* RFC 9110 §10.2.3: ``Retry-After = HTTP-date / delay-seconds``; §5.6.7: recipients must accept
  IMF-fixdate and the obsolete RFC 850 and asctime date forms.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Protocol

# Delay before each attempt, measured from the failure of the previous one (Svix). Index 0 is the
# first attempt. The schedule spans about 27.6 hours: long enough to ride out a receiver's
# overnight outage, short enough that a practice notices a broken integration the next day.
# We follow Svix rather than the Standard Webhooks example (which adds 14 h, 20 h and 24 h steps
# for ~75 h in total) because endpoint disabling after 5 days catches long outages anyway and a
# shorter per-message span keeps the outbox small.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE)

# ±20 % spreads the retries of many messages that failed together (for example during a receiver
# outage) so they do not hammer the receiver in lockstep when it comes back; the spec asks for
# "some level of random jitter" without fixing the amount.
JITTER_FRACTION = 0.2

# A receiver may ask for more time with Retry-After, but an absurd value ("Retry-After: 99999999",
# or a date years ahead) must not park a message forever. One day is the longest single step of
# the Standard Webhooks example schedule.
MAX_RETRY_AFTER = timedelta(hours=24)

# Svix's 15 s: the low end of the spec's 15-30 s so one slow receiver cannot hold a worker long.
DELIVERY_TIMEOUT_SECONDS = 15.0

# Svix disables an endpoint whose deliveries have all failed for 5 days. The worker tracks the
# time of the first failure since the last success ("failing since") per endpoint.
ENDPOINT_DISABLE_AFTER = timedelta(days=5)

HTTP_GONE = 410


class RandomSource(Protocol):
    """The part of :class:`random.Random` the policy needs; inject a seeded one in tests."""

    def uniform(self, a: float, b: float) -> float:
        """Return a float N with a <= N <= b."""
        ...


class DecisionKind(StrEnum):
    """What the worker must do after an attempt."""

    DELIVERED = "delivered"
    RETRY = "retry"
    GIVE_UP = "give_up"
    DISABLE_ENDPOINT = "disable_endpoint"


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of :func:`next_attempt`.

    ``retry_at`` is set only for :attr:`DecisionKind.RETRY`. ``reason`` is a short code for logs
    and the delivery-attempt record: ``success``, ``status_<code>``, ``network_error``, ``gone``,
    ``attempts_exhausted`` or ``endpoint_failing_too_long``.
    """

    kind: DecisionKind
    reason: str
    retry_at: datetime | None = None


_default_rng = random.Random()  # noqa: S311 - jitter is load spreading, not cryptography


def is_success(response_status: int | None) -> bool:
    """Any 2xx is success; a missing status (network error, timeout) or any other code is not."""
    return response_status is not None and 200 <= response_status <= 299


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Return the wait a ``Retry-After`` value asks for, capped at :data:`MAX_RETRY_AFTER`.

    Accepts delay-seconds (digits only) or an HTTP-date in any of the three RFC 9110 forms.
    Returns ``None`` for an absent, malformed or already-past value: such a header cannot move
    the schedule, so it is ignored rather than treated as an error.
    """
    _require_aware(now)
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        wait = timedelta(seconds=min(int(text), int(MAX_RETRY_AFTER.total_seconds())))
    else:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            # asctime carries no zone; every HTTP-date is UTC (RFC 9110 §5.6.7).
            moment = moment.replace(tzinfo=UTC)
        wait = moment - now
    if wait <= timedelta(0):
        return None
    return min(wait, MAX_RETRY_AFTER)


def should_disable_endpoint(failing_since: datetime | None, now: datetime) -> bool:
    """True once an endpoint has failed continuously (no success) for 5 days."""
    _require_aware(now)
    if failing_since is None:
        return False
    _require_aware(failing_since)
    return now - failing_since >= ENDPOINT_DISABLE_AFTER


def jittered(delay: timedelta, rng: RandomSource) -> timedelta:
    """Spread ``delay`` uniformly by ±:data:`JITTER_FRACTION`."""
    factor = 1.0 + rng.uniform(-JITTER_FRACTION, JITTER_FRACTION)
    return delay * factor


def next_attempt(
    attempt_number: int,
    now: datetime,
    response_status: int | None,
    retry_after_header: str | None,
    rng: RandomSource | None = None,
    *,
    endpoint_failing_since: datetime | None = None,
) -> Decision:
    """Decide what follows attempt ``attempt_number`` (1-based) that finished at ``now``.

    ``response_status`` is ``None`` when no HTTP response arrived (timeout, refused connection,
    DNS failure, egress refusal). ``endpoint_failing_since`` is when the endpoint's current run
    of failures began, including this one if it is the first.
    """
    if isinstance(attempt_number, bool) or not 1 <= attempt_number <= MAX_ATTEMPTS:
        raise ValueError(f"attempt_number must be between 1 and {MAX_ATTEMPTS}")
    if response_status is not None and not 100 <= response_status <= 599:
        raise ValueError("response_status must be an HTTP status code (100-599) or None")
    _require_aware(now)

    if is_success(response_status):
        return Decision(DecisionKind.DELIVERED, "success")
    if response_status == HTTP_GONE:
        return Decision(DecisionKind.DISABLE_ENDPOINT, "gone")
    if should_disable_endpoint(endpoint_failing_since, now):
        return Decision(DecisionKind.DISABLE_ENDPOINT, "endpoint_failing_too_long")
    if attempt_number >= MAX_ATTEMPTS:
        return Decision(DecisionKind.GIVE_UP, "attempts_exhausted")

    reason = "network_error" if response_status is None else f"status_{response_status}"
    scheduled = now + jittered(RETRY_SCHEDULE[attempt_number], rng or _default_rng)
    requested_wait = parse_retry_after(retry_after_header, now)
    # Retry-After may only push the retry later: an early value must not undercut the backoff
    # (the schedule also protects receivers that send "Retry-After: 0" in a failure loop).
    retry_at = scheduled if requested_wait is None else max(scheduled, now + requested_wait)
    return Decision(DecisionKind.RETRY, reason, retry_at)
