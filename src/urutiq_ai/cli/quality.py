"""Data-quality checks through the SDK: ``quality run --checks checks.json``.

``--checks`` is a JSON file (``{"checks": [...]}`` or a bare list, see docs/quality.md) or
the name of a shipped check set (``ledger``). ``--table``/``--file`` give the default source
of checks that name none.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from urutiq_ai.cli._output import (
    Column,
    cell,
    fail,
    make_console,
    print_fitted,
    print_json,
    read_json_file,
)
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command
from urutiq_ai.quality import shipped

if TYPE_CHECKING:
    from urutiq_ai.quality.schemas import QualityRunResult

STATUS_STYLES = {"pass": "green", "warning": "yellow", "fail": "bold red"}
# Each check's name (folded), what it measured against what it needs, its verdict and how
# many rows failed; where it looked and the dimension give way first.
RESULT_COLUMNS = [
    Column("check", lambda row: row.name, rank=0, wrap=True),
    Column("dimension", lambda row: row.quality_metric.value, rank=4),
    Column("table", lambda row: row.table_name, rank=3),
    Column("column", lambda row: row.column_name or "", rank=3),
    Column("metric", lambda row: cell(row.metric_value)),
    Column("threshold", lambda row: cell(row.threshold)),
    Column("status", lambda row: row.status.value, styles=STATUS_STYLES),
    Column("failed", lambda row: f"{row.rows_failed} of {row.rows_checked}", rank=2),
]

ChecksOption = Annotated[
    str,
    typer.Option(
        "--checks",
        help=f"A JSON file of checks, or a shipped set: {', '.join(shipped.SHIPPED)}.",
    ),
]
TableOption = Annotated[
    str | None, typer.Option("--table", help="Default source: a table of the platform database.")
]
FileOption = Annotated[
    str | None,
    typer.Option("--file", help="Default source: a file of the company's sources folder."),
]
StoreOption = Annotated[
    bool, typer.Option("--store/--no-store", help="Keep the results as data-quality rows.")
]
ExitCodeOption = Annotated[
    bool, typer.Option("--exit-code", help="Exit 2 when a check fails (for CI and scripts).")
]


@company_command
def run(
    conn: Connection,
    checks: ChecksOption,
    table: TableOption = None,
    file: FileOption = None,
    store: StoreOption = True,
    exit_code: ExitCodeOption = False,
    as_json: JsonOption = False,
) -> None:
    """Run data-quality checks on the company's tables or files and show each verdict."""
    document = _checks_document(checks)
    if table and file:
        fail("invalid source", [("--table", "give --table or --file, not both")])
    source = {"table": table} if table else {"file": file} if file else document.get("source")
    with conn.client() as client:
        result = client.quality.run(
            document["checks"], source=source, store=store, name=document.get("name")
        )
    if as_json:
        print_json(result)
    else:
        _print(result)
    if exit_code and result.status.value == "fail":
        raise typer.Exit(2)


def _checks_document(value: str) -> dict[str, Any]:
    """The checks file (an object with ``checks``, or a bare list) or a shipped set."""
    if value in shipped.SHIPPED and not Path(value).exists():
        return shipped.load(value)
    path = Path(value)
    if not path.is_file():
        fail(
            f"cannot read {value}", [("--checks", "no such file, and no shipped set of that name")]
        )
    document = read_json_file("--checks", path)
    if isinstance(document, list):
        document = {"checks": document}
    if not isinstance(document, dict) or not isinstance(document.get("checks"), list):
        fail(f"cannot read {value}", [("--checks", 'expected {"checks": [...]} or a JSON list')])
    return document


def _print(result: "QualityRunResult") -> None:
    console = make_console()
    title = f"Data quality{f': {result.name}' if result.name else ''}"
    print_fitted(title, RESULT_COLUMNS, result.results, console=console)
    for row in result.results:
        if row.status.value != "pass" and row.recommendations:
            console.print(f"{row.name}: {row.recommendations[0]}", markup=False, soft_wrap=True)
    console.print(
        f"{result.status.value.upper()}: {result.passed} passed, {result.warnings} warnings, "
        f"{result.failed} failed; {result.rows_read} rows read in {result.duration:.2f} s",
        markup=False,
        soft_wrap=True,
    )
