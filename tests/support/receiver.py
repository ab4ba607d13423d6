"""A scriptable webhook receiver on 127.0.0.1: answers each path from a script, records requests."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    verified: bool | None = None  # set when the receiver checks signatures as they arrive

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HookReceiver:
    """What arrived, per path; `script(path, 500, 500, 200)` sets the next answers."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    delay_seconds: float = 0.0
    # Checks each request on arrival, as a real receiver does (timestamps are judged "now").
    verify_with: Webhook | None = None
    _scripts: dict[str, deque[Reply]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def script(self, path: str, *replies: int | Reply) -> None:
        with self._lock:
            for reply in replies:
                self._scripts[path].append(Reply(reply) if isinstance(reply, int) else reply)

    def next_reply(self, path: str) -> Reply:
        with self._lock:
            queue = self._scripts.get(path)
            return queue.popleft() if queue else Reply()

    def record(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)

    def on(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]


def _handler(receiver: HookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            path = self.path.split("?", 1)[0]
            reply = receiver.next_reply(path)
            if receiver.delay_seconds:
                time.sleep(receiver.delay_seconds)
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = None
            if receiver.verify_with is not None:
                try:
                    receiver.verify_with.verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
            receiver.record(Received(path, headers, body, reply.status, verified))
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def handle_error(self, request: object, client_address: object) -> None:
        """A worker killed mid-request leaves a broken socket; that is the point of the test."""


@contextmanager
def running_receiver() -> Iterator[HookReceiver]:
    receiver = HookReceiver()
    server = _Server(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
