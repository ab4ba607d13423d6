"""Keep PHI out of logs at the server's edge: escaped exceptions and access-log query strings.

Starlette's ServerErrorMiddleware answers an unhandled exception with our 500 problem and then
re-raises it "so servers can log it"; uvicorn does, with the exception's text, which can quote
patient data (a parser echoing a value, a driver error quoting a row). Our problem handler has
already logged the error type, route and request id, so the outermost layer here swallows the
re-raise. uvicorn's access log prints the query string, which can carry an MRN or a name
(`GET /patients?mrn=…`), so its records are rewritten to show the path only.
"""

from __future__ import annotations

import logging
import traceback

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("bhlink.api")


def where(exc: BaseException) -> str:
    """`module.py:line in function` of the innermost frame: enough to find the bug, no data."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno} in {last.name}"


class ContainServerErrors:
    """The outermost ASGI layer: an HTTP request's exception stops here, already answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # lifespan failures must still stop the server
            return
        try:
            await self.app(scope, receive, send)
        except Exception as exc:
            # Already logged (type, route, request id) and answered with a 500 problem.
            log.debug("contained %s at %s", type(exc).__name__, where(exc))


class AccessLogWithoutQuery(logging.Filter):
    """Rewrite uvicorn access-log records so the query string never reaches a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn logs '%s - "%s %s HTTP/%s" %d' with (client, method, path+query, version, status)
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, sep, _query = args[2].partition("?")
            record.args = (args[0], args[1], path + ("?…" if sep else ""), args[3], args[4])
        return True


def quiet_access_log() -> None:
    """Install the filter on uvicorn's access logger (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogWithoutQuery) for f in access.filters):
        access.addFilter(AccessLogWithoutQuery())
