"""In-process webhook metrics and their Prometheus text rendering.

Format: Prometheus text exposition format 0.0.4
(https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): `# HELP` and
`# TYPE` lines, then `name{label="value"} number`; label values escape backslash, double quote
and newline; a histogram exposes cumulative `_bucket{le=...}` series ending with `le="+Inf"`,
plus `_sum` and `_count`. Counters end in `_total`.

Counters and the latency histogram count what this process's workers did since it started
(Prometheus sums them across processes). Queue depth is read from the database at scrape time
(see `queue_depth_lines`), so every process reports the same, whole-system figure.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Seconds. Local receivers answer in milliseconds, remote ones in tens to hundreds; the top
# buckets sit at the 15 s delivery timeout.
LATENCY_BUCKETS: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)


def escape_label(value: str) -> str:
    """Escape a label value for the text format."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def format_number(value: float) -> str:
    """Render a sample value (integers without a fraction, infinities as +Inf/-Inf)."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _labels(pairs: Sequence[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{name}="{escape_label(value)}"' for name, value in pairs) + "}"


def sample(name: str, value: float, labels: Sequence[tuple[str, str]] = ()) -> str:
    """One sample line."""
    return f"{name}{_labels(labels)} {format_number(value)}"


def header(name: str, kind: str, help_text: str) -> list[str]:
    """The HELP and TYPE lines of a metric family."""
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


@dataclass
class Counter:
    """A monotonically increasing count per label set."""

    name: str
    help_text: str
    label_names: tuple[str, ...] = ()
    _values: dict[tuple[str, ...], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inc(self, *label_values: str, amount: float = 1.0) -> None:
        """Add `amount` (never negative) to the series of these label values."""
        if amount < 0:
            raise ValueError("counters only go up")
        if len(label_values) != len(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}")
        with self._lock:
            self._values[label_values] = self._values.get(label_values, 0.0) + amount

    def value(self, *label_values: str) -> float:
        """The current count of one series (0 when never incremented)."""
        with self._lock:
            return self._values.get(label_values, 0.0)

    def render(self) -> list[str]:
        """HELP, TYPE and one line per series."""
        with self._lock:
            items = sorted(self._values.items())
        lines = header(self.name, "counter", self.help_text)
        lines += [
            sample(self.name, value, list(zip(self.label_names, labels, strict=True)))
            for labels, value in items
        ]
        return lines


@dataclass
class Histogram:
    """Observations counted into cumulative buckets, with their sum and count."""

    name: str
    help_text: str
    buckets: tuple[float, ...] = LATENCY_BUCKETS
    _counts: list[int] = field(default_factory=list)
    _sum: float = 0.0
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if list(self.buckets) != sorted(set(self.buckets)):
            raise ValueError("histogram buckets must be strictly increasing")
        self._counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        """Count one observation."""
        with self._lock:
            for index, bound in enumerate(self.buckets):
                if value <= bound:
                    self._counts[index] += 1
            self._sum += value
            self._count += 1

    @property
    def count(self) -> int:
        """How many observations were made."""
        with self._lock:
            return self._count

    def render(self) -> list[str]:
        """HELP, TYPE, the cumulative buckets, +Inf, sum and count."""
        with self._lock:
            counts, total, count = list(self._counts), self._sum, self._count
        lines = header(self.name, "histogram", self.help_text)
        for bound, bucket_count in zip(self.buckets, counts, strict=True):
            lines.append(sample(f"{self.name}_bucket", bucket_count, [("le", repr(bound))]))
        lines.append(sample(f"{self.name}_bucket", count, [("le", "+Inf")]))
        lines.append(sample(f"{self.name}_sum", total))
        lines.append(sample(f"{self.name}_count", count))
        return lines


@dataclass
class WebhookMetrics:
    """Everything the delivery workers of this process count."""

    attempts: Counter = field(
        default_factory=lambda: Counter(
            "bhlink_webhook_attempts_total",
            "Webhook delivery attempts by outcome (delivered, retry, failed, endpoint_disabled, lease_lost).",
            ("outcome",),
        )
    )
    failures: Counter = field(
        default_factory=lambda: Counter(
            "bhlink_webhook_failures_total",
            "Failed webhook delivery attempts by endpoint.",
            ("endpoint",),
        )
    )
    fanned_out: Counter = field(
        default_factory=lambda: Counter(
            "bhlink_outbox_events_dispatched_total",
            "Outbox events fanned out into webhook deliveries.",
        )
    )
    latency: Histogram = field(
        default_factory=lambda: Histogram(
            "bhlink_webhook_delivery_latency_seconds",
            "Time from sending a webhook to the receiver's answer (or the error).",
        )
    )

    def render(self) -> list[str]:
        """Every family of this registry."""
        return [
            *self.attempts.render(),
            *self.failures.render(),
            *self.fanned_out.render(),
            *self.latency.render(),
        ]


def queue_depth_lines(
    undispatched_events: int,
    deliveries_by_status: dict[str, int],
    endpoints_by_status: dict[str, int],
    failing_endpoints: Iterable[str],
) -> list[str]:
    """Gauges read from the database: the work waiting and the endpoints in trouble."""
    lines = header(
        "bhlink_outbox_undispatched_events",
        "gauge",
        "Outbox events not yet fanned out into deliveries.",
    )
    lines.append(sample("bhlink_outbox_undispatched_events", undispatched_events))
    lines += header(
        "bhlink_webhook_queue_depth",
        "gauge",
        "Webhook deliveries waiting (pending) or being attempted (in_flight).",
    )
    lines += [
        sample("bhlink_webhook_queue_depth", count, [("status", status)])
        for status, count in sorted(deliveries_by_status.items())
    ]
    lines += header("bhlink_webhook_endpoints", "gauge", "Webhook endpoints by status.")
    lines += [
        sample("bhlink_webhook_endpoints", count, [("status", status)])
        for status, count in sorted(endpoints_by_status.items())
    ]
    lines += header(
        "bhlink_webhook_endpoint_failing",
        "gauge",
        "1 for each endpoint whose latest attempts failed (failing since its last success).",
    )
    lines += [
        sample("bhlink_webhook_endpoint_failing", 1, [("endpoint", endpoint)])
        for endpoint in failing_endpoints
    ]
    return lines


def exposition(lines: Iterable[str]) -> str:
    """Join lines into a text-format body (ends with a newline, as the format requires)."""
    return "\n".join(lines) + "\n"


# The registry the worker threads of this process report into, and /metrics renders.
METRICS = WebhookMetrics()
