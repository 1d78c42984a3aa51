"""AIDeployment on the wire."""

from enum import StrEnum

from pydantic import Field, JsonValue

from urutiq_ai.core.schemas import CompanyOwnedRead, Json, Name, Ref, RequestSchema


class Environment(StrEnum):
    development = "development"
    staging = "staging"
    production = "production"


class DeploymentStatus(StrEnum):
    deploying = "deploying"
    active = "active"
    failed = "failed"
    rolled_back = "rolled_back"


Endpoint = Field(default=None, max_length=2048, pattern=r"^(https?://|/)\S+$")


class AIDeploymentCreate(RequestSchema):
    deployment_name: Name
    model_id: Ref
    environment: Environment
    status: DeploymentStatus = DeploymentStatus.deploying
    endpoint: str | None = Endpoint
    version: int = Field(default=1, ge=1)
    config: Json | None = None
    health_check: Json | None = None
    performance: Json | None = None


class AIDeploymentUpdate(RequestSchema):
    model_id: Ref | None = None
    status: DeploymentStatus | None = None
    endpoint: str | None = Endpoint
    config: Json | None = None
    health_check: Json | None = None
    performance: Json | None = None


class AIDeploymentRead(CompanyOwnedRead):
    deployment_name: str
    model_id: str
    environment: Environment
    status: DeploymentStatus
    endpoint: str | None
    version: int
    config: JsonValue | None
    health_check: JsonValue | None
    performance: JsonValue | None
