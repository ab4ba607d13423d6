"""The outcome chart is well-formed, accessible SVG with bands, points and the baseline."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from bhlink.domain.instruments import get_instrument
from bhlink.web.outcome_chart import ChartPoint, render_outcome_chart

SVG = "{http://www.w3.org/2000/svg}"
SERIES = [
    ChartPoint(date(2026, 2, 1), 12),
    ChartPoint(date(2026, 1, 4), 16),
    ChartPoint(date(2026, 3, 1), 9),
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def by_class(root: ET.Element, css: str) -> list[ET.Element]:
    return [element for element in root.iter() if css in element.get("class", "").split()]


def test_chart_is_well_formed_and_labelled() -> None:
    root = parse(render_outcome_chart("PHQ-9", SERIES))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "PHQ-9 scores over time"
    assert desc.text is not None
    assert "Baseline 16 (Moderately severe) on 2026-01-04" in desc.text
    assert "Latest 9 (Mild)" in desc.text
    axis_labels = [element.text or "" for element in by_class(root, "axis-label")]
    assert axis_labels[0] == "Date"
    assert axis_labels[1] == "PHQ-9 score (0-27)"


def test_every_band_is_shaded_and_labelled() -> None:
    root = parse(render_outcome_chart("PHQ-9", SERIES))
    bands = [band.code for band in get_instrument("PHQ-9").bands]
    assert [rect.get("data-band") for rect in by_class(root, "band")] == bands
    labels = [element.text for element in by_class(root, "band-label")]
    assert "Moderately severe (15-19)" in labels
    assert all(float(rect.get("height", "0")) > 0 for rect in by_class(root, "band"))


def test_points_are_sorted_by_date_with_their_values_and_one_baseline() -> None:
    root = parse(render_outcome_chart("PHQ-9", SERIES))
    points = by_class(root, "point")
    assert len(points) == 3
    titles = [point.find(f"{SVG}title").text for point in points]  # type: ignore[union-attr]
    assert titles == [
        "2026-01-04: 16 (Moderately severe), baseline",
        "2026-02-01: 12 (Moderate)",
        "2026-03-01: 9 (Mild)",
    ]
    assert [text.text for text in by_class(root, "point-value")] == ["16", "12", "9"]
    assert len(by_class(root, "baseline-point")) == 1
    xs = [float(point.get("cx", "0")) for point in points]
    assert xs == sorted(xs)
    ys = [float(point.get("cy", "0")) for point in points]
    assert ys[0] < ys[1] < ys[2]  # higher score is drawn higher (smaller y)
    assert len(by_class(root, "baseline")) == 1


def test_explicit_baseline_date() -> None:
    root = parse(render_outcome_chart("PHQ-9", SERIES, baseline=date(2026, 2, 1)))
    (baseline,) = by_class(root, "baseline-point")
    assert baseline.find(f"{SVG}title").text == "2026-02-01: 12 (Moderate), baseline"  # type: ignore[union-attr]


def test_output_is_deterministic() -> None:
    assert render_outcome_chart("GAD-7", SERIES) == render_outcome_chart("GAD-7", list(SERIES))


def test_text_is_escaped() -> None:
    svg = render_outcome_chart("PHQ-9", SERIES, chart_id='x"><script>alert(1)</script>')
    root = parse(svg)  # still well-formed
    assert "<script>" not in svg
    assert not [element for element in root.iter() if element.tag.endswith("script")]


def test_higher_is_better_instrument_reports_direction() -> None:
    root = parse(render_outcome_chart("WHO-5", [ChartPoint(date(2026, 1, 1), 32)]))
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "higher scores are better" in (desc.text or "")


def test_sex_specific_bands_follow_the_cutoff() -> None:
    male = parse(render_outcome_chart("AUDIT-C", [ChartPoint(date(2026, 1, 1), 3)], sex=None))
    labels = [element.text for element in by_class(male, "band-label")]
    assert labels == ["Negative screen (0-2)", "Positive screen (3-12)"]


def test_empty_series_still_renders() -> None:
    root = parse(render_outcome_chart("PHQ-9", []))
    desc = root.find(f"{SVG}desc")
    assert desc is not None and (desc.text or "").startswith("No scores recorded.")
    assert by_class(root, "point") == []


def test_tiered_instrument_is_charted_by_rank() -> None:
    series = [ChartPoint(date(2026, 1, 1), 3), ChartPoint(date(2026, 2, 1), 1)]
    root = parse(render_outcome_chart("C-SSRS-SCREENER", series))
    assert [element.text for element in by_class(root, "band-label")] == [
        "No risk identified",
        "Low risk",
        "Moderate risk",
        "High risk",
    ]


def test_out_of_scale_point_and_unknown_baseline_are_refused() -> None:
    with pytest.raises(ValueError):
        render_outcome_chart("PHQ-9", [ChartPoint(date(2026, 1, 1), 28)])
    with pytest.raises(ValueError):
        render_outcome_chart("PHQ-9", SERIES, baseline=date(2025, 1, 1))
