"""Printing for every command: Rich tables, JSON documents and ``Error: ...`` exits."""

# Annotations stay unevaluated: Pydantic is imported only for type checking, so that
# building the command line (``--help``) does not load it.
from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Protocol, TypeVar

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from urutiq_ai.core.naming import to_camel

if TYPE_CHECKING:
    from pydantic import BaseModel


class _Run(Protocol):
    @property
    def status(self) -> Enum: ...


T = TypeVar("T", bound=_Run)


def make_console(*, stderr: bool = False) -> Console:
    """A Rich console for the commands' output. Emoji codes are off: no value of ours is one
    (a ``:name:`` in a model name stays as typed), and looking them up loaded Rich's table of
    4,000 emoji into every command that prints a table (about 30 ms)."""
    return Console(stderr=stderr, emoji=False)


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


@contextmanager
def busy(description: str) -> Iterator[None]:
    """A labelled bar with the time elapsed on stderr while a long request runs (the same
    display as training's), gone once it ends; nothing when stderr is not a terminal."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = make_console(stderr=True)
    if not console.is_terminal:
        yield
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        progress.add_task(description, total=None)
        yield


def print_json(value: BaseModel | Sequence[BaseModel]) -> None:
    """One JSON document: the object, or the list of objects, with camelCase keys."""
    from pydantic import BaseModel

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


@dataclass(frozen=True)
class Column:
    """A table column: its header, the text of a row's cell, and how it gives way when the
    terminal is too narrow for the whole table.

    ``rank`` 0 is never hidden (ids: people copy them into other commands; and the label
    that says what a row is); the others give way highest rank first, the rightmost of
    equal ranks first (:func:`fit_columns`). A ``wrap`` column holds free text and folds at
    spaces; a ``fold`` column holds long values (JSON, lists) that may also break inside a
    word; every other column keeps each line of its cells whole. ``styles`` colours a cell
    by its text (``{"fail": "bold red"}``).
    """

    header: str
    text: Callable[[Any], str]
    rank: int = 1
    wrap: bool = False
    fold: bool = False
    styles: Mapping[str, str] | None = None

    @property
    def folds(self) -> bool:
        """Whether the column's cells may take more than one line each."""
        return self.wrap or self.fold


def field(name: str, *, rank: int | None = None, wrap: bool = False) -> Column:
    """The column of attribute ``name`` (shown camelCase); ``id`` is never hidden."""
    return Column(
        to_camel(name),
        lambda row: cell(getattr(row, name)),
        rank=(0 if name == "id" else 1) if rank is None else rank,
        wrap=wrap,
    )


def ranked(ranks: Mapping[str, int], *, wrap: Collection[str] = ()) -> list[Column]:
    """The columns of the attributes named in ``ranks``, in its order, each with its rank;
    those in ``wrap`` hold free text."""
    return [field(name, rank=rank, wrap=name in wrap) for name, rank in ranks.items()]


def _columns(columns: Sequence[str | Column]) -> list[Column]:
    """Attribute names become columns ranked by position: the rightmost is hidden first."""
    return [
        c if isinstance(c, Column) else field(c, rank=0 if c == "id" else i + 1)
        for i, c in enumerate(columns)
    ]


def _widest_line(texts: Iterable[str]) -> int:
    return max((cell_len(line) for text in texts for line in text.splitlines()), default=0)


def _widest_word(texts: Iterable[str]) -> int:
    return max((cell_len(word) for text in texts for word in text.split()), default=0)


def _table_width(widths: Iterable[int]) -> int:
    """A table's width in :func:`fitted_table`'s style: one space each side of a cell, one
    rule between columns, no outer edge."""
    widths = list(widths)
    return sum(widths) + 3 * len(widths) - 1


def _least(column: Column, texts: Sequence[str], widest: int) -> int:
    """The narrowest a column may be: its widest line, or for free text its longest word
    (no more than :data:`FOLD_LEAST` where words may break)."""
    if column.fold:
        return min(_widest_word(texts), FOLD_LEAST)
    return _widest_word(texts) if column.wrap else widest


# A wrap column this wide reads comfortably: a lesser column is not shown at its expense.
WRAP_COMFORT = 30
# A fold column needs no more than this: a longer word goes on over the next lines.
FOLD_LEAST = 16


def fit_columns(
    columns: Sequence[Column], cells: Sequence[Sequence[str]], width: int
) -> tuple[list[int], dict[int, int]]:
    """Which columns fit in ``width`` (their indexes, in order), and the width of each kept
    ``wrap`` or ``fold`` column.

    A plain column needs its widest line, a ``wrap`` column its longest word, a ``fold``
    column its longest word up to :data:`FOLD_LEAST` (and either, next to a lesser column,
    up to :data:`WRAP_COMFORT`). Rank-0 columns are always kept; then, lowest rank first
    (the leftmost of equal ranks), each column that still fits is kept: a column too wide
    for what is left is hidden, a lesser one that fits is not. The room left goes to the
    wrap and fold columns: up to their comfort first (by rank), then to the one that lacks
    most. Without a rank-0 column the most important column is kept whatever its width.
    """
    texts = [[row[i] for row in cells] + [c.header] for i, c in enumerate(columns)]
    widest = [_widest_line(t) for t in texts]
    least = [_least(c, texts[i], widest[i]) for i, c in enumerate(columns)]
    comfort = [min(widest[i], max(least[i], WRAP_COMFORT)) for i in range(len(columns))]

    def needed(kept: list[int], added: int) -> int:
        rank = columns[added].rank
        return _table_width(
            comfort[j] if columns[j].rank < rank else least[j] for j in [*kept, added]
        )

    order = sorted(range(len(columns)), key=lambda i: (columns[i].rank, i))
    kept = [i for i in order if columns[i].rank == 0] or order[:1]
    for i in order:
        if i not in kept and needed(kept, i) <= width:
            kept.append(i)
    kept.sort()
    room = width - _table_width(least[i] for i in kept)
    if room < 0:
        return kept, {}
    wrapped = {i: least[i] for i in kept if columns[i].folds}
    for i in sorted(wrapped, key=lambda i: (columns[i].rank, i)):  # comfort first, by rank
        grant = min(room, comfort[i] - wrapped[i])
        wrapped[i] += grant
        room -= grant
    while room > 0 and any(wrapped[i] < widest[i] for i in wrapped):
        neediest = max(wrapped, key=lambda i: widest[i] - wrapped[i])
        wrapped[neediest] += 1
        room -= 1
    return kept, wrapped


def print_fitted(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Any],
    *,
    console: Console | None = None,
) -> None:
    """``rows`` as a table of the ``columns`` that fit the terminal, then, when some did not,
    a footnote naming them."""
    console = console or make_console()
    cells = [[column.text(row) for column in columns] for row in rows]
    kept, wrapped = fit_columns(columns, cells, console.width)
    table = Table(title=title, show_edge=False)
    for i in kept:
        table.add_column(
            columns[i].header,
            no_wrap=not columns[i].folds,
            overflow="fold",
            width=wrapped.get(i),
        )
    for row in cells:
        table.add_row(
            *(Text(row[i], style=(columns[i].styles or {}).get(row[i], "")) for i in kept)
        )
    console.print(table)
    hidden = [c.header for i, c in enumerate(columns) if i not in kept]
    if hidden:
        count = f"{len(hidden)} column{'s' if len(hidden) > 1 else ''}"
        console.print(
            f"{count} hidden ({', '.join(hidden)}): --json or a wider terminal shows all",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )


def print_table(
    title: str,
    columns: Sequence[str | Column],
    rows: Sequence[BaseModel],
    next_cursor: str | None = None,
) -> None:
    """Rows as a table of ``columns`` (attribute names, shown camelCase, or :class:`Column`)
    fitted to the terminal (:func:`fit_columns`), then a paging hint."""
    console = make_console()
    if not rows:
        console.print(f"No {title}.")
    else:
        print_fitted(title, _columns(columns), rows, console=console)
    if next_cursor:
        console.print(f"More rows: add --cursor {next_cursor}", soft_wrap=True, markup=False)


def print_record(record: BaseModel) -> None:
    """One object as a two-column field/value table."""
    table = Table(show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for name in type(record).model_fields:
        table.add_row(to_camel(name), cell(getattr(record, name)))
    make_console().print(table)


def print_listing(
    title: str,
    columns: Sequence[str | Column],
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
