"""Errors raised by the instrument engine and the outcome analysis built on it.

Hierarchy::

    InstrumentError                     base class; never raised directly
    └── InstrumentValidationError       the input cannot be scored; carries `errors`
        └── UnknownInstrumentError      the instrument id is not in the registry

Messages name the offending field (``answers.phq9_q3``, ``sex``, ``objective``) and the
rule it broke. They never contain what the caller submitted, because answers can carry
free text and a patient's free text is PHI.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FieldError",
    "InstrumentError",
    "InstrumentValidationError",
    "UnknownInstrumentError",
]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field, shaped like an RFC 9457 ``errors`` entry."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the ``{"field": ..., "message": ...}`` form the API renders."""
        return {"field": self.field, "message": self.message}


class InstrumentError(Exception):
    """Base class of every error the instrument engine raises."""


class InstrumentValidationError(InstrumentError):
    """The submitted answers (or other inputs) cannot be scored as given."""

    def __init__(self, errors: list[FieldError], *, context: str = "answers") -> None:
        if not errors:
            raise ValueError("InstrumentValidationError needs at least one FieldError")
        self.errors: tuple[FieldError, ...] = tuple(errors)
        summary = "; ".join(f"{error.field}: {error.message}" for error in self.errors)
        super().__init__(f"{len(self.errors)} invalid {context}: {summary}")

    def as_dicts(self) -> list[dict[str, str]]:
        """Return the errors as a list of ``{field, message}`` dictionaries."""
        return [error.as_dict() for error in self.errors]


class UnknownInstrumentError(InstrumentValidationError):
    """The instrument id is not one the registry knows (ids are case-sensitive)."""

    def __init__(self, known_ids: tuple[str, ...]) -> None:
        super().__init__(
            [
                FieldError(
                    "instrument",
                    "unknown instrument; expected one of " + ", ".join(known_ids),
                )
            ],
            context="instrument",
        )
