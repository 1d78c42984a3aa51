"""The dashboard under ``/``: static assets shipped in the package, the page routers, and
HTML error pages. ``create_app`` calls :func:`include_web_routes` after the API's routes."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from urutiq_ai.web.errors import install_web_error_handlers
from urutiq_ai.web.pages import PAGE_ROUTERS

STATIC = Path(__file__).parent / "static"
ICON = STATIC / "favicon.svg"


def include_web_routes(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/favicon.ico", favicon, methods=["GET"], include_in_schema=False)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    install_web_error_handlers(app)


def favicon() -> FileResponse:
    """The icon browsers ask for at ``/favicon.ico`` (pages link it too): an SVG shipped in
    the package, cached for a day."""
    return FileResponse(
        ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )
