"""Closed-loop HTTP load over loopback: N clients, a warm-up, then a timed window.

Each client is an asyncio task with its own keep-alive connection (bench.http), sending its
next request as soon as the previous one is answered. Only requests that start inside the timed
window are counted; latency is measured from just before sending to the end of the body.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.http import Connection

try:  # uvloop comes with uvicorn[standard]; the plain loop works too, only slower
    import uvloop

    _LOOP_FACTORY: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
except ImportError:  # pragma: no cover - platforms without uvloop
    _LOOP_FACTORY = None

# One request of a scenario: given the client's connection, its index and a sequence number
# shared by all clients, send it and say whether the answer was the expected one.
Request = Callable[[Connection, int, int], Awaitable[bool]]


@dataclass
class LoadResult:
    """Latencies (seconds) of the successful requests in the window, and the failures."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    window: float = 0.0

    @property
    def requests(self) -> int:
        """Successful requests in the window."""
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        """Successful requests per second of the window."""
        return self.requests / self.window if self.window else 0.0

    def percentile(self, q: float) -> float:
        """The q-quantile latency in milliseconds (nearest rank), 0 when nothing succeeded."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000


async def _run(
    base_url: str, request: Request, clients: int, warmup: float, duration: float
) -> LoadResult:
    address = urlsplit(base_url)
    result = LoadResult()
    sequence = 0
    start = time.perf_counter()
    window_start = start + warmup
    window_end = window_start + duration

    async def one_client(index: int) -> None:
        nonlocal sequence
        connection = Connection(address.hostname or "127.0.0.1", address.port or 80)
        try:
            while True:
                began = time.perf_counter()
                if began >= window_end:
                    return
                sequence += 1
                try:
                    ok = await request(connection, index, sequence)
                except (OSError, ConnectionError, ValueError):
                    ok = False
                finished = time.perf_counter()
                if began < window_start:
                    continue
                if ok:
                    result.latencies.append(finished - began)
                else:
                    result.errors += 1
        finally:
            await connection.close()

    await asyncio.gather(*(one_client(i) for i in range(clients)))
    result.window = duration
    return result


def run_load(
    base_url: str, request: Request, *, clients: int, warmup: float, duration: float
) -> LoadResult:
    """Drive `request` from `clients` concurrent clients; count the `duration` after `warmup`."""
    with asyncio.Runner(loop_factory=_LOOP_FACTORY) as runner:
        return runner.run(_run(base_url, request, clients, warmup, duration))
