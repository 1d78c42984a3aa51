"""How a seed entity is exposed: one declarative description per table.

A :class:`Resource` names the ORM class, its schemas, what lists may filter and
sort on, which ids it references, which names must be unique per company, its
status lifecycle, whether rows may be deleted, and which roles read and write
it. The generic service (:mod:`urutiq_ai.crud.service`) and router
(:mod:`urutiq_ai.crud.router`) enforce it, so every entity follows the same
rules; domains add their own verbs (train, predict, deploy, ...) beside it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.models import CompanyOwned

READERS = frozenset({Role.viewer, Role.editor, Role.admin})
GOVERNANCE_READERS = READERS | {Role.auditor}
WRITERS = frozenset({Role.editor, Role.admin})

# (session, ctx, row, changes) -> None; raises AppError subclasses.
Validator = Callable[[Session, TenantContext, Any, Mapping[str, Any]], None]


@dataclass(frozen=True)
class Resource:
    path: str  # URL segment under /companies/{companyId}/
    model: type[CompanyOwned]
    create_schema: type[BaseModel]
    read_schema: type[BaseModel]
    update_schema: type[BaseModel] | None = None
    # Attributes lists filter on by equality (enums, references, names, flags).
    filters: tuple[str, ...] = ()
    # The main time column: lists accept <name>From / <name>To on it (and on createdAt).
    time_field: str = "created_at"
    sort_fields: tuple[str, ...] = ("created_at", "updated_at")
    default_sort: str = "-createdAt"
    # attribute -> table it references; checked to be in the same company. Tables are
    # named, not imported, so a lower domain may reference a higher one.
    refs: Mapping[str, str] = field(default_factory=dict)
    # groups of attributes unique per company
    unique: tuple[tuple[str, ...], ...] = ()
    # status -> statuses it may move to; None: status is free (results, not a lifecycle)
    transitions: Mapping[str, frozenset[str]] | None = None
    status_field: str = "status"
    deletable: bool = False
    # False: rows are written by the system only (alerts, delivery logs); no POST route
    creatable: bool = True
    read_roles: frozenset[Role] = READERS
    write_roles: frozenset[Role] = WRITERS
    validators: tuple[Validator, ...] = ()
    # Fields filled in by the system once the payload is applied (e.g. endTime).
    on_change: Callable[[Any, Mapping[str, Any]], None] | None = None
    # The one-row read (GET /{id}) when it says more than a listed row: (session, ctx, id)
    # -> a ``detail_schema`` (a subclass of read_schema), e.g. a training run with its
    # model's effective hyperparameters and its comparison with the version serving.
    detail: Callable[[Session, TenantContext, str], BaseModel] | None = None
    detail_schema: type[BaseModel] | None = None

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)

    @property
    def title(self) -> str:
        return self.table


def transitions(**moves: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """``transitions(training=("active", "failed"))`` -> a transition table."""
    return {status: frozenset(targets) for status, targets in moves.items()}
