"""What the ReportLab renderers share: the embedded fonts and the text those fonts can print.

Both PDFs (the note packet, services/note_pdf.py, and the CMS-1500, services/cms1500_pdf.py)
set text in Bitstream Vera, the TrueType family ReportLab ships, embedded in the file so
accented names print as written (docs/decisions/0302-note-packet-pdf.md). Vera has 283
glyphs (Latin-1 and some of Latin Extended-A, typographic punctuation, a few math signs).
ReportLab silently drops a character the font lacks, which would turn "Nguyễn" into
"Nguy n" without a trace; `printable` puts a visible "?" there instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

_FONT_DIR = Path(reportlab.__file__).parent / "fonts"
MISSING_GLYPH = "?"


class Fonts(NamedTuple):
    """Registered ReportLab font names."""

    regular: str
    bold: str


@cache
def fonts() -> Fonts:
    """Register the Vera regular and bold faces once per process and name them."""
    registered = Fonts("BhVera", "BhVeraBold")
    pdfmetrics.registerFont(TTFont(registered.regular, str(_FONT_DIR / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(registered.bold, str(_FONT_DIR / "VeraBd.ttf")))
    return registered


@cache
def _code_points(font_name: str) -> frozenset[int]:
    font = pdfmetrics.getFont(font_name)
    assert isinstance(font, TTFont), font_name  # only our embedded fonts come here
    return frozenset(font.face.charToGlyph)


def printable(text: str, font_name: str) -> str:
    """`text` with every character `font_name` has no glyph for replaced by "?".

    Whitespace (line breaks, tabs) is kept: layout decides what it becomes, not the font.
    """
    known = _code_points(font_name)
    return "".join(ch if ord(ch) in known or ch.isspace() else MISSING_GLYPH for ch in text)
