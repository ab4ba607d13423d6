"""kill -9 the real server while it writes; every acknowledged write must survive (crash_harness.py).

The bounded run (3 rounds) belongs to the normal suite on each database leg; the long one
(`make crash`: BHLINK_CRASH_ROUNDS, default 25) is marked slow.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.security.crash_harness import NOT_APPLICABLE, CrashHarness


@pytest.fixture
def crash_database(tmp_path: Path) -> Iterator[str]:
    """A new SQLite file, or a new PostgreSQL schema when the suite runs on PostgreSQL."""
    pg_url = os.environ.get("BHLINK_TEST_DATABASE_URL")
    if not pg_url:
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    url = make_url(pg_url)
    schema = f"bhlink_crash_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    conninfo = (
        f"host={url.host or '127.0.0.1'} port={url.port or 5432} "
        f"user={url.username or 'postgres'} dbname={url.database or 'test'}"
    )
    if url.password:
        conninfo += f" password={url.password}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _run(database_url: str, workdir: Path, rounds: int) -> None:
    report = CrashHarness(database_url, workdir, seed=rounds).run(rounds)
    print("\n" + report.summary())
    assert not report.errors, report.errors[:5]
    assert len(report.rounds) == rounds
    assert sum(report.acknowledged.values()) > 0 and report.verified == sum(
        report.acknowledged.values()
    )
    assert not report.lost, report.lost[:20]
    assert all(r.audit_ok for r in report.rounds), "bhlink audit verify failed after a kill"
    expected = "ok" if database_url.startswith("sqlite") else NOT_APPLICABLE
    assert all(r.integrity == expected for r in report.rounds), [r.integrity for r in report.rounds]


def test_acknowledged_writes_survive_kill_9(crash_database: str, tmp_path: Path) -> None:
    _run(crash_database, tmp_path, rounds=3)


@pytest.mark.slow
def test_acknowledged_writes_survive_many_kills(crash_database: str, tmp_path: Path) -> None:
    _run(crash_database, tmp_path, rounds=int(os.environ.get("BHLINK_CRASH_ROUNDS", "25")))
