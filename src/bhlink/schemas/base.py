"""Common schema base: camelCase JSON, strict unknown-field handling, UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, field_validator
from pydantic.alias_generators import to_camel


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp must carry a UTC offset, e.g. 2026-01-25T15:00:00Z")
    return value.astimezone(UTC)


def format_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, at the precision the value has (never a local offset)."""
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


# Input: must have an offset (converted to UTC). Output: always ...Z.
UtcDateTime = Annotated[
    datetime,
    AfterValidator(_require_aware),
    PlainSerializer(format_utc, return_type=str, when_used="json"),
]

Str200 = Annotated[str, Field(min_length=1, max_length=200)]
OptStr200 = Annotated[str | None, Field(default=None, max_length=200)]


class ApiModel(BaseModel):
    """Base for every schema: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        str_strip_whitespace=True,
    )


def storable_text(value: Any) -> Any:
    """Refuse text no database can store alike: NUL characters and unpaired UTF-16 surrogates.

    PostgreSQL rejects NUL in text and both drivers fail to encode a lone surrogate (which a
    JSON escape such as backslash-u-d800 produces); checking here makes that a 422 naming the field on
    every database instead of a driver error. Looks inside lists and objects.
    """
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL (\\u0000) characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("is not valid Unicode text (unpaired surrogate)") from exc
    elif isinstance(value, dict):
        for key, inner in value.items():
            storable_text(key)
            storable_text(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            storable_text(inner)
    return value


class WriteModel(ApiModel):
    """Base for request bodies: unknown fields are an error that names them."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        str_strip_whitespace=True,
        extra="forbid",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        """Refuse U+0000 anywhere in a field (PostgreSQL text cannot store it).

        Before this check it was a 500 on PostgreSQL (found by fuzzing); no clinical or billing
        value contains it.
        """
        if _contains_nul(value):
            raise ValueError("must not contain the NUL character (U+0000)")
        return value


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_contains_nul(item) for item in value)
    return False


T = TypeVar("T")


class ListEnvelope(ApiModel, Generic[T]):
    """The seeds' list shape plus an opaque cursor for the next page."""

    items: list[T]
    page: int
    page_size: int
    total: int
    next_cursor: str | None = None


class Address(ApiModel):
    """A postal address (seed 003 shape)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, str_strip_whitespace=True, extra="forbid"
    )

    line1: Str200
    line2: OptStr200 = None
    city: Annotated[str, Field(min_length=1, max_length=100)]
    region: Annotated[str, Field(min_length=2, max_length=50)]
    postal_code: Annotated[str, Field(min_length=3, max_length=20)]
    country: Annotated[str, Field(min_length=2, max_length=2)] = "US"


def dump(model: BaseModel) -> dict[str, Any]:
    """JSON-ready dict with camelCase keys."""
    return model.model_dump(mode="json", by_alias=True)
