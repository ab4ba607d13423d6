"""JSON log lines: one object per line, request ids, and nothing that could carry PHI."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bhlink.logging_setup import JsonFormatter, bound_request_id, configure_logging
from tests.support.practice import Practice


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "httpx", "httpcore")}
    handler = configure_logging("INFO", stream)
    yield stream
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_record_is_one_json_object_with_time_level_and_request_id(
    log_stream: io.StringIO,
) -> None:
    with bound_request_id("req-123"):
        logging.getLogger("bhlink.test").info(
            "hello", extra={"deliveryId": "dlv_1", "body": "Jane Doe", "payload": {"x": 1}}
        )
    [entry] = _lines(log_stream)
    assert entry["message"] == "hello"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "bhlink.test"
    assert entry["requestId"] == "req-123"
    assert entry["deliveryId"] == "dlv_1"
    assert str(entry["time"]).endswith("Z")
    assert "body" not in entry and "payload" not in entry


def test_non_scalar_extras_and_exception_messages_are_dropped() -> None:
    record = logging.LogRecord("bhlink", logging.ERROR, __file__, 1, "failed", None, None)
    record.patient = {"name": "Jane Doe"}  # type: ignore[attr-defined]
    record.note = "x" * 1000  # type: ignore[attr-defined]
    try:
        raise ValueError("DOB 1990-01-01 does not parse")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert "patient" not in entry
    assert len(str(entry["note"])) <= 201
    assert entry["errorType"] == "ValueError"
    assert "1990" not in json.dumps(entry)
    assert entry["stack"]


def test_requests_are_logged_with_the_route_template_not_the_query(
    log_stream: io.StringIO, practice: Practice
) -> None:
    response = practice.get(
        "/patients", params={"mrn": "MRN-SECRET"}, headers={"X-Request-ID": "trace-77"}
    )
    assert response.status_code == 200
    entries = [e for e in _lines(log_stream) if e.get("logger") == "bhlink.http"]
    mine = [e for e in entries if e.get("requestId") == "trace-77"]
    assert mine, entries
    assert mine[-1]["route"] == "/integrations/{integration_id}/patients"
    assert mine[-1]["status"] == 200
    assert "MRN-SECRET" not in log_stream.getvalue()
