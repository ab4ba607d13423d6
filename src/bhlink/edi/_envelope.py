"""Interchange envelopes: the caller's control numbers for writing, and the ISA/GS/ST walk.

Writing: an ``Envelope`` carries the sender/receiver ids and the control numbers the
caller allocated (bhlink.edi never invents or persists them: keeping ISA13/GS06/ST02 from
being reused is the caller's job).

Reading: ``iter_transactions`` walks ISA/GS/ST ... SE/GE/IEA, checks every count and
control number (X12.5 interchange control structures; X12.6 SE/GE/IEA semantics), and
yields one ST..SE transaction set at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bhlink.edi._delimiters import Delimiters
from bhlink.edi._exceptions import X12StructureError
from bhlink.edi._problem import Problem
from bhlink.edi._segment import Segment

_MAX_CONTROL_NUMBER = 999_999_999


@dataclass(frozen=True, slots=True)
class Envelope:
    """Sender, receiver and caller-allocated control numbers for one interchange.

    ``interchange_control_number`` (ISA13/IEA02), ``group_control_number`` (GS06/GE02) and
    ``transaction_control_number`` (ST02/SE02) must each be 1..999999999 and never reused
    with the same trading partner; persisting them is the caller's job.
    """

    sender_id: str
    receiver_id: str
    interchange_control_number: int
    group_control_number: int
    transaction_control_number: int
    created_at: datetime
    usage_indicator: Literal["T", "P"] = "T"
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    application_sender_code: str | None = None
    application_receiver_code: str | None = None
    acknowledgment_requested: bool = False
    batch_id: str | None = None
    delimiters: Delimiters = field(default_factory=Delimiters)
    line_break: str = "\n"

    def problems(self) -> list[Problem]:
        """Everything wrong with this envelope (empty when it can be written)."""
        found: list[Problem] = []
        numbers = (
            ("interchange_control_number", self.interchange_control_number),
            ("group_control_number", self.group_control_number),
            ("transaction_control_number", self.transaction_control_number),
        )
        for name, number in numbers:
            if not 1 <= number <= _MAX_CONTROL_NUMBER:
                found.append(
                    Problem("control-number-range", f"envelope.{name}", "must be 1..999999999")
                )
        for name, value in (("sender_id", self.sender_id), ("receiver_id", self.receiver_id)):
            if not 1 <= len(value) <= 15:
                found.append(Problem("id-length", f"envelope.{name}", "must be 1..15 characters"))
        if self.usage_indicator not in ("T", "P"):
            found.append(Problem("usage-indicator", "envelope.usage_indicator", "must be T or P"))
        if self.delimiters.repetition is None:
            found.append(
                Problem("delimiters", "envelope.delimiters", "5010 needs a repetition separator")
            )
        if self.line_break not in ("", "\n", "\r\n"):
            found.append(Problem("line-break", "envelope.line_break", "must be '', LF or CRLF"))
        return found

    @property
    def isa_control_number(self) -> str:
        """ISA13/IEA02: nine digits, zero-padded (X12.5 fixed-length N0 9/9)."""
        return f"{self.interchange_control_number:09d}"

    @property
    def st_control_number(self) -> str:
        """ST02/SE02: 4 to 9 characters, zero-padded to at least four."""
        return f"{self.transaction_control_number:04d}"


@dataclass(frozen=True, slots=True)
class Transaction:
    """One ST..SE transaction set with the envelope values around it."""

    interchange_control_number: str
    usage_indicator: str
    sender_id: str
    receiver_id: str
    functional_id: str
    group_control_number: str
    version: str
    transaction_set_id: str
    control_number: str
    segments: tuple[Segment, ...]


def _problem(code: str, path: str, message: str, segment: Segment) -> Problem:
    return Problem(
        code, path, f"{message} ({segment.where()})", segment.segment_id, segment.position
    )


def _raise(problem: Problem) -> None:
    raise X12StructureError(
        problem.message, segment_id=problem.segment_id, position=problem.position
    )


class _Walker:
    """Tracks the open ISA/GS/ST and reports every envelope problem it sees."""

    def __init__(self, report: Callable[[Problem], None]) -> None:
        self.report = report
        self.isa: Segment | None = None
        self.gs: Segment | None = None
        self.st: Segment | None = None
        self.body: list[Segment] = []
        self.group_count = 0
        self.transaction_count = 0
        self.last: Segment | None = None

    def close_all(self, at: Segment | None) -> None:
        where = f"before {at.where()}" if at else "at the end of the input"
        if self.st is not None:
            self.report(_problem("missing-se", "SE", f"transaction set has no SE {where}", self.st))
            self.st, self.body = None, []
        if self.gs is not None:
            self.report(_problem("missing-ge", "GE", f"group has no GE {where}", self.gs))
            self.gs = None
        if self.isa is not None:
            self.report(_problem("missing-iea", "IEA", f"interchange has no IEA {where}", self.isa))
            self.isa = None

    def feed(self, segment: Segment) -> Transaction | None:
        self.last = segment
        sid = segment.segment_id
        if self.st is not None and sid not in ("SE", "ST", "GE", "GS", "IEA", "ISA"):
            self.body.append(segment)
            return None
        handler = getattr(self, f"on_{sid.lower()}", None)
        if handler is None:
            self.report(
                _problem(
                    "outside-transaction",
                    sid,
                    "segment is outside any ST..SE transaction set",
                    segment,
                )
            )
            return None
        result: Transaction | None = handler(segment)
        return result

    def on_isa(self, segment: Segment) -> None:
        if self.isa is not None:
            self.close_all(segment)
        self.isa, self.group_count = segment, 0

    def on_gs(self, segment: Segment) -> None:
        if self.isa is None:
            self.report(_problem("unexpected-gs", "GS", "GS outside an interchange", segment))
        if self.gs is not None or self.st is not None:
            self.report(_problem("missing-ge", "GE", "GS before the previous group's GE", segment))
            self.st, self.body = None, []
        self.gs, self.transaction_count = segment, 0
        self.group_count += 1

    def on_st(self, segment: Segment) -> None:
        if self.gs is None:
            self.report(_problem("unexpected-st", "ST", "ST outside a functional group", segment))
        if self.st is not None:
            self.report(_problem("missing-se", "SE", "ST before the previous set's SE", segment))
        self.st, self.body = segment, []
        self.transaction_count += 1

    def on_se(self, segment: Segment) -> Transaction | None:
        if self.st is None:
            self.report(_problem("unexpected-se", "SE", "SE without an open ST", segment))
            return None
        st, body = self.st, self.body
        self.st, self.body = None, []
        count = len(body) + 2
        if segment.value(1) != str(count):
            self.report(
                _problem(
                    "se-count",
                    "SE01",
                    f"SE01 does not match the {count} segments from ST to SE",
                    segment,
                )
            )
        if segment.value(2) != st.value(2):
            self.report(_problem("se-control-number", "SE02", "SE02 differs from ST02", segment))
        isa, gs = self.isa, self.gs
        return Transaction(
            interchange_control_number=isa.value(13) if isa else "",
            usage_indicator=isa.value(15) if isa else "",
            sender_id=isa.value(6).strip() if isa else "",
            receiver_id=isa.value(8).strip() if isa else "",
            functional_id=gs.value(1) if gs else "",
            group_control_number=gs.value(6) if gs else "",
            version=(st.value(3) or (gs.value(8) if gs else "")),
            transaction_set_id=st.value(1),
            control_number=st.value(2),
            segments=(st, *body, segment),
        )

    def on_ge(self, segment: Segment) -> None:
        if self.st is not None:
            self.report(_problem("missing-se", "SE", "GE before the open set's SE", segment))
            self.st, self.body = None, []
        if self.gs is None:
            self.report(_problem("unexpected-ge", "GE", "GE without an open GS", segment))
            return
        if segment.value(1) != str(self.transaction_count):
            self.report(
                _problem(
                    "ge-count",
                    "GE01",
                    f"GE01 does not match the {self.transaction_count} transaction sets in the"
                    " group",
                    segment,
                )
            )
        if segment.value(2) != self.gs.value(6):
            self.report(_problem("ge-control-number", "GE02", "GE02 differs from GS06", segment))
        self.gs = None

    def on_iea(self, segment: Segment) -> None:
        if self.gs is not None or self.st is not None:
            self.report(_problem("missing-ge", "GE", "IEA before the open group's GE", segment))
            self.gs, self.st, self.body = None, None, []
        if self.isa is None:
            self.report(_problem("unexpected-iea", "IEA", "IEA without an open ISA", segment))
            return
        if segment.value(1) != str(self.group_count):
            self.report(
                _problem(
                    "iea-count",
                    "IEA01",
                    f"IEA01 does not match the {self.group_count} functional groups",
                    segment,
                )
            )
        if segment.value(2) != self.isa.value(13):
            self.report(
                _problem("iea-control-number", "IEA02", "IEA02 differs from ISA13", segment)
            )
        self.isa = None


def walk_transactions(
    segments: Iterable[Segment], report: Callable[[Problem], None]
) -> Iterator[Transaction]:
    """Yield transaction sets, passing every envelope problem to ``report``."""
    walker = _Walker(report)
    for segment in segments:
        transaction = walker.feed(segment)
        if transaction is not None:
            yield transaction
    walker.close_all(None)


def iter_transactions(segments: Iterable[Segment]) -> Iterator[Transaction]:
    """Yield transaction sets; raise X12StructureError at the first envelope problem.

    Problems named: SE01/GE01/IEA01 counts, SE02/GE02/IEA02 control numbers, missing
    SE/GE/IEA (for example a truncated file), and segments outside ST..SE.
    """
    return walk_transactions(segments, _raise)
