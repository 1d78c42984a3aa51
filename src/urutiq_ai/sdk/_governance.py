"""Governance through the SDK: evaluate policies, work violations to resolution."""

from typing import Any
from urllib.parse import quote

from urutiq_ai.governance.schemas import (
    AIGovernanceViolationRead,
    EvaluateModel,
    ModelEvaluations,
    PolicyEvaluationRead,
    ViolationStatus,
)
from urutiq_ai.sdk._resources import ResourceClient
from urutiq_ai.sdk._transport import Transport, build_payload, parse


class GovernanceClient:
    """Evaluate one policy, or every active one, against a model."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def evaluate(
        self, policy_id: str, model_id: str, *, company: str | None = None
    ) -> PolicyEvaluationRead:
        """The verdict and evidence; a failure opens (or refreshes) a violation."""
        body = build_payload(EvaluateModel, None, {"model_id": model_id})
        path = self._transport.company_path(
            f"governance-policies/{quote(policy_id, safe='')}/evaluate", company
        )
        return parse(PolicyEvaluationRead, self._transport.request("POST", path, json=body))

    def check_model(self, model_id: str, *, company: str | None = None) -> ModelEvaluations:
        """Every active policy that applies to the model, evaluated now."""
        path = self._transport.company_path(
            f"models/{quote(model_id, safe='')}/governance-check", company
        )
        return parse(ModelEvaluations, self._transport.request("POST", path))

    def report(self, model_id: str, *, output: str = "html", company: str | None = None) -> Any:
        """The model's compliance report: an HTML page (str), or its data (``output="json"``)."""
        return self._document(model_id, "compliance-report", output, company)

    def model_card(self, model_id: str, *, output: str = "json", company: str | None = None) -> Any:
        """The model card (purpose, data, metrics, limits): its data, or an HTML page
        (``output="html"``)."""
        return self._document(model_id, "model-card", output, company)

    def _document(self, model_id: str, name: str, output: str, company: str | None) -> Any:
        path = self._transport.company_path(f"models/{quote(model_id, safe='')}/{name}", company)
        return self._transport.request("GET", path, params=[("format", output)])


class ViolationsClient(ResourceClient[Any, Any, Any]):
    """Violations: open -> investigating -> resolved | false_positive."""

    def investigate(self, violation_id: str, *, company: str | None = None) -> Any:
        return self.update(violation_id, status=ViolationStatus.investigating, company=company)

    def resolve(
        self,
        violation_id: str,
        *,
        resolution: str,
        resolved_by: str,
        false_positive: bool = False,
        company: str | None = None,
    ) -> AIGovernanceViolationRead:
        """Close a violation (``resolution`` and ``resolved_by`` are required)."""
        status = ViolationStatus.false_positive if false_positive else ViolationStatus.resolved
        closed: AIGovernanceViolationRead = self.update(
            violation_id,
            status=status,
            resolution=resolution,
            resolved_by=resolved_by,
            company=company,
        )
        return closed
