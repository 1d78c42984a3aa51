"""Configuration with a history: every change is a new version, one version is active.

An AIConfig row is one version of a company's configuration of one type (``prompts``,
``categories``, ``behavior``, ``industry``): versions count 1, 2, 3... per company and
type, their ``configData`` is checked against the type's schema (``config.schemas``) and
never edited afterwards (only the ``note`` may change), and rows are never deleted.

* :func:`create_version` (``POST /configs``) writes the next version and makes it the
  active one, deactivating the previous, unless it is sent with ``isActive: false``
  (a draft).
* :func:`activate` (``POST /configs/{id}/activate``) makes any version, earlier or a
  draft, the only active one of its type: a roll back is activating an earlier version.
* :func:`history`, :func:`diff_versions`, :func:`active_version` read.
* :func:`active_config` is what other domains call: the active version's data with the
  schema's defaults filled in, or None.

Every change is audited (``create``, ``activate``, ``deactivate``, ``update``) in the
caller's unit of work: a refused change writes nothing.
"""

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from urutiq_ai.config.errors import ConfigNotFound, NoActiveConfig
from urutiq_ai.config.models import AIConfig
from urutiq_ai.config.repository import ConfigRepository
from urutiq_ai.config.schemas import (
    AIConfigCreate,
    AIConfigRead,
    AIConfigUpdate,
    ConfigChange,
    ConfigData,
    ConfigDiff,
    ConfigType,
)
from urutiq_ai.config.versions import diff, parse_config
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import Conflict, FieldError, ValidationError
from urutiq_ai.crud.resource import Resource
from urutiq_ai.tenancy.service import record_audit

logger = logging.getLogger(__name__)

CONFIGS = Resource(
    path="configs",
    model=AIConfig,
    create_schema=AIConfigCreate,
    update_schema=AIConfigUpdate,  # the note only: versions are history
    read_schema=AIConfigRead,
    filters=("config_type", "is_active", "version"),
    sort_fields=("created_at", "updated_at", "version"),
    creatable=False,  # POST /configs writes a version (config/router.py)
)

HISTORY_LIMIT = 100


def _company(ctx: TenantContext, company_id: str | None) -> str:
    if company_id is not None:
        return company_id
    if len(ctx.company_ids) != 1:
        raise ValueError("the context spans several companies: pass company_id")
    (only,) = ctx.company_ids
    return only


def _snapshot(row: AIConfig) -> dict[str, Any]:
    return AIConfigRead.model_validate(row).model_dump(mode="json", by_alias=True)


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "AIConfig: another version of this configuration was written at the same time; "
            "try again"
        ) from exc


def get_version(
    session: Session, ctx: TenantContext, config_id: str, field: str = "id"
) -> AIConfig:
    """The version ``config_id`` of the context's companies; 404 naming ``field``."""
    row = ConfigRepository(session, ctx).get(config_id)
    if row is None:
        reason = f"no configuration version {config_id!r} in this company"
        raise ConfigNotFound(
            f"AIConfig {config_id!r} not found", fields=[FieldError(field, reason)]
        )
    return row


def create_version(
    session: Session,
    ctx: TenantContext,
    data: AIConfigCreate,
    *,
    company_id: str | None = None,
) -> AIConfig:
    """The next version of ``data.config_type``, active unless ``data.is_active`` is false."""
    company = _company(ctx, company_id)
    parse_config(data.config_type, data.config_data)
    repo = ConfigRepository(session, ctx)
    if data.is_active:
        previous = repo.active(company, data.config_type)
        if previous is not None:
            _set_active(session, ctx, previous, active=False)
    row = AIConfig(
        config_type=data.config_type,
        config_data=data.config_data,
        is_active=data.is_active,
        version=repo.latest_version(company, data.config_type) + 1,
        created_by=ctx.principal_id,
        note=data.note,
    )
    repo.add(row, company_id=company)
    _flush(session)
    record_audit(
        session, ctx, action="create", row=row, company_id=row.company_id, after=_snapshot(row)
    )
    return row


def activate(session: Session, ctx: TenantContext, config_id: str) -> AIConfig:
    """Make the version ``config_id`` the only active one of its type (a no-op when it is
    already). Its data must still pass its type's schema (rows written before the schemas
    existed may not)."""
    row = get_version(session, ctx, config_id)
    if row.is_active:
        return row
    parse_config(row.config_type, row.config_data)
    previous = ConfigRepository(session, ctx).active(row.company_id, row.config_type)
    if previous is not None:
        _set_active(session, ctx, previous, active=False)
    _set_active(session, ctx, row, active=True)
    return row


def _set_active(session: Session, ctx: TenantContext, row: AIConfig, *, active: bool) -> None:
    """Flushed at once: the database allows one active version per type at any moment, so
    the previous one is deactivated before the next is activated."""
    before = _snapshot(row)
    row.is_active = active
    _flush(session)
    record_audit(
        session,
        ctx,
        action="activate" if active else "deactivate",
        row=row,
        company_id=row.company_id,
        before=before,
        after=_snapshot(row),
    )


def history(
    session: Session,
    ctx: TenantContext,
    config_type: ConfigType,
    *,
    limit: int = HISTORY_LIMIT,
    company_id: str | None = None,
) -> Sequence[AIConfig]:
    """The versions of ``config_type``, newest first."""
    return ConfigRepository(session, ctx).history(_company(ctx, company_id), config_type, limit)


def active_version(
    session: Session,
    ctx: TenantContext,
    config_type: ConfigType,
    *,
    company_id: str | None = None,
) -> AIConfig:
    """The active version of ``config_type``; NoActiveConfig (404) when there is none."""
    row = ConfigRepository(session, ctx).active(_company(ctx, company_id), config_type)
    if row is None:
        raise NoActiveConfig(
            f"no active {config_type.value} configuration in this company",
            fields=[FieldError("configType", "no version of this type is active")],
        )
    return row


def diff_versions(session: Session, ctx: TenantContext, from_id: str, to_id: str) -> ConfigDiff:
    """What changed in ``configData`` from version ``from_id`` to version ``to_id`` (both of
    one type; either may be the older)."""
    old = get_version(session, ctx, from_id, field="from")
    new = get_version(session, ctx, to_id, field="to")
    if old.config_type != new.config_type:
        reason = f"a {new.config_type.value} version; from is a {old.config_type.value} version"
        raise ValidationError(
            "only versions of one configuration type can be compared",
            fields=[FieldError("to", reason)],
        )
    return ConfigDiff(
        config_type=new.config_type,
        from_id=old.id,
        to_id=new.id,
        from_version=old.version,
        to_version=new.version,
        changes=[
            ConfigChange(path=c.path, kind=c.kind, old=c.old, new=c.new)
            for c in diff(old.config_data, new.config_data)
        ],
    )


def active_settings(
    session: Session,
    ctx: TenantContext,
    config_type: ConfigType,
    *,
    company_id: str | None = None,
) -> ConfigData | None:
    """The active version's data parsed by its type's schema (defaults filled in), or None
    when no version is active, or when the active one predates the schemas and fails them
    (logged)."""
    row = ConfigRepository(session, ctx).active(_company(ctx, company_id), config_type)
    if row is None:
        return None
    try:
        return parse_config(config_type, row.config_data)
    except ValidationError as exc:
        logger.warning(
            "active %s configuration %s (version %s) fails its schema, ignored: %s",
            config_type.value,
            row.id,
            row.version,
            exc.detail,
        )
        return None


def active_config(
    session: Session,
    ctx: TenantContext,
    config_type: ConfigType,
    *,
    company_id: str | None = None,
) -> dict[str, Any] | None:
    """The company's active ``config_type`` configuration as JSON (camelCase keys, the
    schema's defaults filled in), or None. E.g. ``active_config(session, ctx,
    ConfigType.categories)["categories"]`` are the categories the classifier may use."""
    parsed = active_settings(session, ctx, config_type, company_id=company_id)
    return None if parsed is None else parsed.model_dump(mode="json", by_alias=True)
