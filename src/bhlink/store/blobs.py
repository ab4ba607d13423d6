"""Where document bytes live: the DocumentStorage protocol and its local-disk implementation.

Keys are content addresses (`<integration>/<sha256[:2]>/<sha256>`): writing the same bytes
twice stores them once, and a blob written by a transaction that then rolls back is an
unreferenced file, never a wrong one. An S3-compatible backend implements the same three
methods (put_object with the same key, get_object, head_object).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[a-z]+_[0-9a-z]+/[0-9a-f]{2}/[0-9a-f]{64}$")


class BlobNotFound(Exception):
    """The storage has no object under this key."""


class DocumentStorage(Protocol):
    """A content-addressed object store for document bytes."""

    def put(self, integration_id: str, sha256: str, data: bytes) -> str:
        """Store `data` (whose SHA-256 is `sha256`) and return its key."""

    def get(self, key: str) -> bytes:
        """The bytes stored under `key`; BlobNotFound when there are none."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""


def blob_key(integration_id: str, sha256: str) -> str:
    """The content address of a document's bytes."""
    key = f"{integration_id}/{sha256[:2]}/{sha256}"
    if not _KEY.match(key):
        raise ValueError("not a valid integration id and SHA-256 hex digest")
    return key


class LocalDocumentStorage:
    """Files under one directory, written atomically (temp file, fsync, rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise BlobNotFound(key)
        return self.root / key

    def put(self, integration_id: str, sha256: str, data: bytes) -> str:
        """Write the blob unless an object with this address exists already."""
        key = blob_key(integration_id, sha256)
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp_name, 0o600)
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        """Read the blob."""
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    def exists(self, key: str) -> bool:
        """Whether the blob file exists."""
        try:
            return self._path(key).is_file()
        except BlobNotFound:
            return False
