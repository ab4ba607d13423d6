"""Render one instrument's score series as an accessible, deterministic SVG chart.

The chart has a <title> and <desc> (referenced by aria-labelledby), labelled axes with
dates on x and the score on y, the instrument's severity bands shaded and labelled,
every point with its value, and the baseline marked. All text is escaped; the same
input always yields the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from bhlink.domain.instruments import (
    Direction,
    Instrument,
    InstrumentSettings,
    SeverityBand,
    Sex,
    get_instrument,
)

__all__ = ["ChartPoint", "render_outcome_chart"]

_WIDTH = 760
_HEIGHT = 380
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 200, 64, 56
_PAD_X = 24  # keeps the first and last points off the axes
# Light fills from "good" to "bad"; colour is never the only cue (bands are labelled).
_TIER_HALF = 0.5
_PALETTE = ("#e6f4ea", "#f1f7d9", "#fff6d6", "#ffe8cc", "#fde0dc", "#f9d0d6")


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One score on the chart; ``value`` is the total (the risk rank for the C-SSRS)."""

    on: date
    value: float


def _num(value: float) -> str:
    """Format a coordinate or value deterministically (no float noise, no '-0')."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _y_range(instrument: Instrument, bands: Sequence[SeverityBand]) -> tuple[float, float]:
    if instrument.total_min is not None and instrument.total_max is not None:
        return float(instrument.total_min), float(instrument.total_max)
    # Tiered results (C-SSRS risk ranks): give each tier a row of its own.
    if bands:
        return (
            min(band.min for band in bands) - _TIER_HALF,
            max(band.max for band in bands) + _TIER_HALF,
        )
    return 0.0, 1.0


def _colours(count: int, direction: Direction) -> list[str]:
    """Spread the palette over ``count`` bands, the worst band always the reddest."""
    if count <= 1:
        return [_PALETTE[0]] * count
    last = len(_PALETTE) - 1
    picked = [_PALETTE[round(index * last / (count - 1))] for index in range(count)]
    return picked if direction is Direction.HIGHER_IS_WORSE else picked[::-1]


def _band_label(bands: Sequence[SeverityBand], value: float) -> str | None:
    found: SeverityBand | None = None
    for band in sorted(bands, key=lambda band: band.min):
        if value >= band.min:
            found = band
    return found.label if found else None


def render_outcome_chart(
    instrument_id: str,
    points: Sequence[ChartPoint],
    *,
    baseline: date | None = None,
    sex: Sex | None = None,
    settings: InstrumentSettings | None = None,
    chart_id: str = "outcome-chart",
) -> str:
    """Return an SVG document charting ``points`` for one instrument.

    Points are sorted by date. ``baseline`` names the date of the baseline point
    (default: the earliest). ``sex`` and ``settings`` select the bands that apply
    (AUDIT-C cut-offs, practice overrides). ``chart_id`` prefixes element ids so several
    charts can share a page. Raises ValueError for an unknown instrument, a point off
    the instrument's scale, or a baseline date that is not a point's date.
    """
    instrument = get_instrument(instrument_id)
    bands = instrument.bands_for(sex, settings)
    low, high = _y_range(instrument, bands)
    series = sorted(points, key=lambda point: point.on)
    for point in series:
        if not low <= point.value <= high:
            raise ValueError(f"point on {point.on.isoformat()} is outside {_num(low)}-{_num(high)}")
    baseline_point = series[0] if series and baseline is None else None
    if baseline is not None:
        baseline_point = next((point for point in series if point.on == baseline), None)
        if baseline_point is None:
            raise ValueError("baseline date matches no point")

    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    span = high - low or 1.0

    def y_of(value: float) -> float:
        return _TOP + plot_h - (value - low) / span * plot_h

    first_day = series[0].on.toordinal() if series else 0
    day_span = (series[-1].on.toordinal() - first_day) if series else 0

    def x_of(on: date) -> float:
        if day_span == 0:
            return _LEFT + plot_w / 2
        usable = plot_w - 2 * _PAD_X
        return _LEFT + _PAD_X + (on.toordinal() - first_day) / day_span * usable

    title = f"{instrument.id} scores over time"
    better = "lower" if instrument.direction is Direction.HIGHER_IS_WORSE else "higher"
    if series:
        last = series[-1]
        summary = (
            f"{len(series)} score(s) from {series[0].on.isoformat()} to {last.on.isoformat()}."
        )
        if baseline_point is not None:
            band_name = _band_label(bands, baseline_point.value)
            summary += (
                f" Baseline {_num(baseline_point.value)}"
                + (f" ({band_name})" if band_name else "")
                + f" on {baseline_point.on.isoformat()}."
            )
        band_name = _band_label(bands, last.value)
        summary += f" Latest {_num(last.value)}" + (f" ({band_name})" if band_name else "") + "."
    else:
        summary = "No scores recorded."
    summary += f" Scale {_num(low)} to {_num(high)}; {better} scores are better."

    cid = _attr(chart_id)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{_WIDTH}" '
        f'height="{_HEIGHT}" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="sans-serif" font-size="12">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(summary)}</desc>',
        f'<text class="heading" x="{_LEFT}" y="22" font-size="15" font-weight="bold" '
        f'aria-hidden="true">{escape(title)}</text>',
    ]

    ordered = sorted(bands, key=lambda band: band.min)
    colours = _colours(len(ordered), instrument.direction)
    out.append('<g class="bands">')
    for index, band in enumerate(ordered):
        # A band covers [min, next band's min): fractional (prorated) totals fall inside.
        half = 0.0 if instrument.has_total else _TIER_HALF
        upper = ordered[index + 1].min - half if index + 1 < len(ordered) else high
        top, bottom = y_of(min(upper, high)), y_of(max(band.min - half, low))
        colour = colours[index]
        out.append(
            f'<rect class="band" data-band="{_attr(band.code)}" x="{_LEFT}" y="{_num(top)}" '
            f'width="{plot_w}" height="{_num(bottom - top)}" fill="{colour}"/>'
        )
        range_text = f" ({band.min}-{band.max})" if instrument.has_total else ""
        out.append(
            f'<text class="band-label" x="{_LEFT + plot_w + 8}" '
            f'y="{_num((top + bottom) / 2 + 4)}">'
            f"{escape(band.label)}{range_text}</text>"
        )
    out.append("</g>")

    axis_y = _TOP + plot_h
    out.append('<g class="axes" stroke="#333">')
    out.append(f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{axis_y}"/>')
    out.append(f'<line x1="{_LEFT}" y1="{axis_y}" x2="{_LEFT + plot_w}" y2="{axis_y}"/>')
    out.append("</g>")
    tick_values = sorted({low, high, *(band.min for band in ordered if low < band.min < high)})
    out.append('<g class="y-ticks">')
    for value in tick_values:
        y = _num(y_of(value))
        out.append(f'<line x1="{_LEFT - 4}" y1="{y}" x2="{_LEFT}" y2="{y}" stroke="#333"/>')
        out.append(
            f'<text x="{_LEFT - 8}" y="{_num(y_of(value) + 4)}" text-anchor="end">'
            f"{_num(value)}</text>"
        )
    out.append("</g>")
    out.append('<g class="x-ticks">')
    for point in series:
        x = _num(x_of(point.on))
        out.append(f'<line x1="{x}" y1="{axis_y}" x2="{x}" y2="{axis_y + 4}" stroke="#333"/>')
        out.append(
            f'<text x="{x}" y="{axis_y + 18}" text-anchor="middle">{point.on.isoformat()}</text>'
        )
    out.append("</g>")
    out.append(
        f'<text class="axis-label" x="{_num(_LEFT + plot_w / 2)}" y="{_HEIGHT - 12}" '
        f'text-anchor="middle">Date</text>'
    )
    y_label = f"{instrument.id} score ({_num(low)}-{_num(high)})"
    out.append(
        f'<text class="axis-label" x="16" y="{_num(_TOP + plot_h / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 16 {_num(_TOP + plot_h / 2)})">{escape(y_label)}</text>'
    )

    if baseline_point is not None:
        by = _num(y_of(baseline_point.value))
        out.append(
            f'<line class="baseline" x1="{_LEFT}" y1="{by}" x2="{_LEFT + plot_w}" y2="{by}" '
            f'stroke="#555" stroke-dasharray="4 4"/>'
        )
        out.append(
            f'<text class="baseline-label" x="{_LEFT}" y="44">'
            f"Dashed line: baseline {_num(baseline_point.value)} on "
            f"{baseline_point.on.isoformat()}</text>"
        )
    if len(series) > 1:
        path = " ".join(f"{_num(x_of(point.on))},{_num(y_of(point.value))}" for point in series)
        out.append(f'<polyline class="trend" points="{path}" fill="none" stroke="#1f4e99"/>')
    out.append('<g class="points">')
    for point in series:
        x, y = _num(x_of(point.on)), _num(y_of(point.value))
        is_baseline = point is baseline_point
        band_name = _band_label(bands, point.value)
        label = f"{point.on.isoformat()}: {_num(point.value)}" + (
            f" ({band_name})" if band_name else ""
        )
        if is_baseline:
            label += ", baseline"
        css = "point baseline-point" if is_baseline else "point"
        radius = 6 if is_baseline else 4
        out.append(
            f'<circle class="{css}" cx="{x}" cy="{y}" r="{radius}" fill="#1f4e99">'
            f"<title>{escape(label)}</title></circle>"
        )
        out.append(
            f'<text class="point-value" x="{x}" y="{_num(y_of(point.value) - 10)}" '
            f'text-anchor="middle">{_num(point.value)}</text>'
        )
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
