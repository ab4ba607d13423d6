"""/webhooks: endpoint admin, secret rotation, test sends, the delivery log; /event-types.

Endpoint admin is create, list, get, patch, enable/disable and delete; /event-types lists the
catalogue that endpoint filters choose from.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import (
    BoxDep,
    CurrentActor,
    Idempotent,
    IfMatch,
    SettingsDep,
    UowDep,
)
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS, problems
from bhlink.api.responses import json_response, list_response
from bhlink.api.routing import TransactionalRoute
from bhlink.domain.errors import FieldProblem, InvalidInput
from bhlink.events.event_types import DESCRIPTIONS
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.webhooks import (
    DeliveryRead,
    EventTypeRead,
    SecretRotated,
    SecretRotation,
    WebhookCreate,
    WebhookCreated,
    WebhookPatch,
    WebhookRead,
    delivery_read,
    webhook_created,
    webhook_read,
)
from bhlink.services import webhooks
from bhlink.services.crypto import SecretBox
from bhlink.services.paging import CursorState, encode_cursor
from bhlink.services.webhooks import EgressContext
from bhlink.store.queries.paging import Page

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["webhooks"]
)


def get_egress(request: Request) -> EgressContext:
    """URL vetting for this app: its settings, and a resolver tests may replace on app.state."""
    resolver = getattr(request.app.state, "webhook_resolver", None)
    return EgressContext.from_settings(request.app.state.settings, resolver)


EgressDep = Annotated[EgressContext, Depends(get_egress)]


def refuse_idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=255,
            description="Not accepted here: see the route description.",
        ),
    ] = None,
) -> None:
    """Refuse Idempotency-Key on routes whose response carries a secret.

    A replayed response is stored as sent (services/idempotency.py), so honouring the key would
    keep the signing secret in clear in the database. Clients make these calls retry-safe with
    `referenceId` instead (a repeated create answers 409 naming the existing webhook).
    """
    if idempotency_key is not None:
        raise InvalidInput(
            detail="Idempotency-Key is not accepted on routes that return a secret",
            errors=[
                FieldProblem(
                    "Idempotency-Key",
                    "not accepted here; send referenceId to make a create retry-safe",
                )
            ],
        )


NoIdempotencyKey = Depends(refuse_idempotency_key)
StatusQuery = Annotated[str | None, Query(pattern="^(enabled|disabled)$")]


def respond_by_seq(
    box: SecretBox, paging: listing.Paging, page: Page[Any], to_schema: Any
) -> Response:
    """The list envelope for pages keyed on `seq` rather than change_seq (events, deliveries).

    The cursor holds the last row's `seq`; the query decides whether the next page starts
    above it (the event log, oldest first) or below it (deliveries, newest first).
    """
    next_cursor = None
    if page.has_more and page.rows:
        next_cursor = encode_cursor(
            box, CursorState(after_seq=page.rows[-1].seq, page=paging.page + 1), paging.fingerprint
        )
    return list_response(
        [to_schema(row) for row in page.rows],
        page=paging.page,
        page_size=paging.page_size,
        total=page.total,
        next_cursor=next_cursor,
    )


@router.get(
    "/event-types",
    response_model=list[EventTypeRead],
    responses=READ_ERRORS,
    name="event_types.list",
)
def list_event_types(actor: CurrentActor) -> Response:
    """The event types bhlink emits; filters take these, `<group>.*` or `*`."""
    items = [
        EventTypeRead(type=kind.value, description=text) for kind, text in DESCRIPTIONS.items()
    ]
    body = b"[" + b",".join(i.model_dump_json(by_alias=True).encode() for i in items) + b"]"
    return Response(body, media_type="application/json")


@router.post(
    "/webhooks",
    response_model=WebhookCreated,
    status_code=201,
    responses=WRITE_ERRORS,
    dependencies=[NoIdempotencyKey],
    name="webhooks.create",
)
def create_webhook(
    body: WebhookCreate, actor: CurrentActor, uow: UowDep, box: BoxDep, egress: EgressDep
) -> Response:
    """Subscribe a URL to event types; the response shows the `whsec_` signing secret once.

    The URL must be https and reach a public address (the SSRF guard refuses private,
    link-local and metadata addresses unless the operator allow-listed them).
    `includeResource: true` adds the resource as the API shows it (PHI) to each payload.
    """
    endpoint, secret = webhooks.create(uow, actor, box, body, egress)
    return json_response(
        webhook_created(endpoint, secret),
        201,
        etag_version=endpoint.version,
        location=f"/integrations/{actor.integration_id}/webhooks/{endpoint.id}",
    )


@router.get(
    "/webhooks",
    response_model=ListEnvelope[WebhookRead],
    responses=READ_ERRORS,
    name="webhooks.list",
)
def list_webhooks(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    status: StatusQuery = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """The integration's webhook endpoints (never their secrets)."""
    paging = listing.start(
        box, actor.integration_id, {"webhooks": {"status": status}}, cursor, page_size
    )
    page = webhooks.page(uow, actor, status=status, after_seq=paging.after_seq, limit=page_size)
    return listing.respond(box, paging, page, webhook_read)


@router.get(
    "/webhooks/{webhook_id}",
    response_model=WebhookRead,
    responses=READ_ERRORS,
    name="webhooks.get",
)
def get_webhook(webhook_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One webhook endpoint."""
    endpoint = webhooks.get(uow, actor, webhook_id)
    return json_response(webhook_read(endpoint), etag_version=endpoint.version)


@router.patch(
    "/webhooks/{webhook_id}",
    response_model=WebhookRead,
    responses=WRITE_ERRORS,
    name="webhooks.patch",
)
def patch_webhook(
    webhook_id: str,
    body: WebhookPatch,
    actor: CurrentActor,
    uow: UowDep,
    egress: EgressDep,
    if_match: IfMatch,
) -> Response:
    """Change the URL, event types, description or payload mode."""
    endpoint = webhooks.patch(uow, actor, webhook_id, body, egress, if_match=if_match)
    return json_response(webhook_read(endpoint), etag_version=endpoint.version)


@router.post(
    "/webhooks/{webhook_id}/disable",
    response_model=WebhookRead,
    responses=WRITE_ERRORS,
    name="webhooks.disable",
)
def disable_webhook(
    webhook_id: str, actor: CurrentActor, uow: UowDep, if_match: IfMatch
) -> Response:
    """Stop deliveries to this endpoint (pending ones wait until it is enabled again)."""
    endpoint = webhooks.set_enabled(uow, actor, webhook_id, False, if_match=if_match)
    return json_response(webhook_read(endpoint), etag_version=endpoint.version)


@router.post(
    "/webhooks/{webhook_id}/enable",
    response_model=WebhookRead,
    responses=WRITE_ERRORS,
    name="webhooks.enable",
)
def enable_webhook(
    webhook_id: str, actor: CurrentActor, uow: UowDep, if_match: IfMatch
) -> Response:
    """Resume deliveries (also after an automatic disable on 410 or 5 days of failures)."""
    endpoint = webhooks.set_enabled(uow, actor, webhook_id, True, if_match=if_match)
    return json_response(webhook_read(endpoint), etag_version=endpoint.version)


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    responses=problems(401, 403, 404, 429),
    name="webhooks.delete",
)
def delete_webhook(webhook_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """Delete the endpoint, its secret and its delivery log (events stay in GET /events)."""
    webhooks.delete(uow, actor, webhook_id)
    return Response(status_code=204)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response_model=SecretRotated,
    responses=WRITE_ERRORS,
    dependencies=[NoIdempotencyKey],
    name="webhooks.rotate_secret",
)
def rotate_secret(
    webhook_id: str,
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    settings: SettingsDep,
    body: SecretRotation | None = None,
) -> Response:
    """Issue a new secret (shown once); the old one keeps signing for `overlapHours` (24 h)."""
    hours = settings.webhook_secret_overlap_hours
    if body is not None and body.overlap_hours is not None:
        hours = body.overlap_hours
    endpoint, secret = webhooks.rotate_secret(
        uow, actor, box, webhook_id, overlap=timedelta(hours=hours)
    )
    return json_response(
        SecretRotated(
            webhook_id=endpoint.id,
            secret=secret,
            previous_secret_expires_at=endpoint.previous_secret_expires_at,
        )
    )


@router.post(
    "/webhooks/{webhook_id}/test",
    response_model=DeliveryRead,
    status_code=202,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="webhooks.test",
)
def send_test(webhook_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """Queue a `webhook.test` event for this endpoint; follow it in /deliveries."""
    delivery = webhooks.send_test(uow, actor, webhook_id)
    return json_response(delivery_read(delivery), 202)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=ListEnvelope[DeliveryRead],
    responses=READ_ERRORS,
    name="webhooks.deliveries",
)
def list_deliveries(
    webhook_id: str,
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    status: Annotated[str | None, Query(pattern="^(pending|in_flight|delivered|failed)$")] = None,
    event_id: Annotated[
        str | None,
        Query(alias="eventId", min_length=3, max_length=40, pattern=r"^[a-z]+_[0-9a-z]+$"),
    ] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """Deliveries to this endpoint, newest first.

    Each shows its status, its attempts (status code, latency, response excerpt) and the next
    retry.
    """
    filters = {"deliveries": {"webhook": webhook_id, "status": status, "eventId": event_id}}
    paging = listing.start(box, actor.integration_id, filters, cursor, page_size)
    page = webhooks.deliveries_page(
        uow,
        actor,
        webhook_id,
        status=status,
        event_id=event_id,
        before_seq=paging.after_seq,
        limit=page_size,
    )
    return respond_by_seq(box, paging, page, delivery_read)
