"""The PDF renderers' shared fonts and printable text (services/pdf_render.py)."""

from __future__ import annotations

from bhlink.services.pdf_render import MISSING_GLYPH, fonts, printable


def test_fonts_register_once_and_keep_their_names() -> None:
    assert fonts() == fonts() == ("BhVera", "BhVeraBold")


def test_text_the_font_can_print_is_kept_as_written() -> None:
    text = "Zoë Łukasz-Šimić, “Café” \u2013 5 € <b>&</b>\n\tnext line"
    assert printable(text, fonts().regular) == text
    assert printable(text, fonts().bold) == text


def test_characters_without_a_glyph_become_visible_marks() -> None:
    assert MISSING_GLYPH == "?"
    assert printable("Nguyễn 李 🙂", fonts().regular) == "Nguy?n ? ?"
    assert printable("", fonts().bold) == ""
