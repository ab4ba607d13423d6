"""Streaming X12 tokenizer (text -> segments) and serializer (segments -> text).

The tokenizer reads the delimiters from each ISA header, then yields one Segment at a
time while holding at most one input chunk plus one unfinished segment in memory, so a
large 835 is read with flat memory. Line breaks (LF or CRLF) after terminators are
ignored. A new ISA after an IEA starts a new interchange whose delimiters may differ.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator

from bhlink.edi._delimiters import Delimiters
from bhlink.edi._exceptions import X12EncodeError, X12SyntaxError
from bhlink.edi._segment import Element, Segment, normalize_elements

Source = str | bytes | Iterable[str] | Iterable[bytes]

# X12 segment ids are 2-3 upper-case letters or digits starting with a letter (X12.6).
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
# The ISA has 16 elements; ISA16 is one character and the terminator follows it.
_ISA_ELEMENT_COUNT = 16
# A conforming ISA is 106 characters; allow slack for unpadded senders before giving up.
_ISA_MAX_SCAN = 512
_LINE_BREAKS = "\r\n"


def _chunks(source: Source) -> Iterator[str]:
    if isinstance(source, str):
        yield source
        return
    if isinstance(source, bytes | bytearray):
        source = [bytes(source)]
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in source:
            if isinstance(chunk, str):
                yield chunk
            else:
                yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise X12SyntaxError("the input is not valid UTF-8 text") from exc


def _split_element(text: str, delimiters: Delimiters) -> Element:
    repetition = delimiters.repetition
    if delimiters.component not in text and (repetition is None or repetition not in text):
        return ((text,),)
    reps = [text] if repetition is None else text.split(repetition)
    return tuple(tuple(rep.split(delimiters.component)) for rep in reps)


def _parse_isa(header: str, position: int) -> tuple[Segment, Delimiters, int] | None:
    """Parse an ISA at the start of ``header``; None when more input is needed.

    Returns the segment, the delimiters and how many characters it used.
    """
    if len(header) < 4:
        return None
    element_sep = header[3]
    cursor = 3
    for _ in range(_ISA_ELEMENT_COUNT - 1):
        cursor = header.find(element_sep, cursor + 1, _ISA_MAX_SCAN)
        if cursor < 0:
            if len(header) >= _ISA_MAX_SCAN:
                raise X12SyntaxError(
                    "ISA does not have 16 elements", segment_id="ISA", position=position
                )
            return None
    # cursor is the separator before ISA16; ISA16 and the terminator follow it.
    if len(header) < cursor + 3:
        return None
    fields = header[4:cursor].split(element_sep)
    component_sep = header[cursor + 1]
    terminator = header[cursor + 2]
    # Before 5010, ISA11 was the standards identifier 'U' rather than a separator; some
    # 5010 senders still put 'U' there, which then means: no repetition separator.
    repetition = None if fields[10].isalnum() else fields[10]
    delimiters = Delimiters(
        element=element_sep, repetition=repetition, component=component_sep, segment=terminator
    )
    elements = tuple(((value,),) for value in [*fields, component_sep])
    return Segment("ISA", elements, position), delimiters, cursor + 3


def iter_segments(source: Source) -> Iterator[Segment]:
    """Yield the segments of X12 text given as str, bytes or an iterable of chunks.

    Raises X12SyntaxError (naming the segment id and 1-based position) when the ISA is
    missing or broken, when a segment id is invalid (for example because the body uses
    other delimiters than the ISA declares) or when the input ends inside a segment.
    """
    buffer = ""
    position = 0
    delimiters: Delimiters | None = None
    for chunk in _chunks(source):
        buffer += chunk
        while True:
            if delimiters is None:
                buffer = buffer.lstrip(_LINE_BREAKS + " \t\ufeff")
                if not buffer:
                    break
                if not "ISA".startswith(buffer[:3]):
                    raise X12SyntaxError(
                        f"expected an ISA segment at position {position + 1}",
                        position=position + 1,
                    )
                parsed = _parse_isa(buffer, position + 1)
                if parsed is None:
                    break
                isa, delimiters, used = parsed
                position += 1
                buffer = buffer[used:]
                yield isa
                continue
            pieces = buffer.split(delimiters.segment)
            buffer = pieces.pop()
            restart: str | None = None
            for index, raw in enumerate(pieces):
                segment = _segment_from_raw(raw, delimiters, position + 1)
                if segment is None:
                    continue
                position += 1
                yield segment
                if segment.segment_id == "IEA":
                    # A following interchange may declare other delimiters.
                    restart = delimiters.segment.join([*pieces[index + 1 :], buffer])
                    break
            if restart is None:
                break
            buffer = restart
            delimiters = None
    if buffer.strip(_LINE_BREAKS + " \t"):
        if delimiters is None:
            raise X12SyntaxError(
                "the input ends inside the ISA header", segment_id="ISA", position=position + 1
            )
        segment_id = buffer.strip(_LINE_BREAKS).split(delimiters.element, 1)[0]
        raise X12SyntaxError(
            f"the input ends inside segment {position + 1} (no segment terminator)",
            segment_id=segment_id if _SEGMENT_ID.match(segment_id) else None,
            position=position + 1,
        )
    if position == 0:
        raise X12SyntaxError("the input holds no ISA segment")


def _segment_from_raw(raw: str, delimiters: Delimiters, position: int) -> Segment | None:
    raw = raw.strip(_LINE_BREAKS)
    if not raw:
        return None
    parts = raw.split(delimiters.element)
    segment_id = parts[0]
    if not _SEGMENT_ID.match(segment_id):
        raise X12SyntaxError(
            f"segment {position} has no valid segment id (are the delimiters consistent"
            " with the ISA?)",
            position=position,
        )
    elements = normalize_elements([_split_element(part, delimiters) for part in parts[1:]])
    return Segment(segment_id, elements, position)


def parse_segments(source: Source) -> list[Segment]:
    """All segments of ``source`` as a list (see iter_segments)."""
    return list(iter_segments(source))


def _check_value(value: str, forbidden: frozenset[str], segment: Segment, index: int) -> None:
    if any(char in forbidden for char in value):
        raise X12EncodeError(
            f"{segment.ref(index)} in {segment.where()} contains a delimiter character",
            segment_id=segment.segment_id,
            position=segment.position,
        )


def _serialize_one(segment: Segment, delimiters: Delimiters) -> str:
    forbidden = delimiters.characters | {"\r", "\n"}
    if segment.segment_id == "ISA":
        values = [segment.value(i) for i in range(1, len(segment) + 1)]
        if len(values) != _ISA_ELEMENT_COUNT or (
            values[10] != (delimiters.repetition or values[10])
            or values[15] != delimiters.component
        ):
            raise X12EncodeError(
                "ISA11 and ISA16 must carry the repetition and component separators",
                segment_id="ISA",
                position=segment.position,
            )
        for index, value in enumerate(values[:10] + values[11:15], start=1):
            _check_value(value, forbidden, segment, index)
        return delimiters.element.join(["ISA", *values])
    fields = [segment.segment_id]
    for index, element in enumerate(normalize_elements(segment.elements), start=1):
        for repetition in element:
            for value in repetition:
                _check_value(value, forbidden, segment, index)
        if len(element) > 1 and delimiters.repetition is None:
            raise X12EncodeError(
                f"{segment.ref(index)} in {segment.where()} repeats but the interchange has"
                " no repetition separator",
                segment_id=segment.segment_id,
                position=segment.position,
            )
        fields.append(
            (delimiters.repetition or "").join(delimiters.component.join(rep) for rep in element)
        )
    return delimiters.element.join(fields)


def iter_serialized(
    segments: Iterable[Segment], delimiters: Delimiters, *, line_break: str = ""
) -> Iterator[str]:
    """Yield each segment as text ending with the terminator (and ``line_break``)."""
    if line_break not in ("", "\n", "\r\n"):
        raise X12EncodeError("line_break must be '', '\\n' or '\\r\\n'")
    suffix = delimiters.segment + line_break
    for segment in segments:
        yield _serialize_one(segment, delimiters) + suffix


def serialize(
    segments: Iterable[Segment], delimiters: Delimiters | None = None, *, line_break: str = ""
) -> str:
    """Write segments as X12 text; the inverse of iter_segments.

    Values must not contain any delimiter (X12 has no escape mechanism); trailing empty
    elements and components are dropped.
    """
    return "".join(iter_serialized(segments, delimiters or Delimiters(), line_break=line_break))
