"""The FastAPI application: routers, problem handlers, middleware and the database it serves."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from bhlink import __version__
from bhlink.api import problems
from bhlink.api.log_hygiene import ContainServerErrors, quiet_access_log
from bhlink.api.middleware import GuardMiddleware
from bhlink.api.request_log import RequestLogMiddleware
from bhlink.api.routers import (
    appointments,
    assessments,
    audit,
    authorizations,
    billing,
    chart,
    claims,
    directory,
    documents,
    events,
    health,
    integrations,
    metrics,
    notes,
    patients,
    remittances,
    sessions,
    tasks,
    treatment_plans,
    webhooks,
)
from bhlink.api.routers import bench as bench_routes
from bhlink.config import Settings
from bhlink.domain.rate_limits import RateLimiter
from bhlink.services.crypto import SecretBox
from bhlink.services.rate_limits import InMemoryRateLimiter, RatePolicies
from bhlink.store.blobs import LocalDocumentStorage
from bhlink.store.db import Database

DESCRIPTION = """One normalized REST API for behavioral-health practices.

Authenticate with `POST /integrations/{integrationId}/sessions` (API client in `Authorization: Basic`,
user credentials and TOTP code in the body), then send `Authorization: Bearer <authToken>`.
Errors are RFC 9457 `application/problem+json` with an `errors` list naming each field.
Writes accept `Idempotency-Key`; versioned records return `ETag` and honour `If-Match`.
"""
CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "X-Request-Id",
]
CORS_EXPOSED_HEADERS = [
    "ETag",
    "Location",
    "Idempotent-Replayed",
    "RateLimit",
    "RateLimit-Policy",
    "Retry-After",
    "X-Request-Id",
]


class BhlinkAPI(FastAPI):
    """FastAPI with the request guard, CORS and error containment outside Starlette's stack.

    Starlette's ServerErrorMiddleware is the outermost layer of its stack: a 500 it builds never
    passes through middleware added with `add_middleware`, so it would leave without the
    security headers, `Cache-Control: no-store` and the request id. These layers wrap the
    whole stack instead, outermost first: CORS (so browsers can read every refusal), the
    guard (limits and headers), then the containment of re-raised exceptions.
    """

    def build_middleware_stack(self) -> ASGIApp:
        """Starlette's stack inside our outer layers."""
        settings: Settings = self.state.settings
        app: ASGIApp = ContainServerErrors(super().build_middleware_stack())
        app = GuardMiddleware(
            app,
            max_body_bytes=settings.max_body_bytes,
            max_json_depth=settings.max_json_depth,
            larger_bodies=getattr(self.state, "larger_bodies", ()),
        )
        if settings.cors_origins:
            # Exactly the configured origins; no credentials mode (tokens travel in a header).
            app = CORSMiddleware(
                app,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=CORS_REQUEST_HEADERS,
                expose_headers=CORS_EXPOSED_HEADERS,
                max_age=600,
            )
        return app


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_api(
    settings: Settings,
    db: Database | None = None,
    *,
    lifespan: Lifespan | None = None,
    rate_limiter: RateLimiter | None = None,
) -> FastAPI:
    """Build the API app for these settings (tests pass their own database and limiter).

    `lifespan` runs around serving (the composition root starts the delivery worker there).
    """
    app = BhlinkAPI(
        lifespan=lifespan,
        title="bhlink",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    app.state.box = SecretBox(settings.resolved_secret_key())
    app.state.rate_policies = RatePolicies.from_settings(settings)
    app.state.rate_limiter = rate_limiter or InMemoryRateLimiter()
    app.state.document_storage = LocalDocumentStorage(settings.document_dir)
    # DNS for vetting webhook URLs (None: the system resolver); tests put a fake one here.
    app.state.webhook_resolver = None
    problems.install(app)
    # One router per line: capabilities are added here as they land.
    for module in (
        health,
        sessions,
        integrations,
        patients,
        directory,
        appointments,
        assessments,
        notes,
        treatment_plans,
        tasks,
        chart,
        documents,
        authorizations,
        billing,
        claims,
        remittances,
        webhooks,
        events,
        metrics,
        audit,
    ):
        app.include_router(module.router)
    if settings.bench_routes:
        app.include_router(bench_routes.router)
    # Inside the outer layers (see BhlinkAPI), so after GuardMiddleware assigned the request id.
    app.add_middleware(RequestLogMiddleware)
    # Routes allowed a larger body than the global limit (document uploads), read by the guard.
    app.state.larger_bodies = [
        (
            re.compile(documents.UPLOAD_PATH_PATTERN),
            settings.document_max_bytes + documents.MULTIPART_OVERHEAD_BYTES,
        )
    ]
    quiet_access_log()
    logging.getLogger("bhlink").setLevel(settings.log_level)
    return app
