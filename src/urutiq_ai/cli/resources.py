"""``list`` and ``show`` for each of the 15 company resources, built from one table.

Every command goes through the SDK, so the key's role and companies apply exactly
as they do over HTTP.
"""

import inspect
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from urutiq_ai.cli._output import print_json, print_listing, print_record
from urutiq_ai.cli._sdk import (
    AllOption,
    ApiKeyOption,
    CompanyOption,
    CursorOption,
    JsonOption,
    LimitOption,
    UrlOption,
    sdk_client,
)
from urutiq_ai.sdk import RESOURCE_SPECS, SUPPORT_SPECS, ResourceSpec

# The columns of each resource's table (attribute names); ``show`` prints every field.
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "models": ("id", "model_name", "model_version", "model_type", "status", "created_at"),
    "training-runs": ("id", "model_id", "run_name", "status", "accuracy", "start_time"),
    "predictions": ("id", "model_id", "prediction_type", "confidence", "is_correct", "created_at"),
    "feature-importances": ("id", "model_id", "feature_name", "importance", "rank", "method"),
    "pipelines": ("id", "pipeline_name", "pipeline_type", "status", "schedule", "created_at"),
    "pipeline-runs": ("id", "pipeline_id", "run_id", "status", "records_processed", "start_time"),
    "data-quality": ("id", "table_name", "quality_metric", "metric_value", "status", "created_at"),
    "performance-metrics": (
        "id",
        "model_id",
        "metric_type",
        "metric_value",
        "time_window",
        "metric_date",
    ),
    "drift-detections": ("id", "model_id", "drift_type", "drift_score", "status", "created_at"),
    "feedback": ("id", "model_id", "feedback_type", "is_positive", "status", "created_at"),
    "experiments": ("id", "experiment_name", "status", "current_model", "created_at"),
    "deployments": ("id", "deployment_name", "environment", "status", "version", "created_at"),
    "governance-policies": ("id", "policy_name", "policy_type", "status", "created_at"),
    "governance-violations": ("id", "violation_type", "severity", "status", "created_at"),
    "configs": ("id", "config_type", "version", "is_active", "note", "created_at"),
    "monitors": ("id", "name", "kind", "model_id", "schedule", "status", "next_run_at"),
    "monitor-runs": ("id", "monitor_id", "trigger", "status", "start_time", "duration", "error"),
    "alerts": ("id", "source", "severity", "status", "title", "occurrences", "last_seen_at"),
    "webhooks": ("id", "name", "url", "status", "created_at"),
    "policy-evaluations": ("id", "policy_id", "model_id", "status", "trigger", "created_at"),
    "deployment-revisions": (
        "id",
        "deployment_name",
        "environment",
        "version",
        "model_id",
        "action",
        "status",
        "started_at",
    ),
    "webhook-deliveries": (
        "id",
        "webhook_id",
        "event",
        "status",
        "attempts",
        "response_status",
        "created_at",
    ),
    "jobs": ("id", "name", "status", "attempt", "max_attempts", "worker_id", "error"),
}

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


def _list_command(spec: ResourceSpec[Any, Any, Any]) -> Any:
    columns = COLUMNS[spec.path]

    def list_rows(
        company: CompanyOption = None,
        status: StatusOption = None,
        where: WhereOption = None,
        sort: SortOption = None,
        limit: LimitOption = None,
        cursor: CursorOption = None,
        all_pages: AllOption = False,
        as_json: JsonOption = False,
        url: UrlOption = None,
        api_key: ApiKeyOption = None,
    ) -> None:
        filters: dict[str, Any] = parse_where(where)
        if status:
            filters["status"] = status
        with sdk_client(url, api_key, company) as client:
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
    return list_rows


def _show_command(spec: ResourceSpec[Any, Any, Any]) -> Any:
    def show(
        row_id: IdArgument,
        company: CompanyOption = None,
        as_json: JsonOption = False,
        url: UrlOption = None,
        api_key: ApiKeyOption = None,
    ) -> None:
        with sdk_client(url, api_key, company) as client:
            row = client.resource(spec.path).get(row_id)
        if as_json:
            print_json(row)
        else:
            print_record(row)

    show.__doc__ = f"Show one of the {spec.path} by id, every field."
    return show


def build_group(spec: ResourceSpec[Any, Any, Any]) -> typer.Typer:
    """The ``urutiq-ai <path>`` command group of one resource."""
    group = typer.Typer(
        help=f"{spec.read.__name__.removesuffix('Read')} rows of a company.",
        no_args_is_help=True,
    )
    group.command("list")(_list_command(spec))
    group.command("show")(_show_command(spec))
    return group


def resource_groups() -> list[tuple[str, typer.Typer]]:
    """``(name, group)`` for every resource, in the API's order."""
    return [(spec.path, build_group(spec)) for spec in (*RESOURCE_SPECS, *SUPPORT_SPECS)]
