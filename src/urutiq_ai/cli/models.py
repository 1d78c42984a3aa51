"""Model verbs through the SDK: compare, promote, deprecate, importance, explain, predict."""

import json
from operator import itemgetter
from typing import Annotated, Any

import typer

from urutiq_ai.cli._output import (
    Column,
    LogOption,
    PredictionsFormat,
    PredictionsOutput,
    RowsOption,
    busy,
    make_console,
    print_fitted,
    print_json,
    print_predictions,
    print_record,
    print_table,
    read_rows,
)
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command

ModelArg = Annotated[str, typer.Argument(help="The model version's id.")]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Deprecate a version even while a serving deployment uses it (it goes on "
        "serving it until a release).",
    ),
]
IMPORTANCE_COLUMNS = ("rank", "feature_name", "importance", "method")


@company_command
def compare(
    conn: Connection,
    left: Annotated[str, typer.Argument(help="The reference version's id.")],
    right: Annotated[str, typer.Argument(help="The version compared to it.")],
    as_json: JsonOption = False,
) -> None:
    """Two versions side by side: metrics and deltas, hyperparameters, features."""
    with conn.client() as client:
        result = client.registry.compare(left, right)
    if as_json:
        print_json(result)
        return
    before, after = result.left.model_version, result.right.model_version
    rows = [
        (name, _num(result.left.metrics[name]), _num(result.right.metrics[name]), _num(delta))
        for name, delta in result.metric_deltas.items()
    ] + [
        (f"hyperparameters.{name}", json.dumps(old), json.dumps(new), "")
        for name, (old, new) in result.hyperparameter_changes.items()
    ]
    # what a row is never goes; long values fold onto more lines; the delta gives way first
    columns = [
        Column("", itemgetter(0), rank=0),
        Column(before, itemgetter(1), fold=True),
        Column(after, itemgetter(2), fold=True),
        Column("delta", itemgetter(3), rank=2),
    ]
    console = make_console()
    title = f"{result.left.model_name}: {before} -> {after}"
    print_fitted(title, columns, rows, console=console)
    # feature lists wrap between the names, which stay whole
    for label, features in (
        ("features added", result.features_added),
        ("features removed", result.features_removed),
    ):
        console.print(f"{label}: {', '.join(features) or 'none'}", markup=False)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:+.4f}" if value < 0 else f"{value:.4f}"


@company_command
def promote(
    conn: Connection,
    model_id: ModelArg,
    force: ForceOption = False,
) -> None:
    """Make an active version the current one (other active versions are deprecated;
    refused while a serving deployment uses one of them, unless --force)."""
    with conn.client() as client:
        print_record(client.registry.promote(model_id, force=force))


@company_command
def deprecate(
    conn: Connection,
    model_id: ModelArg,
    force: ForceOption = False,
) -> None:
    """Retire an active version (final; refused while a serving deployment uses it, unless
    --force)."""
    with conn.client() as client:
        print_record(client.registry.deprecate(model_id, force=force))


@company_command
def importance(
    conn: Connection,
    model_id: ModelArg,
    method: Annotated[
        str | None, typer.Option("--method", help="built_in, permutation, shap")
    ] = None,
    compute: Annotated[bool, typer.Option("--compute", help="(Re)compute first.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show a model's feature importances, ranked (optionally computing them first)."""
    rows: list[Any]
    with conn.client() as client:
        if compute:
            with busy(f"computing {method or 'permutation'} importances"):
                rows = client.registry.compute_importances(model_id, method or "permutation")
        else:
            filters: dict[str, Any] = {"model_id": model_id, "sort": "-importance", "limit": 500}
            if method:
                filters["method"] = method
            rows = client.feature_importances.list(**filters).items
    if as_json:
        print_json(rows)
    else:
        print_table(
            "feature importances",
            IMPORTANCE_COLUMNS,
            sorted(rows, key=_by_method_and_rank),
        )


def _by_method_and_rank(row: Any) -> tuple[str, int]:
    return str(row.method), int(row.rank or 0)


@company_command
def record_actual(
    conn: Connection,
    prediction_id: Annotated[str, typer.Argument(help="The prediction's id.")],
    value: Annotated[
        str,
        typer.Argument(
            help="What really happened: a label, or a number for a regression (read as JSON "
            "where it is JSON)."
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Record a prediction's actual value (the outcome); the server fills isCorrect or the
    error. Performance, drift checks and online experiments read these."""
    try:
        actual: Any = json.loads(value)  # 12.5, 3, true, "quoted text"
    except json.JSONDecodeError:
        actual = value  # an unquoted label
    with conn.client() as client:
        row = client.serving.record_actual(prediction_id, actual)
    if as_json:
        print_json(row)
    else:
        print_record(row)


@company_command
def predict(
    conn: Connection,
    model: Annotated[str, typer.Option("--model", help="The model version's id.")],
    input_path: RowsOption,
    output: PredictionsOutput = PredictionsFormat.json,
    log: LogOption = True,
) -> None:
    """Predict rows from a file with a model version; prints JSON or CSV."""
    rows = read_rows("--input", input_path)
    with conn.client() as client:
        result = client.serving.predict(model, rows, log=log)
    print_predictions([p.model_dump(mode="json") for p in result.predictions], output)
