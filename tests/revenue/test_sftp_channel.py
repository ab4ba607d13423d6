"""The SFTP submission channel against an asyncssh SFTP server started in-process on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest

from tests.revenue.support import completed_appointment, reply_835, set_up_billing
from tests.support.practice import Practice

USERNAME, PASSWORD = "bhlink", "sftp-test-password"


@dataclass
class SftpServer:
    port: int
    host_key: str
    root: Path


class _PasswordServer(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USERNAME and password == PASSWORD


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[SftpServer]:
    root = tmp_path / "sftp"
    (root / "outbound").mkdir(parents=True)
    (root / "inbound").mkdir()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    key = asyncssh.generate_private_key("ssh-ed25519")

    async def start() -> object:
        return await asyncssh.create_server(
            _PasswordServer,
            "127.0.0.1",
            0,
            server_host_keys=[key],
            sftp_factory=lambda channel: asyncssh.SFTPServer(channel, chroot=str(root).encode()),
        )

    try:
        server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    except Exception as exc:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        pytest.skip(f"asyncssh could not start an SFTP server on 127.0.0.1: {exc!r}")
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield SftpServer(port, key.export_public_key().decode().strip(), root)
    finally:
        server.close()  # type: ignore[attr-defined]

        async def closed() -> None:
            await server.wait_closed()  # type: ignore[attr-defined]

        asyncio.run_coroutine_threadsafe(closed(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def _channel(server: SftpServer, host_key: str | None = None) -> dict[str, object]:
    return {
        "type": "sftp",
        "host": "127.0.0.1",
        "port": server.port,
        "username": USERNAME,
        "password": PASSWORD,
        "hostKey": host_key or server.host_key,
        "outboundDir": "outbound",
        "inboundDir": "inbound",
    }


def test_claims_go_out_and_remittances_come_in_over_sftp(
    practice: Practice, sftp_server: SftpServer
) -> None:
    set_up_billing(practice, channels={"clearinghouse": _channel(sftp_server)})
    settings = practice.get("/billing/settings").json()
    assert settings["channels"]["clearinghouse"]["hasPassword"] is True
    assert "password" not in settings["channels"]["clearinghouse"]
    charge = practice.post(
        "/charges", {"appointmentId": completed_appointment(practice)}, role="biller"
    ).json()
    claim = practice.post(
        "/claims",
        {"chargeIds": [charge["chargeId"]], "submissionChannel": "clearinghouse"},
        role="biller",
    ).json()
    response = practice.post("/claims/batches", {}, role="biller")
    assert response.status_code == 201, response.text
    (batch,) = response.json()
    assert batch["remoteName"].startswith("outbound/")
    (uploaded,) = list((sftp_server.root / "outbound").iterdir())
    assert uploaded.read_text() == practice.get(f"/claims/batches/{batch['batchId']}/edi").text

    era = reply_835(
        [{"pcn": claim["patientControlNumber"], "charge": "120", "paid": "120"}], control=9301
    )
    (sftp_server.root / "inbound" / "era1.835").write_text(era)
    picked = practice.post("/edi/pickup", {"channel": "clearinghouse"})
    assert picked.status_code == 200, picked.text
    assert picked.json() == [
        {"name": "era1.835", "ok": True, "kind": "835", "duplicate": False, "message": None}
    ]
    assert (sftp_server.root / "inbound" / "processed" / "era1.835").exists()
    assert practice.get(f"/claims/{claim['claimId']}").json()["status"] == "paid"


def test_an_unknown_host_key_is_never_trusted(practice: Practice, sftp_server: SftpServer) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    set_up_billing(practice, channels={"clearinghouse": _channel(sftp_server, other)})
    charge = practice.post(
        "/charges", {"appointmentId": completed_appointment(practice)}, role="biller"
    ).json()
    claim = practice.post(
        "/claims",
        {"chargeIds": [charge["chargeId"]], "submissionChannel": "clearinghouse"},
        role="biller",
    ).json()
    refused = practice.post("/claims/batches", {}, role="biller")
    assert refused.status_code == 409 and refused.json()["code"] == "channel_unavailable"
    assert practice.get(f"/claims/{claim['claimId']}").json()["status"] == "queued"
    assert list((sftp_server.root / "outbound").iterdir()) == []
    assert practice.count("claim_batches") == 0
