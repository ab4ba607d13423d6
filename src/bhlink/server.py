"""Composition root: the ASGI application `bhlink serve` runs (API, pages and the worker).

`bhlink.api` and `bhlink.web` never import each other (import-linter's independence
contract); this module is where they meet: it mounts the patient form pages on the API
application, hands the API the web layer's SVG chart renderer, and connects capabilities
that build on each other.

Unless `serve_worker` is off (`bhlink serve --no-worker`), each server process also runs one
webhook delivery worker in a background thread, started and stopped with the app's lifespan:
on SIGTERM/SIGINT uvicorn stops taking requests and the worker finishes its attempt in progress
and hands back what it claimed but did not send.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from bhlink.api.app import Lifespan, create_api
from bhlink.config import Settings, get_settings
from bhlink.domain.instruments import InstrumentSettings, Sex
from bhlink.events.worker import Worker, WorkerGroup
from bhlink.logging_setup import configure_logging
from bhlink.services import billing_setup, notes, objective_hooks
from bhlink.services.treatment_plans import PlanObjectiveStore
from bhlink.store.db import Database
from bhlink.web import forms
from bhlink.web.outcome_chart import ChartPoint, render_outcome_chart


def render_chart(
    instrument_id: str,
    points: Sequence[tuple[date, float]],
    *,
    baseline: date | None,
    sex: Sex | None,
    settings: InstrumentSettings,
) -> str:
    """The services' ChartRenderer, drawn by web/outcome_chart.py."""
    return render_outcome_chart(
        instrument_id,
        [ChartPoint(on=on, value=value) for on, value in points],
        baseline=baseline,
        sex=sex,
        settings=settings,
    )


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


def compose(app: FastAPI) -> FastAPI:
    """Add the web layer to an API application and connect capabilities to each other."""
    # Assessment results evaluate treatment-plan objectives that name a score threshold.
    objective_hooks.register_store(PlanObjectiveStore())
    # Charges may require a signed note for the session (the practice's `requireSignedNote`).
    billing_setup.register_signed_note_check(notes.appointment_has_signed_note)
    app.state.chart_renderer = render_chart
    app.include_router(forms.router)
    return app


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """The application (uvicorn factory with no arguments; tests pass their own settings)."""
    if settings is None:
        settings = get_settings()
        configure_logging(settings.log_level)
    return compose(create_api(settings, db, lifespan=worker_lifespan(settings)))
