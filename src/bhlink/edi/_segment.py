"""The Segment value: one X12 segment as elements, repetitions and components."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# One repetition of an element is a tuple of its components; a simple (non-composite)
# element has one component. An element is a tuple of its repetitions (usually one).
Repetition = tuple[str, ...]
Element = tuple[Repetition, ...]

_EMPTY_ELEMENT: Element = (("",),)

# What callers may pass to Segment.of for one element: a plain value, a composite as a
# sequence of components, a sequence of composites for a repeated element, or None.
ElementInput = str | Sequence[str] | Sequence[Sequence[str]] | None


def _trim_repetition(components: Sequence[str]) -> Repetition:
    end = len(components)
    while end > 1 and components[end - 1] == "":
        end -= 1
    return tuple(components[:end]) if end else ("",)


def _trim_element(repetitions: Sequence[Repetition]) -> Element:
    end = len(repetitions)
    while end > 1 and repetitions[end - 1] == ("",):
        end -= 1
    return tuple(repetitions[:end]) if end else _EMPTY_ELEMENT


def normalize_elements(elements: Sequence[Element]) -> tuple[Element, ...]:
    """Drop trailing empty components, repetitions and elements.

    X12 forbids trailing separators (X12.6 section 3.6; pyx12 reports "Segment contains
    trailing element terminators"), so the canonical form never carries them and a
    segment reads back exactly as it was written.
    """
    trimmed = [_trim_element([_trim_repetition(rep) for rep in element]) for element in elements]
    end = len(trimmed)
    while end > 0 and trimmed[end - 1] == _EMPTY_ELEMENT:
        end -= 1
    return tuple(trimmed[:end])


def _to_element(value: ElementInput) -> Element:
    if value is None:
        return _EMPTY_ELEMENT
    if isinstance(value, str):
        return ((value,),)
    if value and not isinstance(value[0], str):
        return tuple(tuple(str(component) for component in rep) for rep in value)
    return (tuple(str(component) for component in value),)


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its id, its elements (1-based as in ``CLP03``) and its position.

    ``position`` is the 1-based ordinal of the segment in the input stream (0 for
    segments built in memory that were never read).
    """

    segment_id: str
    elements: tuple[Element, ...]
    position: int = 0

    @classmethod
    def of(cls, segment_id: str, *values: ElementInput, position: int = 0) -> Segment:
        """Build a segment from plain values; trailing empties are dropped."""
        return cls(segment_id, normalize_elements([_to_element(v) for v in values]), position)

    def __len__(self) -> int:
        return len(self.elements)

    def value(self, index: int) -> str:
        """Element ``index`` (1-based) as text: its first component; '' when absent."""
        if index < 1 or index > len(self.elements):
            return ""
        return self.elements[index - 1][0][0]

    def composite(self, index: int) -> Repetition:
        """Components of the first repetition of element ``index``; () when absent."""
        if index < 1 or index > len(self.elements):
            return ()
        element = self.elements[index - 1]
        return () if element == _EMPTY_ELEMENT else element[0]

    def component(self, index: int, component: int) -> str:
        """Component ``component`` (1-based) of element ``index``; '' when absent."""
        parts = self.composite(index)
        return parts[component - 1] if 0 < component <= len(parts) else ""

    def repetitions(self, index: int) -> Element:
        """All repetitions of element ``index``; () when absent."""
        if index < 1 or index > len(self.elements):
            return ()
        element = self.elements[index - 1]
        return () if element == _EMPTY_ELEMENT else element

    def ref(self, index: int) -> str:
        """The element reference used in messages, e.g. ``CLP03``."""
        return f"{self.segment_id}{index:02d}"

    def where(self) -> str:
        """Where this segment is, for messages: ``segment CLP at position 17``."""
        return f"segment {self.segment_id} at position {self.position}"
