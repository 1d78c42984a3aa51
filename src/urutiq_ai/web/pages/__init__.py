"""Page routers, one module per domain; each renders templates from ``web/templates``."""

from fastapi import APIRouter

from urutiq_ai.web.pages import auth, overview

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    overview.router,
)
