"""Shared fixtures: a migrated database per test worker (SQLite, or PostgreSQL when
BHLINK_TEST_DATABASE_URL is set), the app, and a fresh practice (tenant) per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from bhlink.config import Settings
from bhlink.server import create_app
from bhlink.services import crypto
from bhlink.store import migrate
from bhlink.store.db import Database
from tests.support.practice import Practice, build_practice

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> None:
    # Production uses argon2id's RFC 9106 parameters; tests only need the same algorithm.
    crypto._hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite file per worker, or a fresh PostgreSQL schema per worker."""
    pg_url = os.environ.get("BHLINK_TEST_DATABASE_URL")
    if not pg_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'bhlink-test.db'}"
        return
    # Unique per process: two test runs against one server (developers, CI) must not share a schema.
    schema = f"bhlink_test_{_worker()}_{os.getpid()}"
    url = make_url(pg_url)
    conninfo = f"host={url.host or '127.0.0.1'} port={url.port or 5432} user={url.username or 'postgres'} dbname={url.database or 'test'}"
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


@pytest.fixture(scope="session")
def db(database_url: str) -> Iterator[Database]:
    """The migrated database (alembic upgrade head, as production does)."""
    database = Database(database_url)
    migrate.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Test settings with a fixed server key."""
    tmp = tmp_path_factory.mktemp("settings")
    return Settings(
        database_url=database_url,
        environment="test",
        secret_key="test-secret-key-for-bhlink-tests-only-0123456789",
        demo_credentials_file=tmp / "demo.json",
        serve_worker=False,  # tests drive the delivery worker step by step
        edi_outbox=tmp / "edi" / "outbox",
        edi_inbox=tmp / "edi" / "inbox",
    )


@pytest.fixture(scope="session")
def app(settings: Settings, db: Database) -> FastAPI:
    """The composed application (API and patient pages) over the test database."""
    return create_app(settings, db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client that calls the app in-process."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def practice(db: Database, app: FastAPI, client: TestClient) -> Practice:
    """A fresh integration (tenant) with directory, a few patients and users per role."""
    return build_practice(db, app, client)


@pytest.fixture
def other_practice(db: Database, app: FastAPI, client: TestClient) -> Practice:
    """A second, unrelated integration (for tenant isolation tests)."""
    return build_practice(db, app, client)


@pytest.fixture
def shared_dir() -> Path:
    """The ../shared folder beside the repository (sample data under their own licences)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent: sample data lives beside the repository, not in it")
    return SHARED
