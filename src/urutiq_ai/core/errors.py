"""Application errors: one class per concept, one HTTP status per class.

The API renders every error as ``{"error": <ClassName>, "detail": ..., "fields": [...]}``;
the SDK maps ``error`` back to the class of the same name in ``urutiq_ai.sdk``.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError as PydanticValidationError


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str


class AppError(Exception):
    status_code: int = 500

    def __init__(self, detail: str, *, fields: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or []

    @property
    def name(self) -> str:
        return type(self).__name__


class ValidationError(AppError):
    """The payload is well-formed JSON but a value is not acceptable (422)."""

    status_code = 422


class Unauthorized(AppError):
    status_code = 401


class Forbidden(AppError):
    status_code = 403


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    status_code = 409


class InvalidStatusTransition(Conflict):
    """A status change that the resource's lifecycle does not allow."""


class DatabaseNotReady(AppError):
    status_code = 503


def field_error(field: str, reason: str) -> ValidationError:
    return ValidationError(f"{field}: {reason}", fields=[FieldError(field, reason)])


def describe(exc: Exception) -> str:
    """An error as one line for a run's log: the detail and each ``field: reason``."""
    if isinstance(exc, AppError) and exc.fields:
        return f"{exc.detail} ({'; '.join(f'{f.field}: {f.reason}' for f in exc.fields)})"
    return str(exc)


def unexpected(exc: BaseException, what: str) -> str:
    """The reason a user reads for an error nobody foresaw in a job (``what``: "pipeline
    run X"): its kind only. The traceback, with server paths and SQL, goes to the server
    log, never to a run row or an API answer."""
    logging.getLogger("urutiq_ai.jobs").error("%s failed", what, exc_info=exc)
    return f"internal error ({type(exc).__name__}); the server log has the details"


def pydantic_reason(error: Mapping[str, Any]) -> str:
    """The reason of one pydantic error as users read it (without pydantic's "Value error, "
    prefix; an unknown key is an "unknown field"): the API's 422 and the SDK's own checks
    word it alike."""
    message = str(error.get("msg", "invalid value"))
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    if error.get("type") == "json_invalid":
        return f"malformed JSON body: {error.get('ctx', {}).get('error', message)}"
    return message.removeprefix("Value error, ")


def pydantic_fields(
    exc: "PydanticValidationError", *, prefix: str = "", allowed: Sequence[str] = ()
) -> list[FieldError]:
    """Each problem of a pydantic model's ValidationError as a :class:`FieldError`: the field
    is ``prefix.<loc>`` (``prefix`` alone for a check of the whole object), the reason as
    :func:`pydantic_reason` words it, an unknown field's naming the ``allowed`` ones. Unknown
    fields come first, then the others in the model's order."""
    errors = sorted(exc.errors(), key=lambda error: error.get("type") != "extra_forbidden")
    fields = []
    for error in errors:
        field = ".".join([prefix, *map(str, error["loc"])] if prefix else map(str, error["loc"]))
        reason = pydantic_reason(error)
        if error.get("type") == "extra_forbidden" and allowed:
            reason = f"{reason}; allowed: {', '.join(allowed)}"
        fields.append(FieldError(field, reason))
    return fields
