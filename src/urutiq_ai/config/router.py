"""Configuration verbs: write a version, activate one (or roll back to it), the history,
the active version, and the difference between two versions."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from urutiq_ai.config import service
from urutiq_ai.config.models import AIConfig
from urutiq_ai.config.schemas import AIConfigCreate, AIConfigRead, ConfigDiff, ConfigType
from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import READERS, WRITERS
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["configs"])
TypeQuery = Annotated[ConfigType, Query(alias="configType")]
Reader = Annotated[TenantContext, Depends(company_role(READERS, "read configs"))]
Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "change configs"))]


@router.post("/configs", response_model=AIConfigRead, status_code=status.HTTP_201_CREATED)
def create(session: SessionDep, ctx: Writer, data: AIConfigCreate) -> AIConfig:
    """A new version of the configuration of ``configType`` (``configData`` checked against
    the type's schema: 422 naming ``configData.<path>``). It becomes the active version,
    the previous one inactive, unless ``isActive`` is false (a draft)."""
    return service.create_version(session, ctx, data)


@router.get("/configs/history", response_model=list[AIConfigRead])
def history(
    session: SessionDep,
    ctx: Reader,
    config_type: TypeQuery,
    limit: Annotated[int, Query(ge=1, le=500)] = service.HISTORY_LIMIT,
) -> list[AIConfig]:
    """The versions of a configuration type, newest first."""
    return list(service.history(session, ctx, config_type, limit=limit))


@router.get("/configs/active", response_model=AIConfigRead)
def active(session: SessionDep, ctx: Reader, config_type: TypeQuery) -> AIConfig:
    """The active version of a configuration type; 404 NoActiveConfig when none is."""
    return service.active_version(session, ctx, config_type)


@router.get("/configs/diff", response_model=ConfigDiff)
def diff(
    session: SessionDep,
    ctx: Reader,
    from_id: Annotated[str, Query(alias="from", min_length=1, max_length=64)],
    to_id: Annotated[str, Query(alias="to", min_length=1, max_length=64)],
) -> ConfigDiff:
    """What changed in ``configData`` from one version to another of the same type: each
    added, removed or changed path with its old and new value."""
    return service.diff_versions(session, ctx, from_id, to_id)


@router.post("/configs/{id}/activate", response_model=AIConfigRead)
def activate(session: SessionDep, ctx: Writer, config_id: IdPath) -> AIConfig:
    """Make this version the only active one of its type: activating an earlier version
    rolls the configuration back. 404 naming the id when there is no such version."""
    return service.activate(session, ctx, config_id)
