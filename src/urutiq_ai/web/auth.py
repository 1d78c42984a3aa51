"""Who is looking at a page: the signed session cookie, the company in the path, and the
CSRF check of every form.

``WebUser`` is the tenant-wide scope of the logged-in key (else the browser goes to
``/login``); ``WebCompany`` narrows it to ``{companyId}`` (404 for a company the key may
not see, as the API does); ``Csrf`` guards every POST. Actions check roles with the
API's ``require_roles`` (403).
"""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.core.settings import Settings
from urutiq_ai.tenancy import service as tenancy
from urutiq_ai.tenancy.deps import SessionDep
from urutiq_ai.tenancy.errors import InvalidApiKey, SessionEnded
from urutiq_ai.web import session as cookies

EDITORS = frozenset({Role.editor, Role.admin})
GOVERNANCE_READERS = frozenset({Role.viewer, Role.editor, Role.admin, Role.auditor})


class LoginRequired(Exception):
    """The page needs a session: answered with a redirect to the login page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsrfRejected(Exception):
    """A form came without the token of this browser's session: answered 403."""


def session_secret(request: Request) -> str:
    """The signing secret: the setting, else one random secret for this process."""
    state = request.app.state
    secret = getattr(state, "web_secret", None)
    if secret is None:
        settings: Settings = state.settings
        secret = settings.session_secret or cookies.new_secret()
        state.web_secret = secret
    return str(secret)


def current_web_session(request: Request) -> cookies.WebSession:
    try:
        return cookies.decode_session(
            session_secret(request), request.cookies.get(cookies.SESSION_COOKIE)
        )
    except cookies.SessionInvalid as exc:
        raise LoginRequired(str(exc)) from exc


def get_web_user(request: Request, session: SessionDep) -> TenantContext:
    """The scope of the session's key, re-read on every page: a revoked key, or a logout
    (in any server process), ends the session."""
    web_session = current_web_session(request)
    try:
        ctx = tenancy.authenticate_web_session(
            session, key_id=web_session.key_id, session_id=web_session.nonce
        )
    except (InvalidApiKey, SessionEnded) as exc:
        raise LoginRequired(f"{exc.detail}: please log in again") from exc
    bind_scope(session, ctx)
    request.state.web_user = ctx
    request.state.web_companies = [
        (company.id, company.name)
        for company in tenancy.list_companies(session, ctx)
        if company.id in ctx.company_ids
    ]
    request.state.web_session = web_session
    return ctx


WebUser = Annotated[TenantContext, Depends(get_web_user)]


def end_current_session(request: Request, session: Session) -> None:
    """Log this browser's session out on the server (its cookie, kept or copied, opens no
    page any more); nothing to do when it has lapsed already."""
    try:
        web_session = current_web_session(request)
        ctx = tenancy.authenticate_web_session(
            session, key_id=web_session.key_id, session_id=web_session.nonce
        )
    except (LoginRequired, InvalidApiKey, SessionEnded):
        return
    bind_scope(session, ctx)
    expires_at = datetime.fromtimestamp(web_session.expires_at, UTC)
    tenancy.end_web_session(session, ctx, session_id=web_session.nonce, expires_at=expires_at)


async def get_web_company(
    request: Request,
    user: WebUser,
    company_id: Annotated[str, Path(alias="companyId", max_length=64)],
) -> TenantContext:
    ctx = tenancy.company_scope(user, company_id)
    request.state.company_id = company_id
    return ctx


WebCompany = Annotated[TenantContext, Depends(get_web_company)]


def browser_nonce(request: Request) -> str:
    """This browser's CSRF nonce: from its cookie, else a new one (set on the response)."""
    nonce = request.cookies.get(cookies.CSRF_COOKIE)
    if not nonce:
        nonce = getattr(request.state, "new_csrf_nonce", None) or cookies.new_nonce()
        request.state.new_csrf_nonce = nonce
    return nonce


def _session_nonce(request: Request) -> str:
    """The nonce of this browser's valid session, or "" before login (or when it lapsed)."""
    if not request.cookies.get(cookies.SESSION_COOKIE):
        return ""
    try:
        return current_web_session(request).nonce
    except LoginRequired:
        return ""


def csrf_token_for(request: Request) -> str:
    return cookies.csrf_token(
        session_secret(request), browser_nonce(request), _session_nonce(request)
    )


async def check_csrf(request: Request) -> FormData:
    """The posted form, once its token (field or ``X-CSRF-Token`` header) matches."""
    form = await request.form()
    sent = form.get(cookies.CSRF_FIELD) or request.headers.get(cookies.CSRF_HEADER)
    if not cookies.csrf_matches(
        session_secret(request),
        sent if isinstance(sent, str) else None,
        request.cookies.get(cookies.CSRF_COOKIE),
        _session_nonce(request),
    ):
        raise CsrfRejected()
    return form


Csrf = Annotated[FormData, Depends(check_csrf)]
