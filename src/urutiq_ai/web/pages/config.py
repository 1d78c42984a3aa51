"""Configuration pages: each configuration type with its active version; a type's version
history, the diff between two versions, "Activate this version" and a form for a new
version. Writes go through the config service the API calls (``create_version``,
``activate``), inside a savepoint: a refused version saves nothing."""

import json
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from urutiq_ai.config import service as config_service
from urutiq_ai.config.errors import NoActiveConfig
from urutiq_ai.config.schemas import AIConfigCreate, AIConfigRead, ConfigDiff, ConfigType
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import AppError, NotFound, ValidationError
from urutiq_ai.tenancy.deps import SessionDep, require_roles
from urutiq_ai.web.auth import EDITORS, Csrf, WebCompany
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.templating import render

router = APIRouter(prefix="/companies/{companyId}/config", include_in_schema=False)
TypePath = Annotated[str, Path(alias="configType", max_length=32)]
IdPath = Annotated[str, Path(alias="configId", max_length=64)]
HISTORY_PAGE = 20
CHOICES = 100
DATA = "configData"


class UnknownConfigType(NotFound):
    pass


def _type(value: str) -> ConfigType:
    try:
        return ConfigType(value)
    except ValueError:
        raise UnknownConfigType(f"no configuration type {value!r}") from None


def _active(session: Session, ctx: TenantContext, kind: ConfigType) -> AIConfigRead | None:
    try:
        return AIConfigRead.model_validate(config_service.active_version(session, ctx, kind))
    except NoActiveConfig:
        return None


@router.get("")
def config_types(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    rows = []
    for kind in ConfigType:
        newest = config_service.history(session, ctx, kind, limit=1)
        rows.append(
            {
                "type": kind.value,
                "active": _active(session, ctx, kind),
                "versions": newest[0].version if newest else 0,
            }
        )
    return render(request, "config/types.html", section="config", rows=rows)


def _data_errors(exc: AppError | PydanticError) -> dict[str, str]:
    """Errors by form field; every ``configData.<path>`` problem is listed on the
    ``configData`` field, with its path."""
    if isinstance(exc, PydanticError):
        pairs = [(".".join(map(str, e["loc"])) or DATA, str(e["msg"])) for e in exc.errors()]
    else:
        pairs = [(f.field, f.reason) for f in exc.fields] or [(DATA, exc.detail)]
    errors: dict[str, str] = {}
    data = [f"{name}: {reason}" for name, reason in pairs if name.startswith(DATA)]
    if data:
        errors[DATA] = "; ".join(data)
    for name, reason in pairs:
        if not name.startswith(DATA):
            errors.setdefault(name, reason)
    return errors


def _diff(
    session: Session,
    ctx: TenantContext,
    kind: ConfigType,
    params: Mapping[str, str],
    choices: list[AIConfigRead],
) -> tuple[ConfigDiff | None, dict[str, str], dict[str, str]]:
    """The diff the page asks for (``?from=&to=``), else the newest two versions'."""
    chosen = {"from": params.get("from", "")[:64], "to": params.get("to", "")[:64]}
    if not (chosen["from"] and chosen["to"]):
        if len(choices) < 2:
            return None, chosen, {}
        chosen = {"from": choices[1].id, "to": choices[0].id}
    try:
        found = config_service.diff_versions(session, ctx, chosen["from"], chosen["to"])
    except ValidationError as exc:
        return None, chosen, {f.field: f.reason for f in exc.fields}
    if found.config_type != kind:
        return None, chosen, {"from": f"not a {kind.value} version"}
    return found, chosen, {}


def _type_page(
    request: Request,
    session: Session,
    ctx: TenantContext,
    kind: ConfigType,
    *,
    errors: Mapping[str, str] | None = None,
    form: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    company_id = next(iter(ctx.company_ids))
    base = f"/companies/{company_id}/config/{kind.value}"
    history = list_page(
        session,
        ctx,
        config_service.CONFIGS,
        {"cursor": request.query_params.get("cursor", "")},
        base_url=base,
        fixed={"config_type": [kind.value], "sort": "-version"},
        limit=HISTORY_PAGE,
    )
    choices = [
        AIConfigRead.model_validate(row)
        for row in config_service.history(session, ctx, kind, limit=CHOICES)
    ]
    found, chosen, diff_errors = _diff(session, ctx, kind, request.query_params, choices)
    active = next((row for row in choices if row.is_active), None) or _active(session, ctx, kind)
    if form is None:
        form = {
            DATA: json.dumps(active.config_data if active else {}, indent=2),
            "isActive": True,
            "note": "",
        }
    return render(
        request,
        "config/history.html",
        status_code=status_code if not diff_errors else 422,
        section="config",
        kind=kind.value,
        base=base,
        history=history,
        choices=choices,
        active=active,
        found=found,
        chosen=chosen,
        diff_errors=diff_errors,
        errors=errors or {},
        form=form,
        done=request.query_params.get("done"),
        may_act=ctx.role in EDITORS,
    )


@router.get("/{configType}")
def config_history(
    request: Request, session: SessionDep, ctx: WebCompany, config_type: TypePath
) -> Response:
    return _type_page(request, session, ctx, _type(config_type))


@router.post("/{configType}/versions")
def save_version(
    request: Request, session: SessionDep, ctx: WebCompany, form: Csrf, config_type: TypePath
) -> Response:
    """A new version from the JSON of the form (the API's ``POST /configs``)."""
    kind = _type(config_type)
    require_roles(ctx, EDITORS, "change configs")
    text = str(form.get(DATA) or "")
    active = form.get("isActive") is not None
    note = str(form.get("note") or "")
    sent = {DATA: text, "isActive": active, "note": note}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        return _type_page(
            request, session, ctx, kind, errors={DATA: reason}, form=sent, status_code=422
        )
    try:
        payload = AIConfigCreate(
            config_type=kind, config_data=data, is_active=active, note=note.strip() or None
        )
        with session.begin_nested():
            row = config_service.create_version(session, ctx, payload)
    except (PydanticError, ValidationError) as exc:
        errors = _data_errors(exc)
        return _type_page(request, session, ctx, kind, errors=errors, form=sent, status_code=422)
    state = "active" if row.is_active else "saved as a draft"
    return RedirectResponse(
        f"/companies/{row.company_id}/config/{kind.value}?done=Version+{row.version}+{state}",
        status_code=303,
    )


@router.post("/{configType}/versions/{configId}/activate")
def activate_version(
    request: Request,
    session: SessionDep,
    ctx: WebCompany,
    _form: Csrf,
    config_type: TypePath,
    config_id: IdPath,
) -> Response:
    """Make this version the active one (the API's ``POST /configs/{id}/activate``)."""
    kind = _type(config_type)
    require_roles(ctx, EDITORS, "change configs")
    config_service.get_version(session, ctx, config_id)  # 404 first for another tenant's
    try:
        with session.begin_nested():
            row = config_service.activate(session, ctx, config_id)
    except ValidationError as exc:
        errors = {"activate": f"version {config_id} cannot be activated: {exc.detail}"}
        return _type_page(request, session, ctx, kind, errors=errors, status_code=422)
    return RedirectResponse(
        f"/companies/{row.company_id}/config/{row.config_type.value}"
        f"?done=Version+{row.version}+is+now+active",
        status_code=303,
    )
