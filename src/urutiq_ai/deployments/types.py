"""The deployments enumerations, apart from the schemas: the tables map them without loading
the Pydantic models. ``urutiq_ai.deployments.schemas`` re-exports them."""

from enum import StrEnum


class Environment(StrEnum):
    development = "development"
    staging = "staging"
    production = "production"


class DeploymentStatus(StrEnum):
    deploying = "deploying"
    active = "active"
    failed = "failed"
    rolled_back = "rolled_back"


class RevisionStatus(StrEnum):
    """What became of one revision: serving now, replaced, undone, or never served."""

    active = "active"
    superseded = "superseded"
    rolled_back = "rolled_back"
    failed = "failed"


class RevisionAction(StrEnum):
    deploy = "deploy"
    release = "release"
    promote = "promote"
    rollback = "rollback"
    auto_rollback = "auto_rollback"
