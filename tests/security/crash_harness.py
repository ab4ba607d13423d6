"""Crash durability harness: SIGKILL a real `bhlink serve` mid-write and prove no acknowledged write is lost.

Threads POST patients and appointments to the server; an id is recorded ONLY once the server
answered 2xx (the commit returned). The server is killed with SIGKILL at a random moment
(`random.Random(seed)`), restarted, and the cycle repeats. Afterwards every acknowledged id
must answer GET 200, `bhlink audit verify` must exit 0 and, on SQLite, `PRAGMA integrity_check`
must be `ok` (see ../shared/reference/security-reliability.md §3 "Crash tests").
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from bhlink.schemas.directory import ProviderWrite
from bhlink.services import directory, tenancy
from bhlink.services.context import Actor
from bhlink.store.db import Database

BIN = Path(sys.executable).parent
SECRET_KEY = "crash-harness-secret-key-0123456789abcdef"
PASSWORD = "crash harness password, not a real one"
NPI = "1234567893"
WRITERS = 4


@dataclass
class CrashFigures:
    """What one run did and found."""

    rounds: int
    acknowledged_patients: int
    acknowledged_appointments: int
    lost: list[str]
    failed_requests: int
    seed: int

    @property
    def acknowledged(self) -> int:
        """Writes the server confirmed with a 2xx."""
        return self.acknowledged_patients + self.acknowledged_appointments

    def summary(self) -> str:
        """One line for the log (`pytest -s`)."""
        return (
            f"crash: rounds={self.rounds} acknowledged={self.acknowledged} "
            f"(patients={self.acknowledged_patients}, "
            f"appointments={self.acknowledged_appointments}) lost={len(self.lost)} "
            f"unacknowledged_attempts={self.failed_requests} seed={self.seed}"
        )


@dataclass
class Tenant:
    """The practice the writers write into."""

    integration_id: str
    client_id: str
    client_secret: str
    username: str
    provider_id: str


@dataclass
class Acknowledged:
    """Ids the server acknowledged, shared by the writer threads."""

    patients: list[str] = field(default_factory=list)
    appointments: list[str] = field(default_factory=list)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(database_url: str) -> dict[str, str]:
    """Environment of the server and CLI subprocesses."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("BHLINK_") and key != "PYTEST_XDIST_WORKER"
    }
    env.update(
        BHLINK_DATABASE_URL=database_url,
        BHLINK_SECRET_KEY=SECRET_KEY,
        BHLINK_ENVIRONMENT="test",
        BHLINK_LOG_LEVEL="WARNING",
        # Four writers and a read-back of thousands of ids by one user would meet the per-user
        # rate limit (429s read as lost writes); throttling is tested in test_rate_limits.py.
        BHLINK_RATE_LIMITS_ENABLED="false",
    )
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `bhlink <args>` and capture its output."""
    return subprocess.run(
        [str(BIN / "bhlink"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def create_tenant(database_url: str) -> Tenant:
    """An integration with one provider, an API client and an admin user, via the services."""
    database = Database(database_url)
    try:
        with database.unit_of_work() as uow:
            integration = tenancy.create_integration(
                uow, name="Crash practice", timezone="America/Chicago", require_mfa=False
            )
            provider, _ = directory.upsert_provider(
                uow,
                Actor.system(integration.id),
                ProviderWrite(
                    npi=NPI,
                    first_name="Crash",
                    last_name="Provider",
                    credentials="LCSW",
                    taxonomy="1041C0700X",
                ),
            )
            created = tenancy.create_client(uow, integration.id, "crash client")
            username = "crash-admin@test.example"
            tenancy.create_user(
                uow,
                integration.id,
                username=username,
                name="Crash admin",
                password=PASSWORD,
                roles=["admin"],
            )
            uow.commit()
        return Tenant(integration.id, created.client.id, created.secret, username, provider.id)
    finally:
        database.dispose()


class Server:
    """One `bhlink serve --no-worker` process on a loopback port, killed and restarted at will."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.env = env
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait until /health answers 200."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "bhlink"), "serve", "--port", str(self.port), "--no-worker"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(self.base_url + "/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not answer /health in time")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no flush, no rollback runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """A graceful stop (SIGTERM, then SIGKILL if it lingers)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def login(base_url: str, tenant: Tenant) -> dict[str, str]:
    """Bearer headers for the tenant's admin."""
    response = httpx.post(
        f"{base_url}/integrations/{tenant.integration_id}/sessions",
        json={"username": tenant.username, "password": PASSWORD},
        auth=(tenant.client_id, tenant.client_secret),
        timeout=30.0,
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['authToken']}"}


def _in_hours(hours: float) -> str:
    moment = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
    return moment.isoformat().replace("+00:00", "Z")


def _writer(
    base: str,
    headers: dict[str, str],
    tenant: Tenant,
    acknowledged: Acknowledged,
    stop: threading.Event,
    rng: random.Random,
) -> None:
    """Alternate patient and appointment creations until told to stop."""
    with httpx.Client(base_url=base, headers=headers, timeout=10.0) as http:
        while not stop.is_set():
            with acknowledged.lock:
                patient_ids = list(acknowledged.patients[-20:])
            try:
                if not patient_ids or rng.random() < 0.5:
                    response = http.post(
                        "/patients",
                        json={
                            "mrn": f"CR-{secrets.token_hex(6)}",
                            "firstName": "Crash",
                            "lastName": "Writer",
                            "dob": "1980-02-03",
                            "sex": "female",
                        },
                    )
                    kind, key = "patients", "patientId"
                else:
                    start = rng.uniform(1, 2000)
                    response = http.post(
                        "/appointments",
                        json={
                            "patientId": rng.choice(patient_ids),
                            "providerId": tenant.provider_id,
                            "serviceCode": "90834",
                            "startTime": _in_hours(start),
                            "endTime": _in_hours(start + 50 / 60),
                            "allowOverlap": True,
                        },
                    )
                    kind, key = "appointments", "appointmentId"
            except httpx.TransportError:
                # No answer: the write is unacknowledged (it may or may not have committed).
                with acknowledged.lock:
                    acknowledged.failures += 1
                time.sleep(0.02)
                continue
            with acknowledged.lock:
                if 200 <= response.status_code < 300:
                    getattr(acknowledged, kind).append(response.json()[key])
                else:
                    acknowledged.failures += 1


def run_crash_rounds(
    database_url: str,
    workdir: Path,
    *,
    rounds: int,
    seed: int,
    min_seconds: float = 0.3,
    max_seconds: float = 2.0,
) -> CrashFigures:
    """Migrate, create a tenant, run `rounds` write-and-SIGKILL cycles, then check every id."""
    env = server_env(database_url)
    migrated = cli(env, "db", "upgrade")
    if migrated.returncode != 0:
        raise RuntimeError(f"bhlink db upgrade failed: {migrated.stderr[-2000:]}")
    tenant = create_tenant(database_url)
    rng = random.Random(seed)
    server = Server(env, free_port(), workdir / "server.log")
    acknowledged = Acknowledged()
    base = f"{server.base_url}/integrations/{tenant.integration_id}"
    server.start()
    headers = login(server.base_url, tenant)
    try:
        for _ in range(rounds):
            if server.process is None or server.process.poll() is not None:
                server.start()
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=_writer,
                    args=(base, headers, tenant, acknowledged, stop, random.Random(rng.random())),
                    daemon=True,
                )
                for _ in range(WRITERS)
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(min_seconds, max_seconds))
            server.kill()  # while the writers are mid-request
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        server.start()
        lost = _missing(base, headers, acknowledged)
    finally:
        server.stop()
    return CrashFigures(
        rounds=rounds,
        acknowledged_patients=len(acknowledged.patients),
        acknowledged_appointments=len(acknowledged.appointments),
        lost=lost,
        failed_requests=acknowledged.failures,
        seed=seed,
    )


def _missing(base: str, headers: dict[str, str], acknowledged: Acknowledged) -> list[str]:
    """Acknowledged ids that no longer answer GET 200."""
    lost: list[str] = []
    with httpx.Client(base_url=base, headers=headers, timeout=30.0) as http:
        for kind, ids in (
            ("patients", acknowledged.patients),
            ("appointments", acknowledged.appointments),
        ):
            for record_id in ids:
                if http.get(f"/{kind}/{record_id}").status_code != 200:
                    lost.append(record_id)
    return lost


def audit_verify(database_url: str) -> subprocess.CompletedProcess[str]:
    """`bhlink audit verify` over the crashed database."""
    return cli(server_env(database_url), "audit", "verify")


def sqlite_integrity(database_url: str) -> str:
    """`PRAGMA integrity_check` of a SQLite database URL."""
    path = make_url(database_url).database
    assert path is not None
    with sqlite3.connect(path) as conn:
        rows: list[Any] = conn.execute("PRAGMA integrity_check").fetchall()
    return "\n".join(str(row[0]) for row in rows)
