"""One HTTP call path for the whole SDK: auth header, error mapping, query and body encoding."""

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from urutiq_ai.core.errors import pydantic_reason
from urutiq_ai.core.naming import to_camel
from urutiq_ai.core.schemas import Page
from urutiq_ai.sdk._errors import (
    ConfigurationError,
    FieldError,
    UrutiqError,
    ValidationError,
    error_from_response,
)

API_PREFIX = "/api/v1"
SchemaT = TypeVar("SchemaT", bound=BaseModel)
ItemT = TypeVar("ItemT")
QueryParams = list[tuple[str, str | int | float | bool | None]]


class Transport:
    """Sends authenticated requests to ``/api/v1`` and raises typed errors."""

    def __init__(self, http: httpx.Client, *, api_key: str | None, company: str | None) -> None:
        self.http = http
        self.api_key = api_key
        self.company = company

    def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        json: Any = None,
    ) -> Any:
        """Send one request; return the decoded JSON body (None for an empty one)."""
        if not self.api_key:
            raise ConfigurationError(
                "no API key: pass api_key=... (CLI: --api-key) or set URUTIQ_API_KEY"
            )
        headers = {"Authorization": f"Bearer {self.api_key}"}
        try:
            response = self.http.request(
                method, API_PREFIX + path, params=params, json=json, headers=headers
            )
        except httpx.TransportError as exc:
            raise ConfigurationError(f"cannot reach the server: {exc}") from exc
        if response.is_error:
            raise error_from_response(response)
        if response.status_code == 204 or not response.content:
            return None
        if "json" not in response.headers.get("content-type", "application/json"):
            return response.text  # a document (an HTML report)
        return response.json()

    def company_path(self, path: str, company: str | None = None) -> str:
        """``/companies/<company>/<path>`` for the call's company or the client's default."""
        company = company or self.company
        if not company:
            raise ConfigurationError(
                "no company: pass company=... to Client or to the call "
                "(CLI: --company) or set URUTIQ_COMPANY"
            )
        return f"/companies/{quote(company, safe='')}/{path}"


def _query_value(value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _query_name(name: str) -> str:
    # The server names every query parameter with the same to_camel as its fields.
    return to_camel(name) if "_" in name else name


def query_params(**values: Any) -> QueryParams:
    """Encode keyword arguments as query parameters.

    Names may be snake_case or camelCase; ``None`` is dropped; a list or tuple
    becomes one repeated parameter (the API ORs them); datetimes become ISO 8601.
    """
    params: QueryParams = []
    for name, value in values.items():
        if value is None:
            continue
        items = value if isinstance(value, list | tuple | set | frozenset) else [value]
        params.extend((_query_name(name), _query_value(item)) for item in items)
    return params


def _validation_error(exc: PydanticValidationError) -> ValidationError:
    fields = [
        FieldError(
            ".".join(to_camel(str(part)) for part in err["loc"]) or "body", pydantic_reason(err)
        )
        for err in exc.errors()
    ]
    detail = "; ".join(f"{f.field}: {f.reason}" for f in fields) or "invalid payload"
    return ValidationError(detail, error="ValidationError", fields=fields)


def build_payload(
    schema: type[SchemaT], data: BaseModel | Mapping[str, Any] | None, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Validate ``data`` plus ``fields`` against ``schema``; return the JSON body to send.

    Only the fields given are sent (``exclude_unset``), so an update changes
    nothing else. A rejected value raises :class:`ValidationError` before any request.
    """
    if isinstance(data, BaseModel):
        base = data.model_dump(exclude_unset=True, by_alias=False)
    else:
        base = dict(data or {})
    try:
        model = schema.model_validate({**base, **fields})
    except PydanticValidationError as exc:
        raise _validation_error(exc) from None
    dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return dumped


def parse(schema: type[SchemaT], body: Any) -> SchemaT:
    """Parse a response body into ``schema``; a mismatch is a server-side bug."""
    try:
        return schema.model_validate(body)
    except PydanticValidationError as exc:
        raise UrutiqError(f"unexpected response from the server: {exc}") from exc


def parse_list(schema: type[SchemaT], body: Any) -> list[SchemaT]:
    """Parse a JSON array response into a list of ``schema``."""
    if not isinstance(body, list):
        raise UrutiqError(f"unexpected response from the server: expected a list, got {body!r}")
    return [parse(schema, item) for item in body]


def follow_pages(fetch: Callable[[str | None], Page[ItemT]]) -> Iterator[ItemT]:
    """Yield the items of ``fetch(None)``, then of each page its ``next_cursor`` leads to."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if not page.next_cursor:
            return
        cursor = page.next_cursor
