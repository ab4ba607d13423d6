"""Opaque, signed list cursors bound to the integration and the filters they were issued for."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import orjson

from bhlink.domain.errors import invalid
from bhlink.services.crypto import SecretBox


@dataclass(frozen=True)
class CursorState:
    """Where the next page starts and which page number it is."""

    after_seq: int
    page: int


def filters_fingerprint(integration_id: str, filters: dict[str, object]) -> str:
    """A short digest of the tenant and the filters a cursor is valid for."""
    data = orjson.dumps([integration_id, filters], option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(data).hexdigest()[:16]


def encode_cursor(box: SecretBox, state: CursorState, fingerprint: str) -> str:
    """An opaque token: payload and HMAC, so clients cannot forge or move cursors (BOLA)."""
    payload = orjson.dumps({"s": state.after_seq, "p": state.page, "f": fingerprint})
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{box.sign(payload)}"


def decode_cursor(box: SecretBox, token: str, fingerprint: str) -> CursorState:
    """Check and open a cursor; a cursor from other filters or another tenant is refused."""
    try:
        body, tag = token.split(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError) as exc:
        raise invalid("cursor", "is not a cursor this API issued") from exc
    if not box.verify(payload, tag):
        raise invalid("cursor", "is not a cursor this API issued")
    data = orjson.loads(payload)
    if data.get("f") != fingerprint:
        raise invalid("cursor", "was issued for other filters; start again without a cursor")
    return CursorState(after_seq=int(data["s"]), page=int(data["p"]))
