"""The compliance report of a model: what it is, where it came from, what it was judged
against, what went wrong and who did what (one HTML page, or the same data as JSON).

Sections: the model card (purpose, features, target, hyperparameters, metrics, feature
importances), lineage (training data and runs, experiments, deployments and their dates),
policy results (the newest evaluation per policy), violations and their resolutions, drift
and performance history, and the audit trail of the model, its deployments, experiments
and violations. Built from the services (no SQL here); rendered with Jinja2 (autoescaped).
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud import service as crud_service
from urutiq_ai.crud.resource import Resource
from urutiq_ai.deployments import queries as deployment_queries
from urutiq_ai.experiments.service import EXPERIMENTS
from urutiq_ai.explainability.service import FEATURE_IMPORTANCES
from urutiq_ai.governance.service import POLICIES, POLICY_EVALUATIONS, VIOLATIONS
from urutiq_ai.monitoring.service import DRIFT_DETECTIONS, PERFORMANCE_METRICS
from urutiq_ai.registry import service as registry_service
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.training.service import TRAINING_RUNS

TEMPLATES = Path(__file__).resolve().parent / "templates"
LIMIT = 200
AUDIT_FILTERS = ("company_id", "table_name", "action", "row_id", "actor_key_id", "since", "until")
_ENV = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def report_data(session: Session, ctx: TenantContext, *, model_id: str) -> dict[str, Any]:
    """Every section of the report, as JSON-friendly data."""
    model, artifact = registry_service.get_model_with_artifact(session, ctx, model_id)
    spec = (artifact.training_spec or {}) if artifact else {}
    experiments = [
        *rows(session, ctx, EXPERIMENTS, baseline_model=model.id),
        *rows(session, ctx, EXPERIMENTS, current_model=model.id),
    ]
    violations = rows(session, ctx, VIOLATIONS, model_id=model.id)
    revisions = deployment_queries.revisions_of_model(session, ctx, model.id)
    policies = {p.id: p for p in rows(session, ctx, POLICIES)}
    return {
        "generatedAt": datetime.now(UTC).isoformat(),
        "model": _plain(model),
        "card": {
            "purpose": model.description,
            "features": list(model.feature_columns or []),
            "target": model.target_column,
            "hyperparameters": model.hyperparameters,
            "metrics": {
                "accuracy": model.accuracy,
                "precision": model.precision,
                "recall": model.recall,
                "f1Score": model.f1_score,
            },
            "importances": importances(session, ctx, model.id)[:40],
        },
        "lineage": {
            "source": spec.get("source"),
            "artifact": (
                {"sha256": artifact.sha256, "sizeBytes": artifact.size_bytes} if artifact else None
            ),
            "trainingRuns": [
                _plain(row) for row in rows(session, ctx, TRAINING_RUNS, model_id=model.id)
            ],
            "experiments": [_plain(row) for row in experiments],
            "deployments": [_plain(row) for row in revisions],
        },
        "policies": _latest_evaluations(session, ctx, model.id, policies),
        "violations": [_plain(row) for row in violations],
        "drift": [_plain(row) for row in rows(session, ctx, DRIFT_DETECTIONS, model_id=model.id)],
        "performance": [
            _plain(row) for row in rows(session, ctx, PERFORMANCE_METRICS, model_id=model.id)
        ],
        "audit": _audit_trail(
            session,
            ctx,
            [model.id]
            + [row.deployment_id for row in revisions]
            + [row.id for row in experiments]
            + [row.id for row in violations],
        ),
    }


def render_html(data: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (no scripts, no external assets)."""
    return template("report.html").render(report=data)


def template(name: str) -> Any:
    return _ENV.get_template(name)


def importances(session: Session, ctx: TenantContext, model_id: str) -> list[dict[str, Any]]:
    """The model's stored feature importances, by method, most important first."""
    return [
        _plain(row)
        for row in sorted(
            rows(session, ctx, FEATURE_IMPORTANCES, model_id=model_id),
            key=lambda row: (row.method, -(row.importance or 0.0)),
        )
    ]


def latest_evaluations_of(
    session: Session, ctx: TenantContext, model_id: str
) -> list[dict[str, Any]]:
    """The newest evaluation of the model by each policy, with the policy's name and type."""
    policies = {p.id: p for p in rows(session, ctx, POLICIES)}
    return _latest_evaluations(session, ctx, model_id, policies)


def rows(session: Session, ctx: TenantContext, res: Resource, **equals: Any) -> list[Any]:
    return crud_service.newest_rows(session, ctx, res, limit=LIMIT, **equals)


def _latest_evaluations(
    session: Session, ctx: TenantContext, model_id: str, policies: dict[str, Any]
) -> list[dict[str, Any]]:
    latest: dict[str, Any] = {}
    for row in rows(session, ctx, POLICY_EVALUATIONS, model_id=model_id):
        latest.setdefault(row.policy_id, row)  # newest first
    return [
        {
            **_plain(row),
            "policyName": policies[pid].policy_name if pid in policies else pid,
            "policyType": policies[pid].policy_type.value if pid in policies else None,
        }
        for pid, row in latest.items()
    ]


def _audit_trail(session: Session, ctx: TenantContext, row_ids: Iterable[str]) -> list[Any]:
    rows: list[Any] = []
    for row_id in dict.fromkeys(row_ids):
        filters = dict.fromkeys(AUDIT_FILTERS) | {"row_id": row_id}
        page = tenancy_service.list_audit_log(
            session, ctx, filters=filters, cursor=None, limit=LIMIT
        )
        rows += [_plain(row) for row in page.items]
    return sorted(rows, key=lambda row: str(row.get("createdAt")), reverse=True)[:LIMIT]


def _plain(row: Any) -> dict[str, Any]:
    """A row's columns as JSON-friendly camelCase values."""
    from sqlalchemy import inspect

    from urutiq_ai.core.naming import to_camel

    out: dict[str, Any] = {}
    for attr in inspect(row).mapper.column_attrs:
        value = getattr(row, attr.key, None)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Enum):
            value = value.value
        out[to_camel(attr.key)] = value
    return out
