"""GET /audit-events: the audit report (admin or the `audit` entitlement), JSON or CSV."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from starlette.responses import Response

from bhlink.api.deps import CurrentActor, UowDep, bad_query
from bhlink.api.docs_models import READ_ERRORS
from bhlink.api.responses import list_response
from bhlink.api.routers.patients import parse_timestamp
from bhlink.api.routing import TransactionalRoute
from bhlink.domain.roles import Entitlement
from bhlink.schemas.base import ApiModel, ListEnvelope, UtcDateTime, format_utc
from bhlink.services import audit
from bhlink.services.access import require
from bhlink.store.queries.audit import AuditFilter

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["audit"]
)
Text = Annotated[str | None, Query(max_length=80)]


class AuditEventRead(ApiModel):
    """One audit event."""

    audit_event_id: str
    occurred_at: UtcDateTime
    actor_type: str
    actor_id: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    patient_id: str | None
    outcome: str
    source_ip: str | None
    request_id: str | None
    detail: dict[str, object] | None
    chain: int
    chain_seq: int
    hash: str


_CSV_COLUMNS = [
    "auditEventId",
    "occurredAt",
    "actorType",
    "actorId",
    "action",
    "resourceType",
    "resourceId",
    "patientId",
    "outcome",
    "sourceIp",
    "requestId",
    "chain",
    "chainSeq",
    "hash",
]


@router.get(
    "/audit-events",
    response_model=ListEnvelope[AuditEventRead],
    responses={
        200: {
            "description": "The report page as JSON, or with `format=csv` as CSV",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **READ_ERRORS,
    },
    name="audit.list",
)
def list_audit_events(
    actor: CurrentActor,
    uow: UowDep,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    user_id: Annotated[Text, Query(alias="userId")] = None,
    patient_id: Annotated[Text, Query(alias="patientId")] = None,
    action: Text = None,
    resource_type: Annotated[Text, Query(alias="resourceType")] = None,
    resource_id: Annotated[Text, Query(alias="resourceId")] = None,
    outcome: Annotated[str | None, Query(pattern="^(success|failure|denied)$")] = None,
    sort: Annotated[
        str, Query(max_length=200, description="Comma-separated fields; prefix '-' for descending.")
    ] = "-occurredAt",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 100,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """Filter by time range, user, patient, action, resource and outcome; sort by any field."""
    require(actor, Entitlement.AUDIT)
    fields = {
        "occurredAt": "occurred_at",
        "userId": "actor_id",
        "actorId": "actor_id",
        "action": "action",
        "resourceType": "resource_type",
        "resourceId": "resource_id",
        "patientId": "patient_id",
        "outcome": "outcome",
        "sourceIp": "source_ip",
    }
    order: list[tuple[str, bool]] = []
    for part in sort.split(","):
        name = part.strip().lstrip("-")
        if name not in fields:
            raise bad_query("sort", f"cannot sort by {name!r}; one of {', '.join(sorted(fields))}")
        order.append((fields[name], part.strip().startswith("-")))
    flt = AuditFilter(
        start=parse_timestamp("from", start),
        end=parse_timestamp("to", end),
        actor_id=user_id,
        patient_id=patient_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        outcome=outcome,
    )
    rows, total = audit.report(
        uow, actor, flt, sort=order, offset=(page - 1) * page_size, limit=page_size
    )
    items: list[BaseModel] = [
        AuditEventRead(
            audit_event_id=r.id,
            occurred_at=r.occurred_at,
            actor_type=r.actor_type,
            actor_id=r.actor_id,
            action=r.action,
            resource_type=r.resource_type,
            resource_id=r.resource_id,
            patient_id=r.patient_id,
            outcome=r.outcome,
            source_ip=r.source_ip,
            request_id=r.request_id,
            detail=r.detail,
            chain=r.chain,
            chain_seq=r.chain_seq,
            hash=r.hash,
        )
        for r in rows
    ]
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(_CSV_COLUMNS)
        for item in items:
            data = item.model_dump(by_alias=True)
            data["occurredAt"] = format_utc(data["occurredAt"])
            writer.writerow([data[c] for c in _CSV_COLUMNS])
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit-events.csv"'},
        )
    # The audit report pages by number (it sorts by any field, so there is no change cursor).
    return list_response(items, page=page, page_size=page_size, total=total, next_cursor=None)
