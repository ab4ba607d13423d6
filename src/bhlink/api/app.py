"""The FastAPI application: routers, problem handlers, middleware and the database it serves."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from bhlink import __version__
from bhlink.api import problems
from bhlink.api.middleware import GuardMiddleware
from bhlink.api.routers import (
    appointments,
    audit,
    directory,
    health,
    integrations,
    patients,
    sessions,
)
from bhlink.api.routers import bench as bench_routes
from bhlink.config import Settings
from bhlink.services.crypto import SecretBox
from bhlink.store.db import Database

DESCRIPTION = """One normalized REST API for behavioral-health practices.

Authenticate with `POST /integrations/{integrationId}/sessions` (API client in `Authorization: Basic`,
user credentials and TOTP code in the body), then send `Authorization: Bearer <authToken>`.
Errors are RFC 9457 `application/problem+json` with an `errors` list naming each field.
Writes accept `Idempotency-Key`; versioned records return `ETag` and honour `If-Match`.
"""


def create_api(settings: Settings, db: Database | None = None) -> FastAPI:
    """Build the API app for these settings (tests pass their own database)."""
    app = FastAPI(
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
    problems.install(app)
    for module in (health, sessions, integrations, patients, directory, appointments, audit):
        app.include_router(module.router)
    if settings.bench_routes:
        app.include_router(bench_routes.router)
    app.add_middleware(
        GuardMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_json_depth=settings.max_json_depth,
    )
    logging.getLogger("bhlink").setLevel(settings.log_level)
    return app
