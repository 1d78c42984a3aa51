"""Dashboard pages: deployments with their health, live figures, config and the history of
what served each environment; promote, roll back and check health from the page.

The page reads what the deployments service keeps: the deployment row (health check, live
figures of its serving revision), its revisions, and the served-history query. Nothing
here scans predictions: the request chart comes from the per-minute slots the serving
processes already wrote into ``performance``, the latency chart from each revision's
health check.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import rollback as undo
from urutiq_ai.core.errors import AppError, FieldError
from urutiq_ai.crud import service as crud
from urutiq_ai.deployments import checks, queries, releases, resources
from urutiq_ai.deployments.models import AIDeployment, DeploymentRevision
from urutiq_ai.deployments.schemas import (
    DeploymentConfig,
    DeploymentPromote,
    DeploymentRollback,
    DeploymentStatus,
    Environment,
    ServedModel,
)
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.models import AIModel
from urutiq_ai.tenancy.deps import SessionDep, require_roles
from urutiq_ai.web.auth import EDITORS, Csrf, WebCompany
from urutiq_ai.web.forms import field_errors, form_text, posted
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.templating import render

router = APIRouter(prefix="/companies/{companyId}", include_in_schema=False)

NamePath = Annotated[str, Path(min_length=1, max_length=255)]
EnvQuery = Annotated[Environment | None, Query()]

# Promotion goes up: development -> staging or production, staging -> production.
PROMOTES_TO = {
    Environment.development: [Environment.staging.value, Environment.production.value],
    Environment.staging: [Environment.production.value],
}
DONE = {
    "promoted": "Promoted: the new revision passed its health check and serves now.",
    "promote_failed": "The promoted revision failed its health check: the deployment goes "
    "on serving what it served (see the revision history).",
    "rolled_back": "Rolled back: the previous model serves again.",
    "rollback_failed": "The rollback revision failed its health check: nothing changed "
    "(see the revision history).",
    "checked": "Health checked now.",
}


# --- small helpers ------------------------------------------------------------------------


def _store(request: Request) -> ArtifactStore:
    return ArtifactStore(request.app.state.settings.artifacts)


def _company(request: Request) -> str:
    return str(request.path_params["companyId"])


def deployment_url(company_id: str, name: str, environment: Environment | str) -> str:
    """The page of deployment ``name`` in ``environment``."""
    env = getattr(environment, "value", environment)
    return (
        f"/companies/{quote(company_id, safe='')}/deployments/{quote(name, safe='')}"
        f"?{urlencode({'environment': env})}"
    )


def _models(session: Session, ctx: TenantContext, ids: Iterable[str]) -> dict[str, AIModel | None]:
    """The models behind ``ids`` (None for one that is gone), one lookup per model."""
    found: dict[str, AIModel | None] = {}
    for model_id in ids:
        if model_id and model_id not in found:
            try:
                found[model_id] = registry_service.get_model(session, ctx, model_id)
            except AppError:
                found[model_id] = None
    return found


def _parse_moment(text: str) -> datetime:
    """A date or a date and time (UTC unless it names its zone)."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _config(value: Any) -> DeploymentConfig:
    try:
        return DeploymentConfig.model_validate(value or {})
    except PydanticError:
        return DeploymentConfig()


def _config_summary(value: Any) -> dict[str, Any]:
    """Split, shadows and ensemble of a stored config, for a table cell."""
    config = _config(value)
    return {
        "traffic": [(s.model_id, s.weight) for s in config.traffic or []],
        "shadow": list(config.shadow or []),
        "ensemble": (
            (config.ensemble.method, [(m.model_id, m.weight) for m in config.ensemble.models])
            if config.ensemble
            else None
        ),
    }


def _row(company_id: str, deployment: AIDeployment | Any) -> dict[str, Any]:
    return {
        "d": deployment,
        "url": deployment_url(company_id, deployment.deployment_name, deployment.environment),
        "health": deployment.health_check or {},
        "live": deployment.performance or {},
        "summary": _config_summary(deployment.config),
    }


# --- the list -----------------------------------------------------------------------------


@router.get("/deployments")
def deployments_list(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    company_id = _company(request)
    page = list_page(
        session,
        ctx,
        resources.DEPLOYMENTS,
        request.query_params,
        base_url=f"/companies/{company_id}/deployments",
    )
    rows = [_row(company_id, d) for d in page.items]
    ids = {d.model_id for d in page.items}
    for row in rows:
        ids |= set(row["summary"]["shadow"])
        ids |= {m for m, _ in row["summary"]["traffic"]}
    return render(
        request,
        "deployments/list.html",
        section="deployments",
        page=page,
        rows=rows,
        models=_models(session, ctx, sorted(ids)),
        environments=[e.value for e in Environment],
        statuses=[s.value for s in DeploymentStatus],
    )


# --- one deployment -----------------------------------------------------------------------


def _find(
    session: Session, ctx: TenantContext, name: str, environment: Environment | None
) -> AIDeployment:
    """The deployment ``name`` in ``environment``; without one, where the name serves
    (production first)."""
    if environment is not None:
        return queries.find(session, ctx, name, environment)
    found: list[AIDeployment] = crud.newest_rows(
        session, ctx, resources.DEPLOYMENTS, limit=10, deployment_name=name
    )
    order = [Environment.production, Environment.staging, Environment.development]
    for env in order:
        for row in found:
            if row.environment == env:
                return row
    return queries.find(session, ctx, name, Environment.production)  # 404 naming why


def _siblings(session: Session, ctx: TenantContext, deployment: AIDeployment) -> list[Any]:
    """The same name in the other environments."""
    rows = crud.newest_rows(
        session, ctx, resources.DEPLOYMENTS, limit=10, deployment_name=deployment.deployment_name
    )
    return [row for row in reversed(rows) if row.id != deployment.id]


def _latency_chart(revisions: list[DeploymentRevision]) -> dict[str, Any] | None:
    """Health-check latency of each revision, oldest first."""
    points: list[tuple[str, float]] = []
    for revision in sorted(revisions, key=lambda r: r.version):
        value = (revision.health_check or {}).get("latencyMs")
        if isinstance(value, int | float):
            points.append((f"v{revision.version}", float(value)))
    if not points:
        return None
    return {
        "type": "bar",
        "data": {
            "labels": [label for label, _ in points],
            "datasets": [
                {
                    "label": "Health-check latency (ms)",
                    "data": [round(value, 3) for _, value in points],
                    "backgroundColor": "#1f5fbf",
                    "maxBarThickness": 48,
                }
            ],
        },
        "options": {
            "scales": {"y": {"beginAtZero": True, "title": {"display": True, "text": "ms"}}}
        },
    }


def _requests_chart(performance: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Requests and errors per minute of the live window, summed over the processes."""
    if not performance:
        return None
    per_minute: dict[int, list[int]] = {}
    for entry in (performance.get("sources") or {}).values():
        for minute, slot in (entry.get("slots") or {}).items():
            counts = per_minute.setdefault(int(minute), [0, 0])
            counts[0] += int(slot.get("requests", 0))
            counts[1] += int(slot.get("errors", 0))
    if not per_minute:
        return None
    minutes = sorted(per_minute)
    labels = [datetime.fromtimestamp(m, UTC).strftime("%H:%M UTC") for m in minutes]
    return {
        "type": "line",
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "label": "Requests per minute",
                    "data": [per_minute[m][0] for m in minutes],
                    "borderColor": "#1f5fbf",
                },
                {
                    "label": "Errors per minute",
                    "data": [per_minute[m][1] for m in minutes],
                    "borderColor": "#b42318",
                },
            ],
        },
        "options": {"scales": {"y": {"beginAtZero": True}}},
    }


def _detail(
    request: Request,
    session: Session,
    ctx: TenantContext,
    deployment: AIDeployment,
    *,
    at: str | None = None,
    status_code: int = 200,
    action: str | None = None,
    error: str | None = None,
    errors: Mapping[str, str] | None = None,
    form: Mapping[str, Any] | None = None,
) -> Response:
    company_id = _company(request)
    revisions = list(queries.revisions_of(session, ctx, deployment.id))
    timeline: list[ServedModel] = queries.served(
        session,
        ctx,
        environment=deployment.environment,
        deployment_name=deployment.deployment_name,
    )
    field_errors = dict(errors or {})
    answer: list[ServedModel] | None = None
    if at:
        try:
            moment = _parse_moment(at)
        except ValueError:
            field_errors["at"] = "give a date (2026-11-03) or a date and time (2026-11-03T14:30)"
            status_code = max(status_code, 422)
        else:
            answer = queries.served(session, ctx, at=moment, environment=deployment.environment)
    config = _config(deployment.config)
    summary = _config_summary(deployment.config)
    ids = {deployment.model_id, *(r.model_id for r in revisions)}
    ids |= {m for m, _ in summary["traffic"]} | set(summary["shadow"])
    if summary["ensemble"]:
        ids |= {m for m, _ in summary["ensemble"][1]}
    others = _siblings(session, ctx, deployment)
    targets = PROMOTES_TO.get(deployment.environment, [])
    return render(
        request,
        "deployments/detail.html",
        status_code=status_code,
        section="deployments",
        d=deployment,
        here=deployment_url(company_id, deployment.deployment_name, deployment.environment),
        action_base=(
            f"/companies/{quote(company_id, safe='')}/deployments/"
            f"{quote(deployment.deployment_name, safe='')}"
        ),
        health=deployment.health_check or {},
        live=deployment.performance or {},
        config=config,
        stored_config=deployment.config or {},
        summary=summary,
        revisions=revisions,
        timeline=list(reversed(timeline)),
        answer=answer,
        at=at or "",
        models=_models(session, ctx, sorted(ids)),
        others=[(o, deployment_url(company_id, o.deployment_name, o.environment)) for o in others],
        latency_chart=_latency_chart(revisions),
        requests_chart=_requests_chart(deployment.performance),
        can_act=ctx.role in EDITORS,
        is_admin=ctx.role == Role.admin,
        serving=deployment.status in (DeploymentStatus.active, DeploymentStatus.rolled_back),
        targets=targets,
        promote_to=(form or {}).get("to") or Environment.production.value,
        done=DONE.get(request.query_params.get("done", "")),
        action=action,
        action_error=error,
        errors=field_errors,
        form=form or {},
    )


@router.get("/deployments/{name}")
def deployment_page(
    request: Request,
    session: SessionDep,
    ctx: WebCompany,
    name: NamePath,
    environment: EnvQuery = None,
    at: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    deployment = _find(session, ctx, name, environment)
    return _detail(request, session, ctx, deployment, at=at)


# --- actions ------------------------------------------------------------------------------


def _refused(
    request: Request,
    session: Session,
    ctx: TenantContext,
    name: str,
    environment: Environment,
    *,
    action: str,
    exc: AppError | None = None,
    fields: Mapping[str, str] | None = None,
    form: Mapping[str, Any] | None = None,
) -> Response:
    """The page again with why the action was refused; nothing it started is kept (but a
    refusal the service keeps on the record, e.g. governance's, is written)."""
    undo(session)
    deployment = queries.find(session, ctx, name, environment)
    errors = dict(fields or {})
    status = 422
    message = "Nothing was changed: correct the fields marked below."
    if exc is not None:
        status = exc.status_code
        message = f"Nothing was changed: {exc.detail}"
        errors |= _field_errors(exc.fields, form or {})
    return _detail(
        request,
        session,
        ctx,
        deployment,
        status_code=status,
        action=action,
        error=message,
        errors=errors,
        form=form,
    )


def _field_errors(fields: list[FieldError], form: Mapping[str, Any]) -> dict[str, str]:
    """Errors of the form's own fields (others are named in the message)."""
    return {f.field: f.reason for f in fields if f.field in form}


def _back(request: Request, deployment: AIDeployment, done: str) -> Response:
    url = deployment_url(_company(request), deployment.deployment_name, deployment.environment)
    return RedirectResponse(f"{url}&done={done}", status_code=303)


@router.post("/deployments/{name}/promote")
def promote(
    request: Request,
    session: SessionDep,
    ctx: WebCompany,
    form: Csrf,
    name: NamePath,
    environment: Environment,
) -> Response:
    """Release this deployment's model into another environment (production by default)."""
    require_roles(ctx, EDITORS, "promote deployments")
    values = {
        "to": form_text(form, "to") or Environment.production.value,
        "reason": form_text(form, "reason"),
        "governanceOverride": form_text(form, "governanceOverride"),
    }
    return _change(
        request, session, ctx, name, environment, "promote", DeploymentPromote, values, "to"
    )


@router.post("/deployments/{name}/rollback")
def rollback(
    request: Request,
    session: SessionDep,
    ctx: WebCompany,
    form: Csrf,
    name: NamePath,
    environment: Environment,
) -> Response:
    """Serve the previous revision again, with the reason given."""
    require_roles(ctx, EDITORS, "roll back deployments")
    values = {"reason": form_text(form, "reason")}
    return _change(
        request, session, ctx, name, environment, "rollback", DeploymentRollback, values, "reason"
    )


# what each change calls, and the flash it ends with (revision active, or not)
CHANGES: dict[str, tuple[Any, str, str]] = {
    "promote": (releases.promote, "promoted", "promote_failed"),
    "rollback": (releases.rollback, "rolled_back", "rollback_failed"),
}


def _change(
    request: Request,
    session: Session,
    ctx: TenantContext,
    name: str,
    environment: Environment,
    action: str,
    schema: type[BaseModel],
    values: dict[str, Any],
    default_field: str,
) -> Response:
    """Validate the form into ``schema``, apply the change to the deployment, and come back
    to its page: with the errors next to their fields, or the service's refusal, or done."""
    deployment = queries.find(session, ctx, name, environment)
    try:
        data = schema.model_validate(posted(values))
    except PydanticError as exc:
        fields = field_errors(exc, default=default_field)
        return _refused(
            request, session, ctx, name, environment, action=action, fields=fields, form=values
        )
    apply, done, failed = CHANGES[action]
    try:
        change = apply(session, ctx, deployment_id=deployment.id, data=data, store=_store(request))
    except AppError as exc:
        return _refused(
            request, session, ctx, name, environment, action=action, exc=exc, form=values
        )
    return _back(
        request, change.deployment, done if change.revision.status.value == "active" else failed
    )


@router.post("/deployments/{name}/health-check")
def health_check(
    request: Request,
    session: SessionDep,
    ctx: WebCompany,
    form: Csrf,
    name: NamePath,
    environment: Environment,
) -> Response:
    """Check the deployment's health now (a failure rolls back as its config says)."""
    del form
    require_roles(ctx, EDITORS, "check deployments")
    deployment = queries.find(session, ctx, name, environment)
    try:
        checked = checks.check_health(
            session, ctx, deployment_id=deployment.id, store=_store(request)
        )
    except AppError as exc:
        return _refused(request, session, ctx, name, environment, action="check", exc=exc)
    return _back(request, checked, "checked")
