"""Deployments: ``deploying`` -> ``active`` | ``failed``; ``active`` -> ``rolled_back`` |
``failed``; a failed or rolled-back deployment may be deployed again.

Every change to the model, status or config bumps ``version``. Deployments are
history and are never deleted.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.deployments.models import AIDeployment
from urutiq_ai.deployments.schemas import AIDeploymentCreate, AIDeploymentRead, AIDeploymentUpdate

VERSIONED_FIELDS = frozenset({"model_id", "status", "config"})


def _bump_version(
    _session: Session,
    _ctx: TenantContext,
    row: Any,
    changes: Mapping[str, Any],
) -> None:
    if row.id is not None and row.version is not None and VERSIONED_FIELDS & changes.keys():
        row.version = row.version + 1


DEPLOYMENTS = Resource(
    path="deployments",
    model=AIDeployment,
    create_schema=AIDeploymentCreate,
    update_schema=AIDeploymentUpdate,
    read_schema=AIDeploymentRead,
    filters=("environment", "status", "model_id", "deployment_name"),
    sort_fields=("created_at", "updated_at", "deployment_name"),
    refs={"model_id": "AIModel"},
    unique=(("deployment_name",),),
    transitions=transitions(
        deploying=("active", "failed"),
        active=("rolled_back", "failed"),
        failed=("deploying",),
        rolled_back=("deploying", "active"),
    ),
    validators=(_bump_version,),
)
