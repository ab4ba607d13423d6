"""The four X12 separators and how they are read from an ISA segment."""

from __future__ import annotations

from dataclasses import dataclass

from bhlink.edi._exceptions import X12SyntaxError

# Characters that can never be separators: they occur in ordinary data. Alphanumerics and
# the space are excluded by the X12 basic character set rules (X12.5 / TR3 appendix B:
# a delimiter must not occur in data); CR and LF are reserved here for optional line breaks
# after the segment terminator, except that LF alone may itself be the terminator.
_FORBIDDEN = frozenset(" \r")


def _is_valid_separator(char: str, *, allow_newline: bool) -> bool:
    if len(char) != 1 or char.isalnum() or char in _FORBIDDEN:
        return False
    return allow_newline or char != "\n"


@dataclass(frozen=True, slots=True)
class Delimiters:
    """Element, repetition, component separators and segment terminator.

    In 5010 the ISA carries them: the element separator is the character at ISA
    position 3 (right after ``ISA``), the repetition separator is ISA11, the component
    separator is ISA16 and the segment terminator is the character following ISA16.
    ``repetition`` is None for interchanges whose ISA11 holds the pre-5010 'U'.
    """

    element: str = "*"
    repetition: str | None = "^"
    component: str = ":"
    segment: str = "~"

    def __post_init__(self) -> None:
        chars = tuple(c for c in (self.element, self.repetition, self.component, self.segment) if c)
        checks = (
            ("element separator", self.element),
            ("repetition separator", self.repetition),
            ("component separator", self.component),
        )
        for name, char in checks:
            if char is None:
                continue
            if not _is_valid_separator(char, allow_newline=False):
                raise X12SyntaxError(
                    f"the {name} must be one special character (not a letter, digit, space"
                    " or line break)",
                    segment_id="ISA",
                    position=1,
                )
        if not _is_valid_separator(self.segment, allow_newline=True):
            raise X12SyntaxError(
                "the segment terminator must be one special character",
                segment_id="ISA",
                position=1,
            )
        if len(set(chars)) != len(chars):
            raise X12SyntaxError(
                "the four delimiters must all differ", segment_id="ISA", position=1
            )

    @property
    def characters(self) -> frozenset[str]:
        """All four delimiter characters."""
        chars = (self.element, self.repetition, self.component, self.segment)
        return frozenset(c for c in chars if c)
