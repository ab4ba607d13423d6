"""A real HTTP(S) receiver on 127.0.0.1, run in a thread, for delivery-client tests."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# How long the /slow route holds its reply; teardown releases it at once, so this only bounds a
# broken test, it is never waited for in a passing one.
SLOW_ROUTE_HOLD_SECONDS = 10.0

# 1,000 ASCII bytes then "é" (2 bytes in UTF-8) repeated: byte 1,024 falls inside a character.
BIG_BODY = ("a" * 1023 + "é" * 2000).encode("utf-8")


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the test server saw, and how to reach it."""

    port: int
    requests: list[ReceivedRequest] = field(default_factory=list)
    sni_names: list[str | None] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


def _make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Keep pytest output clean."""

        def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(
                ReceivedRequest(
                    "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
            )
            route = self.path.split("?", 1)[0]
            if route == "/ok":
                self._reply(200, b"received")
            elif route == "/no-content":
                self._reply(204, b"")
            elif route == "/error":
                self._reply(500, b"boom")
            elif route == "/gone":
                self._reply(410, b"endpoint removed")
            elif route == "/rate":
                self._reply(429, b"slow down", {"Retry-After": "120"})
            elif route == "/redirect":
                self._reply(302, b"", {"Location": receiver.url("/ok")})
            elif route == "/slow":
                receiver.release.wait(SLOW_ROUTE_HOLD_SECONDS)
                self._reply(200, b"late")
            elif route == "/big":
                self._reply(200, BIG_BODY, {"Content-Type": "text/plain; charset=utf-8"})
            elif route == "/latin1":
                self._reply(
                    200,
                    "café".encode("latin-1"),
                    {"Content-Type": "text/plain; charset=iso-8859-1"},
                )
            else:
                self._reply(404, b"no such route")

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that timed out and hung up makes the handler's write fail; that is expected."""


def _serve(ssl_context: ssl.SSLContext | None) -> Iterator[Receiver]:
    receiver = Receiver(port=0)
    server = _QuietServer(("127.0.0.1", 0), _make_handler(receiver))
    if ssl_context is not None:
        ssl_context.sni_callback = lambda _sock, name, _ctx: receiver.sni_names.append(name)
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from _serve(None)


@pytest.fixture
def tls_server_factory() -> Iterator[Callable[[ssl.SSLContext], Receiver]]:
    """Start HTTPS receivers with a given server SSL context; all are stopped at teardown."""
    generators: list[Iterator[Receiver]] = []

    def start(context: ssl.SSLContext) -> Receiver:
        generator = _serve(context)
        generators.append(generator)
        return next(generator)

    yield start
    for generator in generators:
        for _ in generator:
            pass
