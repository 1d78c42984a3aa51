"""Lists on pages: one page of a catalog resource with the API's own filters, sort and
keyset cursor (so a page costs the same at row 1,000,000 as at row 1), rows as read schemas.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import FieldError, ValidationError
from urutiq_ai.core.naming import to_snake
from urutiq_ai.crud import service as crud
from urutiq_ai.crud.resource import Resource
from urutiq_ai.crud.router import build_list_query, list_arguments

PAGE_SIZE = 25


@dataclass
class ListPage:
    """Rows of one page, the filters applied, and the links to the next and first page."""

    items: list[Any]
    filters: dict[str, str]
    next_url: str | None
    first_url: str | None
    errors: dict[str, str] = field(default_factory=dict)


def list_page(
    session: Session,
    ctx: TenantContext,
    res: Resource,
    params: Mapping[str, str],
    *,
    base_url: str,
    fixed: Mapping[str, Any] | None = None,
    limit: int = PAGE_SIZE,
) -> ListPage:
    """The page that ``params`` (a page's query string) asks for.

    ``fixed`` filters are always applied (e.g. the model of a model page). An invalid filter
    value is reported in ``errors`` by field, and the list shown unfiltered.
    """
    query_model = build_list_query(res)
    wanted = {k: v for k, v in params.items() if v and k in _accepted(query_model)}
    errors: dict[str, str] = {}
    try:
        query = query_model.model_validate(
            {**_as_lists(res, wanted), **(fixed or {}), "limit": limit}
        )
    except PydanticError as exc:
        errors = {str(e["loc"][0]): e["msg"] for e in exc.errors()}
        wanted = {}
        query = query_model.model_validate({**(fixed or {}), "limit": limit})
    try:
        page = crud.list_rows(session, ctx, res, **list_arguments(res, query))
    except ValidationError as exc:  # a cursor from another sort order, an unknown sort
        errors.update(_field_errors(exc.fields))
        wanted = {k: v for k, v in wanted.items() if k not in ("cursor", "sort")}
        query = query_model.model_validate(
            {**_as_lists(res, wanted), **(fixed or {}), "limit": limit}
        )
        page = crud.list_rows(session, ctx, res, **list_arguments(res, query))
    items = [res.read_schema.model_validate(row) for row in page.items]
    shown = {k: v for k, v in wanted.items() if k != "cursor"}
    next_url = (
        f"{base_url}?{urlencode({**shown, 'cursor': page.next_cursor})}"
        if page.next_cursor
        else None
    )
    first_url = f"{base_url}?{urlencode(shown)}" if "cursor" in wanted else None
    return ListPage(
        items=items, filters=shown, next_url=next_url, first_url=first_url, errors=errors
    )


def _accepted(query_model: type[BaseModel]) -> set[str]:
    names = set()
    for name, info in query_model.model_fields.items():
        names.add(info.alias or name)
        names.add(name)
    return names


def _as_lists(res: Resource, params: Mapping[str, str]) -> dict[str, Any]:
    """Equality filters take lists in the API (``status=a&status=b``): one value here."""
    listed = set(res.filters)
    return {k: ([v] if to_snake(k) in listed else v) for k, v in params.items()}


def _field_errors(fields: list[FieldError]) -> dict[str, str]:
    return {f.field: f.reason for f in fields}
