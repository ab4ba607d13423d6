"""The composed application built only to read its OpenAPI document (no database is opened)."""

from __future__ import annotations

from fastapi import FastAPI

from bhlink.config import Settings
from bhlink.server import create_app


def document_app() -> FastAPI:
    """The same routes as production; an in-memory database that nothing ever touches."""
    return create_app(
        Settings(
            database_url="sqlite://",
            secret_key="openapi-only-" + "k" * 32,
            serve_worker=False,  # schemathesis runs the lifespan: no delivery worker for a doc
        )
    )
