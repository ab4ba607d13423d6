"""GET/PATCH /integrations/{id}: an integration's own settings (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from bhlink.api.deps import CurrentActor, UowDep
from bhlink.api.docs_models import READ_ERRORS, WRITE_ERRORS
from bhlink.api.responses import json_response
from bhlink.api.routing import TransactionalRoute
from bhlink.schemas.integrations import IntegrationPatch, IntegrationRead
from bhlink.services import tenancy

router = APIRouter(route_class=TransactionalRoute, tags=["integrations"])


def _read(integration: Any) -> IntegrationRead:
    settings = integration.settings or {}
    return IntegrationRead(
        integration_id=integration.id,
        name=integration.name,
        vendor=integration.vendor,
        timezone=integration.timezone,
        require_mfa=integration.require_mfa,
        billing_provider=settings.get("billingProvider"),
        created_at=integration.created_at,
    )


@router.get(
    "/integrations/{integration_id}",
    response_model=IntegrationRead,
    responses=READ_ERRORS,
    name="integrations.get",
)
def get_integration(actor: CurrentActor, uow: UowDep) -> Response:
    """The integration's settings."""
    return json_response(_read(tenancy.get_integration(uow, actor)))


@router.patch(
    "/integrations/{integration_id}",
    response_model=IntegrationRead,
    responses=WRITE_ERRORS,
    name="integrations.patch",
)
def patch_integration(body: IntegrationPatch, actor: CurrentActor, uow: UowDep) -> Response:
    """Change the name, time zone, MFA policy or billing provider."""
    return json_response(_read(tenancy.update_integration(uow, actor, body)))
