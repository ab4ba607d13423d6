"""The server under test: `bhlink serve` as a subprocess, its readiness and its memory from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BHLINK = Path(sys.executable).with_name("bhlink")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces; fields after the closing parenthesis are fixed.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.append(int(entry.name))
    return found


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    tree = [pid]
    index = 0
    while index < len(tree):
        tree.extend(_children(tree[index]))
        index += 1
    return tree


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


class Server:
    """`bhlink serve --workers N` on a free loopback port, with the bench route switched on."""

    def __init__(self, env: dict[str, str], *, workers: int, log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self._env = {**os.environ, **env, "BHLINK_BENCH_ROUTES": "1", "BHLINK_LOG_LEVEL": "WARNING"}
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server and wait until every worker answers."""
        self._log.parent.mkdir(parents=True, exist_ok=True)
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                [str(BHLINK), "serve", "--port", str(self.port), "--workers", str(self.workers)],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"bhlink serve exited; see {self._log}")
            try:
                if httpx.get(self.base_url + "/bench/ping", timeout=1).status_code == 200:
                    workers_up = len(process_tree(self._process.pid)) - 1
                    if self.workers == 1 or workers_up >= self.workers:
                        time.sleep(1.0)  # let every worker finish its start-up
                        return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"bhlink serve did not answer within 60 s; see {self._log}")

    def peak_rss_mib(self) -> tuple[float, float]:
        """(sum over the server's processes, largest single process) of peak RSS (VmHWM), MiB."""
        assert self._process is not None
        peaks = [_status_kib(pid, "VmHWM") for pid in process_tree(self._process.pid)]
        return sum(peaks) / 1024, max(peaks, default=0) / 1024

    def stop(self) -> None:
        """Stop the server (SIGINT: uvicorn's graceful shutdown) and wait for it."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
