"""Webhook administration and the event log: endpoints, secrets, test sends, redelivery, catch-up.

Every use case needs the `webhooks` entitlement (admins have it); writes also refuse read-only
users. Endpoint secrets are generated here, returned once, and stored only encrypted with the
server key. URLs are vetted by the SSRF guard (events/egress.py) when saved and again before
every delivery, since DNS answers change.

Endpoint changes are audited but emit no outbox event: the event catalogue
(events/event_types.py) has no endpoint-lifecycle types besides `webhook.endpoint_disabled`,
which the delivery worker emits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic.alias_generators import to_camel

from bhlink.config import Settings
from bhlink.domain.clock import utcnow
from bhlink.domain.errors import Conflict, FieldProblem, InvalidInput, PreconditionFailed
from bhlink.domain.ids import new_id
from bhlink.domain.roles import Entitlement
from bhlink.events.egress import (
    CheckedUrl,
    EgressPolicy,
    EgressRefused,
    RefusalReason,
    Resolver,
    check_url,
    vet_url,
)
from bhlink.events.event_types import EventType, is_known, matches, validate_filter
from bhlink.events.signing import generate_secret
from bhlink.schemas.webhooks import WebhookCreate, WebhookPatch
from bhlink.services import audit, outbox
from bhlink.services.access import not_found, require
from bhlink.services.context import Actor
from bhlink.services.crypto import SecretBox
from bhlink.services.records import stamp_new, stamp_update
from bhlink.store.queries.paging import Page
from bhlink.store.queries.webhooks import IN_FLIGHT, PENDING, EventFilter
from bhlink.store.tables import OutboxEvent, WebhookDelivery, WebhookEndpoint
from bhlink.store.unit_of_work import UniqueViolation, UnitOfWork

ENABLED = "enabled"
DISABLED = "disabled"
RESOURCE_TYPE = "webhook_endpoint"

# What a 422 says about each refusal of the SSRF guard (codes from events/egress.py).
_URL_PROBLEMS: dict[RefusalReason, str] = {
    RefusalReason.INVALID_URL: "is not an absolute https URL",
    RefusalReason.SCHEME_NOT_ALLOWED: (
        "must use https (plain http only reaches a loopback receiver in development)"
    ),
    RefusalReason.USERINFO_NOT_ALLOWED: "must not carry a user name or password",
    RefusalReason.HOST_MISSING: "has no host",
    RefusalReason.INVALID_HOST: "has a host name that is not valid",
    RefusalReason.AMBIGUOUS_IP_LITERAL: "writes an IP address in a non-canonical form",
    RefusalReason.PORT_NOT_ALLOWED: "must use port 443, 80 or 1024-65535",
    RefusalReason.DNS_RESOLUTION_FAILED: "has a host name that does not resolve",
    RefusalReason.METADATA_ADDRESS: "points at a cloud metadata service",
}
_INTERNAL_ADDRESS = (
    "resolves to an internal address ({reason}); an operator can allow it with "
    "BHLINK_WEBHOOK_ALLOW_HOSTS"
)


@dataclass(frozen=True)
class EgressContext:
    """What URL vetting needs: the policy from settings and a resolver (injectable in tests)."""

    policy: EgressPolicy
    resolver: Resolver | None
    phi_over_http: bool

    @classmethod
    def from_settings(cls, settings: Settings, resolver: Resolver | None = None) -> EgressContext:
        """Build the context the API and the worker share."""
        return cls(egress_policy(settings), resolver, phi_over_http_allowed(settings))


def egress_policy(settings: Settings) -> EgressPolicy:
    """The SSRF policy for these settings (allow-list, loopback in development and test)."""
    return EgressPolicy.from_allow_list(
        settings.webhook_allow_hosts, development_mode=settings.webhook_loopback_allowed
    )


def phi_over_http_allowed(settings: Settings) -> bool:
    """Full payloads over plain http: only to a loopback receiver in development or test.

    The egress guard already limits http to loopback; this keeps PHI off plain http even when
    an operator enables loopback receivers in production (BHLINK_WEBHOOK_ALLOW_LOOPBACK).
    """
    return settings.environment in ("development", "test")


def may_carry_phi(url: str, egress: EgressContext) -> bool:
    """Whether a delivery to `url` may include the full resource (https, or dev loopback)."""
    try:
        checked: CheckedUrl = check_url(url, egress.policy)
    except EgressRefused:
        return False
    return checked.scheme == "https" or egress.phi_over_http


def _url_problem(url: str, egress: EgressContext) -> FieldProblem | None:
    try:
        vet_url(url, egress.policy, egress.resolver)
    except EgressRefused as refused:
        message = _URL_PROBLEMS.get(refused.reason) or _INTERNAL_ADDRESS.format(
            reason=refused.reason.value
        )
        return FieldProblem("url", message)
    return None


def _check_config(
    egress: EgressContext, url: str, event_types: list[str], include_resource: bool
) -> None:
    problems: list[FieldProblem] = []
    url_problem = _url_problem(url, egress)
    if url_problem is not None:
        problems.append(url_problem)
    problems += [FieldProblem(p.field, p.message) for p in validate_filter(event_types)]
    if url_problem is None and include_resource and not may_carry_phi(url, egress):
        problems.append(
            FieldProblem("includeResource", "full payloads carry PHI and need an https URL")
        )
    if problems:
        raise InvalidInput(detail="the webhook configuration is not valid", errors=problems)


def signing_secrets(endpoint: WebhookEndpoint, box: SecretBox, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, then the previous during overlap."""
    secrets = [box.decrypt(endpoint.secret_enc)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_enc and expires is not None and expires > now:
        secrets.append(box.decrypt(endpoint.previous_secret_enc))
    return secrets


def subscribed(patterns: list[str], event_type: str) -> bool:
    """Whether an endpoint's filter selects `event_type` (uncatalogued types only match `*`)."""
    if not is_known(event_type):
        return "*" in patterns
    return matches(patterns, event_type)


def _get(uow: UnitOfWork, actor: Actor, webhook_id: str, *, lock: bool = False) -> WebhookEndpoint:
    endpoint = uow.webhooks.endpoint(actor.integration_id, webhook_id, lock=lock)
    if endpoint is None:
        raise not_found("webhook")
    return endpoint


def _check_version(endpoint: WebhookEndpoint, if_match: int | None) -> None:
    if if_match is not None and if_match != endpoint.version:
        raise PreconditionFailed(
            detail="the webhook changed since you read it", code="version_mismatch"
        )


def _audit(uow: UnitOfWork, actor: Actor, action: str, endpoint_id: str, **detail: object) -> None:
    audit.record(
        uow,
        actor,
        action,
        resource_type=RESOURCE_TYPE,
        resource_id=endpoint_id,
        detail=dict(detail) or None,
    )


def create(
    uow: UnitOfWork, actor: Actor, box: SecretBox, body: WebhookCreate, egress: EgressContext
) -> tuple[WebhookEndpoint, str]:
    """POST /webhooks: vet the URL and filter, store the endpoint; return it and its secret."""
    require(actor, Entitlement.WEBHOOKS, write=True)
    _check_config(egress, body.url, body.event_types, body.include_resource)
    if body.reference_id is not None:
        existing = uow.webhooks.endpoint_by_reference(actor.integration_id, body.reference_id)
        if existing is not None:
            raise _duplicate_reference(existing.id)
    secret = generate_secret()
    endpoint = WebhookEndpoint(
        id=new_id("whk"),
        integration_id=actor.integration_id,
        reference_id=body.reference_id,
        url=body.url,
        description=body.description,
        event_types=list(body.event_types),
        include_resource=body.include_resource,
        status=ENABLED,
        secret_enc=box.encrypt(secret),
    )
    seq, _ = stamp_new(uow, endpoint)
    # Events written from now on reach the endpoint; older ones are in GET /events.
    endpoint.subscribed_after_seq = seq
    uow.add(endpoint)
    try:
        uow.flush()
    except UniqueViolation as exc:
        raise _duplicate_reference(None) from exc
    _audit(
        uow,
        actor,
        "webhook.created",
        endpoint.id,
        eventTypes=endpoint.event_types,
        includeResource=endpoint.include_resource,
    )
    return endpoint, secret


def _duplicate_reference(existing_id: str | None) -> Conflict:
    where = f" by {existing_id}" if existing_id else ""
    return Conflict(
        detail=(
            "a webhook with this referenceId exists; its secret is not shown again "
            "(rotate it with POST /webhooks/{id}/rotate-secret)"
        ),
        errors=[FieldProblem("referenceId", f"already used{where}")],
        code="duplicate_reference",
    )


def get(uow: UnitOfWork, actor: Actor, webhook_id: str) -> WebhookEndpoint:
    """GET /webhooks/{id}."""
    require(actor, Entitlement.WEBHOOKS)
    return _get(uow, actor, webhook_id)


def page(
    uow: UnitOfWork, actor: Actor, *, status: str | None, after_seq: int | None, limit: int
) -> Page[WebhookEndpoint]:
    """GET /webhooks: endpoints in change order."""
    require(actor, Entitlement.WEBHOOKS)
    return uow.webhooks.endpoints_page(
        actor.integration_id, status=status, after_seq=after_seq, limit=limit
    )


def patch(
    uow: UnitOfWork,
    actor: Actor,
    webhook_id: str,
    body: WebhookPatch,
    egress: EgressContext,
    *,
    if_match: int | None,
) -> WebhookEndpoint:
    """PATCH /webhooks/{id}: change URL, filter, description or payload mode."""
    require(actor, Entitlement.WEBHOOKS, write=True)
    sent = body.model_fields_set
    for name in ("url", "event_types", "include_resource"):
        if name in sent and getattr(body, name) is None:
            raise InvalidInput(
                detail="a required field was cleared",
                errors=[FieldProblem(to_camel(name), "cannot be null")],
            )
    endpoint = _get(uow, actor, webhook_id)
    _check_version(endpoint, if_match)
    url = body.url if body.url is not None else endpoint.url
    event_types = body.event_types if body.event_types is not None else endpoint.event_types
    include = (
        body.include_resource if body.include_resource is not None else endpoint.include_resource
    )
    _check_config(egress, url, list(event_types), include)
    changed: list[str] = []
    for attr, value, api_name in (
        ("url", url, "url"),
        ("event_types", list(event_types), "eventTypes"),
        ("include_resource", include, "includeResource"),
    ):
        if getattr(endpoint, attr) != value:
            setattr(endpoint, attr, value)
            changed.append(api_name)
    if "description" in sent and endpoint.description != body.description:
        endpoint.description = body.description
        changed.append("description")
    if not changed:
        return endpoint
    stamp_update(uow, endpoint)
    uow.flush()
    _audit(uow, actor, "webhook.updated", endpoint.id, fields=changed)
    return endpoint


def set_enabled(
    uow: UnitOfWork, actor: Actor, webhook_id: str, enabled: bool, *, if_match: int | None = None
) -> WebhookEndpoint:
    """POST /webhooks/{id}/enable or /disable (re-enabling forgets the failure streak)."""
    require(actor, Entitlement.WEBHOOKS, write=True)
    endpoint = _get(uow, actor, webhook_id)
    _check_version(endpoint, if_match)
    wanted = ENABLED if enabled else DISABLED
    if endpoint.status == wanted:
        return endpoint
    endpoint.status = wanted
    if enabled:
        endpoint.disabled_reason = None
        endpoint.disabled_at = None
        endpoint.failing_since = None
    _, at = stamp_update(uow, endpoint)
    if not enabled:
        endpoint.disabled_reason = "manual"
        endpoint.disabled_at = at
    uow.flush()
    _audit(uow, actor, "webhook.enabled" if enabled else "webhook.disabled", endpoint.id)
    return endpoint


def delete(uow: UnitOfWork, actor: Actor, webhook_id: str) -> None:
    """DELETE /webhooks/{id}: the endpoint, its secret and its delivery history go."""
    require(actor, Entitlement.WEBHOOKS, write=True)
    endpoint = _get(uow, actor, webhook_id)
    uow.webhooks.delete_endpoint(endpoint)
    # Audited after the deletes: lock order deliveries → endpoint → audit chain, as the worker.
    _audit(uow, actor, "webhook.deleted", webhook_id)


def rotate_secret(
    uow: UnitOfWork,
    actor: Actor,
    box: SecretBox,
    webhook_id: str,
    *,
    overlap: timedelta,
) -> tuple[WebhookEndpoint, str]:
    """POST /webhooks/{id}/rotate-secret: a new secret; the old one also signs during `overlap`.

    A rotation during an overlap drops the secret before the current one: two secrets at most.
    """
    require(actor, Entitlement.WEBHOOKS, write=True)
    endpoint = _get(uow, actor, webhook_id)
    secret = generate_secret()
    previous = endpoint.secret_enc
    endpoint.secret_enc = box.encrypt(secret)
    _, at = stamp_update(uow, endpoint)
    if overlap > timedelta(0):
        endpoint.previous_secret_enc = previous
        endpoint.previous_secret_expires_at = at + overlap
    else:
        endpoint.previous_secret_enc = None
        endpoint.previous_secret_expires_at = None
    uow.flush()
    _audit(
        uow,
        actor,
        "webhook.secret_rotated",
        endpoint.id,
        overlapSeconds=int(overlap.total_seconds()),
    )
    return endpoint, secret


def new_delivery(event: OutboxEvent, endpoint_id: str, now: datetime) -> WebhookDelivery:
    """A pending delivery of `event` to one endpoint, due at `now`."""
    return WebhookDelivery(
        id=new_id("dlv"),
        integration_id=event.integration_id,
        endpoint_id=endpoint_id,
        event_id=event.id,
        event_seq=event.seq,
        event_type=event.type,
        resource_type=event.resource_type,
        resource_id=event.resource_id,
        status=PENDING,
        attempts=0,
        round_attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
        attempt_log=[],
    )


def send_test(uow: UnitOfWork, actor: Actor, webhook_id: str) -> WebhookDelivery:
    """POST /webhooks/{id}/test: queue a `webhook.test` event for this endpoint only."""
    require(actor, Entitlement.WEBHOOKS, write=True)
    endpoint = _get(uow, actor, webhook_id)
    if endpoint.status != ENABLED:
        raise Conflict(
            detail="the webhook is disabled; enable it before sending a test event",
            code="webhook_disabled",
        )
    seq, at = uow.next_change(actor.integration_id, utcnow())
    event = outbox.emit(
        uow,
        actor,
        EventType.WEBHOOK_TEST.value,
        RESOURCE_TYPE,
        endpoint.id,
        change_seq=seq,
        occurred_at=at,
    )
    # Addressed to one endpoint: the fan-out must not offer it to the other subscribers.
    event.dispatched_at = at
    uow.flush()
    delivery = new_delivery(event, endpoint.id, at)
    uow.add(delivery)
    uow.flush()
    _audit(uow, actor, "webhook.test_sent", endpoint.id, eventId=event.id)
    return delivery


def deliveries_page(
    uow: UnitOfWork,
    actor: Actor,
    webhook_id: str,
    *,
    status: str | None,
    event_id: str | None,
    before_seq: int | None,
    limit: int,
) -> Page[WebhookDelivery]:
    """GET /webhooks/{id}/deliveries: newest first, each with its attempts."""
    require(actor, Entitlement.WEBHOOKS)
    endpoint = _get(uow, actor, webhook_id)
    return uow.webhooks.deliveries_page(
        actor.integration_id,
        endpoint.id,
        status=status,
        event_id=event_id,
        before_seq=before_seq,
        limit=limit,
    )


def redeliver(
    uow: UnitOfWork, actor: Actor, event_id: str, webhook_id: str | None
) -> list[WebhookDelivery]:
    """POST /events/{id}/redeliver: queue the event again, now, with a fresh retry schedule.

    Without `webhookId`: to every enabled endpoint whose filter selects the event (a test
    event only to the endpoint it tested). A delivery being attempted right now is left alone.
    """
    require(actor, Entitlement.WEBHOOKS, write=True)
    event = uow.webhooks.event(actor.integration_id, event_id)
    if event is None:
        raise not_found("event")
    targets = _redelivery_targets(uow, actor, event, webhook_id)
    now = utcnow()
    existing = {
        d.endpoint_id: d
        for d in uow.webhooks.deliveries_for_event(actor.integration_id, event.id, lock=True)
    }
    result: list[WebhookDelivery] = []
    for endpoint in targets:
        delivery = existing.get(endpoint.id)
        if delivery is None:
            delivery = new_delivery(event, endpoint.id, now)
            uow.add(delivery)
        elif delivery.status != IN_FLIGHT:
            delivery.status = PENDING
            delivery.round_attempts = 0
            delivery.next_attempt_at = now
            delivery.lease_owner = None
            delivery.lease_expires_at = None
            delivery.updated_at = now
        result.append(delivery)
    uow.flush()
    audit.record(
        uow,
        actor,
        "event.redelivered",
        resource_type="event",
        resource_id=event.id,
        detail={"webhooks": [endpoint.id for endpoint in targets]},
    )
    return result


def _redelivery_targets(
    uow: UnitOfWork, actor: Actor, event: OutboxEvent, webhook_id: str | None
) -> list[WebhookEndpoint]:
    if webhook_id is not None:
        endpoint = uow.webhooks.endpoint(actor.integration_id, webhook_id)
        if endpoint is None:
            raise InvalidInput(
                detail="the webhook to redeliver to does not exist",
                errors=[FieldProblem("webhookId", "no such webhook in this integration")],
            )
        if endpoint.status != ENABLED:
            raise Conflict(
                detail="the webhook is disabled; enable it before redelivering",
                errors=[FieldProblem("webhookId", "is disabled")],
                code="webhook_disabled",
            )
        if not _addressed_to(event, endpoint):
            raise InvalidInput(
                detail="the webhook is not subscribed to this event type",
                errors=[FieldProblem("webhookId", f"is not subscribed to {event.type}")],
            )
        return [endpoint]
    targets = [
        endpoint
        for endpoint in uow.webhooks.enabled_endpoints([actor.integration_id])
        if _addressed_to(event, endpoint)
    ]
    if not targets:
        raise Conflict(
            detail="no enabled webhook is subscribed to this event type",
            code="no_subscriber",
        )
    return targets


def _addressed_to(event: OutboxEvent, endpoint: WebhookEndpoint) -> bool:
    if event.type == EventType.WEBHOOK_TEST.value:
        return event.resource_id == endpoint.id
    return subscribed(endpoint.event_types, event.type)


def events_page(
    uow: UnitOfWork, actor: Actor, flt: EventFilter, *, after_seq: int | None, limit: int
) -> Page[OutboxEvent]:
    """GET /events: the event log in outbox order (the catch-up path without webhooks).

    Exact: within an integration every event is written under the integration's change lock
    (services/records.py), so `seq` grows in commit order and a cursor never skips an event
    committed late. Reads are audited once per page (events name patient ids).
    """
    require(actor, Entitlement.WEBHOOKS)
    result = uow.webhooks.events_page(actor.integration_id, flt, after_seq=after_seq, limit=limit)
    audit.record(uow, actor, "event.read", resource_type="event", detail={"rows": len(result.rows)})
    return result


def event_after(uow: UnitOfWork, actor: Actor, event_id: str) -> int:
    """The outbox position of an event, for `GET /events?after=<id>` (422 if unknown)."""
    require(actor, Entitlement.WEBHOOKS)
    event = uow.webhooks.event(actor.integration_id, event_id)
    if event is None:
        raise InvalidInput(
            detail="after: no such event in this integration",
            errors=[FieldProblem("after", "no such event in this integration")],
        )
    return event.seq


def get_event(uow: UnitOfWork, actor: Actor, event_id: str) -> OutboxEvent:
    """GET /events/{id}."""
    require(actor, Entitlement.WEBHOOKS)
    event = uow.webhooks.event(actor.integration_id, event_id)
    if event is None:
        raise not_found("event")
    audit.record(uow, actor, "event.read", resource_type="event", resource_id=event.id)
    return event
