"""Benchmark results as markdown: the machine, the command, the load table and the other figures."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.load import LoadResult

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Target:
    """A figure to reach: a description and the check of a measured value."""

    text: str
    check: Callable[[float], bool]

    def met(self, value: float) -> str:
        """`yes`, or a bold `no` so a miss stands out in the table."""
        return "yes" if self.check(value) else "**no**"


def at_most(limit: float, unit: str) -> Target:
    """value ≤ limit."""
    return Target(f"≤ {limit:g} {unit}", lambda value: value <= limit)


def at_least(limit: float, unit: str) -> Target:
    """value ≥ limit."""
    return Target(f"≥ {limit:g} {unit}", lambda value: value >= limit)


@dataclass
class LoadRow:
    """One HTTP scenario's figures."""

    name: str
    result: LoadResult
    baseline_rps: float
    p99_target: Target | None = None
    ratio_target: Target | None = None
    rps_target: Target | None = None

    @property
    def ratio(self) -> float:
        """Throughput as a share of the no-database baseline."""
        return self.result.per_second / self.baseline_rps if self.baseline_rps else 0.0

    def cells(self) -> list[str]:
        """The table row."""
        r = self.result
        targets: list[str] = []
        met: list[str] = []
        for target, value in (
            (self.p99_target, r.percentile(0.99)),
            (self.ratio_target, self.ratio * 100),
            (self.rps_target, r.per_second),
        ):
            if target is not None:
                targets.append(target.text)
                met.append(target.met(value))
        return [
            self.name,
            f"{r.requests:,}",
            str(r.errors),
            f"{r.per_second:,.0f}",
            f"{r.percentile(0.50):.1f}",
            f"{r.percentile(0.95):.1f}",
            f"{r.percentile(0.99):.1f}",
            f"{self.ratio:.0%}",
            "; ".join(targets) or "-",
            "; ".join(met) or "-",
        ]


@dataclass
class Figure:
    """A single measured value with its target (if the issue sets one)."""

    name: str
    value: float
    unit: str
    target: Target | None = None
    note: str = ""

    def cells(self) -> list[str]:
        """The table row."""
        shown = (
            f"{self.value:,.1f} {self.unit}" if self.value % 1 else f"{self.value:,.0f} {self.unit}"
        )
        if self.note:
            shown += f" ({self.note})"
        return [
            self.name,
            shown,
            self.target.text if self.target else "-",
            self.target.met(self.value) if self.target else "-",
        ]


@dataclass
class Report:
    """Everything one run against one database produced."""

    database: str
    mode: str
    scale: str
    command: str
    database_version: str
    load_before: str = ""
    load_after: str = ""
    load: list[LoadRow] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        """The results file."""
        lines = [
            f"# bhlink benchmark — {self.database}, {self.mode} run, {self.scale}",
            "",
            f"* Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
            f"* Command: `{self.command}`",
            f"* Code: {_git_revision()}",
            f"* Machine: {machine()}",
            f"* Database: {self.database_version}",
            f"* Load average (1, 5, 15 min) before / after the load runs: {self.load_before} / "
            f"{self.load_after} (the machine is shared; other work there slows every figure)",
            "",
            "## API under load",
            "",
            _table(
                [
                    "scenario",
                    "requests",
                    "errors",
                    "req/s",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "vs baseline",
                    "target",
                    "met",
                ],
                [row.cells() for row in self.load],
            ),
            "",
            "## Other figures",
            "",
            _table(["measure", "value", "target", "met"], [f.cells() for f in self.figures]),
        ]
        if self.notes:
            lines += ["", "## Notes", "", *[f"* {note}" for note in self.notes]]
        return "\n".join(lines) + "\n"


def _table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def _git_revision() -> str:
    try:
        revision = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return revision + (" (with uncommitted changes)" if dirty else "")


def machine() -> str:
    """nproc, memory and CPU model from /proc, and the software that matters."""
    model = "unknown CPU"
    memory = "unknown memory"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB RAM"
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0))
    return (
        f"nproc {cpus}, {memory}, {model}; Linux {platform.release()}; "
        f"Python {sys.version.split()[0]}; SQLite {sqlite3.sqlite_version}"
    )
