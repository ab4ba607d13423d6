"""Standard Webhooks 1.0 symmetric signing: secrets, signatures, headers and verification.

Source: the Standard Webhooks specification 1.0.0,
https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
("Signature scheme", "Webhook headers", "Verifying signatures").

* The signed content is ``{msg_id}.{timestamp}.{body}`` where ``timestamp`` is integer Unix
  seconds; the signature is HMAC-SHA256, base64-encoded and prefixed ``v1,``.
* Secrets are random, at least 24 bytes (the spec's table says "512 maximum", i.e. bits, so at
  most 64 bytes), serialised as ``whsec_<base64>``; one secret per endpoint.
* ``webhook-signature`` is a space-delimited list so that a message can be signed with both the
  old and the new secret during a rotation; receivers accept any one matching ``v1`` entry.
* Receivers compare in constant time and reject timestamps outside a tolerance (replay defence).

Messages raised here never contain a secret, a signature or the body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets as _random_secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

SECRET_PREFIX = "whsec_"  # noqa: S105 - a format marker, not a credential

# 32 random bytes = 256 bits, the HMAC-SHA256 block-size-friendly default; the spec's minimum is
# 24 bytes (192 bits) and its maximum 64 bytes (512 bits).
GENERATED_SECRET_BYTES = 32
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64

SIGNATURE_VERSION = "v1"

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"

# The official libraries (standardwebhooks on PyPI, Svix) accept five minutes either way; we use
# the same default so our own verifier agrees with what receivers do.
DEFAULT_TOLERANCE = timedelta(minutes=5)

# Message ids travel in a header and are part of the signed content: the spec warns that they
# must not contain "." (it would let one id/timestamp split masquerade as another), and header
# safety rules out whitespace and control characters. Our ids are ``msg_<ulid>``.
_MSG_ID_PATTERN = re.compile(r"[A-Za-z0-9_\-]{1,255}")


class InvalidSecretError(ValueError):
    """A webhook secret is not ``whsec_`` + base64 of 24 to 64 bytes."""


class InvalidMessageError(ValueError):
    """A message id, timestamp or secret list cannot be signed."""


class SignatureVerificationError(Exception):
    """An incoming webhook failed verification; ``reason`` is a short machine-readable code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def generate_secret() -> str:
    """Return a new endpoint secret: ``whsec_`` + base64 of 32 bytes from the OS CSPRNG."""
    raw = _random_secrets.token_bytes(GENERATED_SECRET_BYTES)
    return SECRET_PREFIX + base64.b64encode(raw).decode("ascii")


def parse_secret(secret: str) -> bytes:
    """Decode a ``whsec_`` secret to its key bytes, enforcing the 24-64 byte range.

    Unpadded base64 is accepted because some producers strip the trailing ``=``.
    """
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise InvalidSecretError(f"webhook secret must start with {SECRET_PREFIX!r}")
    encoded = secret[len(SECRET_PREFIX) :]
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        key = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSecretError("webhook secret is not valid base64 after the prefix") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidSecretError(
            f"webhook secret must decode to {MIN_SECRET_BYTES}-{MAX_SECRET_BYTES} bytes, "
            f"got {len(key)}"
        )
    return key


def _timestamp_seconds(timestamp: int | datetime) -> int:
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            raise InvalidMessageError("timestamp must be timezone-aware")
        return int(timestamp.timestamp())
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise InvalidMessageError("timestamp must be an int of Unix seconds or an aware datetime")
    if timestamp < 0:
        raise InvalidMessageError("timestamp must not be negative")
    return timestamp


def _check_msg_id(msg_id: str) -> None:
    if not isinstance(msg_id, str) or _MSG_ID_PATTERN.fullmatch(msg_id) is None:
        raise InvalidMessageError(
            "msg_id must be 1-255 characters of letters, digits, '_' or '-' (no '.')"
        )


def _signed_content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode("ascii") + body


def _digest(key: bytes, content: bytes) -> bytes:
    return hmac.new(key, content, hashlib.sha256).digest()


def sign(msg_id: str, timestamp: int | datetime, body: bytes, secret: str) -> str:
    """Return one ``v1,<base64>`` signature of ``body`` for ``msg_id`` at ``timestamp``."""
    _check_msg_id(msg_id)
    if not isinstance(body, bytes):
        raise InvalidMessageError("body must be bytes, exactly as sent on the wire")
    content = _signed_content(msg_id, _timestamp_seconds(timestamp), body)
    signature = base64.b64encode(_digest(parse_secret(secret), content)).decode("ascii")
    return f"{SIGNATURE_VERSION},{signature}"


def signature_header(
    msg_id: str, timestamp: int | datetime, body: bytes, secrets: Sequence[str]
) -> str:
    """Sign with every active secret (rotation overlap) and join the signatures with spaces."""
    if isinstance(secrets, str) or len(secrets) == 0:
        raise InvalidMessageError("secrets must be a non-empty sequence of whsec_ strings")
    return " ".join(sign(msg_id, timestamp, body, secret) for secret in secrets)


def build_headers(
    msg_id: str, timestamp: int | datetime, body: bytes, secrets: Sequence[str]
) -> dict[str, str]:
    """Return the three Standard Webhooks headers for one delivery attempt.

    ``timestamp`` is the time of the attempt (the spec updates it on every retry), not the time
    of the event; ``msg_id`` stays the same across retries so receivers can deduplicate.
    """
    seconds = _timestamp_seconds(timestamp)
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(seconds),
        HEADER_SIGNATURE: signature_header(msg_id, seconds, body, secrets),
    }


def _now_seconds(now: int | datetime | None) -> int:
    if now is None:
        return int(datetime.now(UTC).timestamp())
    return _timestamp_seconds(now)


def verify(
    body: bytes,
    headers: Mapping[str, str],
    secrets: Sequence[str],
    *,
    now: int | datetime | None = None,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> None:
    """Verify a received webhook the way a Standard Webhooks receiver must, or raise.

    Header names are matched case-insensitively. Any ``v1`` signature made with any of
    ``secrets`` is accepted; entries of other versions (``v1a`` is ed25519) are skipped.
    ``now`` is injectable for tests; it defaults to the current UTC time.
    Raises :class:`SignatureVerificationError` with reason ``missing_headers``,
    ``invalid_timestamp``, ``timestamp_too_old``, ``timestamp_too_new`` or
    ``no_matching_signature``.
    """
    if isinstance(secrets, str) or len(secrets) == 0:
        raise InvalidMessageError("secrets must be a non-empty sequence of whsec_ strings")
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get(HEADER_ID, "")
    timestamp_text = lowered.get(HEADER_TIMESTAMP, "")
    signatures = lowered.get(HEADER_SIGNATURE, "")
    if not (msg_id and timestamp_text and signatures):
        raise SignatureVerificationError("missing_headers")

    if not timestamp_text.isascii() or not timestamp_text.isdigit():
        raise SignatureVerificationError("invalid_timestamp")
    timestamp = int(timestamp_text)
    current = _now_seconds(now)
    window = int(tolerance.total_seconds())
    if timestamp < current - window:
        raise SignatureVerificationError("timestamp_too_old")
    if timestamp > current + window:
        raise SignatureVerificationError("timestamp_too_new")

    if not msg_id.isascii():
        raise SignatureVerificationError("no_matching_signature")
    content = _signed_content(msg_id, timestamp, body)
    expected = [_digest(parse_secret(secret), content) for secret in secrets]

    matched = False
    for entry in signatures.split(" "):
        version, _, encoded = entry.partition(",")
        if version != SIGNATURE_VERSION or not encoded:
            continue
        try:
            candidate = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        for digest in expected:
            # compare_digest on every pair (no early exit) keeps timing independent of which
            # secret or which entry matched.
            matched |= hmac.compare_digest(digest, candidate)
    if not matched:
        raise SignatureVerificationError("no_matching_signature")
