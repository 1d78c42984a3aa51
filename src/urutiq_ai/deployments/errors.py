"""The deployments domain's errors (each a 409: a state the request cannot change)."""

from urutiq_ai.core.errors import Conflict


class DeploymentNotServing(Conflict):
    pass


class NothingToRollBack(Conflict):
    pass


class ModelNotDeployable(Conflict):
    pass
