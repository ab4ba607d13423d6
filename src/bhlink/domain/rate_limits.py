"""Rate-limit policies, the token-bucket arithmetic and the limiter interface (no I/O, no clock).

A policy grants `quota` requests per `window_seconds` to each partition key (an API client, a
user, a client+address pair, a username). The bucket model: a key's bucket holds up to `quota`
tokens and refills continuously at `quota / window_seconds` tokens a second; a request takes one
token. This allows a burst of `quota` requests and then a steady `quota` per window, with no
cliff at window edges (a fixed window would allow twice the quota across a boundary).

The HTTP advertisement follows draft-ietf-httpapi-ratelimit-headers-10 §3-§4: the
`RateLimit-Policy` item `"name";q=<quota>;w=<window>` and the `RateLimit` item
`"name";r=<remaining>;t=<seconds until more quota>`, where both `r` and `t` are non-negative
integers (§4.1.1, §4.1.2). `Retry-After` must not point earlier than `t` (§6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Policy:
    """A named quota: `quota` requests per `window_seconds` for each partition key."""

    name: str
    quota: int
    window_seconds: int

    def __post_init__(self) -> None:
        if self.quota < 1 or self.window_seconds < 1:
            raise ValueError("a rate-limit policy needs a quota and a window of at least 1")

    @property
    def refill_per_second(self) -> float:
        """Tokens the bucket regains each second."""
        return self.quota / self.window_seconds

    def advertised(self) -> str:
        """The `RateLimit-Policy` list member for this policy."""
        return f'"{self.name}";q={self.quota};w={self.window_seconds}'


@dataclass(frozen=True)
class Charge:
    """One policy applied to one partition key by a request."""

    policy: Policy
    key: str


@dataclass(frozen=True)
class Bucket:
    """The stored state of one key's bucket: tokens left at a moment (seconds, any epoch)."""

    tokens: float
    at: float


@dataclass(frozen=True)
class ServiceLimit:
    """What a policy has left for the caller after this request (the `RateLimit` member)."""

    policy: Policy
    remaining: int
    reset_seconds: int

    def advertised(self) -> str:
        """The `RateLimit` list member."""
        return f'"{self.policy.name}";r={self.remaining};t={self.reset_seconds}'


@dataclass(frozen=True)
class Decision:
    """Whether a request may proceed, and the limits to advertise either way."""

    allowed: bool
    limits: tuple[ServiceLimit, ...]
    retry_after_seconds: int = 0
    violated: tuple[str, ...] = ()

    def headers(self) -> dict[str, str]:
        """`RateLimit-Policy`, `RateLimit` and, when refused, `Retry-After`."""
        if not self.limits:
            return {}
        headers = {
            "RateLimit-Policy": ", ".join(limit.policy.advertised() for limit in self.limits),
            "RateLimit": ", ".join(limit.advertised() for limit in self.limits),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after_seconds)
        return headers


def refilled(policy: Policy, bucket: Bucket | None, now: float) -> float:
    """Tokens in the bucket at `now` (a missing bucket is a full one)."""
    if bucket is None:
        return float(policy.quota)
    elapsed = max(0.0, now - bucket.at)  # a clock that steps back never mints tokens
    return min(float(policy.quota), bucket.tokens + elapsed * policy.refill_per_second)


def seconds_until(policy: Policy, tokens: float, wanted: float) -> int:
    """Whole seconds until the bucket holds `wanted` tokens (0 when it already does)."""
    missing = wanted - tokens
    if missing <= 0:
        return 0
    return math.ceil(missing / policy.refill_per_second)


def decide(
    charges: Sequence[Charge], buckets: Sequence[Bucket | None], now: float
) -> tuple[Decision, list[Bucket]]:
    """Charge every policy one token, or none of them if any is empty (all or nothing).

    Returns the decision and the buckets to store back, in the order of `charges`. All or
    nothing matters: a request refused by the client's policy must not use up the user's.
    """
    levels = [refilled(c.policy, b, now) for c, b in zip(charges, buckets, strict=True)]
    short = [c for c, level in zip(charges, levels, strict=True) if level < 1.0]
    allowed = not short
    if allowed:
        levels = [level - 1.0 for level in levels]
    limits = tuple(
        ServiceLimit(
            policy=c.policy,
            remaining=max(0, math.floor(level)),
            # Time until at least one more request is admitted: the draft's "additional quota".
            reset_seconds=seconds_until(c.policy, level, math.floor(level) + 1.0)
            if level < c.policy.quota
            else 0,
        )
        for c, level in zip(charges, levels, strict=True)
    )
    retry_after = 0
    if not allowed:
        retry_after = max(
            seconds_until(c.policy, lvl, 1.0) for c, lvl in zip(charges, levels, strict=True)
        )
        retry_after = max(1, retry_after)
    decision = Decision(
        allowed=allowed,
        limits=limits,
        retry_after_seconds=retry_after,
        violated=tuple(c.policy.name for c in short),
    )
    return decision, [Bucket(tokens=level, at=now) for level in levels]


class RateLimiter(Protocol):
    """Something that keeps buckets: in process memory today, a shared store tomorrow.

    An implementation backed by PostgreSQL (a row per key, `SELECT … FOR UPDATE`) or by Redis
    (a Lua script) stores the same `Bucket` and calls `decide` in one atomic step.
    """

    def hit(self, charges: Sequence[Charge]) -> Decision:
        """Charge the request to every policy and say whether it may proceed."""
        ...
