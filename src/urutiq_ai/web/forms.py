"""Reading posted forms: text fields, and errors by field for the ``field_error`` macro."""

from typing import Any

from pydantic import ValidationError as PydanticError
from starlette.datastructures import FormData

from urutiq_ai.core.errors import AppError


def form_text(form: FormData, name: str) -> str | None:
    """The field's text, stripped; None when it is missing or blank."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def posted(values: dict[str, Any]) -> dict[str, Any]:
    """The fields that were filled in (a schema's defaults apply to the others)."""
    return {name: value for name, value in values.items() if value is not None}


def field_errors(exc: AppError | PydanticError, default: str = "form") -> dict[str, str]:
    """Errors by field name (the API's camelCase names); one without a field goes under
    ``default``."""
    if isinstance(exc, PydanticError):
        found: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else default
            found.setdefault(name, str(error["msg"]))
        return found
    by_field: dict[str, str] = {}
    for item in exc.fields:
        by_field.setdefault(item.field, item.reason)
    return by_field or {default: exc.detail}
