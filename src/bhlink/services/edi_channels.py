"""Submission channels behind one interface: the local outbox folder and SFTP (asyncssh).

Outbound files go to `<BHLINK_EDI_OUTBOX>/<integration>/` or the SFTP server's outbound
directory; inbound 999/277CA/835 files are picked up from `<BHLINK_EDI_INBOX>/<integration>/`
or the server's inbound directory and moved to `processed/` (or `failed/`) once handled.
Files are written under a temporary name and renamed, so a reader never sees half a file.
SFTP needs the server's host key (hostKey setting): an unknown server is never trusted.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import asyncssh

from bhlink.domain.errors import Conflict, FieldProblem
from bhlink.services.crypto import SecretBox

T = TypeVar("T")
PROCESSED = "processed"
FAILED = "failed"
# Files larger than this are not picked up (the API's 835 limit is the same order).
MAX_INBOUND_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class InboundFile:
    """A file found in an inbound location."""

    name: str
    content: bytes


class ChannelError(Conflict):
    """The channel could not deliver or list files (server down, bad credentials...)."""


def channel_error(name: str, action: str, exc: BaseException) -> ChannelError:
    """A 409 naming the channel and what failed (never credentials or file content)."""
    return ChannelError(
        detail=f"the '{name}' channel could not {action}: {type(exc).__name__}",
        errors=[FieldProblem("submissionChannel", f"{action} failed")],
        code="channel_unavailable",
    )


class Channel(Protocol):
    """Where claim files go and acknowledgments/remittances come from."""

    name: str

    def send(self, filename: str, content: bytes) -> str:
        """Deliver a file; return where it went."""
        ...

    def fetch(self) -> list[InboundFile]:
        """Inbound files waiting to be processed, oldest name first."""
        ...

    def finish(self, name: str, *, ok: bool) -> None:
        """Move a fetched file to processed/ (ok) or failed/ so it is not fetched again."""
        ...


class FolderChannel:
    """A local folder pair: outbox for claims, inbox for what comes back."""

    def __init__(self, name: str, outbox: Path, inbox: Path) -> None:
        self.name = name
        self.outbox = outbox
        self.inbox = inbox

    def send(self, filename: str, content: bytes) -> str:
        """Write the file atomically into the outbox."""
        self.outbox.mkdir(parents=True, exist_ok=True)
        target = self.outbox / filename
        temporary = self.outbox / f".{filename}.part"
        with open(temporary, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        return str(target)

    def fetch(self) -> list[InboundFile]:
        """Regular, visible files of the inbox."""
        if not self.inbox.is_dir():
            return []
        found: list[InboundFile] = []
        for path in sorted(self.inbox.iterdir()):
            visible = path.is_file() and not path.name.startswith(".")
            if visible and path.stat().st_size <= MAX_INBOUND_BYTES:
                found.append(InboundFile(path.name, path.read_bytes()))
        return found

    def finish(self, name: str, *, ok: bool) -> None:
        """Move the file out of the way."""
        folder = self.inbox / (PROCESSED if ok else FAILED)
        folder.mkdir(parents=True, exist_ok=True)
        os.replace(self.inbox / name, folder / name)


class SftpChannel:
    """An SFTP server (a clearinghouse's drop box), spoken to with asyncssh."""

    def __init__(
        self,
        name: str,
        *,
        host: str,
        port: int,
        username: str,
        password: str | None,
        host_key: str,
        outbound_dir: str,
        inbound_dir: str,
        timeout: float = 30.0,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.host_key = host_key
        self.outbound_dir = outbound_dir.rstrip("/") or "."
        self.inbound_dir = inbound_dir.rstrip("/") or "."
        self.timeout = timeout

    def _run(self, action: str, work: Callable[[asyncssh.SFTPClient], Awaitable[T]]) -> T:
        try:
            # An SSHKey object, never the text: asyncssh reads strings as known_hosts paths.
            trusted = asyncssh.import_public_key(self.host_key)
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise channel_error(self.name, "read the configured host key", exc) from exc

        async def session() -> T:
            async with (
                asyncssh.connect(
                    self.host,
                    port=self.port,
                    username=self.username,
                    password=self.password,
                    known_hosts=([trusted], [], []),
                    client_keys=None,
                    connect_timeout=self.timeout,
                ) as connection,
                connection.start_sftp_client() as sftp,
            ):
                return await work(sftp)

        try:
            return asyncio.run(session())
        except (TimeoutError, OSError, asyncssh.Error) as exc:
            raise channel_error(self.name, action, exc) from exc

    def send(self, filename: str, content: bytes) -> str:
        """Upload under a temporary name, then rename (atomic on the server)."""
        target = f"{self.outbound_dir}/{filename}"

        async def upload(sftp: asyncssh.SFTPClient) -> str:
            temporary = f"{self.outbound_dir}/.{filename}.part"
            async with sftp.open(temporary, "wb") as handle:
                await handle.write(content)
            await sftp.rename(temporary, target)
            return target

        return self._run("send the file", upload)

    def fetch(self) -> list[InboundFile]:
        """Regular files of the inbound directory."""

        async def listing(sftp: asyncssh.SFTPClient) -> list[InboundFile]:
            found: list[InboundFile] = []
            for entry in sorted(await sftp.readdir(self.inbound_dir), key=lambda e: e.filename):
                name = str(entry.filename)
                size = entry.attrs.size or 0
                if name.startswith(".") or entry.attrs.type != asyncssh.FILEXFER_TYPE_REGULAR:
                    continue
                if size > MAX_INBOUND_BYTES:
                    continue
                async with sftp.open(f"{self.inbound_dir}/{name}", "rb") as handle:
                    data: Any = await handle.read()
                found.append(InboundFile(name, bytes(data)))
            return found

        return self._run("list inbound files", listing)

    def finish(self, name: str, *, ok: bool) -> None:
        """Move the file into processed/ or failed/ on the server."""
        folder = f"{self.inbound_dir}/{PROCESSED if ok else FAILED}"

        async def move(sftp: asyncssh.SFTPClient) -> None:
            if not await sftp.exists(folder):
                await sftp.mkdir(folder)
            await sftp.rename(f"{self.inbound_dir}/{name}", f"{folder}/{name}")

        self._run("move the inbound file", move)


def open_channel(
    name: str,
    config: dict[str, Any],
    *,
    integration_id: str,
    outbox_root: Path,
    inbox_root: Path,
    box: SecretBox,
) -> Channel:
    """The channel a claim names, built from its settings."""
    if config.get("type") == "sftp":
        encrypted = config.get("passwordEncrypted")
        return SftpChannel(
            name,
            host=str(config["host"]),
            port=int(config.get("port", 22)),
            username=str(config["username"]),
            password=box.decrypt(encrypted) if encrypted else None,
            host_key=str(config["hostKey"]),
            outbound_dir=str(config.get("outboundDir", "outbound")),
            inbound_dir=str(config.get("inboundDir", "inbound")),
        )
    return FolderChannel(name, outbox_root / integration_id, inbox_root / integration_id)
