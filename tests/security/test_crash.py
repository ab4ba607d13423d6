"""Crash durability: a real server SIGKILLed mid-write loses no acknowledged patient or appointment.

* `test_bounded_crash_rounds` (normal suite): 3 rounds on SQLite, and on PostgreSQL when
  BHLINK_TEST_DATABASE_URL is set.
* `test_crash_rounds` (`make crash`, marked slow): BHLINK_CRASH_ROUNDS rounds (25 by default).

Run with -s to see the one-line summary (rounds, acknowledged writes, lost).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.security.crash_harness import (
    CrashFigures,
    audit_verify,
    run_crash_rounds,
    sqlite_integrity,
)

PG_URL = os.environ.get("BHLINK_TEST_DATABASE_URL")


def _conninfo(url: str) -> str:
    parsed = make_url(url)
    info = (
        f"host={parsed.host or '127.0.0.1'} port={parsed.port or 5432} "
        f"user={parsed.username or 'postgres'} dbname={parsed.database or 'test'}"
    )
    return info + (f" password={parsed.password}" if parsed.password else "")


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL schema `crash_<pid>_<hex>` dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL crash run needs BHLINK_TEST_DATABASE_URL")
    schema = f"crash_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(_conninfo(PG_URL), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            make_url(PG_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(_conninfo(PG_URL), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _check(figures: CrashFigures, url: str) -> None:
    print(f"\n{figures.summary()} database={make_url(url).get_backend_name()}")
    assert figures.acknowledged > 0, "no write was acknowledged: the harness proved nothing"
    assert figures.lost == [], f"{len(figures.lost)} acknowledged writes lost"
    verified = audit_verify(url)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    if url.startswith("sqlite"):
        assert sqlite_integrity(url) == "ok"


def test_bounded_crash_rounds(crash_url: str, tmp_path: Path) -> None:
    figures = run_crash_rounds(crash_url, tmp_path, rounds=3, seed=20261123, max_seconds=1.5)
    _check(figures, crash_url)


@pytest.mark.slow
def test_crash_rounds(crash_url: str, tmp_path: Path) -> None:
    rounds = int(os.environ.get("BHLINK_CRASH_ROUNDS", "25"))
    seed = int(os.environ.get("BHLINK_CRASH_SEED", "20261123"))
    figures = run_crash_rounds(crash_url, tmp_path, rounds=rounds, seed=seed, max_seconds=3.0)
    _check(figures, crash_url)
