"""Exceptions raised by bhlink.edi; every message names segment ids and positions, never data.

The hierarchy::

    X12Error                      base class; carries ``segment_id`` and ``position``
     ├── X12SyntaxError           the text cannot be split into segments: no or broken ISA,
     │                            clashing delimiters, a bad segment id, input ending mid-segment
     ├── X12StructureError        segments are fine but the envelope or loops are not:
     │                            SE01/GE01/IEA01 counts, control numbers, missing SE/GE/IEA,
     │                            a segment the reader needs that is absent or out of place
     ├── X12ValueError            an element the reader needs is not a valid number, date or code
     └── X12EncodeError           the writer cannot produce valid X12 from what it was given
          └── ClaimValidationError the claim documents fail our checks; ``problems`` lists all

Messages never quote element values (they may be PHI): only segment ids, element
references such as ``CLP03`` and 1-based segment positions in the input stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bhlink.edi._problem import Problem


class X12Error(Exception):
    """Base class of every error raised by bhlink.edi."""

    def __init__(
        self, message: str, *, segment_id: str | None = None, position: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.segment_id = segment_id
        self.position = position


class X12SyntaxError(X12Error):
    """The input cannot be tokenized into segments."""


class X12StructureError(X12Error):
    """The envelope (ISA/GS/ST ... SE/GE/IEA) or the loop structure is wrong."""


class X12ValueError(X12Error):
    """An element value is not a valid number, date or code where one is required."""


class X12EncodeError(X12Error):
    """The serializer or a writer was given data that cannot be written as X12."""


class ClaimValidationError(X12EncodeError):
    """Claim documents failed the checks that run before an 837 is written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        codes = ", ".join(sorted({problem.code for problem in self.problems}))
        super().__init__(f"{len(self.problems)} problem(s) in the claim documents: {codes}")
