"""``urutiq-ai train``: start a training through the SDK and follow its run."""

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from urutiq_ai.cli._output import print_json
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command

if TYPE_CHECKING:
    from urutiq_ai.training.schemas import AIModelTrainingRunDetail

ParamOption = Annotated[
    list[str] | None,
    typer.Option("--param", help="A hyperparameter as name=value (JSON values); repeatable."),
]


def _params(values: list[str] | None) -> dict[str, Any] | None:
    if not values:
        return None
    params: dict[str, Any] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r} is not name=value", param_hint="--param")
        try:
            params[name] = json.loads(raw)
        except json.JSONDecodeError:
            params[name] = raw
    return params


def _spec(
    template: str | None,
    name: str | None,
    model_type: str | None,
    algorithm: str | None,
    table: str | None,
    features: str | None,
    target: str | None,
    params: list[str] | None,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "template": template,
        "model_name": name,
        "model_type": model_type,
        "algorithm": algorithm,
        "target_column": target,
        "hyperparameters": _params(params),
        "source": {"table": table} if table else None,
        "feature_columns": [f.strip() for f in features.split(",")] if features else None,
    }
    return {key: value for key, value in fields.items() if value is not None}


@company_command
def train(
    conn: Connection,
    template: Annotated[
        str | None,
        typer.Option(
            "--template", help="expense_classifier, anomaly_detection or cashflow_prediction"
        ),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="modelName")] = None,
    model_type: Annotated[str | None, typer.Option("--model-type")] = None,
    algorithm: Annotated[str | None, typer.Option("--algorithm")] = None,
    table: Annotated[str | None, typer.Option("--table", help="Source table")] = None,
    features: Annotated[str | None, typer.Option("--features", help="a,b,c")] = None,
    target: Annotated[str | None, typer.Option("--target")] = None,
    param: ParamOption = None,
    wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Follow the run.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Train a model version from a template or a spec; follows the run with a progress bar."""
    spec = _spec(template, name, model_type, algorithm, table, features, target, param)
    with conn.client() as client:
        started = client.training.train(**spec)
        typer.echo(
            f"Training {started.model_name} {started.model_version} "
            f"(model {started.model_id}, run {started.run_id})",
            err=as_json,
        )
        typer.echo(f"  hyperparameters: {_hyperparameters(started.hyperparameters)}", err=as_json)
        if not wait:
            if as_json:  # what a script needs to follow the run: the ids
                print_json(started)
            return
        run = _follow(client, started.run_id)
        model = client.models.get(started.model_id)
    if as_json:
        print_json(model)
        if run.compared_to is not None and run.compared_to.worse:
            typer.echo(f"Warning: this version is {run.compared_to.describe()}", err=True)
        return
    typer.echo(
        f"Run {run.status.value} after {run.duration or 0:.1f} s; model {model.status.value}"
    )
    if run.status.value != "completed":
        typer.echo((run.logs or "").strip().splitlines()[-1] if run.logs else "", err=True)
        raise typer.Exit(1)
    for metric in ("accuracy", "precision", "recall", "f1_score"):
        value = getattr(model, metric)
        if value is not None:
            typer.echo(f"  {metric}: {value:.4f}")
    if run.compared_to is not None:
        # Said, never refused: the version is registered; deploy it or not knowing this.
        prefix = "Warning: this version is " if run.compared_to.worse else "This version is "
        typer.echo(prefix + run.compared_to.describe())


def _hyperparameters(values: dict[str, Any]) -> str:
    """``contamination=0.035 n_estimators=300``: the effective values, by name."""
    return " ".join(f"{name}={json.dumps(value)}" for name, value in sorted(values.items()))


def _follow(client: Any, run_id: str) -> "AIModelTrainingRunDetail":
    from rich.progress import BarColumn, Progress, TextColumn  # here: --help need not load it

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[loss]}"),
        transient=True,
    ) as progress:
        task = progress.add_task("training", total=None, loss="")

        def update(run: "AIModelTrainingRunDetail") -> None:
            curve = run.training_metrics if isinstance(run.training_metrics, list) else []
            loss = f"loss {run.loss:.4f}" if run.loss is not None else ""
            progress.update(
                task, completed=len(curve), loss=loss, description=f"epoch {run.epochs or 0}"
            )

        final: AIModelTrainingRunDetail = client.training.wait(run_id, on_update=update)
    return final
