"""A minimal /metrics listener for `bhlink worker` processes, which serve no API.

The API's GET /metrics shows the counters of the workers running inside the server; a
standalone worker process exposes its own here (`bhlink worker --metrics-port 9464`), bound
to loopback unless told otherwise, and guarded by BHLINK_METRICS_TOKEN when it is set.
"""

from __future__ import annotations

import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bhlink.events.metrics import CONTENT_TYPE, METRICS, exposition, queue_depth_lines
from bhlink.store.db import Database


def render_metrics(db: Database) -> str:
    """Queue depth from the database plus this process's counters and histogram."""
    with db.unit_of_work() as uow:
        depth = uow.webhooks.queue_depth()
    lines = queue_depth_lines(
        depth.undispatched_events,
        depth.deliveries_by_status,
        depth.endpoints_by_status,
        depth.failing_endpoints,
    )
    return exposition([*lines, *METRICS.render()])


def _handler(db: Database, token: str | None) -> type[BaseHTTPRequestHandler]:
    class MetricsHandler(BaseHTTPRequestHandler):
        server_version = "bhlink-worker"
        sys_version = ""

        def log_message(self, format: str, *args: object) -> None:
            """Scrapes are not worth a log line each."""

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/metrics":
                self._send(404, b"not found\n", "text/plain")
                return
            if token is not None:
                scheme, _, given = (self.headers.get("Authorization") or "").partition(" ")
                if scheme.lower() != "bearer" or not hmac.compare_digest(
                    given.strip().encode(), token.encode()
                ):
                    self._send(401, b"metrics token required\n", "text/plain")
                    return
            try:
                body = render_metrics(db).encode()
            except Exception:  # the database is away: say so, do not crash the listener
                self._send(503, b"database unavailable\n", "text/plain")
                return
            self._send(200, body, CONTENT_TYPE)

    return MetricsHandler


class MetricsServer:
    """The listener and its thread."""

    def __init__(self, db: Database, host: str, port: int, token: str | None) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler(db, token))
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics-listener", daemon=True
        )

    def start(self) -> None:
        """Serve in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
