"""Application errors: one class per concept, one HTTP status per class.

The API renders every error as ``{"error": <ClassName>, "detail": ..., "fields": [...]}``;
the SDK maps ``error`` back to the class of the same name in ``urutiq_ai.sdk``.
"""

from dataclasses import dataclass


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
