"""Build the REST routes of a :class:`Resource` under ``/companies/{companyId}/<path>``.

POST creates (201), GET lists (filters, time ranges, sort, cursor) or reads one,
PATCH updates, DELETE removes where the resource allows it (204). Routes only
parse, check the role, call :mod:`urutiq_ai.crud.service` and return ORM rows.
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import integer_bounds
from urutiq_ai.core.naming import to_camel
from urutiq_ai.core.pagination import parse_sort
from urutiq_ai.core.schemas import INT64_MAX, INT64_MIN, Page
from urutiq_ai.crud import service
from urutiq_ai.crud.resource import Resource
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

PAGE_LIMIT_DEFAULT = 50
PAGE_LIMIT_MAX = 500


def _filter_type(res: Resource, attr: str) -> Any:
    """The type of a filter's values: the read schema's, integers within what the column
    holds (PostgreSQL refuses to compare an INTEGER with a larger number, SQLite to bind
    one past 64 bits)."""
    annotation = res.read_schema.model_fields[attr].annotation
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    kind = args[0] if args else annotation
    if kind is not int:
        return kind
    low, high = integer_bounds(res.model.__table__.c[attr].type) or (INT64_MIN, INT64_MAX)
    return Annotated[int, Field(ge=low, le=high)]


def time_range_names(res: Resource) -> list[str]:
    names = [res.time_field]
    if res.time_field != "created_at":
        names.append("created_at")
    return names


def build_list_query(res: Resource) -> type[BaseModel]:
    """The list endpoint's query parameters as one model (unknown parameters -> 422)."""
    fields: dict[str, Any] = {
        attr: (list[_filter_type(res, attr)] | None, Field(default=None))  # type: ignore[misc]
        for attr in res.filters
    }
    for attr in time_range_names(res):
        fields[f"{attr}_from"] = (datetime | None, Field(default=None))
        fields[f"{attr}_to"] = (datetime | None, Field(default=None))
    sortable = ", ".join(to_camel(f) for f in res.sort_fields)
    fields["sort"] = (
        str,
        Field(
            default=res.default_sort, description=f"One of {sortable}; prefix '-' for descending."
        ),
    )
    fields["limit"] = (int, Field(default=PAGE_LIMIT_DEFAULT, ge=1, le=PAGE_LIMIT_MAX))
    fields["cursor"] = (str | None, Field(default=None, max_length=2048))
    return create_model(
        f"{res.model.__name__}ListQuery",
        __config__=ConfigDict(alias_generator=to_camel, extra="forbid", validate_by_name=True),
        **fields,
    )


def list_arguments(res: Resource, query: BaseModel) -> dict[str, Any]:
    """Turn a parsed list query into the keyword arguments of ``service.list_rows``."""
    values = query.model_dump()
    equals = {attr: values[attr] for attr in res.filters if values.get(attr)}
    ranges = {
        attr: (values[f"{attr}_from"], values[f"{attr}_to"])
        for attr in time_range_names(res)
        if values[f"{attr}_from"] is not None or values[f"{attr}_to"] is not None
    }
    sort = parse_sort(values["sort"], {to_camel(f): f for f in res.sort_fields})
    return {
        "equals": equals,
        "ranges": ranges,
        "sort": sort,
        "cursor": values["cursor"],
        "limit": values["limit"],
    }


def conflicts(res: Resource, verb: str) -> dict[int | str, dict[str, Any]]:
    """The 409 a write route of ``res`` documents, read off the resource: which names are
    unique, whether the status has a lifecycle, whether its own rules can refuse a row's
    state; and, on every write, a database constraint (a concurrent write)."""
    reasons = []
    if verb != "delete" and res.unique:
        groups = " / ".join("+".join(to_camel(name) for name in group) for group in res.unique)
        reasons.append(f"DuplicateResource: {groups} already used in this company")
    if verb == "update" and res.transitions is not None:
        status = to_camel(res.status_field)
        reasons.append(f"InvalidStatusTransition: a {status} change outside the lifecycle")
    if verb != "delete" and res.validators:
        reasons.append("a rule of this resource refuses the row's current state")
    if verb == "delete":
        reasons.append("ResourceInUse: other rows reference it")
    reasons.append("Conflict: the change breaks a database constraint (a concurrent write)")
    return {409: {"description": "; ".join(reasons) + "."}}


def build_router(res: Resource) -> APIRouter:
    router = APIRouter(prefix=f"/{res.path}", tags=[res.path])
    read_schema = res.read_schema
    list_query = build_list_query(res)

    Reader = Annotated[TenantContext, Depends(company_role(res.read_roles, f"read {res.path}"))]
    Writer = Annotated[TenantContext, Depends(company_role(res.write_roles, f"change {res.path}"))]

    def create(session: SessionDep, ctx: Writer, data: Any) -> Any:
        return service.create_row(session, ctx, res, data)

    create.__annotations__["data"] = res.create_schema
    if res.creatable:
        router.add_api_route(
            "",
            create,
            methods=["POST"],
            status_code=201,
            response_model=read_schema,
            name=f"create_{res.path}",
            responses=conflicts(res, "create"),
            summary=f"Create a {res.table} row",
        )

    def list_(session: SessionDep, ctx: Reader, query: Any) -> Any:
        page = service.list_rows(session, ctx, res, **list_arguments(res, query))
        return {"items": page.items, "nextCursor": page.next_cursor}

    list_.__annotations__["query"] = Annotated[list_query, Query()]
    router.add_api_route(
        "",
        list_,
        methods=["GET"],
        response_model=Page[read_schema],  # type: ignore[valid-type]
        name=f"list_{res.path}",
        summary=f"List {res.table} rows",
    )

    def get(session: SessionDep, ctx: Reader, row_id: IdPath) -> Any:
        if res.detail is not None:
            return res.detail(session, ctx, row_id)
        return service.get_row(session, ctx, res, row_id)

    router.add_api_route(
        "/{id}",
        get,
        methods=["GET"],
        response_model=res.detail_schema or read_schema,
        name=f"get_{res.path}",
        summary=f"Get one {res.table} row",
    )

    if res.update_schema is not None:

        def update(session: SessionDep, ctx: Writer, row_id: IdPath, data: Any) -> Any:
            return service.update_row(session, ctx, res, row_id, data)

        update.__annotations__["data"] = res.update_schema
        router.add_api_route(
            "/{id}",
            update,
            methods=["PATCH"],
            response_model=read_schema,
            name=f"update_{res.path}",
            responses=conflicts(res, "update"),
            summary=f"Update a {res.table} row",
        )

    if res.deletable:

        def delete(session: SessionDep, ctx: Writer, row_id: IdPath) -> Response:
            service.delete_row(session, ctx, res, row_id)
            return Response(status_code=204)

        router.add_api_route(
            "/{id}",
            delete,
            methods=["DELETE"],
            status_code=204,
            response_class=Response,
            name=f"delete_{res.path}",
            responses=conflicts(res, "delete"),
            summary=f"Delete a {res.table} row",
        )
    return router
