"""Structured logs: one JSON object per line (time, level, logger, message, request id), no PHI.

What keeps PHI out: callers log ids and codes only; this formatter drops every `extra` value
that is not a plain scalar (so a dict, a request body or a payload cannot slip in), cuts long
strings, and renders exceptions as their type and stack frames without the exception message
(database and validation errors quote the values they choke on).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

import orjson

request_id_var: ContextVar[str | None] = ContextVar("bhlink_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)
# Keys that name message content rather than metadata: never logged, whatever their type.
_REFUSED_KEYS = frozenset({"body", "payload", "data", "content", "response", "request", "text"})
MAX_FIELD_CHARS = 200
_HANDLER_NAME = "bhlink-json"


def _scalar(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_FIELD_CHARS else value[:MAX_FIELD_CHARS] + "…"
    return _DROP


_DROP = object()


class JsonFormatter(logging.Formatter):
    """Format records as single-line JSON objects."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record."""
        moment = datetime.fromtimestamp(record.created, UTC)
        entry: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["requestId"] = request_id
        for key, value in vars(record).items():
            if key in _RECORD_ATTRIBUTES or key == "request_id" or key in _REFUSED_KEYS:
                continue
            clean = _scalar(value)
            if clean is not _DROP:
                entry[key] = clean
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            entry["errorType"] = exc_type.__name__
            entry["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return orjson.dumps(entry).decode()


def configure_logging(level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send every logger's records, as JSON lines, to `stream` (stderr by default).

    Idempotent: a second call replaces the handler the first one installed. Uvicorn's loggers
    lose their own handlers and propagate to ours, so server logs share the format.
    """
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
    # httpx logs every request line at INFO, full URL included: webhook URLs carry receivers'
    # tokens and API URLs carry filters such as mrn=, so only its warnings get through.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


@contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    """Tag every log record written inside the block with this request id."""
    token = request_id_var.set(request_id)
    try:
        yield
    finally:
        request_id_var.reset(token)
