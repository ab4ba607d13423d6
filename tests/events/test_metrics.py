"""Prometheus text rendering of the webhook metrics, checked against the format's rules."""

from __future__ import annotations

import math

import pytest

from bhlink.events.metrics import (
    Counter,
    Histogram,
    WebhookMetrics,
    escape_label,
    exposition,
    format_number,
    queue_depth_lines,
)


def test_label_values_escape_backslash_quote_and_newline() -> None:
    assert escape_label('a\\b"c\nd') == 'a\\\\b\\"c\\nd'


def test_numbers() -> None:
    assert format_number(3.0) == "3"
    assert format_number(0.25) == "0.25"
    assert format_number(math.inf) == "+Inf"


def test_counter_renders_help_type_and_one_line_per_series() -> None:
    counter = Counter("x_total", "Things.", ("endpoint",))
    counter.inc("whk_b")
    counter.inc("whk_a", amount=2)
    counter.inc("whk_b")
    assert counter.render() == [
        "# HELP x_total Things.",
        "# TYPE x_total counter",
        'x_total{endpoint="whk_a"} 2',
        'x_total{endpoint="whk_b"} 2',
    ]
    with pytest.raises(ValueError):
        counter.inc("whk_a", amount=-1)
    with pytest.raises(ValueError):
        counter.inc()


def test_histogram_buckets_are_cumulative_and_end_with_inf() -> None:
    histogram = Histogram("lat_seconds", "Latency.", buckets=(0.1, 1.0))
    for value in (0.05, 0.1, 0.5, 3.0):
        histogram.observe(value)
    assert histogram.render() == [
        "# HELP lat_seconds Latency.",
        "# TYPE lat_seconds histogram",
        'lat_seconds_bucket{le="0.1"} 2',
        'lat_seconds_bucket{le="1.0"} 3',
        'lat_seconds_bucket{le="+Inf"} 4',
        "lat_seconds_sum 3.65",
        "lat_seconds_count 4",
    ]
    with pytest.raises(ValueError):
        Histogram("bad", "Bad.", buckets=(1.0, 0.5))


def test_queue_depth_and_registry_render_as_one_body() -> None:
    registry = WebhookMetrics()
    registry.attempts.inc("delivered")
    body = exposition(
        queue_depth_lines(3, {"pending": 2, "in_flight": 1}, {"enabled": 4}, ["whk_x"])
        + registry.render()
    )
    assert body.endswith("\n")
    lines = body.splitlines()
    assert "bhlink_outbox_undispatched_events 3" in lines
    assert 'bhlink_webhook_queue_depth{status="pending"} 2' in lines
    assert 'bhlink_webhook_endpoint_failing{endpoint="whk_x"} 1' in lines
    assert 'bhlink_webhook_attempts_total{outcome="delivered"} 1' in lines
    assert "# TYPE bhlink_webhook_delivery_latency_seconds histogram" in lines
