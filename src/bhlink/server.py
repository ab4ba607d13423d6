"""Composition root: the ASGI application `bhlink serve` runs (API plus pages)."""

from __future__ import annotations

from fastapi import FastAPI

from bhlink.api.app import create_api
from bhlink.config import get_settings


def create_app() -> FastAPI:
    """The application for the current environment (uvicorn factory)."""
    return create_api(get_settings())
