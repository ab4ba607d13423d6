"""Run pyx12's TR3 validation in-process and report its errors (the test oracle).

x12.md section 1: the x12valid CLI always exits 1, so we call
pyx12.x12n_document.x12n_document directly, collect the error lines pyx12 logs, and read
the 999 it generates with our own reader to assert IK5/AK9 say accepted.
"""

from __future__ import annotations

import io
import logging

import pyx12.params
import pyx12.x12n_document

from bhlink.edi import read_999


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def pyx12_validate(text: str) -> tuple[bool, list[str], str]:
    """(pyx12's verdict, the error lines it logged, the 999 it generated)."""
    collector = _Collector()
    logger = logging.getLogger("pyx12")
    logger.addHandler(collector)
    ack = io.StringIO()
    try:
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(),
            src_file=io.StringIO(text),
            fd_997=ack,
            fd_html=None,
        )
    finally:
        logger.removeHandler(collector)
    return bool(ok), collector.messages, ack.getvalue()


def assert_pyx12_accepts(text: str) -> None:
    """Fail with pyx12's own error lines unless it accepts ``text`` without errors."""
    ok, errors, ack_text = pyx12_validate(text)
    assert errors == [], errors
    assert ok, "pyx12 rejected the file without logging why"
    (ack,) = read_999(ack_text)
    assert ack.group_status == "A", ack
    assert all(response.status == "A" for response in ack.responses), ack.responses


# pyx12 4.0.0 builds the 999 AK2 from ST03, which the 835 map marks "Not Used", so for
# every 835 it logs this one line after validating (seen on all the shared 835 samples).
PYX12_835_ACK_BUG = "Failed to create 999 response"


def assert_pyx12_accepts_835(text: str) -> None:
    """Like assert_pyx12_accepts for an 835, whose 999 pyx12 cannot generate."""
    ok, errors, _ = pyx12_validate(text)
    assert [e for e in errors if e != PYX12_835_ACK_BUG] == [], errors
    assert ok
