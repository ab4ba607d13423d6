"""Composition root: the ASGI application `bhlink serve` runs (API plus pages, and the worker).

Unless `serve_worker` is off (`bhlink serve --no-worker`), each server process also runs one
webhook delivery worker in a background thread, started and stopped with the app's lifespan:
on SIGTERM/SIGINT uvicorn stops taking requests and the worker finishes its attempt in progress
and hands back what it claimed but did not send.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from bhlink.api.app import Lifespan, create_api
from bhlink.config import Settings, get_settings
from bhlink.events.worker import Worker, WorkerGroup
from bhlink.logging_setup import configure_logging


def worker_lifespan(settings: Settings) -> Lifespan:
    """A lifespan that runs a delivery worker thread beside the API when the settings say so."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        group: WorkerGroup | None = None
        if settings.serve_worker:
            group = WorkerGroup([Worker(app.state.db, settings, box=app.state.box)])
            group.start()
        try:
            yield
        finally:
            if group is not None:
                await run_in_threadpool(group.stop)

    return lifespan


def create_app() -> FastAPI:
    """The application for the current environment (uvicorn factory)."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_api(settings, lifespan=worker_lifespan(settings))
