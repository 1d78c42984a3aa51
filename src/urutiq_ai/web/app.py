"""The dashboard under ``/``: static assets shipped in the package, the page routers, and
HTML error pages. ``create_app`` calls :func:`include_web_routes` after the API's routes."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from urutiq_ai.web.errors import install_web_error_handlers
from urutiq_ai.web.pages import PAGE_ROUTERS

STATIC = Path(__file__).parent / "static"


def include_web_routes(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in PAGE_ROUTERS:
        app.include_router(router)
    install_web_error_handlers(app)
