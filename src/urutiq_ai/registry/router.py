"""Registry verbs beside the models CRUD: compare versions, promote, deprecate."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import READERS, WRITERS
from urutiq_ai.registry import service
from urutiq_ai.registry.models import AIModel
from urutiq_ai.registry.schemas import AIModelRead, VersionComparison
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["models"])


Reader = Annotated[TenantContext, Depends(company_role(READERS, "read models"))]
Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "change models"))]
Force = Annotated[
    bool,
    Query(
        description="Deprecate a version even while a serving deployment uses it (409 "
        "VersionInUse otherwise); the deployment goes on serving it until a release"
    ),
]


@router.get("/models/compare", response_model=VersionComparison)
def compare_models(
    session: SessionDep,
    ctx: Reader,
    left: Annotated[str, Query(max_length=64, description="The reference version's id")],
    right: Annotated[str, Query(max_length=64, description="The version compared to it")],
) -> VersionComparison:
    """Two versions side by side: metrics (and their deltas), hyperparameters, features."""
    return service.compare_versions(session, ctx, left_id=left, right_id=right)


@router.post("/models/{id}/promote", response_model=AIModelRead)
def promote_model(
    session: SessionDep, ctx: Writer, model_id: IdPath, force: Force = False
) -> AIModel:
    """Make this active version the current one; other active versions are deprecated
    (409 naming the deployments when one serves such a version, unless ``force``)."""
    return service.promote(session, ctx, model_id=model_id, force=force)


@router.post("/models/{id}/deprecate", response_model=AIModelRead)
def deprecate_model(
    session: SessionDep, ctx: Writer, model_id: IdPath, force: Force = False
) -> AIModel:
    """Retire an active version (final; 409 while a deployment serves it, unless ``force``)."""
    return service.deprecate(session, ctx, model_id=model_id, force=force)
