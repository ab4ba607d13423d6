"""The FastAPI application: routers, problem handlers, middleware and the database it serves."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from bhlink import __version__
from bhlink.api import problems
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
from bhlink.services.crypto import SecretBox
from bhlink.store.blobs import LocalDocumentStorage
from bhlink.store.db import Database

DESCRIPTION = """One normalized REST API for behavioral-health practices.

Authenticate with `POST /integrations/{integrationId}/sessions` (API client in `Authorization: Basic`,
user credentials and TOTP code in the body), then send `Authorization: Bearer <authToken>`.
Errors are RFC 9457 `application/problem+json` with an `errors` list naming each field.
Writes accept `Idempotency-Key`; versioned records return `ETag` and honour `If-Match`.
"""


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_api(
    settings: Settings, db: Database | None = None, *, lifespan: Lifespan | None = None
) -> FastAPI:
    """Build the API app for these settings (tests pass their own database).

    `lifespan` runs around serving (the composition root starts the delivery worker there).
    """
    app = FastAPI(
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
    # Inside GuardMiddleware (added last, so outermost), which assigns the request id.
    app.add_middleware(RequestLogMiddleware)
    app.add_middleware(
        GuardMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_json_depth=settings.max_json_depth,
        larger_bodies=[
            (
                re.compile(documents.UPLOAD_PATH_PATTERN),
                settings.document_max_bytes + documents.MULTIPART_OVERHEAD_BYTES,
            )
        ],
    )
    logging.getLogger("bhlink").setLevel(settings.log_level)
    return app
