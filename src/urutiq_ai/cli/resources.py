"""``list`` and ``show`` for each of the 15 company resources, built from one table.

Every command goes through the SDK, so the key's role and companies apply exactly
as they do over HTTP.
"""

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from urutiq_ai.cli._output import Column, field, print_json, print_listing, print_record
from urutiq_ai.cli._sdk import (
    AllOption,
    Connection,
    CursorOption,
    JsonOption,
    LimitOption,
    company_command,
)


@dataclass(frozen=True)
class Resource:
    """A resource as the command line needs it: its path, what a row is (its read schema's
    name without ``Read``) and whether it has a status. Building the commands must not import
    the SDK and the schemas (every ``--help`` would load them); a test checks this table
    against the SDK's specs."""

    path: str
    row: str
    has_status: bool = True


# The SDK's RESOURCE_SPECS then SUPPORT_SPECS, in the API's order.
RESOURCES: tuple[Resource, ...] = (
    Resource("models", "AIModel"),
    Resource("training-runs", "AIModelTrainingRun"),
    Resource("predictions", "AIModelPrediction", has_status=False),
    Resource("feature-importances", "AIModelFeatureImportance", has_status=False),
    Resource("pipelines", "AIDataPipeline"),
    Resource("pipeline-runs", "AIDataPipelineRun"),
    Resource("data-quality", "AIDataQuality"),
    Resource("performance-metrics", "AIPerformanceMetrics", has_status=False),
    Resource("drift-detections", "AIDriftDetection"),
    Resource("feedback", "AILearningFeedback"),
    Resource("experiments", "AIExperiment"),
    Resource("deployments", "AIDeployment"),
    Resource("governance-policies", "AIGovernance"),
    Resource("governance-violations", "AIGovernanceViolation"),
    Resource("configs", "AIConfig", has_status=False),
    Resource("monitors", "Monitor"),
    Resource("monitor-runs", "MonitorRun"),
    Resource("alerts", "Alert"),
    Resource("webhooks", "Webhook"),
    Resource("webhook-deliveries", "WebhookDelivery"),
    Resource("jobs", "Job"),
    Resource("deployment-revisions", "DeploymentRevision"),
    Resource("policy-evaluations", "PolicyEvaluation"),
)


def _verdict(experiment: Any) -> str:
    """An experiment's verdict in a cell: its status and what to do, or "not evaluated"."""
    results = experiment.results if isinstance(experiment.results, dict) else {}
    verdict = results.get("verdict")
    if not isinstance(verdict, dict):
        return "not evaluated"
    recommendation = verdict.get("recommendation")
    return (
        f"{verdict.get('status')}: {recommendation}" if recommendation else str(verdict["status"])
    )


# The columns of each resource's table (attribute names, in display order) with their rank:
# 0 is never hidden; at a narrow terminal the highest rank is hidden first (cli._output).
# References to other rows' ids are wide and come last; ``show`` prints every field.
COLUMNS: Mapping[str, Mapping[str, int]] = {
    "models": {
        "id": 0,
        "model_name": 1,
        "model_version": 1,
        "model_type": 3,
        "status": 2,
        "created_at": 4,
    },
    "training-runs": {
        "id": 0,
        "model_id": 5,
        "run_name": 2,
        "status": 1,
        "accuracy": 3,
        "start_time": 4,
    },
    "predictions": {
        "id": 0,
        "model_id": 5,
        "prediction_type": 4,
        "confidence": 1,
        "is_correct": 1,
        "created_at": 2,
    },
    "feature-importances": {
        "id": 0,
        "model_id": 4,
        "feature_name": 1,
        "importance": 1,
        "rank": 2,
        "method": 2,
    },
    "pipelines": {
        "id": 0,
        "pipeline_name": 1,
        "pipeline_type": 3,
        "status": 1,
        "schedule": 2,
        "created_at": 4,
    },
    "pipeline-runs": {
        "id": 0,
        "pipeline_id": 4,
        "run_id": 5,
        "status": 1,
        "records_processed": 2,
        "start_time": 3,
    },
    "data-quality": {
        "id": 0,
        "table_name": 1,
        "quality_metric": 2,
        "metric_value": 2,
        "status": 1,
        "created_at": 3,
    },
    "performance-metrics": {
        "id": 0,
        "model_id": 5,
        "metric_type": 1,
        "metric_value": 1,
        "time_window": 2,
        "metric_date": 3,
    },
    "drift-detections": {
        "id": 0,
        "model_id": 5,
        "drift_type": 2,
        "drift_score": 1,
        "status": 1,
        "created_at": 3,
    },
    "feedback": {
        "id": 0,
        "model_id": 5,
        "feedback_type": 1,
        "is_positive": 2,
        "status": 1,
        "created_at": 3,
    },
    "experiments": {
        "id": 0,
        "experiment_name": 1,
        "status": 2,
        "verdict": 1,
        "current_model": 5,
        "created_at": 3,
    },
    "deployments": {
        "id": 0,
        "deployment_name": 1,
        "environment": 1,
        "status": 1,
        "version": 2,
        "created_at": 3,
    },
    "governance-policies": {
        "id": 0,
        "policy_name": 1,
        "policy_type": 2,
        "status": 1,
        "created_at": 3,
    },
    "governance-violations": {
        "id": 0,
        "violation_type": 1,
        "severity": 1,
        "status": 1,
        "created_at": 2,
    },
    "configs": {
        "id": 0,
        "config_type": 1,
        "version": 1,
        "is_active": 1,
        "note": 3,
        "created_at": 2,
    },
    "monitors": {
        "id": 0,
        "name": 1,
        "kind": 1,
        "model_id": 5,
        "schedule": 2,
        "status": 1,
        "next_run_at": 3,
    },
    "monitor-runs": {
        "id": 0,
        "monitor_id": 5,
        "trigger": 2,
        "status": 1,
        "start_time": 3,
        "duration": 2,
        "error": 4,
    },
    "alerts": {
        "id": 0,
        "source": 2,
        "severity": 1,
        "status": 1,
        "title": 1,
        "occurrences": 3,
        "last_seen_at": 4,
    },
    "webhooks": {"id": 0, "name": 1, "url": 2, "status": 1, "created_at": 3},
    "policy-evaluations": {
        "id": 0,
        "policy_id": 4,
        "model_id": 5,
        "status": 1,
        "trigger": 2,
        "created_at": 3,
    },
    "deployment-revisions": {
        "id": 0,
        "deployment_name": 1,
        "environment": 1,
        "version": 1,
        "model_id": 5,
        "action": 2,
        "status": 1,
        "started_at": 3,
    },
    "webhook-deliveries": {
        "id": 0,
        "webhook_id": 5,
        "event": 1,
        "status": 1,
        "attempts": 2,
        "response_status": 2,
        "created_at": 3,
    },
    "jobs": {
        "id": 0,
        "name": 1,
        "status": 1,
        "attempt": 2,
        "max_attempts": 2,
        "worker_id": 4,
        "error": 3,
    },
}
# Free text, folded at spaces in a narrow column.
WRAPPED = frozenset(
    {"run_name", "pipeline_name", "experiment_name", "policy_name", "note", "name", "title"}
    | {"error", "verdict"}
)
# Columns that are no attribute of the row.
DERIVED: Mapping[str, Callable[[Any], str]] = {"verdict": _verdict}


def columns_of(path: str) -> list[Column]:
    """The columns of the ``path`` resource's table."""
    return [
        Column(name, DERIVED[name], rank=rank, wrap=True)
        if name in DERIVED
        else field(name, rank=rank, wrap=name in WRAPPED)
        for name, rank in COLUMNS[path].items()
    ]


WhereOption = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        metavar="FIELD=VALUE",
        help="Filter on a field (e.g. modelId=..., model_type=regression); "
        "repeat it, a field given twice matches either value.",
    ),
]
StatusOption = Annotated[
    list[str] | None,
    typer.Option("--status", help="Only rows with this status; repeat for any of several."),
]
SortOption = Annotated[
    str | None, typer.Option("--sort", help="Sort field, '-' for descending (e.g. -createdAt).")
]
IdArgument = Annotated[str, typer.Argument(help="The row's id.")]


def parse_where(clauses: list[str] | None) -> dict[str, list[str]]:
    """``["status=active", "status=failed", "modelId=x"]`` -> ``{"status": [...], ...}``."""
    filters: dict[str, list[str]] = {}
    for clause in clauses or []:
        field, sep, value = clause.partition("=")
        if not sep or not field.strip():
            raise typer.BadParameter(f"expected FIELD=VALUE, got {clause!r}", param_hint="--where")
        filters.setdefault(field.strip(), []).append(value)
    return filters


def _list_command(spec: Resource) -> Any:
    columns = columns_of(spec.path)

    def list_rows(
        conn: Connection,
        status: StatusOption = None,
        where: WhereOption = None,
        sort: SortOption = None,
        limit: LimitOption = None,
        cursor: CursorOption = None,
        all_pages: AllOption = False,
        as_json: JsonOption = False,
    ) -> None:
        filters: dict[str, Any] = parse_where(where)
        if status:
            filters["status"] = status
        with conn.client() as client:
            print_listing(
                spec.path,
                columns,
                client.resource(spec.path),
                all_pages=all_pages,
                as_json=as_json,
                cursor=cursor,
                sort=sort,
                limit=limit,
                **filters,
            )

    list_rows.__doc__ = f"List {spec.path}, newest first (filters: --status, --where)."
    if not spec.has_status:
        # Typer reads the signature: resources without a status offer no --status.
        signature = inspect.signature(list_rows)
        params = [p for p in signature.parameters.values() if p.name != "status"]
        list_rows.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        list_rows.__doc__ = f"List {spec.path}, newest first (filter with --where)."
    return company_command(list_rows)


def _show_command(spec: Resource) -> Any:
    def show(
        conn: Connection,
        row_id: IdArgument,
        as_json: JsonOption = False,
    ) -> None:
        with conn.client() as client:
            row = client.resource(spec.path).get(row_id)
        if as_json:
            print_json(row)
        else:
            print_record(row)

    show.__doc__ = f"Show one of the {spec.path} by id, every field."
    return company_command(show)


def build_group(spec: Resource) -> typer.Typer:
    """The ``urutiq-ai <path>`` command group of one resource."""
    group = typer.Typer(
        help=f"{spec.row} rows of a company.",
        no_args_is_help=True,
    )
    group.command("list")(_list_command(spec))
    group.command("show")(_show_command(spec))
    return group


def resource_groups() -> list[tuple[str, typer.Typer]]:
    """``(name, group)`` for every resource, in the API's order."""
    return [(spec.path, build_group(spec)) for spec in RESOURCES]
