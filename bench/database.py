"""The database under test: a fresh SQLite file or PostgreSQL schema, loaded by `bhlink demo generate`."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.server import BHLINK

PG_SCHEMA = "bhlink_bench"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Target:
    """One database the benchmark runs against."""

    name: str  # sqlite | postgresql
    url: str
    workdir: Path

    @property
    def env(self) -> dict[str, str]:
        """Environment for `bhlink` subprocesses aimed at this database."""
        return {
            "BHLINK_DATABASE_URL": self.url,
            "BHLINK_SECRET_KEY": "bench-only-key-" + "0" * 40,
            "BHLINK_SECRET_KEY_FILE": str(self.workdir / "secret.key"),
        }

    def bhlink(self, *args: str) -> str:
        """Run a `bhlink` command against this database; return its standard output."""
        done = subprocess.run(
            [str(BHLINK), *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"bhlink {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def query(self, sql: str, **params: Any) -> list[Any]:
        """Rows of one read-only query (the benchmark's own look at the data)."""
        url = make_url(self.url)
        connect_args = {}
        if url.get_backend_name() == "postgresql":
            connect_args = {"options": str(url.query.get("options", ""))}
            url = url.difference_update_query(["options"])
        engine = create_engine(url, connect_args=connect_args)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql), params))
        finally:
            engine.dispose()


def sqlite_target(workdir: Path, label: str) -> Target:
    """A new, empty SQLite file."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"bench-{label}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return Target("sqlite", f"sqlite:///{path}", workdir)


def _pg_conninfo(base_url: str) -> str:
    url = make_url(base_url)
    info = (
        f"host={url.host or '127.0.0.1'} port={url.port or 5432} "
        f"user={url.username or 'postgres'} dbname={url.database or 'postgres'}"
    )
    return info + (f" password={url.password}" if url.password else "")


def postgresql_target(workdir: Path, base_url: str) -> Target:
    """A new, empty schema `bhlink_bench` (dropped first if a previous run left it)."""
    workdir.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(_pg_conninfo(base_url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{PG_SCHEMA}"')
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
    return Target("postgresql", url.render_as_string(hide_password=False), workdir)


def postgresql_available(base_url: str) -> str | None:
    """None when the server answers, else why not."""
    try:
        with psycopg.connect(_pg_conninfo(base_url), connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).splitlines()[0]


def generate(
    target: Target, *, patients: int, appointments: int, notes: int, seed: int
) -> dict[str, Any]:
    """Migrate and bulk-load the synthetic practice; return the generator's JSON summary."""
    target.bhlink("db", "upgrade")
    out = target.bhlink(
        "demo",
        "generate",
        "--patients",
        str(patients),
        "--appointments",
        str(appointments),
        "--notes",
        str(notes),
        "--seed",
        str(seed),
        "--credentials-file",
        str(target.workdir / f"credentials-{target.name}.json"),
        "--json",
    )
    summary: dict[str, Any] = json.loads(out)
    summary["credentials"] = json.loads(Path(summary["credentialsFile"]).read_text())
    return summary


def settle(target: Target) -> None:
    """Bring the fresh load to a steady state, as a running database would be.

    PostgreSQL: VACUUM ANALYZE, which autovacuum does some time after a large insert (it sets
    the visibility map that lets counts use index-only scans). SQLite: fold the WAL into the
    database file.
    """
    if target.name == "postgresql":
        with psycopg.connect(_pg_conninfo(target.url), autocommit=True) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s", (PG_SCHEMA,)
                )
            ]
            for table in tables:
                conn.execute(f'VACUUM (ANALYZE) "{PG_SCHEMA}"."{table}"')
    else:
        target.query("PRAGMA wal_checkpoint(TRUNCATE)")


def size_mib(target: Target) -> float:
    """Bytes the database takes on disk (tables, indexes, WAL), in MiB."""
    if target.name == "postgresql":
        rows = target.query(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind IN ('r', 'm')",
            schema=PG_SCHEMA,
        )
        return float(rows[0][0]) / 2**20
    path = Path(make_url(target.url).database or "")
    total = sum(
        Path(str(path) + suffix).stat().st_size
        for suffix in ("", "-wal")
        if Path(str(path) + suffix).exists()
    )
    return total / 2**20
