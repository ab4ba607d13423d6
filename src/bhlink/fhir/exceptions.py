"""Errors raised by the FHIR mapping.

Hierarchy::

    FhirError               base class; never raised directly
    └── FhirMappingError    the input cannot be mapped; names the field at fault

Messages never contain patient data or answer text.
"""

from __future__ import annotations

__all__ = ["FhirError", "FhirMappingError"]


class FhirError(Exception):
    """Base class of every error the FHIR package raises."""


class FhirMappingError(FhirError):
    """An input value cannot be represented in the FHIR output."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
