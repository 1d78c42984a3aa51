"""A model's performance over time through the SDK: ``perf show`` (with ``--compute``)."""

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from urutiq_ai.cli._output import Column, cell, make_console, print_fitted
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command

if TYPE_CHECKING:
    from urutiq_ai.monitoring.schemas import PerformanceSeries, SeriesPoint

METRICS = {
    "classification": ("accuracy", "precision", "recall", "f1"),
    "anomaly_detection": ("accuracy", "precision", "recall", "f1"),
    "regression": ("mae", "rmse"),
}
TREND_MARKS = {"improving": "▲", "declining": "▼", "stable": "="}

ModelOption = Annotated[str, typer.Option("--model", help="The model version's id.")]
WindowOption = Annotated[
    str, typer.Option("--window", help="Calendar window: daily, weekly or monthly.")
]
ComputeOption = Annotated[
    bool,
    typer.Option("--compute", help="Compute from the predictions' actual values first."),
]


@company_command
def show(
    conn: Connection,
    model: ModelOption,
    window: WindowOption = "weekly",
    compute: ComputeOption = False,
    as_json: JsonOption = False,
) -> None:
    """The model's metrics per window with their trend (▲ improving, ▼ declining, = stable)."""
    with conn.client() as client:
        if compute:
            client.monitoring.compute_performance(model, time_window=window)
        model_type = client.models.get(model).model_type
        series = {
            metric: client.monitoring.performance_series(model, metric, time_window=window)
            for metric in METRICS.get(str(model_type), ())
        }
    if as_json:
        document = {name: s.model_dump(mode="json", by_alias=True) for name, s in series.items()}
        typer.echo(json.dumps(document, indent=2))
        return
    _print(model, window, series)


def _print(model: str, window: str, series: dict[str, "PerformanceSeries"]) -> None:
    dates = sorted({point.date for s in series.values() for point in s.points})
    console = make_console()
    if not dates:
        console.print(
            f"No {window} metrics stored for model {model}: record actual values, then run "
            "with --compute.",
            markup=False,
            soft_wrap=True,
        )
        return
    # the window says what a row is; at a narrow terminal the rightmost metrics give way
    columns = [Column("window start", cell, rank=0)]
    for metric, one in series.items():
        columns.append(Column(metric, _point_text({p.date: p for p in one.points})))
    print_fitted(f"Model {model}: {window} performance", columns, dates, console=console)


def _point_text(points: "dict[datetime, SeriesPoint]") -> Callable[[datetime], str]:
    """A window's value of one metric with its trend mark; blank where none is stored."""

    def text(date: datetime) -> str:
        point = points.get(date)
        if point is None:
            return ""
        mark = TREND_MARKS.get(point.trend.value, "") if point.trend else ""
        return f"{point.value:.4f} {mark}".rstrip()

    return text
