"""Composition root: the ASGI application `bhlink serve` runs (API plus pages).

`bhlink.api` and `bhlink.web` never import each other (import-linter's independence
contract); this module is where they meet: it mounts the patient form pages on the API
application and hands the API the web layer's SVG chart renderer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from fastapi import FastAPI

from bhlink.api.app import create_api
from bhlink.config import Settings, get_settings
from bhlink.domain.instruments import InstrumentSettings, Sex
from bhlink.services import objective_hooks
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


def compose(app: FastAPI) -> FastAPI:
    """Add the web layer to an API application and connect capabilities to each other."""
    # Assessment results evaluate treatment-plan objectives that name a score threshold.
    objective_hooks.register_store(PlanObjectiveStore())
    app.state.chart_renderer = render_chart
    app.include_router(forms.router)
    return app


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """The application for the current environment (uvicorn factory; tests pass their own)."""
    return compose(create_api(settings or get_settings(), db))
