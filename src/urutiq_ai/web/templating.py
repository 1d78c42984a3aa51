"""Jinja2 rendering for the dashboard: the environment, its filters, and ``render``.

Every page gets the logged-in scope (``user``), the companies of the switcher, the company
in the path and the CSRF token of its forms, so templates never reach for them.
Times are written in UTC inside ``<time datetime=...>`` and shown in the browser's own
zone by ``app.js``.
"""

import json
import math
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Undefined
from markupsafe import Markup, escape
from starlette.responses import Response

from urutiq_ai.core.settings import Settings
from urutiq_ai.ml.drift_scores import format_score
from urutiq_ai.web import session as cookies
from urutiq_ai.web.auth import browser_nonce, csrf_token_for

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def format_time(value: Any) -> Markup:
    """``<time>`` in UTC; ``app.js`` rewrites its text into the browser's time zone."""
    if value is None or value == "" or isinstance(value, Undefined):
        return Markup('<span class="muted">–</span>')
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        moment.isoformat()
    except (TypeError, ValueError, AttributeError):  # a JSON field may hold any text
        return Markup('<span class="muted">{}</span>').format(str(value)[:64])
    iso = moment.isoformat()
    shown = moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return Markup(f'<time datetime="{escape(iso)}" data-local>{escape(shown)}</time>')


def format_number(value: Any, digits: int = 3) -> str:
    """A figure for a table: ``–`` for none, integers as they are, floats to ``digits``
    significant decimals."""
    if value is None or isinstance(value, Undefined):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if value else "0"
    return str(value)


def format_percent(value: Any, digits: int = 1) -> str:
    """A share as a percentage; a value that is no number (a JSON field may hold any) as
    it is."""
    if value is None or isinstance(value, Undefined):
        return "–"
    try:
        share = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "–" if math.isnan(share) else f"{share * 100:.{digits}f}%"


def as_chart(config: dict[str, Any]) -> str:
    """A Chart.js configuration for a ``<canvas data-chart=...>`` attribute."""
    return json.dumps(config, default=str, separators=(",", ":"))


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


def plain_json(value: Any) -> str:
    """A value as one line of JSON, as written (``ledger's``, ``café``), for page text:
    the page escapes it like any text. Jinja's ``tojson`` is for scripts and attributes: its
    ``\\u0027`` escapes showed raw in the audit diff."""
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


def as_object(value: Any) -> Mapping[str, Any]:
    """A JSON value as an object, ``{}`` when it is any other shape: users may write any
    JSON into the JSON fields a page reads keys of (``(r.issues | obj).get("name")``)."""
    return value if isinstance(value, Mapping) else {}


# After ``_ . / :``, and between a lower-case letter or digit and a capital.
_SOFT_BREAKS = re.compile(r"(?<=[_./:])(?=.)|(?<=[a-z0-9])(?=[A-Z])")


def breakable(value: Any) -> Markup:
    """An identifier with soft line breaks (``<wbr>``) between its parts
    (``Cashflow<wbr>Prediction<wbr>Features<wbr>Rejects``, ``allowed_<wbr>values``): a table
    narrower than its text wraps it there, not mid-word, instead of overflowing its card."""
    if value is None or isinstance(value, Undefined):
        return Markup("")
    return Markup("<wbr>").join(escape(part) for part in _SOFT_BREAKS.split(str(value)))


def enum_value(value: Any) -> str:
    return str(getattr(value, "value", value) if value is not None else "")


# The CSRF field of the page being rendered: macros imported without the page's context
# (``{% from "macros.html" import csrf %}``) still render it. Set by ``render`` just before
# the synchronous render, in the thread that renders.
_page_csrf: ContextVar[str] = ContextVar("page_csrf", default="")


def csrf_input() -> Markup:
    return Markup(
        f'<input type="hidden" name="{cookies.CSRF_FIELD}" value="{escape(_page_csrf.get())}">'
    )


templates.env.globals["csrf_input"] = csrf_input

templates.env.filters.update(
    time=format_time,
    num=format_number,
    pct=format_percent,
    chart=as_chart,
    pretty=pretty_json,
    json=plain_json,
    ev=enum_value,
    obj=as_object,
    drift_score=format_score,
    breakable=breakable,
)


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """The page, with the logged-in scope, switcher, company and CSRF token filled in."""
    settings: Settings = request.app.state.settings
    token = csrf_token_for(request)
    _page_csrf.set(token)
    values = {
        "user": getattr(request.state, "web_user", None),
        "companies": getattr(request.state, "web_companies", []),
        "company_id": getattr(request.state, "company_id", None),
        "csrf_token": token,
        "csrf_field": cookies.CSRF_FIELD,
        **context,
    }
    response = templates.TemplateResponse(request, template, values, status_code=status_code)
    set_csrf_cookie(request, response, secure=settings.cookie_secure)
    return response


def set_csrf_cookie(request: Request, response: Response, *, secure: bool) -> None:
    """Give a browser its CSRF nonce the first time it gets a page."""
    if request.cookies.get(cookies.CSRF_COOKIE):
        return
    response.set_cookie(
        cookies.CSRF_COOKIE,
        browser_nonce(request),
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/",
    )
