"""Tokenizer and serializer: round trips, streaming, delimiters and syntax errors."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bhlink.edi import (
    Delimiters,
    Segment,
    X12EncodeError,
    X12SyntaxError,
    iter_segments,
    parse_segments,
    serialize,
)

# Non-alphanumeric printable characters that X12 senders use as separators.
SPECIALS = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def isa(delimiters: Delimiters, control: str = "000000001") -> Segment:
    return Segment.of(
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", "SENDER".ljust(15), "ZZ",
        "RECEIVER".ljust(15), "240115", "1200", delimiters.repetition, "00501", control,
        "0", "T", delimiters.component, position=1,
    )  # fmt: skip


@st.composite
def delimiter_sets(draw: st.DrawFn) -> Delimiters:
    element, repetition, component, terminator = draw(
        st.lists(st.sampled_from([*SPECIALS, "\n"]), min_size=4, max_size=4, unique=True).filter(
            lambda chars: "\n" not in chars[:3]
        )
    )
    return Delimiters(element, repetition, component, terminator)


@st.composite
def interchanges(draw: st.DrawFn) -> tuple[Delimiters, list[Segment]]:
    delimiters = draw(delimiter_sets())
    alphabet = st.characters(
        codec="ascii",
        categories=("L", "N", "P", "S", "Zs"),
        exclude_characters=delimiters.characters | {"\r", "\n"},
    )
    text = st.text(alphabet, max_size=8)
    repetition = st.lists(text, min_size=1, max_size=3).map(tuple)
    element = st.lists(repetition, min_size=1, max_size=2)
    segment_id = st.from_regex(r"[A-Z][A-Z0-9]{1,2}", fullmatch=True).filter(
        lambda sid: sid not in ("ISA", "IEA")
    )
    body = draw(
        st.lists(st.tuples(segment_id, st.lists(element, max_size=6)), min_size=1, max_size=8)
    )
    segments = [isa(delimiters)]
    for sid, elements in body:
        segments.append(Segment.of(sid, *elements, position=len(segments) + 1))
    segments.append(Segment.of("IEA", "1", "000000001", position=len(segments) + 1))
    return delimiters, segments


@settings(max_examples=150, deadline=None)
@given(interchanges(), st.sampled_from(["", "\n", "\r\n"]))
def test_parse_of_serialize_is_identity(
    case: tuple[Delimiters, list[Segment]], line_break: str
) -> None:
    delimiters, segments = case
    if delimiters.segment == "\n" and line_break:
        line_break = ""
    text = serialize(segments, delimiters, line_break=line_break)
    assert parse_segments(text) == segments


@settings(max_examples=50, deadline=None)
@given(interchanges(), st.lists(st.integers(min_value=1, max_value=40), min_size=1))
def test_any_chunking_of_bytes_gives_the_same_segments(
    case: tuple[Delimiters, list[Segment]], sizes: list[int]
) -> None:
    delimiters, segments = case
    data = serialize(segments, delimiters).encode()
    chunks, start = [], 0
    for size in itertools.cycle(sizes):
        if start >= len(data):
            break
        chunks.append(data[start : start + size])
        start += size
    assert list(iter_segments(iter(chunks))) == segments


def test_delimiters_come_from_the_isa() -> None:
    text = (
        "ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |240115|1200"
        "|!|00501|000000001|0|T|>\nGS|HC|A|B|20240115|1200|1|X|005010X222A1\n"
        "SV1|HC>90837>95|200|UN|1!2\nIEA|1|000000001\n"
    )
    segments = parse_segments(text)
    assert [s.segment_id for s in segments] == ["ISA", "GS", "SV1", "IEA"]
    assert [s.position for s in segments] == [1, 2, 3, 4]
    sv1 = segments[2]
    assert sv1.composite(1) == ("HC", "90837", "95")
    assert sv1.repetitions(4) == (("1",), ("2",))
    assert sv1.value(2) == "200"
    assert sv1.value(9) == ""
    assert segments[0].value(16) == ">"


def test_each_interchange_may_use_its_own_delimiters() -> None:
    first = Delimiters()
    second = Delimiters("|", "!", ">", "\n")
    text = serialize(
        [isa(first), Segment.of("IEA", "0", "000000001")], first, line_break="\r\n"
    ) + serialize([isa(second, "000000002"), Segment.of("IEA", "0", "000000002")], second)
    segments = parse_segments(text)
    assert [(s.segment_id, s.position) for s in segments] == [
        ("ISA", 1), ("IEA", 2), ("ISA", 3), ("IEA", 4),
    ]  # fmt: skip
    assert segments[2].value(11) == "!"


def test_tokenizer_streams_without_reading_ahead() -> None:
    def endless() -> Iterator[str]:
        yield serialize([isa(Delimiters())], Delimiters())
        while True:
            yield "NTE*ADD*MORE~\n"

    first = list(itertools.islice(iter_segments(endless()), 4))
    assert [s.position for s in first] == [1, 2, 3, 4]


def test_pre_5010_u_in_isa11_means_no_repetition_separator() -> None:
    text = serialize([isa(Delimiters()), Segment.of("IEA", "0", "000000001")], Delimiters())
    text = text.replace("*^*00501", "*U*00501").replace("IEA*0", "IEA*0^x", 1)
    segments = parse_segments(text)
    assert segments[0].value(11) == "U"
    assert segments[1].value(1) == "0^x"


@pytest.mark.parametrize(
    ("text", "segment_id", "position"),
    [
        ("", None, None),
        ("\r\n  \n", None, None),
        ("GS*HC*A*B~", None, 1),
        ("ISA*00*          *00*    ", "ISA", 1),
    ],
)
def test_missing_or_short_isa_is_a_syntax_error(
    text: str, segment_id: str | None, position: int | None
) -> None:
    with pytest.raises(X12SyntaxError) as caught:
        parse_segments(text)
    assert caught.value.segment_id == segment_id
    assert caught.value.position == position


def _sample() -> str:
    return serialize(
        [
            isa(Delimiters()),
            Segment.of("GS", "HC", "A", "B", "20240115", "1200", "1", "X", "005010X222A1"),
            Segment.of("ST", "837", "0001"),
            Segment.of("NM1", "IL", "1", "DOE", "JANE"),
            Segment.of("SE", "3", "0001"),
            Segment.of("GE", "1", "1"),
            Segment.of("IEA", "1", "000000001"),
        ],
        line_break="\n",
    )


def test_input_ending_inside_a_segment_names_it() -> None:
    text = _sample()
    cut = text.index("NM1*IL") + 9
    with pytest.raises(X12SyntaxError) as caught:
        parse_segments(text[:cut])
    assert (caught.value.segment_id, caught.value.position) == ("NM1", 4)
    assert "DOE" not in str(caught.value)


def test_body_delimiters_inconsistent_with_the_isa_name_the_position() -> None:
    text = _sample()
    head, _, body = text.partition("\n")
    broken = head + "\n" + body.replace("*", "|")
    with pytest.raises(X12SyntaxError) as caught:
        parse_segments(broken)
    assert caught.value.position == 2


def test_clashing_delimiters_in_isa_are_rejected() -> None:
    text = _sample().replace("*T*:~", "*T***", 1)
    with pytest.raises(X12SyntaxError) as caught:
        parse_segments(text)
    assert (caught.value.segment_id, caught.value.position) == ("ISA", 1)


def test_undecodable_bytes_are_a_syntax_error() -> None:
    with pytest.raises(X12SyntaxError):
        parse_segments(_sample().encode() + b"\xff\xfe")


@pytest.mark.parametrize("bad", ["A*B", "A~B", "A:B", "A^B", "A\nB"])
def test_serializer_refuses_values_holding_a_delimiter(bad: str) -> None:
    segment = Segment.of("NM1", "IL", "1", bad, position=9)
    with pytest.raises(X12EncodeError) as caught:
        serialize([isa(Delimiters()), segment])
    assert (caught.value.segment_id, caught.value.position) == ("NM1", 9)
    assert "NM103" in str(caught.value)


def test_serializer_drops_trailing_empty_elements_and_components() -> None:
    segment = Segment("SV1", ((("HC",),), (("90837", "", ""),), (("",),), (("",),)))
    assert serialize([segment]) == "SV1*HC*90837~"


def test_isa_must_carry_the_interchange_separators() -> None:
    with pytest.raises(X12EncodeError):
        serialize([isa(Delimiters())], Delimiters(repetition="!"))


@pytest.mark.parametrize(
    "chars",
    [("*", "*", ":", "~"), ("A", "^", ":", "~"), ("*", "^", " ", "~"), ("\n", "^", ":", "~")],
)
def test_delimiters_must_be_distinct_special_characters(chars: tuple[str, str, str, str]) -> None:
    with pytest.raises(X12SyntaxError):
        Delimiters(*chars)
