"""Rate limits at the HTTP edge: charge each request, refuse with 429, advertise the limits."""

from __future__ import annotations

from fastapi import Request

from bhlink.api.middleware import RESPONSE_HEADERS
from bhlink.domain.errors import RateLimited
from bhlink.domain.rate_limits import Charge, RateLimiter, ServiceLimit
from bhlink.services.rate_limits import RatePolicies


def _policies(request: Request) -> RatePolicies:
    policies: RatePolicies = request.app.state.rate_policies
    return policies


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def enforce(request: Request, charges: list[Charge]) -> None:
    """Charge the request; raise RateLimited (429) when any policy is exhausted.

    Whatever the outcome, the limits are advertised on the response (draft §6 allows both).
    """
    decision = _limiter(request).hit(charges)
    seen: dict[str, ServiceLimit] = getattr(request.state, "rate_limits", {})
    for limit in decision.limits:
        seen[limit.policy.name] = limit
    request.state.rate_limits = seen
    shown = list(seen.values())
    headers: dict[str, str] = request.scope.setdefault("state", {}).setdefault(RESPONSE_HEADERS, {})
    headers["RateLimit-Policy"] = ", ".join(limit.policy.advertised() for limit in shown)
    headers["RateLimit"] = ", ".join(limit.advertised() for limit in shown)
    if not decision.allowed:
        raise RateLimited(
            detail=f"rate limit exceeded ({', '.join(decision.violated)}); retry after "
            f"{decision.retry_after_seconds} s",
            retry_after=decision.retry_after_seconds,
        )


def charge_request(
    request: Request, integration_id: str, client_id: str | None, user_id: str
) -> None:
    """An authenticated request: one token from its API client and one from its user."""
    policies = _policies(request)
    if policies.enabled:
        enforce(request, policies.for_request(integration_id, client_id, user_id))


def charge_login(request: Request, integration_id: str, client_id: str, username: str) -> None:
    """A login attempt: one token from its client+address pair and one from its username.

    Runs once the API client is authenticated (a 256-bit client secret cannot be guessed, and
    keying on a verified client stops callers from minting fresh buckets with made-up ids),
    and before the password is checked, so throttled guesses cost no argon2 work.
    """
    policies = _policies(request)
    if policies.enabled:
        address = request.client.host if request.client else None
        enforce(request, policies.for_login(integration_id, client_id, address, username))
