"""Reading and writing X12 numbers (R/N types) and dates (DT/D8/RD8) with typed errors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from bhlink.edi._exceptions import X12ValueError
from bhlink.edi._segment import Segment


def format_decimal(amount: Decimal) -> str:
    """An X12 R-type value: no exponent, no trailing fractional zeros, no '+'.

    X12.6 (data element types, R): the decimal point is omitted for whole numbers and
    trailing zeros after it are not transmitted; a leading minus marks negatives.
    """
    text = f"{amount:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def format_date(value: date) -> str:
    """CCYYMMDD (D8)."""
    return value.strftime("%Y%m%d")


def format_time(value: datetime) -> str:
    """HHMM."""
    return value.strftime("%H%M")


def read_decimal(segment: Segment, index: int) -> Decimal:
    """Element ``index`` as a Decimal; X12ValueError when absent or not a number."""
    text = segment.value(index)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not text or not amount.is_finite():
        raise X12ValueError(
            f"{segment.ref(index)} in {segment.where()} is not a number",
            segment_id=segment.segment_id,
            position=segment.position,
        )
    return amount


def read_optional_decimal(segment: Segment, index: int) -> Decimal | None:
    """Element ``index`` as a Decimal, or None when empty."""
    return read_decimal(segment, index) if segment.value(index) else None


def parse_date_text(text: str) -> date | None:
    """CCYYMMDD as a date, or None when not a valid date."""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def read_date(segment: Segment, index: int) -> date:
    """Element ``index`` (CCYYMMDD) as a date; X12ValueError when not a valid date."""
    parsed = parse_date_text(segment.value(index))
    if parsed is None:
        raise X12ValueError(
            f"{segment.ref(index)} in {segment.where()} is not a CCYYMMDD date",
            segment_id=segment.segment_id,
            position=segment.position,
        )
    return parsed


def read_optional_date(segment: Segment, index: int) -> date | None:
    """Element ``index`` as a date, or None when empty."""
    return read_date(segment, index) if segment.value(index) else None


def read_date_period(segment: Segment, format_index: int) -> tuple[date, date]:
    """A D8 or RD8 date (qualifier at ``format_index``, value after it) as (start, end)."""
    qualifier = segment.value(format_index)
    text = segment.value(format_index + 1)
    if qualifier == "RD8" and "-" in text:
        start_text, _, end_text = text.partition("-")
        start, end = parse_date_text(start_text), parse_date_text(end_text)
    else:
        start = end = parse_date_text(text)
    if start is None or end is None or qualifier not in ("D8", "RD8"):
        raise X12ValueError(
            f"{segment.ref(format_index + 1)} in {segment.where()} is not a D8/RD8 date",
            segment_id=segment.segment_id,
            position=segment.position,
        )
    return start, end
