"""The pure parts of the ICD-10-CM generator: header rendering and fiscal-year arithmetic."""

from __future__ import annotations

from bhlink.domain.codes._generate_icd10 import SELECTED_ROOTS, _fiscal_year, render


def test_render_writes_release_source_and_rows() -> None:
    text = render(
        [
            ("F41", False, "Other anxiety disorders"),
            ("F41.1", True, "Generalized anxiety disorder"),
        ],
        "April-1-2026",
        "9.9",
    )
    lines = text.splitlines()
    assert "# release: ICD-10-CM FY2026 (April 1, 2026 update)" in lines
    assert any("public domain" in line and "9.9" in line for line in lines)
    assert lines[-2:] == [
        "F41\t0\tOther anxiety disorders",
        "F41.1\t1\tGeneralized anxiety disorder",
    ]
    assert text.endswith("\n")


def test_fiscal_year_starts_in_october() -> None:
    assert _fiscal_year("October-1-2025") == 2026
    assert _fiscal_year("April-1-2026") == 2026
    assert _fiscal_year("September-30-2026") == 2026


def test_selected_roots_are_unique_and_explained() -> None:
    roots = [root for root, _ in SELECTED_ROOTS]
    assert len(roots) == len(set(roots))
    assert all(why for _, why in SELECTED_ROOTS)
