"""Credential primitives: argon2id passwords, token and secret hashing, TOTP, seed encryption."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
import threading
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken

# argon2-cffi's defaults follow RFC 9106's second recommended option (argon2id, 64 MiB, t=3).
_hasher = PasswordHasher()
TOTP_STEP_SECONDS = 30
# Accept the previous and next step too: phones drift; replay is blocked by the step record.
TOTP_VALID_WINDOW = 1
# Each argon2 computation holds 64 MiB while it runs: a burst of logins must not multiply
# that by the thread pool's size (40). The work is CPU-bound, so more parallel hashes than
# cores buys no throughput; waiting logins queue here instead of allocating.
_HASH_SLOTS = threading.BoundedSemaphore(max(1, min(4, os.cpu_count() or 1)))


@functools.cache
def _dummy_hash() -> str:
    """The hash checked when the user does not exist (no user enumeration by timing).

    A wrong username then costs as much as a wrong password. Made on first use, not at
    import: every process (the server's supervisor too) would otherwise peak 64 MiB higher.
    """
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    with _HASH_SLOTS:
        return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant-effort check of a password against its hash (None: a user that does not exist)."""
    dummy = _dummy_hash()  # made before the check either way: the first call costs the same
    try:
        with _HASH_SLOTS:
            return _hasher.verify(stored_hash or dummy, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token (bearer tokens, client secrets)."""
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str | bytes) -> str:
    """SHA-256 of a high-entropy secret; enough because such secrets cannot be guessed."""
    data = value.encode() if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    """Compare secrets without leaking the position of the first difference."""
    return hmac.compare_digest(a.encode(), b.encode())


class SecretBox:
    """Symmetric encryption (Fernet: AES-128-CBC + HMAC-SHA256) with the server key."""

    def __init__(self, server_key: bytes) -> None:
        derived = hashlib.sha256(b"bhlink:secretbox:v1:" + server_key).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))
        self._mac_key = hashlib.sha256(b"bhlink:mac:v1:" + server_key).digest()

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext as text."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Plaintext; raises ValueError when the ciphertext was not made with this key."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("ciphertext does not match the server key") from exc

    def sign(self, message: bytes) -> str:
        """A URL-safe HMAC-SHA256 tag for `message` (cursors, download links)."""
        tag = hmac.new(self._mac_key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(tag[:18]).decode().rstrip("=")

    def verify(self, message: bytes, tag: str) -> bool:
        """Whether `tag` was made by `sign(message)`."""
        # Bytes, not str: compare_digest refuses non-ASCII text, and a tag is caller input.
        return hmac.compare_digest(self.sign(message).encode(), tag.encode("utf-8", "replace"))


def new_totp_secret() -> str:
    """A fresh base32 TOTP seed (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, account: str, issuer: str = "bhlink") -> str:
    """The otpauth:// URI an authenticator app scans."""
    return str(pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer))


def totp_code(secret: str, at: datetime) -> str:
    """The code valid at `at` (demo tooling and tests)."""
    return str(pyotp.TOTP(secret).at(at))


def totp_match_step(secret: str, code: str, at: datetime) -> int | None:
    """The time step the code belongs to (within the drift window), or None if it matches none."""
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = int(at.timestamp()) // TOTP_STEP_SECONDS
    for offset in range(-TOTP_VALID_WINDOW, TOTP_VALID_WINDOW + 1):
        candidate = step + offset
        if hmac.compare_digest(str(totp.generate_otp(candidate)), code):
            return candidate
    return None
