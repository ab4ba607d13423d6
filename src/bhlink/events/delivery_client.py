"""One webhook delivery attempt over HTTP: vet the target, POST once, report what happened.

The function never raises for network trouble or refusals: every attempt yields a
:class:`DeliveryOutcome` the worker can store and feed to :func:`retry_policy.next_attempt`.

Rules (Standard Webhooks 1.0 "Delivery success and failure", Svix retries):
* success is any 2xx; everything else, including 3xx, is a failure;
* redirects are never followed: the ``Location`` could point inside our network and would skip
  the SSRF checks in :mod:`bhlink.events.egress` (the spec also says to update the URL instead);
* the connection goes to the address that egress vetted, with the original ``Host`` and SNI,
  so DNS rebinding cannot change the destination after the check;
* environment proxies and ``.netrc`` are ignored (``trust_env=False``): a stray ``HTTPS_PROXY``
  would otherwise carry requests past the pinned address.
"""

from __future__ import annotations

import codecs
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import httpx

from bhlink.events.egress import EgressPolicy, EgressRefused, RefusalReason, Resolver, vet_url
from bhlink.events.retry_policy import DELIVERY_TIMEOUT_SECONDS, is_success

# Enough of a receiver's reply to debug a failure in the delivery log, small enough that a
# receiver returning megabytes (or PHI echoed back) does not bloat our database.
RESPONSE_EXCERPT_BYTES = 1024
# Retry-After is one short token or date; anything longer is junk and is cut before storage.
MAX_RETRY_AFTER_CHARS = 128
USER_AGENT = "bhlink-webhooks/1"


class DeliveryErrorKind(StrEnum):
    """Why an attempt did not produce a 2xx, when the cause is not simply the status code."""

    EGRESS_REFUSED = "egress_refused"
    DNS_ERROR = "dns_error"
    TIMEOUT = "timeout"
    CONNECT_ERROR = "connect_error"
    TLS_ERROR = "tls_error"
    PROTOCOL_ERROR = "protocol_error"
    NETWORK_ERROR = "network_error"
    REDIRECT_NOT_FOLLOWED = "redirect_not_followed"


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What one attempt produced. ``status_code`` is ``None`` when no response arrived.

    ``error_detail`` is a code (a :class:`RefusalReason` value or an exception class name),
    never a URL or response text. ``connected_address`` is the vetted IP the request went to.
    """

    status_code: int | None
    latency_ms: int
    response_excerpt: str = ""
    retry_after: str | None = None
    error: DeliveryErrorKind | None = None
    error_detail: str | None = None
    connected_address: str | None = None

    @property
    def succeeded(self) -> bool:
        """True for a 2xx response."""
        return self.error is None and is_success(self.status_code)


def _classify_transport_error(exc: httpx.TransportError) -> DeliveryErrorKind:
    if isinstance(exc, httpx.TimeoutException):
        return DeliveryErrorKind.TIMEOUT
    if isinstance(exc, httpx.ConnectError):
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ssl.SSLError):
                return DeliveryErrorKind.TLS_ERROR
            cause = cause.__cause__ or cause.__context__
        return DeliveryErrorKind.CONNECT_ERROR
    if isinstance(exc, httpx.ProtocolError):
        return DeliveryErrorKind.PROTOCOL_ERROR
    return DeliveryErrorKind.NETWORK_ERROR


def _read_excerpt(response: httpx.Response, deadline: float, clock: Callable[[], float]) -> str:
    """Decode at most the first KiB of the body without downloading the rest."""
    try:
        decoder = codecs.getincrementaldecoder(response.charset_encoding or "utf-8")("replace")
    except LookupError:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
    if response.is_stream_consumed:
        # In-memory transports (httpx.MockTransport, WSGI) hand over an already-read body.
        return decoder.decode(response.content[:RESPONSE_EXCERPT_BYTES], final=False)
    collected = bytearray()
    try:
        for chunk in response.iter_raw():
            collected += chunk
            if len(collected) >= RESPONSE_EXCERPT_BYTES or clock() >= deadline:
                break
    except httpx.TransportError:
        # The status line already carries the receiver's verdict; a body that stalls or breaks
        # afterwards only shortens the excerpt.
        pass
    # final=False drops a multi-byte character cut in half by the byte limit.
    return decoder.decode(bytes(collected[:RESPONSE_EXCERPT_BYTES]), final=False)


def _request_headers(headers: Mapping[str, str], host_header: str) -> dict[str, str]:
    merged = {name: value for name, value in headers.items() if name.lower() != "host"}
    if not any(name.lower() == "user-agent" for name in merged):
        merged["User-Agent"] = USER_AGENT
    # Raw bytes only: a compressed reply could inflate far beyond the excerpt we keep.
    merged["Accept-Encoding"] = "identity"
    merged["Host"] = host_header
    return merged


def deliver(
    endpoint_url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float = DELIVERY_TIMEOUT_SECONDS,
    policy: EgressPolicy | None = None,
    resolver: Resolver | None = None,
    transport: httpx.BaseTransport | None = None,
    ssl_context: ssl.SSLContext | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> DeliveryOutcome:
    """POST ``body`` with ``headers`` to ``endpoint_url`` once and describe the result.

    ``headers`` are the signed Standard Webhooks headers plus ``Content-Type``; a ``Host``
    header in them is replaced by the URL's. ``timeout`` bounds connect, each read and write,
    and the excerpt read. ``policy`` defaults to production rules (https, public addresses
    only). ``resolver``, ``transport`` (an httpx transport, e.g. ``httpx.MockTransport``),
    ``ssl_context`` (a private CA) and ``clock`` are injectable for tests and special setups.
    """
    started = clock()

    def elapsed_ms() -> int:
        return max(0, round((clock() - started) * 1000))

    try:
        target = vet_url(endpoint_url, policy or EgressPolicy(), resolver)
    except EgressRefused as refused:
        kind = (
            DeliveryErrorKind.DNS_ERROR
            if refused.reason is RefusalReason.DNS_RESOLUTION_FAILED
            else DeliveryErrorKind.EGRESS_REFUSED
        )
        return DeliveryOutcome(None, elapsed_ms(), error=kind, error_detail=refused.reason.value)

    extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else {}
    address = str(target.address)
    client = httpx.Client(
        transport=transport,
        verify=ssl_context if ssl_context is not None else True,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    )
    try:
        with (
            client,
            client.stream(
                "POST",
                target.connect_url,
                content=body,
                headers=_request_headers(headers, target.host_header),
                extensions=extensions,
            ) as response,
        ):
            excerpt = _read_excerpt(response, started + timeout, clock)
            retry_after = response.headers.get("retry-after")
            status = response.status_code
    except httpx.TransportError as exc:
        return DeliveryOutcome(
            None,
            elapsed_ms(),
            error=_classify_transport_error(exc),
            error_detail=type(exc).__name__,
            connected_address=address,
        )

    redirected = 300 <= status <= 399
    return DeliveryOutcome(
        status_code=status,
        latency_ms=elapsed_ms(),
        response_excerpt=excerpt,
        retry_after=None if retry_after is None else retry_after[:MAX_RETRY_AFTER_CHARS],
        error=DeliveryErrorKind.REDIRECT_NOT_FOLLOWED if redirected else None,
        error_detail=f"status_{status}" if redirected else None,
        connected_address=address,
    )
