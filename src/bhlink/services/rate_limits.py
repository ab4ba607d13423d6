"""Rate limiting in process memory, and the policies the settings ask for.

Buckets live in this process only: with N server processes a caller may get up to N times the
quota (see docs/decisions/0801-in-process-rate-limits.md for why that is acceptable today and
how a shared limiter slots in behind `bhlink.domain.rate_limits.RateLimiter`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bhlink.config import Settings
from bhlink.domain.clock import utcnow
from bhlink.domain.rate_limits import Bucket, Charge, Decision, Policy, decide, refilled

# Past this many keys, drop the buckets that have refilled completely: a full bucket and a
# missing one mean the same, so pruning never changes a decision; it only bounds memory when
# many addresses or usernames are tried.
_PRUNE_ABOVE = 10_000


def _wall_seconds() -> float:
    return utcnow().timestamp()


class InMemoryRateLimiter:
    """Token buckets in a dict guarded by a lock (handlers run on a thread pool)."""

    def __init__(self, clock: Callable[[], float] = _wall_seconds) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._lock = threading.Lock()

    def hit(self, charges: Sequence[Charge]) -> Decision:
        """Charge one request to every policy at once (all or nothing)."""
        with self._lock:
            now = self._clock()
            keys = [(c.policy.name, c.key) for c in charges]
            decision, updated = decide(charges, [self._buckets.get(k) for k in keys], now)
            for key, bucket in zip(keys, updated, strict=True):
                self._buckets[key] = bucket
            if len(self._buckets) > _PRUNE_ABOVE:
                self._prune(now, {c.policy.name: c.policy for c in charges})
            return decision

    def _prune(self, now: float, policies: dict[str, Policy]) -> None:
        for key, bucket in list(self._buckets.items()):
            policy = policies.get(key[0])
            if policy is not None and refilled(policy, bucket, now) >= policy.quota:
                del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass(frozen=True)
class RatePolicies:
    """The policies of one deployment, read from the settings."""

    enabled: bool
    client: Policy
    user: Policy
    login_address: Policy
    login_username: Policy

    @classmethod
    def from_settings(cls, settings: Settings) -> RatePolicies:
        """Build the four policies (names are what clients see in `RateLimit-Policy`)."""
        return cls(
            enabled=settings.rate_limits_enabled,
            client=Policy(
                "client", settings.rate_limit_client_quota, settings.rate_limit_client_window
            ),
            user=Policy("user", settings.rate_limit_user_quota, settings.rate_limit_user_window),
            login_address=Policy(
                "login-address",
                settings.login_rate_limit_address_quota,
                settings.login_rate_limit_address_window,
            ),
            login_username=Policy(
                "login-username",
                settings.login_rate_limit_username_quota,
                settings.login_rate_limit_username_window,
            ),
        )

    def for_request(self, integration_id: str, client_id: str | None, user_id: str) -> list[Charge]:
        """An authenticated request counts against its API client and its user."""
        charges = [Charge(self.user, f"{integration_id}:{user_id}")]
        if client_id is not None:
            charges.insert(0, Charge(self.client, f"{integration_id}:{client_id}"))
        return charges

    def for_login(
        self, integration_id: str, client_id: str, address: str | None, username: str
    ) -> list[Charge]:
        """A login attempt counts against its client+address pair and against the username.

        The username policy is the tighter one: it slows a guesser who spreads attempts over
        many addresses, while the account lockout (settings.login_max_failures) stops one who
        does not.
        """
        return [
            Charge(self.login_address, f"{integration_id}:{client_id}:{address or '-'}"),
            Charge(self.login_username, f"{integration_id}:{username.casefold()}"),
        ]
