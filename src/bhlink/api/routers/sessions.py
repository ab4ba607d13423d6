"""POST/DELETE /sessions (seed 003) and the caller's own account (TOTP enrolment)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from bhlink.api import rate_limits
from bhlink.api.deps import BoxDep, CurrentActor, SettingsDep, UowDep, basic_client, client_ip
from bhlink.api.docs_models import problems
from bhlink.api.responses import json_response
from bhlink.api.routing import TransactionalRoute
from bhlink.domain.errors import NotFound
from bhlink.domain.roles import sorted_entitlements
from bhlink.schemas.sessions import (
    SessionCreate,
    SessionRead,
    SessionUser,
    TotpConfirm,
    TotpEnrollment,
)
from bhlink.services import auth, tenancy

router = APIRouter(
    prefix="/integrations/{integration_id}", route_class=TransactionalRoute, tags=["sessions"]
)


@router.post(
    "/sessions",
    response_model=SessionRead,
    status_code=201,
    responses=problems(400, 401, 404, 413, 415, 422, 429),
)
def create_session(
    request: Request,
    body: SessionCreate,
    integration_id: str,
    uow: UowDep,
    box: BoxDep,
    settings: SettingsDep,
    client_id: str = Depends(basic_client),
) -> Response:
    """Log in: API client (Basic) + username, password and TOTP code → a bearer token."""
    rate_limits.charge_login(request, integration_id, client_id, body.username)
    request.state.failure_audited = True  # the service audits its own failures
    issued = auth.create_session(
        uow,
        box,
        settings,
        integration_id,
        client_id,
        body,
        source_ip=client_ip(request),
        request_id=getattr(request.state, "request_id", None),
    )
    request.state.failure_audited = False
    return json_response(_session_read(issued), 201)


def _session_read(issued: auth.IssuedSession) -> SessionRead:
    user = issued.user
    return SessionRead(
        auth_token=issued.token,
        expires_in=issued.expires_in,
        user=SessionUser(
            id=user.id,
            name=user.name,
            roles=list(user.roles),
            entitlements=sorted_entitlements(issued.entitlements),
            provider_id=user.provider_id,
        ),
    )


@router.post(
    "/sessions/refresh",
    response_model=SessionRead,
    responses=problems(401, 404, 429),
    name="sessions.refresh",
)
def refresh_session(actor: CurrentActor, uow: UowDep, settings: SettingsDep) -> Response:
    """Swap the bearer token for a new one; the token sent stops working at once."""
    return json_response(_session_read(auth.refresh_session(uow, settings, actor)))


@router.delete("/sessions", status_code=204, responses=problems(401, 404, 429))
def end_session(actor: CurrentActor, uow: UowDep) -> Response:
    """Log out: revoke the token used for this request."""
    auth.revoke_session(uow, actor)
    return Response(status_code=204)


@router.delete("/sessions/{session_id}", status_code=204, responses=problems(401, 403, 404, 429))
def revoke_session(session_id: str, actor: CurrentActor, uow: UowDep) -> Response:
    """Revoke one session (your own, or any as admin)."""
    auth.revoke_session(uow, actor, session_id)
    return Response(status_code=204)


@router.get("/users/me", response_model=SessionUser, responses=problems(401, 404, 429))
def who_am_i(actor: CurrentActor) -> Response:
    """The authenticated user."""
    return json_response(
        SessionUser(
            id=actor.actor_id,
            name=actor.name,
            roles=sorted(r.value for r in actor.roles),
            entitlements=sorted_entitlements(actor.entitlements),
            provider_id=actor.provider_id,
        )
    )


@router.post(
    "/users/me/mfa/totp",
    response_model=TotpEnrollment,
    status_code=201,
    responses=problems(401, 404, 409, 429),
)
def enroll_totp(actor: CurrentActor, uow: UowDep, box: BoxDep) -> Response:
    """Start TOTP enrolment: scan the otpauth URI, then confirm with a code."""
    user = uow.tenancy.user(actor.actor_id)
    if user is None:
        raise NotFound(detail="user not found")
    uri = tenancy.begin_totp(uow, box, user)
    secret = uri.split("secret=")[1].split("&")[0]
    return json_response(TotpEnrollment(otpauth_uri=uri, secret=secret), 201)


@router.post(
    "/users/me/mfa/totp/confirm",
    status_code=204,
    responses=problems(400, 401, 404, 409, 422, 429),
)
def confirm_totp(body: TotpConfirm, actor: CurrentActor, uow: UowDep, box: BoxDep) -> Response:
    """Finish TOTP enrolment; from now on logins need a code."""
    user = uow.tenancy.user(actor.actor_id)
    if user is None:
        raise NotFound(detail="user not found")
    tenancy.confirm_totp(uow, box, user, body.code)
    return Response(status_code=204)
