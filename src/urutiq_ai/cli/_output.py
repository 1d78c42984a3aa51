"""Printing for every command: Rich tables, JSON documents and ``Error: ...`` exits."""

import csv
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, Protocol, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from urutiq_ai.core.naming import to_camel


class _Run(Protocol):
    @property
    def status(self) -> Enum: ...


T = TypeVar("T", bound=_Run)


def fail(detail: str, fields: Iterable[tuple[str, str]] = ()) -> NoReturn:
    """Print ``Error: <detail>`` and each ``field: reason`` the detail does not already say
    to stderr, then exit 1."""
    typer.echo(f"Error: {detail}", err=True)
    for field, reason in fields:
        if f"{field}: {reason}" not in detail:
            typer.echo(f"  {field}: {reason}", err=True)
    raise typer.Exit(1)


def read_json_file(option: str, path: Path) -> Any:
    """The JSON document in ``path``; exits 1 naming ``option`` when it cannot be read."""
    if not path.is_file():
        fail(f"cannot read {path}", [(option, "no such file")])
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"cannot read {path}", [(option, f"not a JSON file: {exc}")])


class PredictionsFormat(StrEnum):
    json = "json"
    csv = "csv"


RowsOption = Annotated[
    Path,
    typer.Option(
        "--input", help="JSON (object or list) or CSV file of rows; - for standard input."
    ),
]
PredictionsOutput = Annotated[
    PredictionsFormat, typer.Option("--output", help="json (every field) or csv")
]
LogOption = Annotated[bool, typer.Option("--log/--no-log", help="Store the predictions.")]


def read_rows(option: str, path: Path) -> list[dict[str, Any]]:
    """Rows from a JSON file (one object or a list) or a CSV file (numbers read as numbers,
    empty cells as nulls); ``-`` is standard input, JSON. Exits 1 naming ``option``."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        if path.suffix == ".csv":
            return [_number_or_text(row) for row in csv.DictReader(text.splitlines())]
        document = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        fail(f"cannot read {path}", [(option, str(exc))])
    rows = document if isinstance(document, list) else [document]
    if not rows or not all(isinstance(row, dict) for row in rows):
        fail(f"cannot read {path}", [(option, "expected a JSON object or a list of objects")])
    return rows


def _number_or_text(row: dict[str, str]) -> dict[str, Any]:
    def convert(value: str) -> Any:
        if value == "":
            return None
        try:
            return float(value)
        except ValueError:
            return value

    return {key: convert(value) for key, value in row.items()}


def print_predictions(records: Sequence[dict[str, Any]], output: PredictionsFormat) -> None:
    """Predictions as JSON (every field) or CSV (id, prediction, confidence)."""
    if output == PredictionsFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["predictionId", "prediction", "confidence"])
        for item in records:
            writer.writerow([item["predictionId"], item["prediction"], item["confidence"]])
    else:
        typer.echo(json.dumps(list(records), indent=2))


def wait_for_end(
    current: T, fetch: Callable[[T], T], *, wait: bool, timeout: float, ended: set[str]
) -> T:
    """Poll ``fetch(current)`` every 0.2 s while ``wait`` and its status is not ``ended``."""
    deadline = time.monotonic() + timeout
    while wait and current.status.value not in ended and time.monotonic() < deadline:
        time.sleep(0.2)
        current = fetch(current)
    return current


def print_json(value: BaseModel | Sequence[BaseModel]) -> None:
    """One JSON document: the object, or the list of objects, with camelCase keys."""
    if isinstance(value, BaseModel):
        document: Any = value.model_dump(mode="json")
    else:
        document = [item.model_dump(mode="json") for item in value]
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


def cell(value: Any) -> str:
    """A value as table text: UTC timestamps to the second, compact JSON, blanks for null."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:.4g}"
    if is_curve(value):
        return sparkline(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    describe = getattr(value, "describe", None)
    if callable(describe):  # a schema that says itself in a line (ComparedTo: "worse than ...")
        return str(describe())
    return str(value)


SPARKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 30


def is_curve(value: Any) -> bool:
    """A loss curve: a non-empty list of {"epoch", "loss"} points."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(p, dict) and {"epoch", "loss"} <= p.keys() for p in value)
    )


def sparkline(points: list[dict[str, Any]]) -> str:
    """``200 points, 25.48 -> 10.44 █▆▅▄▃▂▂▁``: a loss curve in one line."""
    losses = [float(p["loss"]) for p in points if p["loss"] is not None]
    if not losses:
        return f"{len(points)} points"
    step = max(1, len(losses) // SPARK_WIDTH)
    sampled = losses[::step]
    low, high = min(sampled), max(sampled)
    span = (high - low) or 1.0
    marks = "".join(SPARKS[int((v - low) / span * (len(SPARKS) - 1))] for v in sampled)
    return f"{len(points)} points, {losses[0]:.4g} -> {losses[-1]:.4g} {marks}"


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[BaseModel],
    next_cursor: str | None = None,
) -> None:
    """Rows as a table of ``columns`` (attribute names, shown camelCase), then a paging hint."""
    console = Console()
    if not rows:
        console.print(f"No {title}.")
    else:
        table = Table(title=title)
        for column in columns:
            table.add_column(to_camel(column), no_wrap=column == "id")
        for row in rows:
            table.add_row(*(cell(getattr(row, column)) for column in columns))
        console.print(table)
    if next_cursor:
        console.print(f"More rows: add --cursor {next_cursor}", soft_wrap=True, markup=False)


def print_record(record: BaseModel) -> None:
    """One object as a two-column field/value table."""
    table = Table(show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for name in type(record).model_fields:
        table.add_row(to_camel(name), cell(getattr(record, name)))
    Console().print(table)


def print_listing(
    title: str,
    columns: Sequence[str],
    lister: Any,
    *,
    all_pages: bool,
    as_json: bool,
    cursor: str | None,
    **query: Any,
) -> None:
    """One page (or every page with ``all_pages``) of an SDK lister, as JSON or a table.

    ``lister`` is any SDK client with ``list(cursor=..., **query)`` and ``iterate(**query)``.
    """
    if all_pages:
        items, next_cursor = list(lister.iterate(**query)), None
    else:
        page = lister.list(cursor=cursor, **query)
        items, next_cursor = page.items, page.next_cursor
    if as_json:
        print_json(items)
    else:
        print_table(title, columns, items, next_cursor)
