"""Deployments through the SDK: ``deploy``, ``promote``, ``rollback`` and
``deployments status|history|served|release|check``.

Deployments are named by ``deploymentName`` and environment on the command line (the id
works too wherever an id is asked for).
"""

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from urutiq_ai.cli._output import (
    Column,
    LogOption,
    PredictionsFormat,
    PredictionsOutput,
    RowsOption,
    cell,
    fail,
    make_console,
    print_fitted,
    print_json,
    print_predictions,
    print_record,
    read_json_file,
    read_rows,
)
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command

if TYPE_CHECKING:
    from urutiq_ai.deployments.schemas import (
        AIDeploymentRead,
        DeploymentChangeRead,
        DeploymentRevisionRead,
        ServedMember,
        ServedModel,
    )
    from urutiq_ai.sdk import Client

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


@company_command
def deploy(
    conn: Connection,
    model: Annotated[str, typer.Option("--model", help="The model version's id.")],
    env: EnvOption = "staging",
    name: Annotated[
        str | None, typer.Option("--name", help="Deployment name (default: the model's name).")
    ] = None,
    config: ConfigOption = None,
    override: OverrideOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deploy an active model into an environment; exit 1 if its health check fails."""
    with conn.client() as client, _override_hint():
        name = name or client.models.get(model).model_name
        deployment = client.deployments.deploy(
            deployment_name=name,
            model_id=model,
            environment=env,
            config=_config(config),
            governance_override=override,
        )
        labels = {} if as_json else model_labels(client, [deployment])
    if as_json:
        print_json(deployment)
    else:
        _print_deployments([deployment], labels)
    if deployment.status.value == "failed":
        fail(f"deployment failed its health check: {_health_error(deployment)}")


@company_command
def promote(
    conn: Connection,
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
) -> None:
    """Release the model serving NAME in --from as a new revision of NAME in --to."""
    with conn.client() as client, _override_hint():
        deployment = _find(client, name, source)
        change = client.deployments.promote(
            deployment.id, to=target, reason=reason, governance_override=override
        )
        labels = {} if as_json else change_labels(client, change)
    print_change(change, as_json, labels)


@company_command
def rollback(
    conn: Connection,
    name: NameArg,
    env: EnvOption = "production",
    reason: ReasonOption = None,
    as_json: JsonOption = False,
) -> None:
    """Serve the previous revision of NAME in --env again."""
    with conn.client() as client:
        deployment = _find(client, name, env)
        change = client.deployments.rollback(deployment.id, reason=reason)
        labels = {} if as_json else change_labels(client, change)
    print_change(change, as_json, labels)


@company_command
def release(
    conn: Connection,
    name: NameArg,
    env: EnvOption = "staging",
    model: Annotated[str | None, typer.Option("--model", help="Another model version.")] = None,
    config: ConfigOption = None,
    reason: ReasonOption = None,
    override: OverrideOption = None,
    as_json: JsonOption = False,
) -> None:
    """A new revision of NAME in --env: another model and/or config (e.g. an A/B split)."""
    if model is None and config is None:
        fail("nothing to release", [("--model", "give --model, --config or both")])
    with conn.client() as client, _override_hint():
        deployment = _find(client, name, env)
        change = client.deployments.release(
            deployment.id,
            model_id=model,
            config=_config(config),
            reason=reason,
            governance_override=override,
        )
        labels = {} if as_json else change_labels(client, change)
    print_change(change, as_json, labels)


@company_command
def status(
    conn: Connection,
    name: Annotated[str | None, typer.Argument(help="Only this deployment name.")] = None,
    env: Annotated[str | None, typer.Option("--env", help="Only this environment.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Deployments with their model, health and live figures (requests, errors, p95)."""
    with conn.client() as client:
        page = client.deployments.list(
            deployment_name=name, environment=env, limit=500, sort="deploymentName"
        )
        labels = {} if as_json else model_labels(client, page.items)
    if as_json:
        print_json(page.items)
    else:
        _print_deployments(page.items, labels)


@company_command
def show(
    conn: Connection,
    ref: Annotated[str, typer.Argument(help="The deployment's name (in --env) or its id.")],
    env: EnvOption = "production",
    as_json: JsonOption = False,
) -> None:
    """One deployment with every field (config, healthCheck, performance), by name or id."""
    from urutiq_ai.sdk import NotFound

    with conn.client() as client:
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


@company_command
def predict(
    conn: Connection,
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
) -> None:
    """Predict rows through deployment NAME (its split, shadows or ensemble), as the app
    does; each prediction names the model and variant that answered."""
    rows = read_rows("--input", input_path)
    with conn.client() as client:
        result = client.deployments.predict(
            name, rows=rows, environment=env, entity_key=entity_key, log=log
        )
    print_predictions([p.model_dump(mode="json") for p in result.predictions], output)


@company_command
def check(
    conn: Connection,
    name: NameArg,
    env: EnvOption = "production",
    as_json: JsonOption = False,
) -> None:
    """Check NAME's health now; exit 1 if it fails (also when it was rolled back)."""
    with conn.client() as client:
        deployment = client.deployments.health_check(_find(client, name, env).id)
        labels = {} if as_json else model_labels(client, [deployment])
    if as_json:
        print_json(deployment)
    else:
        _print_deployments([deployment], labels)
    health = deployment.health_check if isinstance(deployment.health_check, dict) else {}
    rolled = health.get("rolledBackFrom")
    if isinstance(rolled, dict):
        fail(
            f"health check of version {rolled.get('version')} failed: {rolled.get('error')}; "
            f"rolled back, version {deployment.version} serves"
        )
    if health.get("status") != "pass":
        fail(f"health check failed: {_health_error(deployment)}")


@company_command
def history(
    conn: Connection,
    name: NameArg,
    env: EnvOption = "production",
    as_json: JsonOption = False,
) -> None:
    """Every revision of NAME in --env, newest first: model, action, status, when, why."""
    with conn.client() as client:
        revisions = client.deployments.revisions(_find(client, name, env).id)
        labels = {} if as_json else model_labels(client, revisions)
    if as_json:
        print_json(revisions)
    else:
        _print_revisions(f"{name} ({env})", revisions, labels)


@company_command
def served(
    conn: Connection,
    at: Annotated[
        str | None, typer.Option("--at", help="A date or ISO time: which models served then.")
    ] = None,
    env: Annotated[str | None, typer.Option("--env", help="Only this environment.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Only this deployment.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Which models served which deployment: at --at (a date: at any time that day, UTC;
    an ISO time: at that moment), or every period so far. A split's challenger, ensemble
    members and shadows are listed with the deployment's own model."""
    when = _when(at) if at else {}
    with conn.client() as client:
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
    if not rows:
        with conn.client() as client:
            ever = client.deployments.served(environment=env, deployment_name=name)
        typer.echo(nothing_served(at, when, ever, env=env, name=name))
        return
    print_fitted("Served" + (f" at {at}" if at else ""), SERVED_COLUMNS, rows)


def _model_of(row: "ServedModel") -> str:
    return f"{row.model_name} {row.model_version}" if row.model_name else row.model_id


SERVED_COLUMNS = (
    Column("deployment", lambda row: row.deployment_name, rank=0),
    Column("env", lambda row: row.environment.value, rank=2),
    Column("version", lambda row: str(row.version), rank=1),
    Column("model", _model_of, rank=1, wrap=True),
    Column("role", lambda row: row.role.value, rank=3),
    Column("share", lambda row: "" if row.weight is None else f"{row.weight:g}", rank=3),
    Column("from", lambda row: cell(row.served_from), rank=1),
    Column("to", lambda row: cell(row.served_to) if row.served_to else "now", rank=2),
    Column("action", lambda row: row.action.value, rank=4),
    Column("status", lambda row: row.status.value, rank=4),
    Column("modelId", lambda row: row.model_id, rank=5),
)


def nothing_served(
    at: str | None,
    when: dict[str, datetime],
    ever: "list[ServedModel]",
    *,
    env: str | None,
    name: str | None,
) -> str:
    """Why ``deployments served`` found nothing: nothing deployed yet, ``--at`` before the
    first revision served, or in a gap between the periods (``ever``: every period)."""
    scope = "".join([f" by {name!r}" if name else "", f" in {env}" if env else ""])
    if not ever:
        return f"Nothing served{scope}: nothing has been deployed yet."
    starts = [row.served_from for row in ever if row.served_from is not None]
    if not starts:
        return f"Nothing served{scope}: no revision has served yet."
    first = min(starts)
    moment = when.get("end") or when.get("at")
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # an ISO time without an offset is UTC
    if moment is not None and moment <= first:
        return f"Nothing served{scope} at {at}: the first revision served from {cell(first)}."
    return (
        f"Nothing served{scope} at {at}: no served period covers it "
        "(`urutiq-ai deployments served` without --at lists them all)."
    )


@contextmanager
def _override_hint() -> Iterator[None]:
    """A release that governance refuses: say, beside the API's reasons, how an admin key
    overrides it from the command line."""
    from urutiq_ai.sdk import Conflict

    try:
        yield
    except Conflict as exc:
        if exc.error != "GovernanceBlocked":
            raise
        hint = 'an admin key may release it anyway: repeat this command with --override "<why>"'
        fail(exc.detail, [*((f.field, f.reason) for f in exc.fields), ("--override", hint)])


def _find(client: "Client", name: str, env: str) -> "AIDeploymentRead":
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


def _health_error(deployment: "AIDeploymentRead") -> str:
    health = deployment.health_check if isinstance(deployment.health_check, dict) else {}
    return str(health.get("error") or "unknown")


def print_change(
    change: "DeploymentChangeRead", as_json: bool, labels: Mapping[str, str] | None = None
) -> None:
    """A release, promotion or rollback: the deployment and its new revision (``labels``:
    model names, from :func:`change_labels`); exit 1 when the revision did not serve."""
    if as_json:
        print_json(change)
    else:
        _print_deployments([change.deployment], labels or {})
        _print_revisions("The new revision", [change.revision], labels or {})
    if change.revision.status.value == "failed":
        fail(f"the new revision did not serve: {change.revision.reason}")


def _members(model_id: str, config: Any) -> "list[ServedMember]":
    from urutiq_ai.deployments.schemas import served_members

    return served_members(model_id, config if isinstance(config, dict) else None)


# Ids per models request: the list filter takes them as repeated query parameters.
LABEL_BATCH = 100


def model_labels(client: "Client", rows: Iterable[Any]) -> dict[str, str]:
    """``{model id: "name version"}`` for every model that ``rows`` (deployments or
    revisions) serve, from one models request per :data:`LABEL_BATCH` ids (none per row)."""
    ids = sorted({m.model_id for row in rows for m in _members(row.model_id, row.config)})
    labels: dict[str, str] = {}
    for start in range(0, len(ids), LABEL_BATCH):
        batch = ids[start : start + LABEL_BATCH]
        for model in client.models.list(id=batch, limit=len(batch)).items:
            labels[model.id] = f"{model.model_name} {model.model_version}"
    return labels


def change_labels(client: "Client", change: "DeploymentChangeRead") -> dict[str, str]:
    """:func:`model_labels` of a change's deployment and revision."""
    return model_labels(client, [change.deployment, change.revision])


def _serves(model_id: str, config: Any, labels: Mapping[str, str], *, ids: bool = False) -> str:
    """The models of a revision in a cell, one a line, by name and version (by id where
    ``labels`` lacks one, or with ``ids``): the deployment's own model, then a split's
    challengers with their shares, ensemble members, shadows."""
    from urutiq_ai.deployments.schemas import ServedRole

    members = _members(model_id, config)
    split = any(member.role == ServedRole.challenger for member in members)
    parts = []
    for member in members:
        if ids:
            parts.append(member.model_id)
            continue
        in_split = split and member.role in (ServedRole.champion, ServedRole.challenger)
        share = f" {member.weight:.0%}" if in_split and member.weight is not None else ""
        role = "" if member.role == ServedRole.champion else f" ({member.role.value})"
        parts.append(f"{labels.get(member.model_id, member.model_id)}{share}{role}")
    return "\n".join(parts)


def _live(row: "AIDeploymentRead", key: str) -> Any:
    live = row.performance if isinstance(row.performance, dict) else {}
    return live.get(key)


def _deployment_columns(labels: Mapping[str, str]) -> list[Column]:
    def health(row: "AIDeploymentRead") -> str:
        checked = row.health_check if isinstance(row.health_check, dict) else {}
        return str(checked.get("status", ""))

    def p95(row: "AIDeploymentRead") -> str:
        value = _live(row, "p95Ms")
        return "" if value is None else f"{value} ms"

    return [
        Column("name", lambda row: row.deployment_name, rank=0),
        Column("env", lambda row: row.environment.value, rank=1),
        Column("status", lambda row: row.status.value, rank=1),
        Column("version", lambda row: str(row.version), rank=2),
        Column("serves", lambda row: _serves(row.model_id, row.config, labels), wrap=True),
        Column("health", health, rank=2),
        Column("requests", lambda row: cell(_live(row, "requests")), rank=3),
        Column("errors", lambda row: cell(_live(row, "errorRate")), rank=3),
        Column("p95", p95, rank=3),
        Column("modelId", lambda row: _serves(row.model_id, row.config, {}, ids=True), rank=4),
    ]


def _print_deployments(rows: "list[AIDeploymentRead]", labels: Mapping[str, str]) -> None:
    if not rows:
        make_console().print("No deployments.")
        return
    print_fitted("Deployments", _deployment_columns(labels), rows)


def _print_revisions(
    title: str, rows: "list[DeploymentRevisionRead]", labels: Mapping[str, str]
) -> None:
    columns = [
        Column("version", lambda row: str(row.version), rank=0),
        Column("serves", lambda row: _serves(row.model_id, row.config, labels), wrap=True),
        Column("action", lambda row: row.action.value, rank=1),
        Column("status", lambda row: row.status.value, rank=1),
        Column("from", lambda row: cell(row.started_at), rank=2),
        Column("to", lambda row: cell(row.ended_at), rank=3),
        Column("reason", lambda row: row.reason or "", rank=2, wrap=True),
        Column("modelId", lambda row: _serves(row.model_id, row.config, {}, ids=True), rank=4),
    ]
    print_fitted(title, columns, rows)
