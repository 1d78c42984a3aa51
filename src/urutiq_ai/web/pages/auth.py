"""Log in with an API key (exchanged for a signed session cookie), log out, and the home
page that sends the user to their first company."""

from typing import Annotated
from urllib.parse import quote, urlparse

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from urutiq_ai.core.settings import Settings
from urutiq_ai.tenancy import service as tenancy
from urutiq_ai.tenancy.deps import SessionDep
from urutiq_ai.tenancy.errors import InvalidApiKey
from urutiq_ai.web import session as cookies
from urutiq_ai.web.auth import Csrf, WebUser, end_current_session, session_secret
from urutiq_ai.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, no host: no open redirect)."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_form(
    request: Request,
    next_: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
    message: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    return render(request, "login.html", next=_safe_next(next_), message=message, error=None)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    _form: Csrf,
    api_key: Annotated[str, Form(max_length=512)] = "",
    next_: Annotated[str, Form(alias="next", max_length=2048)] = "/",
) -> Response:
    try:
        ctx = tenancy.authenticate(session, api_key.strip())
    except InvalidApiKey as exc:
        return render(
            request,
            "login.html",
            status_code=401,
            next=_safe_next(next_),
            message=None,
            error=exc.detail,
        )
    settings: Settings = request.app.state.settings
    assert ctx.principal_id is not None
    value = cookies.encode_session(
        session_secret(request), ctx.principal_id, hours=settings.session_hours
    )
    response = RedirectResponse(_safe_next(next_), status_code=303)
    response.set_cookie(
        cookies.SESSION_COOKIE,
        value,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, _form: Csrf) -> Response:
    """End the session on the server (a copy of its cookie opens nothing any more), then
    delete the cookie."""
    end_current_session(request, session)
    settings: Settings = request.app.state.settings
    response = RedirectResponse("/login?message=You+are+logged+out.", status_code=303)
    response.delete_cookie(
        cookies.SESSION_COOKIE, path="/", secure=settings.cookie_secure, httponly=True
    )
    return response


@router.get("/")
def home(request: Request, user: WebUser) -> Response:
    companies = request.state.web_companies
    if not companies:
        return render(
            request,
            "error.html",
            title="No company yet",
            detail="Your key sees no company. Create one with the API "
            "(POST /api/v1/companies) or 'urutiq-ai companies create', then come back.",
        )
    del user
    return RedirectResponse(f"/companies/{companies[0][0]}", status_code=303)


@router.get("/switch")
def switch_company(
    user: WebUser, company: Annotated[str, Query(min_length=1, max_length=64)]
) -> Response:
    """The company switcher's target (its form works without JavaScript too)."""
    del user
    return RedirectResponse(f"/companies/{quote(company, safe='')}", status_code=303)
