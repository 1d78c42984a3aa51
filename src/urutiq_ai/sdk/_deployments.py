"""Deployments through the SDK: deploy, release, promote, roll back, predict, history.
(Experiments' evaluate and promote are in ``_experiments.py``.)"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from urutiq_ai.core.schemas import SystemWritten
from urutiq_ai.deployments.schemas import (
    AIDeploymentCreate,
    AIDeploymentRead,
    DeploymentChangeRead,
    DeploymentPromote,
    DeploymentRelease,
    DeploymentRevisionRead,
    DeploymentRollback,
    ServedModel,
)
from urutiq_ai.sdk._resources import ResourceClient
from urutiq_ai.sdk._transport import build_payload, parse, parse_list, query_params

if TYPE_CHECKING:
    from urutiq_ai.predictions.schemas import DeploymentPredictResponse


class DeploymentsClient(ResourceClient[AIDeploymentRead, AIDeploymentCreate, SystemWritten]):
    """Deployments of models into development, staging and production."""

    def deploy(
        self,
        *,
        deployment_name: str,
        model_id: str,
        environment: str,
        config: Mapping[str, Any] | None = None,
        governance_override: str | None = None,
        company: str | None = None,
    ) -> AIDeploymentRead:
        """Deploy an active model under a new name; ``status`` says whether its health
        check passed (``active``) or not (``failed``, reason in ``health_check``).
        ``governance_override`` (admin): deploy although governance refuses, with why."""
        fields: dict[str, Any] = {"deployment_name": deployment_name, "model_id": model_id}
        fields |= {"environment": environment, "config": config}
        fields |= _given({"governance_override": governance_override})
        body = build_payload(AIDeploymentCreate, None, fields)
        response = self._transport.request("POST", self._path(company), json=body)
        return parse(AIDeploymentRead, response)

    def find(self, name: str, environment: str, *, company: str | None = None) -> AIDeploymentRead:
        """The deployment ``name`` in ``environment`` (KeyError when there is none)."""
        page = self.list(deployment_name=name, environment=environment, company=company)
        if not page.items:
            raise KeyError(f"no deployment {name!r} in {environment}")
        return page.items[0]

    def release(
        self,
        deployment_id: str,
        *,
        model_id: str | None = None,
        config: Mapping[str, Any] | None = None,
        reason: str | None = None,
        governance_override: str | None = None,
        company: str | None = None,
    ) -> DeploymentChangeRead:
        """A new revision with another model and/or config (e.g. a traffic split)."""
        fields = {"model_id": model_id, "config": config, "reason": reason}
        fields["governance_override"] = governance_override
        body = build_payload(DeploymentRelease, None, _given(fields))
        return self._verb(deployment_id, "release", body, company)

    def promote(
        self,
        deployment_id: str,
        *,
        to: str = "production",
        deployment_name: str | None = None,
        config: Mapping[str, Any] | None = None,
        reason: str | None = None,
        governance_override: str | None = None,
        company: str | None = None,
    ) -> DeploymentChangeRead:
        """Release this deployment's model into ``to`` (a new revision there)."""
        fields = {"to": to, "deployment_name": deployment_name, "config": config, "reason": reason}
        fields["governance_override"] = governance_override
        body = build_payload(DeploymentPromote, None, _given(fields))
        return self._verb(deployment_id, "promote", body, company)

    def rollback(
        self, deployment_id: str, *, reason: str | None = None, company: str | None = None
    ) -> DeploymentChangeRead:
        """Serve the previous revision again (Conflict when nothing served before)."""
        body = build_payload(DeploymentRollback, None, {"reason": reason} if reason else {})
        return self._verb(deployment_id, "rollback", body, company)

    def health_check(self, deployment_id: str, *, company: str | None = None) -> AIDeploymentRead:
        path = self._path(company, deployment_id) + "/health-check"
        return parse(AIDeploymentRead, self._transport.request("POST", path))

    def revisions(
        self, deployment_id: str, *, company: str | None = None
    ) -> list[DeploymentRevisionRead]:
        path = self._path(company, deployment_id) + "/revisions"
        return parse_list(DeploymentRevisionRead, self._transport.request("GET", path))

    def served(
        self,
        *,
        at: datetime | str | None = None,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        environment: str | None = None,
        deployment_name: str | None = None,
        company: str | None = None,
    ) -> list[ServedModel]:
        """Which model served which deployment: at a moment, or over ``[start, end)``."""
        when = {"at": at, "from": start, "to": end}
        params = query_params(environment=environment, deploymentName=deployment_name, **when)
        path = self._transport.company_path("deployments/served", company)
        return parse_list(ServedModel, self._transport.request("GET", path, params=params))

    def predict(
        self,
        name: str,
        *,
        row: Mapping[str, Any] | None = None,
        rows: Sequence[Mapping[str, Any]] | None = None,
        environment: str = "production",
        entity_key: str | None = None,
        log: bool = True,
        company: str | None = None,
    ) -> "DeploymentPredictResponse":
        """Predict through deployment ``name`` (its split, shadow or ensemble)."""
        # The predictions' schemas load here: reading deployments does not need them.
        from urutiq_ai.predictions.schemas import (
            DeploymentPredictRequest,
            DeploymentPredictResponse,
        )

        fields: dict[str, Any] = {"log": log, "entity_key": entity_key}
        fields |= {"row": row} if row is not None else {"rows": rows}
        body = build_payload(DeploymentPredictRequest, None, fields)
        path = self._transport.company_path(f"deployments/{quote(name, safe='')}/predict", company)
        response = self._transport.request(
            "POST", path, json=body, params=query_params(environment=environment)
        )
        return parse(DeploymentPredictResponse, response)

    def _verb(
        self, deployment_id: str, verb: str, body: dict[str, Any], company: str | None
    ) -> DeploymentChangeRead:
        path = self._path(company, deployment_id) + f"/{verb}"
        return parse(DeploymentChangeRead, self._transport.request("POST", path, json=body))


def _given(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}
