"""One structured log line per request (method, route template, status, duration, request id).

The route template (`/integrations/{integration_id}/patients/{patient_id}`) is logged, never
the raw path or query string: query strings carry filters such as `mrn=`, which are PHI.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bhlink.logging_setup import bound_request_id

log = logging.getLogger("bhlink.http")


class RequestLogMiddleware:
    """Bind the request id to every log record of the request and log its outcome.

    Install it inside GuardMiddleware, which assigns the request id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id")
        started = time.perf_counter()
        status = 500

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        with bound_request_id(request_id):
            try:
                await self.app(scope, receive, send_recording)
            finally:
                route = scope.get("route")
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "route": getattr(route, "path", "unmatched"),
                        "status": status,
                        "durationMs": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
