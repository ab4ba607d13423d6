"""Problem: one finding of a check, safe to show to users (no PHI)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a claim document or an X12 file.

    ``code`` is a stable kebab-case identifier (e.g. ``npi-check-digit``); ``path`` names
    the field (``claims[0].service_lines[1].modifiers[0]``) or the element (``CLP03``);
    ``message`` explains it without quoting any value. ``segment_id``/``position`` locate
    the segment for problems found in X12 text.
    """

    code: str
    path: str
    message: str
    segment_id: str | None = None
    position: int | None = None
