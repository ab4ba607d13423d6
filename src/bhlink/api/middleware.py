"""ASGI middleware: request ids, body size and JSON depth limits, content types, security headers."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bhlink.api.problems import problem_response

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_ALLOWED_TYPES = (
    "application/json",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
    "application/edi-x12",
    "text/plain",
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_NO_STORE = (b"cache-control", b"no-store")
_STRICT_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether JSON nesting goes deeper than `limit` (scans brackets outside strings)."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


class GuardMiddleware:
    """Refuse oversize, over-deep or mistyped bodies before any handler runs; tag every response."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_json_depth: int,
        larger_bodies: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        # Routes allowed a larger body than the global limit (document uploads), by path.
        self.larger_bodies = tuple(larger_bodies)

    def _body_limit(self, path: str) -> int:
        for pattern, limit in self.larger_bodies:
            if pattern.match(path):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        path = scope.get("path", "")

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [*list(SECURITY_HEADERS), (b"x-request-id", request_id.encode())]
                existing = {k.lower() for k, _ in message.get("headers", [])}
                # A page that sets its own policy (the patient forms allow their inline
                # style by nonce) keeps it: two CSP headers would both be enforced.
                if not path.startswith("/docs") and b"content-security-policy" not in existing:
                    extra.append(_STRICT_CSP)
                if b"cache-control" not in existing:
                    extra.append(_NO_STORE)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        method = scope.get("method", "GET")
        if method not in _BODY_METHODS:
            await self.app(scope, receive, send_tagged)
            return
        max_body_bytes = self._body_limit(path)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body_bytes):
            await self._refuse(send_tagged, 413, "the request body is larger than allowed")
            return
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if (
            (length not in (None, "0"))
            and content_type
            and not content_type.startswith(_ALLOWED_TYPES)
            and not content_type.endswith("+json")
        ):
            await self._refuse(send_tagged, 415, "send the body as application/json")
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > max_body_bytes:
                await self._refuse(send_tagged, 413, "the request body is larger than allowed")
                return
        if (
            body
            and content_type in ("application/json", "")
            and json_depth_exceeds(body, self.max_json_depth)
        ):
            await self._refuse(
                send_tagged, 422, f"JSON nesting deeper than {self.max_json_depth} levels"
            )
            return
        if body and content_type == "":
            await self._refuse(send_tagged, 415, "a body needs a Content-Type (application/json)")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_tagged)

    @staticmethod
    async def _refuse(send: Send, status: int, detail: str) -> None:
        response = problem_response(status, detail=detail)
        await send(
            {"type": "http.response.start", "status": status, "headers": response.raw_headers}
        )
        await send({"type": "http.response.body", "body": response.body})
