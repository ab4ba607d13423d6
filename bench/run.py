"""`python -m bench.run --quick|--full`: generate a practice, load the API, report against the targets.

For each database (SQLite, then PostgreSQL in the schema `bhlink_bench`):

1. `bhlink db upgrade` and `bhlink demo generate` into a fresh database (timed: the generator's
   appointments/s), then the database settles (VACUUM ANALYZE / WAL checkpoint);
2. `bhlink serve --workers N` starts as a subprocess with `BHLINK_BENCH_ROUTES=1`;
3. from this process, over loopback, 32 concurrent clients run each scenario (a warm-up, then a
   timed window): the no-database baseline `GET /bench/ping`, login, a patient by id, a page
   of 50 patients by `updatedAfter`, a provider's week of appointments, and bookings with and
   without `Idempotency-Key`; then one client walks every patient with the cursor;
4. every booking the server acknowledged (201) is looked up in the database;
5. peak RSS of the server's processes (VmHWM) and the database size are read.

The tables go to stdout and to `bench/results/<date>-<db>[-quick].md`. See
docs/operations/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import database, report
from bench.load import run_load
from bench.report import Figure, LoadRow, Report, at_least, at_most
from bench.scenarios import Practice, cursor_walk, missing_acknowledged, scenarios
from bench.server import Server

RESULTS = report.ROOT / "bench" / "results"
WORKDIR = report.ROOT / "var" / "bench"
MB = 1_000_000


@dataclass(frozen=True)
class Mode:
    """How big and how long a run is."""

    name: str
    patients: int
    appointments: int
    notes: int
    warmup: float
    duration: float


QUICK = Mode("quick", 5_000, 50_000, notes=1_000, warmup=1.5, duration=4.0)
FULL = Mode("full", 100_000, 1_000_000, notes=100_000, warmup=5.0, duration=20.0)


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--quick", action="store_true", help="5,000 patients, short windows (default)"
    )
    size.add_argument(
        "--full", action="store_true", help="100,000 patients / 1,000,000 appointments"
    )
    parser.add_argument("--db", default="sqlite,postgresql", help="databases, comma-separated")
    parser.add_argument("--patients", type=int, help="override the mode's patient count")
    parser.add_argument("--appointments", type=int, help="override the mode's appointment count")
    parser.add_argument("--notes", type=int, help="override the mode's clinical-note count")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--warmup", type=float, help="seconds before each timed window")
    parser.add_argument("--duration", type=float, help="seconds of each timed window")
    parser.add_argument("--pg-url", default=database.DEFAULT_PG_URL, help="PostgreSQL server")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--no-write", action="store_true", help="print the tables only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 0 even when targets are missed (the tables say so)."""
    args = _arguments(sys.argv[1:] if argv is None else argv)
    mode = FULL if args.full else QUICK
    patients = args.patients or mode.patients
    args.notes = args.notes if args.notes is not None else mode.notes
    appointments = args.appointments if args.appointments is not None else mode.appointments
    warmup = args.warmup if args.warmup is not None else mode.warmup
    duration = args.duration if args.duration is not None else mode.duration
    command = "python -m bench.run " + shlex.join(sys.argv[1:] if argv is None else argv)
    edi = edi_section(quick=mode is QUICK)
    for name in [n.strip() for n in args.db.split(",") if n.strip()]:
        began = time.perf_counter()
        result = run_database(
            name,
            args,
            mode=mode.name,
            patients=patients,
            appointments=appointments,
            warmup=warmup,
            duration=duration,
            command=command,
        )
        if result is None:
            continue
        result.notes.extend(edi)
        result.notes.append(f"This run took {time.perf_counter() - began:.0f} s.")
        text = result.markdown()
        print(text, flush=True)
        if not args.no_write:
            args.results_dir.mkdir(parents=True, exist_ok=True)
            suffix = "" if mode is FULL else f"-{mode.name}"
            day = datetime.now(UTC).strftime("%Y-%m-%d")
            path = args.results_dir / f"{day}-{name}{suffix}.md"
            path.write_text(text)
            print(f"written to {path}", flush=True)
    return 0


def run_database(
    name: str,
    args: argparse.Namespace,
    *,
    mode: str,
    patients: int,
    appointments: int,
    warmup: float,
    duration: float,
    command: str,
) -> Report | None:
    """Generate, serve, load and measure one database; None when it is not reachable."""
    workdir = WORKDIR / name
    if name == "sqlite":
        target = database.sqlite_target(workdir, f"{patients}")
        version = "SQLite (WAL, synchronous=FULL)"
    elif name == "postgresql":
        why = database.postgresql_available(args.pg_url)
        if why is not None:
            print(f"PostgreSQL skipped: {why}", file=sys.stderr)
            return None
        target = database.postgresql_target(workdir, args.pg_url)
        version = str(target.query("SELECT version()")[0][0]).split(" on ")[0]
        version += f", schema {database.PG_SCHEMA}"
    else:
        raise SystemExit(f"unknown database {name!r}: sqlite or postgresql")
    progress = _progress(name)
    progress(f"generating {patients:,} patients and {appointments:,} appointments")
    summary = database.generate(
        target,
        patients=patients,
        appointments=appointments,
        notes=args.notes,
        seed=args.seed,
    )
    database.settle(target)
    loaded_size = database.size_mib(target)
    practice = Practice.load(target, summary)
    scale = (
        f"{patients:,} patients / {appointments:,} appointments / "
        f"{summary['rows'].get('notes', 0):,} notes, {args.clients} clients"
    )
    result = Report(name, mode, scale, command, version, load_before=_loadavg())
    if summary.get("notesSkipped"):
        result.notes.append(f"Notes: {summary['notesSkipped']}.")
    requests = scenarios(practice)
    log = workdir / "server.log"
    with Server(target.env, workers=args.workers, log=log) as server:
        progress(f"server up on {server.base_url} with {args.workers} workers")
        practice.log_in(server.base_url, min(args.clients, 8))

        def load(scenario: str) -> LoadRow:
            progress(scenario)
            outcome = run_load(
                server.base_url,
                requests[scenario],
                clients=args.clients,
                warmup=warmup,
                duration=duration,
            )
            return LoadRow(scenario, outcome, baseline)

        baseline = 0.0
        baseline_row = load("GET /bench/ping (baseline)")
        baseline = baseline_row.result.per_second
        baseline_row.baseline_rps = baseline
        result.load.append(baseline_row)
        result.load.append(load("POST /sessions (login)"))
        for scenario, p99 in (
            ("GET /patients/{id}", 50),
            ("GET /appointments (provider, week)", 50),
        ):
            row = load(scenario)
            row.p99_target = at_most(p99, "ms p99")
            row.ratio_target = at_least(40, "% of baseline")
            result.load.append(row)
        row = load("GET /patients?updatedAfter (page of 50)")
        row.p99_target = at_most(100, "ms p99")
        result.load.append(row)
        progress("cursor walk of every patient")
        walk = cursor_walk(server.base_url, practice)
        bookings_target = 500 if name == "postgresql" else 300
        for scenario in ("POST /appointments", "POST /appointments + Idempotency-Key"):
            row = load(scenario)
            row.rps_target = at_least(bookings_target, "req/s")
            result.load.append(row)
        rss_total, rss_largest = server.peak_rss_mib()
    result.load_after = _loadavg()
    missing = missing_acknowledged(target, practice)
    walk_ok = walk.items == walk.distinct == patients
    result.figures = [
        Figure(
            "generator: appointments written per second",
            float(summary["appointmentsPerSecond"]),
            "/s",
            at_least(20_000, "/s"),
            f"{summary['seconds']['total']:.1f} s for the whole practice",
        ),
        Figure(
            "full cursor walk of every patient (pageSize 500)",
            walk.seconds,
            "s",
            at_most(30, "s"),
            f"{walk.pages} pages, {walk.items:,} items, {walk.distinct:,} distinct"
            + ("" if walk_ok else " — NOT every patient exactly once"),
        ),
        Figure(
            "cursor walk: every patient exactly once",
            1.0 if walk_ok else 0.0,
            "(1 = yes)",
            at_least(1, "(every patient once)"),
        ),
        Figure(
            "acknowledged bookings missing from the database",
            float(missing),
            "",
            at_most(0, "(none lost)"),
            f"of {len(practice.acknowledged):,} acknowledged",
        ),
        Figure(
            "peak RSS, largest server process",
            rss_largest * 2**20 / MB,
            "MB",
            at_most(400, "MB"),
            "VmHWM of each process; a worker",
        ),
        Figure(
            "peak RSS, all server processes together",
            rss_total * 2**20 / MB,
            "MB",
            at_most(400, "MB"),
            f"sum of VmHWM: {args.workers} workers + uvicorn supervisor",
        ),
        Figure("database size after the load", loaded_size * 2**20 / MB, "MB"),
        Figure("database size at the end", database.size_mib(target) * 2**20 / MB, "MB"),
    ]
    return result


def edi_section(*, quick: bool) -> list[str]:
    """The EDI benchmarks' lines, or why there are none.

    The X12 library's own benchmark lives in `bench/edi.py` (owned with `bhlink.edi`): it must
    define `run(quick: bool) -> list[str]`, markdown lines such as a table of 837P lines/s and
    835 MB/s against pyx12 and linuxforhealth-x12. This runner calls it when both exist.
    """
    if importlib.util.find_spec("bhlink.edi") is None:
        return ["EDI: skipped — `bhlink.edi` is not installed."]
    edi = importlib.import_module("bhlink.edi")
    if not getattr(edi, "__all__", None):
        return ["EDI: skipped — `bhlink.edi` exports nothing yet."]
    if importlib.util.find_spec("bench.edi") is None:
        return [
            "EDI: skipped — `bhlink.edi` is present but its benchmark `bench/edi.py` "
            "(837P lines/s, 835 MB/s vs pyx12 and linuxforhealth-x12) is not written yet."
        ]
    module = importlib.import_module("bench.edi")
    lines: list[str] = module.run(quick=quick)
    return lines


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _progress(name: str) -> Callable[[str], None]:
    started = time.perf_counter()

    def say(message: str) -> None:
        print(
            f"[{name} {time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True
        )

    return say


if __name__ == "__main__":
    raise SystemExit(main())
