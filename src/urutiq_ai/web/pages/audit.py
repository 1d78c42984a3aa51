"""The audit log of the tenant (admin and auditor keys; others get a 403 page): newest
first, filtered by table, action, company and time range, one keyset page at a time, each
entry with who, what, when and its before / after (a diff of the two when both are
objects)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from urutiq_ai.config.versions import Change, diff
from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import Base
from urutiq_ai.core.errors import ValidationError
from urutiq_ai.tenancy import service as tenancy
from urutiq_ai.tenancy.deps import SessionDep, require_roles
from urutiq_ai.tenancy.schemas import AuditLogRead
from urutiq_ai.web.auth import WebUser
from urutiq_ai.web.templating import render

router = APIRouter(include_in_schema=False)  # /audit is tenant-wide
AUDIT_READERS = frozenset({Role.admin, Role.auditor})
PAGE_SIZE = 25
IGNORED = frozenset({"updatedAt"})
SERVICE_FILTERS = ("company_id", "table_name", "action", "row_id", "actor_key_id", "since", "until")
ACTIONS = (
    "create",
    "update",
    "delete",
    "activate",
    "deactivate",
    "violation_opened",
    "violation_seen_again",
    "release",
    "promote",
    "rollback",
)
PAGES = {
    "AIGovernanceViolation": "governance/violations/{id}",
    "AIGovernance": "governance/policies/{id}",
    "AIModel": "models/{id}",
    "AIModelTrainingRun": "training-runs/{id}",
    "AIDataPipeline": "pipelines/{id}",
    "AIDeployment": "deployments/{id}",
    "AIExperiment": "experiments/{id}",
}


@dataclass
class Entry:
    """An audit row as shown: the row, a link to what it changed, and the changed paths
    (None when the change is not a simple before/after of two objects)."""

    row: AuditLogRead
    link: str | None
    changes: list[Change] | None


def entry_of(row: Any) -> Entry:
    read = AuditLogRead.model_validate(row)
    changes = None
    if isinstance(read.before, dict) and isinstance(read.after, dict):
        before = {k: v for k, v in read.before.items() if k not in IGNORED}
        after = {k: v for k, v in read.after.items() if k not in IGNORED}
        changes = diff(before, after)
    return Entry(row=read, link=_link(read), changes=changes)


def entries(rows: Iterable[Any]) -> list[Entry]:
    return [entry_of(row) for row in rows]


def history_of(session: Session, ctx: TenantContext, row_id: str) -> list[Entry]:
    """The audit entries of one row, newest first (admin and auditor contexts)."""
    filters: dict[str, Any] = dict.fromkeys(SERVICE_FILTERS) | {"row_id": row_id}
    page = tenancy.list_audit_log(session, ctx, filters=filters, cursor=None, limit=50)
    return entries(page.items)


def _link(row: AuditLogRead) -> str | None:
    if not row.company_id or not row.row_id or row.action == "delete":  # a deleted row: no page
        return None
    if row.table_name == "AIConfig":
        data = row.after if isinstance(row.after, dict) else row.before
        kind = data.get("configType") if isinstance(data, dict) else None
        return f"/companies/{row.company_id}/config/{kind}" if kind else None
    page = PAGES.get(row.table_name)
    return f"/companies/{row.company_id}/{page.format(id=row.row_id)}" if page else None


def _moment(value: str) -> datetime:
    """A time from a ``datetime-local`` field or ISO 8601 text; UTC when it has no zone."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_filters(
    params: Mapping[str, str], companies: list[str]
) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """(the filters shown, the service's filters, an error per bad value)."""
    shown: dict[str, str] = {}
    errors: dict[str, str] = {}
    filters: dict[str, Any] = dict.fromkeys(SERVICE_FILTERS)
    for name, key in (("table", "table_name"), ("action", "action"), ("rowId", "row_id")):
        value = params.get(name, "").strip()[:255]
        if value:
            shown[name], filters[key] = value, value
    company = params.get("company", "")
    if company and company not in companies:
        errors["company"] = "not a company of yours"
    elif company:
        shown["company"], filters["company_id"] = company, company
    for name, key in (("from", "since"), ("to", "until")):
        value = params.get(name, "").strip()
        if not value:
            continue
        try:
            filters[key] = _moment(value)
            shown[name] = value
        except ValueError:
            errors[name] = "a date and time, e.g. 2026-11-27T09:30"
    return shown, filters, errors


@router.get("/audit")
def audit_log(request: Request, session: SessionDep, ctx: WebUser) -> Response:
    require_roles(ctx, AUDIT_READERS, "read the audit log")
    companies = [cid for cid, _ in request.state.web_companies]
    shown, filters, errors = parse_filters(request.query_params, companies)
    cursor = request.query_params.get("cursor") or None
    try:
        page = tenancy.list_audit_log(session, ctx, filters=filters, cursor=cursor, limit=PAGE_SIZE)
    except ValidationError as exc:  # a cursor that is not ours
        errors.update({f.field: f.reason for f in exc.fields})
        cursor = None
        page = tenancy.list_audit_log(session, ctx, filters=filters, cursor=None, limit=PAGE_SIZE)
    next_url = (
        f"/audit?{urlencode({**shown, 'cursor': page.next_cursor})}" if page.next_cursor else None
    )
    first_url = f"/audit?{urlencode(shown)}" if cursor else None
    return render(
        request,
        "audit/log.html",
        section="audit",
        company_id=shown.get("company") or (companies[0] if companies else None),
        entries=entries(page.items),
        filters=shown,
        errors=errors,
        pager_links={"next_url": next_url, "first_url": first_url},
        company_names=dict(request.state.web_companies),
        key_names={
            key.id: f"{key.name or 'key ' + key.id[:8]} ({key.role.value})"
            for key in tenancy.list_api_keys(session, ctx)
        },
        tables=sorted(Base.metadata.tables),
        actions=ACTIONS,
    )
