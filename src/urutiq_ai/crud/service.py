"""Create, read, list, update and delete for any :class:`Resource`, with its rules.

Each write validates references (same tenant and company), unique names,
status transitions and the resource's own validators, flushes, and appends an
audit row, all in the caller's unit of work: a failure anywhere leaves nothing.
"""

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import integer_bounds, model_for_table
from urutiq_ai.core.errors import (
    Conflict,
    FieldError,
    InvalidStatusTransition,
    ValidationError,
)
from urutiq_ai.core.naming import to_camel
from urutiq_ai.core.pagination import PageResult, SortSpec, page_of, paginate_statement
from urutiq_ai.core.repository import TenantRepository, repository_for
from urutiq_ai.crud.errors import DuplicateResource, NotDeletable, ResourceInUse, ResourceNotFound
from urutiq_ai.crud.resource import Resource
from urutiq_ai.tenancy import service as tenancy_service


def _repo(session: Session, ctx: TenantContext, res: Resource) -> TenantRepository[Any]:
    return repository_for(res.model)(session, ctx)


def _company_of(ctx: TenantContext) -> str:
    (company_id,) = ctx.company_ids  # routes narrow the context to one company
    return company_id


def _snapshot(res: Resource, row: Any) -> dict[str, Any]:
    return res.read_schema.model_validate(row).model_dump(mode="json", by_alias=True)


def get_row(session: Session, ctx: TenantContext, res: Resource, row_id: str) -> Any:
    """The row, if it is in the context's tenant and company; else ResourceNotFound (404)."""
    row = _repo(session, ctx, res).get(row_id)
    if row is None:
        raise ResourceNotFound(f"{res.title} {row_id!r} not found")
    return row


def create_row(session: Session, ctx: TenantContext, res: Resource, data: Any) -> Any:
    """Insert a row built from ``data`` into the context's company."""
    values = data.model_dump(by_alias=False)  # defaults included: the row is complete
    _check_nulls(res, values, creating=True)
    _check_ranges(res, values)
    row = res.model(**values)
    _check_refs(session, ctx, res, values)
    _check_unique(session, ctx, res, row, values)
    for validate in res.validators:
        validate(session, ctx, row, values)
    if res.on_change is not None:
        res.on_change(row, values)
    _repo(session, ctx, res).add(row, company_id=_company_of(ctx))
    _flush(session, res)
    tenancy_service.record_audit(
        session, ctx, action="create", row=row, company_id=row.company_id, after=_snapshot(res, row)
    )
    return row


def update_row(session: Session, ctx: TenantContext, res: Resource, row_id: str, data: Any) -> Any:
    """Apply a partial update; status changes must follow the resource's lifecycle."""
    row = get_row(session, ctx, res, row_id)
    before = _snapshot(res, row)
    changes = data.model_dump(exclude_unset=True, by_alias=False)
    _check_nulls(res, changes)
    _check_ranges(res, changes)
    _check_transition(res, row, changes)
    _check_refs(session, ctx, res, changes)
    _check_unique(session, ctx, res, row, changes)
    for key, value in changes.items():
        setattr(row, key, value)
    for validate in res.validators:
        validate(session, ctx, row, changes)
    if res.on_change is not None:
        res.on_change(row, changes)
    _flush(session, res)
    tenancy_service.record_audit(
        session,
        ctx,
        action="update",
        row=row,
        company_id=row.company_id,
        before=before,
        after=_snapshot(res, row),
    )
    return row


def delete_row(session: Session, ctx: TenantContext, res: Resource, row_id: str) -> None:
    """Delete a row of a deletable resource; refused (409) while other rows reference it."""
    if not res.deletable:
        raise NotDeletable(f"{res.title} rows are kept as history and cannot be deleted")
    row = get_row(session, ctx, res, row_id)
    before = _snapshot(res, row)
    _repo(session, ctx, res).delete(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise ResourceInUse(
            f"{res.title} {row_id!r} is referenced by other rows and cannot be deleted"
        ) from exc
    tenancy_service.record_audit(
        session, ctx, action="delete", row=row, company_id=row.company_id, before=before
    )


def newest_rows(
    session: Session,
    ctx: TenantContext,
    res: Resource,
    *,
    limit: int,
    sort: str = "createdAt",
    since: datetime | None = None,
    **equals: Any,
) -> list[Any]:
    """The newest ``limit`` rows of ``res`` (by ``sort``, a sort field's camelCase name),
    created at ``since`` or later, whose attributes equal ``equals`` (a list: any of them)."""
    page = list_rows(
        session,
        ctx,
        res,
        equals={k: v if isinstance(v, list) else [v] for k, v in equals.items()},
        ranges={"created_at": (since, None)} if since is not None else {},
        sort=SortSpec(field=sort, descending=True),
        cursor=None,
        limit=limit,
    )
    return list(page.items)


def count_rows(
    session: Session, ctx: TenantContext, res: Resource, attr: str, **equals: Any
) -> dict[str, int]:
    """Visible rows per value of ``attr`` (e.g. models per status), among those matching
    ``equals``."""
    return _repo(session, ctx, res).count_by(attr, **equals)


def list_rows(
    session: Session,
    ctx: TenantContext,
    res: Resource,
    *,
    equals: Mapping[str, list[Any]],
    ranges: Mapping[str, tuple[datetime | None, datetime | None]],
    sort: SortSpec,
    cursor: str | None,
    limit: int,
) -> PageResult[Any]:
    """One page of rows matching every filter (values of one filter are OR-ed)."""
    model = res.model
    stmt = _repo(session, ctx, res).base_statement()
    for name, values in equals.items():
        column = getattr(model, name)
        stmt = stmt.where(column.in_(values) if len(values) > 1 else column == values[0])
    for name, (since, until) in ranges.items():
        column = getattr(model, name)
        if since is not None:
            stmt = stmt.where(column >= since)
        if until is not None:
            stmt = stmt.where(column < until)
    attr = {to_camel(f): f for f in res.sort_fields}[sort.field]
    column = getattr(model, attr)
    stmt = paginate_statement(
        stmt, column=column, id_column=model.id, sort=sort, cursor=cursor, limit=limit
    )
    return page_of(_repo(session, ctx, res).scalars(stmt), limit=limit, sort=sort, attr=attr)


def _flush(session: Session, res: Resource) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{res.title}: the change breaks a database constraint: {exc.orig}") from exc


def _check_nulls(res: Resource, changes: Mapping[str, Any], *, creating: bool = False) -> None:
    """Refuse null for NOT NULL columns (on create, unless the database fills them in)."""
    columns = res.model.__table__.c
    errors = [
        FieldError(to_camel(key), "may not be null")
        for key, value in changes.items()
        if value is None
        and not columns[key].nullable
        and not (creating and (columns[key].default or columns[key].server_default))
    ]
    if errors:
        raise ValidationError(f"{res.title}: required fields set to null", fields=errors)


def _check_ranges(res: Resource, changes: Mapping[str, Any]) -> None:
    """Refuse integers their column cannot hold (an INTEGER is 32 bits on PostgreSQL; the
    request schemas already refuse what no 64-bit column holds)."""
    columns = res.model.__table__.c
    errors = []
    for key, value in changes.items():
        bounds = integer_bounds(columns[key].type) if key in columns else None
        if bounds and isinstance(value, int) and not bounds[0] <= value <= bounds[1]:
            errors.append(FieldError(to_camel(key), f"must be from {bounds[0]} to {bounds[1]}"))
    if errors:
        raise ValidationError(f"{res.title}: numbers out of range", fields=errors)


def _status_value(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value)


def _check_transition(res: Resource, row: Any, changes: Mapping[str, Any]) -> None:
    if res.transitions is None or res.status_field not in changes:
        return
    current = _status_value(getattr(row, res.status_field))
    target = _status_value(changes[res.status_field])
    if current == target:
        return
    allowed = res.transitions.get(current, frozenset())
    if target not in allowed:
        reason = (
            f"cannot move from {current!r} to {target!r}; allowed: "
            f"{sorted(allowed) if allowed else 'none, it is final'}"
        )
        raise InvalidStatusTransition(
            f"{res.title}: {reason}", fields=[FieldError(to_camel(res.status_field), reason)]
        )


def _check_refs(
    session: Session, ctx: TenantContext, res: Resource, values: Mapping[str, Any]
) -> None:
    errors = []
    for name, table in res.refs.items():
        ref_id = values.get(name)
        if ref_id is None:
            continue
        if repository_for(model_for_table(table))(session, ctx).get(ref_id) is None:
            errors.append(FieldError(to_camel(name), f"no {table} {ref_id!r} in this company"))
    if errors:
        raise ValidationError(f"{res.title}: unknown references", fields=errors)


def _check_unique(
    session: Session, ctx: TenantContext, res: Resource, row: Any, values: Mapping[str, Any]
) -> None:
    for group in res.unique:
        if not any(name in values for name in group):
            continue
        key = {name: values.get(name, getattr(row, name, None)) for name in group}
        existing = _repo(session, ctx, res).find_by(**key)
        if existing is not None and existing is not row:
            names = ", ".join(f"{to_camel(k)}={v!r}" for k, v in key.items())
            raise DuplicateResource(
                f"{res.title} with {names} exists in this company",
                fields=[
                    FieldError(to_camel(name), "already used in this company") for name in group
                ],
            )
