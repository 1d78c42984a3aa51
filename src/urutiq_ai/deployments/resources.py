"""The deployments' generic CRUD resources: deployments and their revisions (read-only)."""

from urutiq_ai.core.schemas import SystemWritten
from urutiq_ai.crud.resource import Resource
from urutiq_ai.deployments.models import AIDeployment, DeploymentRevision
from urutiq_ai.deployments.schemas import (
    AIDeploymentCreate,
    AIDeploymentRead,
    DeploymentRevisionRead,
)

DEPLOYMENTS = Resource(
    path="deployments",
    model=AIDeployment,
    create_schema=AIDeploymentCreate,
    read_schema=AIDeploymentRead,
    filters=("environment", "status", "model_id", "deployment_name"),
    sort_fields=("created_at", "updated_at", "deployment_name"),
    refs={"model_id": "AIModel"},
    unique=(("deployment_name", "environment"),),
    creatable=False,  # POST /deployments is the deploy verb (deployments/router.py)
)


DEPLOYMENT_REVISIONS = Resource(
    path="deployment-revisions",
    model=DeploymentRevision,
    create_schema=SystemWritten,
    read_schema=DeploymentRevisionRead,
    filters=("deployment_id", "deployment_name", "environment", "model_id", "status", "action"),
    time_field="started_at",
    sort_fields=("created_at", "started_at", "version"),
    creatable=False,
)
