"""Crash durability harness: SIGKILL the real server mid-write, restart, prove nothing acknowledged was lost.

Each round starts `bhlink serve` on a free loopback port, lets writer threads create patients and
appointments over HTTP (a write is *acknowledged*, and recorded, only once its 2xx answer has
arrived), and SIGKILLs the server at a random moment. With the server dead it runs
`bhlink audit verify` (the hash chains must still verify) and, on SQLite, `PRAGMA
integrity_check`. The next round's fresh server must then return every acknowledged record by
id. The method follows shared/reference/security-reliability.md §3 (the writer reports an id
only after COMMIT returned; the harness kills it and asserts every reported id is present).

    python -m tests.security.crash_harness --rounds 25 [--database-url URL]

The database must be empty or new: the harness migrates it and creates its own tenant through
the command line, then talks to the server only over HTTP, as a client would.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

PASSWORD = "crash-harness-password-1"
ADMIN = "crash.admin@harness.example"
SERVER_BOOT_SECONDS = 60.0
NOT_APPLICABLE = "not applicable"


@dataclass
class RoundResult:
    """What one round did and found."""

    number: int
    acknowledged: int
    killed_after: float
    audit_ok: bool
    integrity: str


@dataclass
class CrashReport:
    """The whole run: every acknowledged id, the ones missing after restarts, per-round checks."""

    database: str
    rounds: list[RoundResult] = field(default_factory=list)
    acknowledged: dict[str, int] = field(default_factory=lambda: {"patient": 0, "appointment": 0})
    verified: int = 0
    lost: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # unexpected answers while writing

    @property
    def ok(self) -> bool:
        """No acknowledged write lost, every chain verified, every integrity check ok."""
        return (
            not self.lost
            and not self.errors
            and all(r.audit_ok for r in self.rounds)
            and all(r.integrity in ("ok", NOT_APPLICABLE) for r in self.rounds)
        )

    def summary(self) -> str:
        """One line for logs and docs."""
        return (
            f"{self.database}: {len(self.rounds)} rounds, "
            f"{sum(self.acknowledged.values())} acknowledged writes "
            f"({self.acknowledged['patient']} patients, {self.acknowledged['appointment']} "
            f"appointments), {self.verified} read back, {len(self.lost)} lost, "
            f"audit chain {'verified' if all(r.audit_ok for r in self.rounds) else 'BROKEN'} "
            f"after every kill, integrity_check {self._integrity_summary()}"
        )

    def _integrity_summary(self) -> str:
        checks = {r.integrity for r in self.rounds}
        if checks == {NOT_APPLICABLE}:
            return NOT_APPLICABLE
        return "ok" if checks == {"ok"} else "FAILED"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class CrashHarness:
    """Drive rounds of write-kill-restart-verify against one database."""

    def __init__(self, database_url: str, workdir: Path, *, seed: int = 7) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.random = random.Random(seed)  # when to kill
        self.picks = random.Random(seed + 1)  # which patient an appointment is for (writers)
        self.env = {
            **os.environ,
            "BHLINK_DATABASE_URL": database_url,
            "BHLINK_SECRET_KEY": "crash-harness-server-key-" + "c" * 24,
            "BHLINK_SECRET_KEY_FILE": str(workdir / "secret.key"),
            "BHLINK_DEMO_CREDENTIALS_FILE": str(workdir / "demo.json"),
            "BHLINK_ENVIRONMENT": "test",
            # The writers are one client hammering the server; throttling is not under test.
            "BHLINK_RATE_LIMITS_ENABLED": "false",
            "CRASH_ADMIN_PASSWORD": PASSWORD,
        }
        self.report = CrashReport(database=make_url(database_url).get_backend_name())
        self.integration_id = ""
        self.basic = ""
        self.provider_id = ""
        self.patients: list[str] = []
        self._pending: list[tuple[str, str]] = []  # acknowledged, not yet read back
        self._lock = threading.Lock()

    # --- the command line -------------------------------------------------------------------

    def bhlink(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the `bhlink` command line against the harness database."""
        command = [sys.executable, "-c", "from bhlink.cli import main; main()", *args]
        result = subprocess.run(
            command, env=self.env, cwd=self.workdir, capture_output=True, text=True, timeout=120
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"bhlink {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result

    def prepare(self) -> None:
        """Migrate, then create a tenant, an API client and an admin through the CLI."""
        self.bhlink("db", "upgrade")
        created = self.bhlink(
            "integrations", "create", "--name", "Crash harness", "--no-require-mfa"
        )
        self.integration_id = created.stdout.strip().splitlines()[-1].strip()
        client = json.loads(
            self.bhlink("clients", "create", "--integration", self.integration_id).stdout
        )
        self.basic = (
            "Basic "
            + base64.b64encode(f"{client['clientId']}:{client['clientSecret']}".encode()).decode()
        )
        self.bhlink(
            "users", "create", "--integration", self.integration_id, "--username", ADMIN,
            "--name", "Crash Admin", "--role", "admin", "--password-env", "CRASH_ADMIN_PASSWORD",
        )  # fmt: skip

    # --- the server -------------------------------------------------------------------------

    def start(self) -> tuple[subprocess.Popen[bytes], str]:
        """`bhlink serve` on a free port; returns the process and its base URL once healthy."""
        port = free_port()
        log = (self.workdir / "server.log").open("ab")
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from bhlink.cli import main; main()",
                "serve",
                "--port",
                str(port),
            ],
            env=self.env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_BOOT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"bhlink serve exited with {process.returncode}; see server.log")
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    return process, base
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        process.kill()
        raise RuntimeError("bhlink serve did not become healthy")

    def login(self, base: str) -> dict[str, str]:
        """Bearer headers of the harness admin."""
        response = httpx.post(
            f"{base}/integrations/{self.integration_id}/sessions",
            json={"username": ADMIN, "password": PASSWORD},
            headers={"Authorization": self.basic},
            timeout=30,
        )
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['authToken']}"}

    # --- one round ----------------------------------------------------------------------------

    def _writer(self, base: str, headers: dict[str, str], stop: threading.Event, name: str) -> None:
        prefix = f"{base}/integrations/{self.integration_id}"
        counter = 0
        with httpx.Client(headers=headers, timeout=30) as http:
            while not stop.is_set():
                counter += 1
                try:
                    if self.patients and counter % 2 == 0:
                        start = datetime.now(UTC) + timedelta(days=1, minutes=counter)
                        response = http.post(
                            f"{prefix}/appointments",
                            json={
                                "patientId": self.picks.choice(self.patients),
                                "providerId": self.provider_id,
                                "startTime": _iso(start),
                                "endTime": _iso(start + timedelta(minutes=50)),
                                "allowOverlap": True,
                            },
                        )
                        kind, id_field = "appointment", "appointmentId"
                    else:
                        response = http.post(
                            f"{prefix}/patients",
                            json={
                                "mrn": f"CRASH-{name}-{time.monotonic_ns()}",
                                "firstName": "Crash",
                                "lastName": f"Writer{counter}",
                                "dob": "1970-01-01",
                                "sex": "female",
                            },
                        )
                        kind, id_field = "patient", "patientId"
                except httpx.TransportError:
                    return  # the server is gone; whatever was in flight was never acknowledged
                if response.status_code // 100 != 2:
                    with self._lock:
                        self.report.errors.append(f"{response.status_code}: {response.text[:300]}")
                    return
                record_id = str(response.json()[id_field])
                with self._lock:  # acknowledged: only now does it count
                    self._pending.append((kind, record_id))
                    self.report.acknowledged[kind] += 1
                    if kind == "patient":
                        self.patients.append(record_id)

    def _read_back(self, base: str, headers: dict[str, str]) -> None:
        prefix = f"{base}/integrations/{self.integration_id}"
        with httpx.Client(headers=headers, timeout=30) as http:
            for kind, record_id in self._pending:
                path = "patients" if kind == "patient" else "appointments"
                response = http.get(f"{prefix}/{path}/{record_id}")
                id_field = "patientId" if kind == "patient" else "appointmentId"
                if response.status_code != 200 or response.json().get(id_field) != record_id:
                    self.report.lost.append(f"{kind} {record_id}: {response.status_code}")
                self.report.verified += 1
        self._pending = []

    def _integrity(self) -> str:
        url = make_url(self.database_url)
        if url.get_backend_name() != "sqlite":
            return NOT_APPLICABLE  # PostgreSQL replays its WAL; there is no file to check
        with sqlite3.connect(url.database or "") as conn:
            return str(conn.execute("PRAGMA integrity_check").fetchone()[0])

    def run_round(self, number: int, *, writers: int = 2, kill_window: tuple[float, float]) -> None:
        """Start, verify the previous round's acknowledgements, write, kill, check the store."""
        process, base = self.start()
        try:
            headers = self.login(base)
            self._read_back(base, headers)
            if not self.provider_id:
                response = httpx.post(
                    f"{base}/integrations/{self.integration_id}/providers",
                    json={"npi": "1234567893", "firstName": "Crash", "lastName": "Provider"},
                    headers=headers,
                    timeout=30,
                )
                response.raise_for_status()
                self.provider_id = response.json()["providerId"]
            before = sum(self.report.acknowledged.values())
            stop = threading.Event()
            threads = [
                threading.Thread(target=self._writer, args=(base, headers, stop, f"{number}-{n}"))
                for n in range(writers)
            ]
            for thread in threads:
                thread.start()
            delay = self.random.uniform(*kill_window)
            time.sleep(delay)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        audit = self.bhlink("audit", "verify", check=False)
        self.report.rounds.append(
            RoundResult(
                number=number,
                acknowledged=sum(self.report.acknowledged.values()) - before,
                killed_after=round(delay, 3),
                audit_ok=audit.returncode == 0,
                integrity=self._integrity(),
            )
        )

    def run(self, rounds: int, *, kill_window: tuple[float, float] = (0.3, 1.5)) -> CrashReport:
        """Prepare, run the rounds, and read back the last round's writes on a final restart."""
        self.prepare()
        for number in range(1, rounds + 1):
            self.run_round(number, kill_window=kill_window)
        process, base = self.start()
        try:
            # Self-check of the verifier: an id that was never written must be reported lost.
            missing = ("patient", "pt_0harnessselfcheck")
            self._pending.append(missing)
            self._read_back(base, self.login(base))
            if not self.report.lost or not self.report.lost[-1].startswith(" ".join(missing)):
                raise RuntimeError("the read-back did not notice a missing record")
            self.report.lost.pop()
            self.report.verified -= 1
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        return self.report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: run the harness and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bhlink-crash-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'crash.db'}"
        report = CrashHarness(url, workdir, seed=args.seed).run(args.rounds)
    for r in report.rounds:
        sys.stdout.write(
            f"round {r.number:>2}: {r.acknowledged:>5} acknowledged, killed after "
            f"{r.killed_after:.2f} s, audit {'ok' if r.audit_ok else 'BROKEN'}, "
            f"integrity {r.integrity}\n"
        )
    sys.stdout.write(report.summary() + "\n")
    if report.lost:
        sys.stdout.write("lost: " + ", ".join(report.lost[:20]) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
