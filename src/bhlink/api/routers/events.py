"""/events: the event log (catch-up without webhooks) and redelivery of one event."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from bhlink.api import listing
from bhlink.api.deps import BoxDep, CurrentActor, Idempotent, UowDep, bad_query
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response
from bhlink.api.routers.patients import parse_timestamp
from bhlink.api.routers.webhooks import respond_by_seq
from bhlink.api.routing import TransactionalRoute
from bhlink.events.event_types import WILDCARD_ALL, validate_filter
from bhlink.schemas.base import ListEnvelope
from bhlink.schemas.webhooks import (
    EventRead,
    Redelivery,
    RedeliveryRead,
    delivery_read,
    event_read,
)
from bhlink.services import webhooks
from bhlink.store.queries.webhooks import EventFilter

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["events"]
)
IdText = Annotated[str | None, Query(min_length=3, max_length=64)]
Timestamp = Annotated[str | None, Query(max_length=40, description="ISO 8601 with offset")]


def _type_filter(value: str | None) -> tuple[str | None, str | None]:
    """Split `type` into an exact type or a group prefix; 422 naming `type` if unknown."""
    if value is None or value == WILDCARD_ALL:
        return None, None
    problems = validate_filter([value], field="type")
    if problems:
        raise bad_query("type", problems[0].message)
    if value.endswith(".*"):
        return None, value[:-2]
    return value, None


@router.get(
    "/events",
    response_model=ListEnvelope[EventRead],
    responses=READ_ERRORS,
    name="events.list",
)
def list_events(
    actor: CurrentActor,
    uow: UowDep,
    box: BoxDep,
    type: Annotated[
        str | None,
        Query(max_length=80, description="An event type, `<group>.*` or `*`."),
    ] = None,
    resource_type: Annotated[str | None, Query(alias="resourceType", max_length=40)] = None,
    resource_id: Annotated[IdText, Query(alias="resourceId")] = None,
    occurred_after: Annotated[Timestamp, Query(alias="occurredAfter")] = None,
    occurred_before: Annotated[Timestamp, Query(alias="occurredBefore")] = None,
    after: Annotated[
        str | None,
        Query(
            min_length=3,
            max_length=40,
            pattern=r"^[a-z]+_[0-9a-z]+$",
            description="Start after this event id (the last `webhook-id` a consumer saw).",
        ),
    ] = None,
    page_size: listing.PageSize = 50,
    cursor: listing.Cursor = None,
) -> Response:
    """Events in the order they were written, oldest first.

    A consumer that was down asks for `after=<last webhook-id it processed>` and pages with
    `nextCursor` until it is null: it gets exactly the events it missed, none twice, even
    while new events are being written.
    """
    type_exact, type_prefix = _type_filter(type)
    flt = EventFilter(
        type_exact=type_exact,
        type_prefix=type_prefix,
        resource_type=resource_type,
        resource_id=resource_id,
        occurred_after=parse_timestamp("occurredAfter", occurred_after),
        occurred_before=parse_timestamp("occurredBefore", occurred_before),
    )
    filters = {"events": {**flt.__dict__, "after": after}}
    paging = listing.start(box, actor.integration_id, filters, cursor, page_size)
    after_seq = paging.after_seq
    if after_seq is None and after is not None:
        after_seq = webhooks.event_after(uow, actor, after)
    page = webhooks.events_page(uow, actor, flt, after_seq=after_seq, limit=page_size)
    return respond_by_seq(box, paging, page, event_read)


@router.get(
    "/events/{event_id}",
    response_model=EventRead,
    responses=READ_ERRORS,
    name="events.get",
)
def get_event(event_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """One event."""
    return json_response(event_read(webhooks.get_event(uow, actor, event_id)))


@router.post(
    "/events/{event_id}/redeliver",
    response_model=RedeliveryRead,
    status_code=202,
    responses=WRITE_ERRORS,
    dependencies=[Idempotent],
    name="events.redeliver",
)
def redeliver(
    event_id: str, actor: CurrentActor, uow: UowDep, body: Redelivery | None = None
) -> Response:
    """Send an event again, now, with a fresh retry schedule.

    To one webhook (`webhookId`) or to every enabled webhook subscribed to its type.
    Receivers see the same `webhook-id` as the first time.
    """
    deliveries = webhooks.redeliver(uow, actor, event_id, body.webhook_id if body else None)
    return json_response(
        RedeliveryRead(event_id=event_id, deliveries=[delivery_read(d) for d in deliveries]), 202
    )
