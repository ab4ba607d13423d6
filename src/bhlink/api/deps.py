"""Request dependencies: the unit of work, the authenticated actor, idempotency, If-Match."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from bhlink.api import rate_limits
from bhlink.config import Settings
from bhlink.domain.errors import FieldProblem, InvalidInput, PreconditionFailed, Unauthenticated
from bhlink.services import auth, idempotency
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
from bhlink.store.db import Database
from bhlink.store.unit_of_work import UnitOfWork

IntegrationId = Annotated[
    str,
    Path(
        min_length=3,
        max_length=40,
        pattern=r"^[a-z]+_[0-9a-z]+$",
        description="The integration (practice tenant).",
    ),
]
_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


class ReplayResponse(Exception):
    """Raised by the idempotency dependency to answer with the stored first response."""

    def __init__(self, stored: idempotency.StoredResponse) -> None:
        super().__init__("idempotent replay")
        self.stored = stored


def get_db(request: Request) -> Database:
    """The application's database."""
    db: Database = request.app.state.db
    return db


def get_settings(request: Request) -> Settings:
    """The application's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_box(request: Request) -> SecretBox:
    """Encryption and signing with the server key."""
    box: SecretBox = request.app.state.box
    return box


async def get_uow(request: Request) -> UnitOfWork:
    """The request's unit of work; the route class commits it once the response is built.

    GET and HEAD only read (and audit at commit), so their transaction starts as a reader.
    Making a unit of work does no I/O (the connection comes with the first query), so this
    runs on the event loop: a thread-pool hop costs more than the work.
    """
    uow = get_db(request).begin(read_first=request.method in ("GET", "HEAD"))
    request.state.uow = uow
    return uow


# The dependency forms of get_settings / get_box: attribute reads, so no thread-pool hop.
async def _settings(request: Request) -> Settings:
    return get_settings(request)


async def _box(request: Request) -> SecretBox:
    return get_box(request)


SettingsDep = Annotated[Settings, Depends(_settings)]
BoxDep = Annotated[SecretBox, Depends(_box)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def client_ip(request: Request) -> str | None:
    """The peer address (a trusted proxy's X-Forwarded-For is applied by uvicorn's proxy headers)."""
    return request.client.host if request.client else None


def current_actor(
    request: Request, integration_id: IntegrationId, uow: UowDep, settings: SettingsDep
) -> Actor:
    """Authenticate the bearer token for this integration."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            detail="a Bearer token is required; create one with POST /sessions",
            code="missing_token",
        )
    request_id = getattr(request.state, "request_id", None)
    actor = auth.authenticate(
        uow,
        settings,
        integration_id,
        token.strip(),
        source_ip=client_ip(request),
        request_id=request_id,
    )
    request.state.actor = actor
    rate_limits.charge_request(request, integration_id, actor.client_id, actor.actor_id)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def basic_client(request: Request, integration_id: IntegrationId, uow: UowDep) -> str:
    """Authenticate the API client from `Authorization: Basic` (seed 003 POST /sessions)."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise Unauthenticated(
            detail="API client credentials are required (Authorization: Basic)",
            code="missing_client",
        )
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthenticated(detail="malformed Basic credentials", code="invalid_client") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise Unauthenticated(detail="malformed Basic credentials", code="invalid_client")
    return auth.authenticate_client(uow, integration_id, client_id, secret)


async def _request_content(request: Request) -> bytes:
    """The bytes that identify a request's content, for its idempotency fingerprint.

    A form route (the multipart document upload) has already consumed the body stream when
    dependencies run: FastAPI parses form fields before it solves dependencies, and Starlette
    keeps the parsed form, not the raw bytes (`Request.body()` then raises "Stream consumed").
    Such a request is identified by its parsed form instead: every field's name and value and
    every file's name, media type and bytes, in order.
    """
    try:
        return await request.body()
    except RuntimeError:
        form = await request.form()  # cached by Starlette: parsed once, by FastAPI
    digest = hashlib.sha256(b"form")
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            await value.seek(0)  # the handler reads the file after this dependency
            parts = [name, "file", value.filename or "", value.content_type or ""]
            digest.update(repr(parts).encode() + hashlib.sha256(data).digest())
        else:
            digest.update(repr([name, "field", value]).encode())
    return digest.digest()


async def idempotent(
    request: Request,
    actor: CurrentActor,
    uow: UowDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=255,
            description="Replays the first response of a retried write (Stripe semantics).",
        ),
    ] = None,
) -> None:
    """Claim the Idempotency-Key (if sent) before the handler runs, or replay its first response."""
    if idempotency_key is None:
        return
    settings = get_settings(request)
    body = await _request_content(request)
    scope = idempotency.Scope(
        actor.integration_id, actor.actor_id, request.method, request.url.path, idempotency_key
    )
    # End the authentication transaction first: the claim must be committed on its own.
    await run_in_threadpool(uow.commit)
    result = await run_in_threadpool(
        idempotency.claim,
        get_db(request),
        scope,
        idempotency.request_fingerprint(body),
        lease_seconds=settings.idempotency_lease_seconds,
        retention_hours=settings.idempotency_retention_hours,
    )
    if isinstance(result, idempotency.StoredResponse):
        raise ReplayResponse(result)
    request.state.idempotency_claim = result


Idempotent = Depends(idempotent)


def if_match_version(
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", max_length=40, description='Version from the ETag, e.g. W/"3".'),
    ] = None,
) -> int | None:
    """Parse If-Match into a version number (None when absent or `*`)."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise PreconditionFailed(
            detail='If-Match must be an ETag such as W/"3"', code="bad_if_match"
        )
    return int(match.group(1))


IfMatch = Annotated[int | None, Depends(if_match_version)]


def bad_query(field: str, message: str) -> InvalidInput:
    """A 422 naming a query parameter."""
    return InvalidInput(detail=f"{field}: {message}", errors=[FieldProblem(field, message)])
