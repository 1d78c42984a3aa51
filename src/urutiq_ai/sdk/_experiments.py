"""Experiments through the SDK: the resource client plus evaluate and promote.

Apart from the deployments' client so that reading deployments does not load the
experiments' schemas.
"""

from collections.abc import Mapping
from typing import Any

from urutiq_ai.deployments.schemas import DeploymentChangeRead
from urutiq_ai.experiments.schemas import (
    AIExperimentCreate,
    AIExperimentRead,
    AIExperimentUpdate,
    EvaluateRequest,
    ExperimentPromote,
)
from urutiq_ai.sdk._resources import ResourceClient
from urutiq_ai.sdk._transport import build_payload, parse


def _given(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


class ExperimentsClient(ResourceClient[AIExperimentRead, AIExperimentCreate, AIExperimentUpdate]):
    """Experiments: a baseline and a challenger judged against success metrics."""

    def evaluate(
        self, experiment_id: str, *, mode: str = "both", company: str | None = None
    ) -> AIExperimentRead:
        """Compare the models (offline, online or both) and write the verdict in results."""
        body = build_payload(EvaluateRequest, None, {"mode": mode})
        path = self._path(company, experiment_id) + "/evaluate"
        return parse(AIExperimentRead, self._transport.request("POST", path, json=body))

    def promote(
        self,
        experiment_id: str,
        *,
        deployment_id: str | None = None,
        reason: str | None = None,
        company: str | None = None,
    ) -> DeploymentChangeRead:
        """Release the challenger into the experiment's deployment (it must have passed)."""
        fields = _given({"deployment_id": deployment_id, "reason": reason})
        body = build_payload(ExperimentPromote, None, fields)
        path = self._path(company, experiment_id) + "/promote"
        return parse(DeploymentChangeRead, self._transport.request("POST", path, json=body))
