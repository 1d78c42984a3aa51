"""Deployments through the SDK: ``deploy``, ``promote``, ``rollback`` and
``deployments status|history|served|release|check``.

Deployments are named by ``deploymentName`` and environment on the command line (the id
works too wherever an id is asked for).
"""

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from urutiq_ai.cli._output import (
    LogOption,
    PredictionsFormat,
    PredictionsOutput,
    RowsOption,
    cell,
    fail,
    print_json,
    print_predictions,
    print_record,
    read_json_file,
    read_rows,
)
from urutiq_ai.cli._sdk import ApiKeyOption, CompanyOption, JsonOption, UrlOption, sdk_client
from urutiq_ai.deployments.schemas import (
    AIDeploymentRead,
    DeploymentChangeRead,
    DeploymentRevisionRead,
    ServedRole,
    served_members,
)
from urutiq_ai.sdk import Client, NotFound

NameArg = Annotated[str, typer.Argument(help="The deployment's name.")]
EnvOption = Annotated[str, typer.Option("--env", help="development, staging or production.")]
ReasonOption = Annotated[str | None, typer.Option("--reason", help="Why (kept in the history).")]
OverrideOption = Annotated[
    str | None,
    typer.Option(
        "--override", help="Admin: release although governance refuses it; the written reason."
    ),
]
ConfigOption = Annotated[
    str | None,
    typer.Option("--config", help="The deployment config: inline JSON or a path to a JSON file."),
]


def deploy(
    model: Annotated[str, typer.Option("--model", help="The model version's id.")],
    env: EnvOption = "staging",
    name: Annotated[
        str | None, typer.Option("--name", help="Deployment name (default: the model's name).")
    ] = None,
    config: ConfigOption = None,
    override: OverrideOption = None,
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Deploy an active model into an environment; exit 1 if its health check fails."""
    with sdk_client(url, api_key, company) as client:
        name = name or client.models.get(model).model_name
        deployment = client.deployments.deploy(
            deployment_name=name,
            model_id=model,
            environment=env,
            config=_config(config),
            governance_override=override,
        )
    if as_json:
        print_json(deployment)
    else:
        _print_deployments([deployment])
    if deployment.status.value == "failed":
        fail(f"deployment failed its health check: {_health_error(deployment)}")


def promote(
    name: NameArg,
    source: Annotated[str, typer.Option("--from", help="The environment promoted from.")] = (
        "staging"
    ),
    target: Annotated[str, typer.Option("--to", help="The environment promoted to.")] = (
        "production"
    ),
    reason: ReasonOption = None,
    override: OverrideOption = None,
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Release the model serving NAME in --from as a new revision of NAME in --to."""
    with sdk_client(url, api_key, company) as client:
        deployment = _find(client, name, source)
        change = client.deployments.promote(
            deployment.id, to=target, reason=reason, governance_override=override
        )
    print_change(change, as_json)


def rollback(
    name: NameArg,
    env: EnvOption = "production",
    reason: ReasonOption = None,
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Serve the previous revision of NAME in --env again."""
    with sdk_client(url, api_key, company) as client:
        deployment = _find(client, name, env)
        change = client.deployments.rollback(deployment.id, reason=reason)
    print_change(change, as_json)


def release(
    name: NameArg,
    env: EnvOption = "staging",
    model: Annotated[str | None, typer.Option("--model", help="Another model version.")] = None,
    config: ConfigOption = None,
    reason: ReasonOption = None,
    override: OverrideOption = None,
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """A new revision of NAME in --env: another model and/or config (e.g. an A/B split)."""
    if model is None and config is None:
        fail("nothing to release", [("--model", "give --model, --config or both")])
    with sdk_client(url, api_key, company) as client:
        deployment = _find(client, name, env)
        change = client.deployments.release(
            deployment.id,
            model_id=model,
            config=_config(config),
            reason=reason,
            governance_override=override,
        )
    print_change(change, as_json)


def status(
    name: Annotated[str | None, typer.Argument(help="Only this deployment name.")] = None,
    env: Annotated[str | None, typer.Option("--env", help="Only this environment.")] = None,
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Deployments with their model, health and live figures (requests, errors, p95)."""
    with sdk_client(url, api_key, company) as client:
        page = client.deployments.list(
            deployment_name=name, environment=env, limit=500, sort="deploymentName"
        )
    if as_json:
        print_json(page.items)
    else:
        _print_deployments(page.items)


def show(
    ref: Annotated[str, typer.Argument(help="The deployment's name (in --env) or its id.")],
    env: EnvOption = "production",
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """One deployment with every field (config, healthCheck, performance), by name or id."""
    with sdk_client(url, api_key, company) as client:
        try:
            deployment = client.deployments.find(ref, env)
        except KeyError:
            try:
                deployment = client.deployments.get(ref)
            except NotFound:
                fail(
                    f"no deployment named {ref!r} in {env}, nor with that id",
                    [("ref", "not a deployment name in that environment, nor an id")],
                )
    if as_json:
        print_json(deployment)
    else:
        print_record(deployment)


def predict(
    name: NameArg,
    input_path: RowsOption,
    env: EnvOption = "production",
    entity_key: Annotated[
        str | None,
        typer.Option(
            "--entity-key",
            help="Which entity the rows are about (e.g. a vendor id): a split sends one entity "
            "to one model. Default: the config's stickyKey column of each row.",
        ),
    ] = None,
    output: PredictionsOutput = PredictionsFormat.json,
    log: LogOption = True,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Predict rows through deployment NAME (its split, shadows or ensemble), as the app
    does; each prediction names the model and variant that answered."""
    rows = read_rows("--input", input_path)
    with sdk_client(url, api_key, company) as client:
        result = client.deployments.predict(
            name, rows=rows, environment=env, entity_key=entity_key, log=log
        )
    print_predictions([p.model_dump(mode="json") for p in result.predictions], output)


def check(
    name: NameArg,
    env: EnvOption = "production",
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Check NAME's health now; exit 1 if it fails (also when it was rolled back)."""
    with sdk_client(url, api_key, company) as client:
        deployment = client.deployments.health_check(_find(client, name, env).id)
    if as_json:
        print_json(deployment)
    else:
        _print_deployments([deployment])
    health = deployment.health_check if isinstance(deployment.health_check, dict) else {}
    rolled = health.get("rolledBackFrom")
    if isinstance(rolled, dict):
        fail(
            f"health check of version {rolled.get('version')} failed: {rolled.get('error')}; "
            f"rolled back, version {deployment.version} serves"
        )
    if health.get("status") != "pass":
        fail(f"health check failed: {_health_error(deployment)}")


def history(
    name: NameArg,
    env: EnvOption = "production",
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Every revision of NAME in --env, newest first: model, action, status, when, why."""
    with sdk_client(url, api_key, company) as client:
        revisions = client.deployments.revisions(_find(client, name, env).id)
    if as_json:
        print_json(revisions)
    else:
        _print_revisions(f"{name} ({env})", revisions)


def served(
    at: Annotated[
        str | None, typer.Option("--at", help="A date or ISO time: which models served then.")
    ] = None,
    env: Annotated[str | None, typer.Option("--env", help="Only this environment.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Only this deployment.")] = None,
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Which models served which deployment: at --at (a date: at any time that day, UTC;
    an ISO time: at that moment), or every period so far. A split's challenger, ensemble
    members and shadows are listed with the deployment's own model."""
    when = _when(at) if at else {}
    with sdk_client(url, api_key, company) as client:
        rows = client.deployments.served(
            at=when.get("at"),
            start=when.get("start"),
            end=when.get("end"),
            environment=env,
            deployment_name=name,
        )
    if as_json:
        print_json(rows)
        return
    table = Table(title="Served" + (f" at {at}" if at else ""))
    columns = ("deployment", "env", "version", "model", "role", "share")
    for column in (*columns, "from", "to", "action", "status"):
        table.add_column(column)
    for row in rows:
        model = f"{row.model_name} {row.model_version} ({row.model_id})"
        table.add_row(
            row.deployment_name,
            row.environment.value,
            str(row.version),
            model,
            row.role.value,
            "" if row.weight is None else f"{row.weight:g}",
            cell(row.served_from),
            cell(row.served_to) if row.served_to else "now",
            row.action.value,
            row.status.value,
        )
    Console().print(table)


def _find(client: Client, name: str, env: str) -> AIDeploymentRead:
    try:
        return client.deployments.find(name, env)
    except KeyError:
        fail(f"no deployment {name!r} in {env}", [("name", "not deployed in that environment")])


def _config(value: str | None) -> Any:
    if value is None:
        return None
    text = value.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            fail("--config is not valid JSON", [("--config", str(exc))])
    return read_json_file("--config", Path(value))


def _when(text: str) -> dict[str, datetime]:
    """``--at``: a date is the whole of that day (UTC), an ISO time is that moment."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = datetime.combine(day, time(), tzinfo=UTC)
        return {"start": start, "end": start + timedelta(days=1)}
    try:
        return {"at": datetime.fromisoformat(text)}
    except ValueError:
        fail(f"cannot read {text!r} as a date", [("--at", "expected YYYY-MM-DD or an ISO time")])


def _health_error(deployment: AIDeploymentRead) -> str:
    health = deployment.health_check if isinstance(deployment.health_check, dict) else {}
    return str(health.get("error") or "unknown")


def print_change(change: DeploymentChangeRead, as_json: bool) -> None:
    if as_json:
        print_json(change)
    else:
        _print_deployments([change.deployment])
        _print_revisions("The new revision", [change.revision])
    if change.revision.status.value == "failed":
        fail(f"the new revision did not serve: {change.revision.reason}")


def _serves(model_id: str, config: Any) -> str:
    """The models of a revision in a cell: the deployment's own model, then a split's
    challengers with their shares, ensemble members, shadows."""
    members = served_members(model_id, config if isinstance(config, dict) else None)
    if len(members) == 1:
        return model_id
    split = any(member.role == ServedRole.challenger for member in members)
    parts = []
    for member in members:
        in_split = split and member.role in (ServedRole.champion, ServedRole.challenger)
        share = f" {member.weight:.0%}" if in_split and member.weight is not None else ""
        role = "" if member.role == ServedRole.champion else f" ({member.role.value})"
        parts.append(f"{member.model_id}{share}{role}")
    return "\n".join(parts)


def _print_deployments(rows: list[AIDeploymentRead]) -> None:
    if not rows:
        Console().print("No deployments.")
        return
    table = Table(title="Deployments")
    columns = ("name", "env", "status", "version", "serves", "health", "requests", "errors", "p95")
    for column in columns:
        table.add_column(column)
    for row in rows:
        health = row.health_check if isinstance(row.health_check, dict) else {}
        live = row.performance if isinstance(row.performance, dict) else {}
        table.add_row(
            row.deployment_name,
            row.environment.value,
            row.status.value,
            str(row.version),
            _serves(row.model_id, row.config),
            str(health.get("status", "")),
            cell(live.get("requests")),
            cell(live.get("errorRate")),
            f"{live['p95Ms']} ms" if live.get("p95Ms") is not None else "",
        )
    Console().print(table)


def _print_revisions(title: str, rows: list[DeploymentRevisionRead]) -> None:
    table = Table(title=title)
    for column in ("version", "serves", "action", "status", "from", "to", "reason"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.version),
            _serves(row.model_id, row.config),
            row.action.value,
            row.status.value,
            cell(row.started_at),
            cell(row.ended_at),
            row.reason or "",
        )
    Console().print(table)
