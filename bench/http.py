"""A lean HTTP/1.1 keep-alive client for load generation: asyncio streams + httptools' parser.

Why not httpx here: on this 2-core machine an httpx AsyncClient spends about 1 ms of CPU per
request, so with 32 clients it tops out near 600 requests/s against `GET /bench/ping`, which
the server answers at 4,000-5,000/s; the benchmark would measure its own client. This client
writes a request with one `write` and parses the answer with httptools (the C parser uvicorn
uses), about a tenth of the cost. httpx still serves the one-off calls (login, cursor walk).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import httptools
import orjson


@dataclass
class Response:
    """Status and body of one answer."""

    status: int
    body: bytes = b""

    def json(self) -> Any:
        """The body as JSON."""
        return orjson.loads(self.body)


@dataclass
class _Parsing:
    """httptools callbacks collecting one response."""

    chunks: list[bytes] = field(default_factory=list)
    done: bool = False
    keep_alive: bool = True

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class Connection:
    """One keep-alive connection; requests on it are sequential (one client of the load)."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        json: Any = None,
    ) -> Response:
        """Send one request and read its whole response (reconnects if the server closed)."""
        body = b"" if json is None else orjson.dumps(json)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if json is not None:
            lines.append("Content-Type: application/json")
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        reader, writer = await self._open()
        writer.write(raw)
        parsing = _Parsing()
        parser = httptools.HttpResponseParser(parsing)
        while not parsing.done:
            data = await reader.read(65536)
            if not data:
                await self.close()
                raise ConnectionError("the server closed the connection")
            parser.feed_data(data)
        if not parser.should_keep_alive():
            await self.close()
        return Response(parser.get_status_code(), b"".join(parsing.chunks))

    async def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None
