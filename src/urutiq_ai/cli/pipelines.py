"""Pipelines through the SDK: ``pipelines create --file p.json``, ``run``, ``backfill``,
pause, resume.

``pipelines list|show`` come with the resource group; ``pipeline-runs list
[--pipeline-id ID]`` and ``pipeline-runs show RUN`` (counts, mode and range, logs, and a
table of the steps' rows and seconds) are here.
"""

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from urutiq_ai.cli._output import (
    Column,
    cell,
    fail,
    make_console,
    print_fitted,
    print_json,
    print_listing,
    print_record,
    ranked,
    read_json_file,
    wait_for_end,
)
from urutiq_ai.cli._sdk import (
    AllOption,
    Connection,
    CursorOption,
    JsonOption,
    LimitOption,
    company_command,
)

IdArg = Annotated[str, typer.Argument(help="The pipeline's id.")]
TERMINAL = {"completed", "failed", "cancelled"}


@company_command
def create(
    conn: Connection,
    file: Annotated[Path, typer.Option("--file", help="The pipeline as JSON (camelCase fields).")],
    as_json: JsonOption = False,
) -> None:
    """Create a pipeline from a JSON file; it is checked against its source on save."""
    body = read_json_file("--file", file)
    if not isinstance(body, dict):
        fail(f"cannot read {file}", [("--file", "expected a JSON object")])
    with conn.client() as client:
        pipeline = client.pipelines.create(body)
    if as_json:
        print_json(pipeline)
    else:
        print_record(pipeline)


@company_command
def run(
    conn: Connection,
    pipeline_id: IdArg,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the run to end.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait.")] = 600.0,
    as_json: JsonOption = False,
) -> None:
    """Run a pipeline now; with --wait, show the finished run (exit 1 if it failed)."""
    with conn.client() as client:
        follow(client, client.pipelines.run(pipeline_id), wait, timeout, as_json)


@company_command
def backfill(
    conn: Connection,
    pipeline_id: IdArg,
    start: Annotated[
        str, typer.Option("--from", help="First watermark included: a date or ISO time (UTC).")
    ],
    end: Annotated[str, typer.Option("--to", help="End of the range, excluded.")],
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the run to end.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait.")] = 600.0,
    as_json: JsonOption = False,
) -> None:
    """Re-run a pipeline over --from <= watermark < --to: exactly the target rows in that
    range are replaced; with --wait, show the finished run (exit 1 if it failed)."""
    with conn.client() as client:
        follow(client, client.pipelines.backfill(pipeline_id, start, end), wait, timeout, as_json)


def follow(client: Any, started: Any, wait: bool, timeout: float, as_json: bool) -> None:
    """Show a run just started (with ``wait``, once it ended); exit 1 if it failed."""
    current = wait_for_end(
        started,
        lambda run_row: client.pipeline_runs.get(run_row.id),
        wait=wait,
        timeout=timeout,
        ended=TERMINAL,
    )
    if as_json:
        print_json(current)
    else:
        print_run(current)
    if current.status.value == "failed":
        raise typer.Exit(1)


RUN_COLUMNS = (
    "id",
    "pipeline_id",
    "status",
    "records_processed",
    "records_failed",
    "records_skipped",
    "start_time",
    "duration",
)
# Each column's rank in the list (cli._output.Column): the pipeline's id, wide, goes first.
RUN_RANKS = {
    "id": 0,
    "pipeline_id": 5,
    "status": 1,
    "records_processed": 1,
    "records_failed": 2,
    "records_skipped": 3,
    "start_time": 2,
    "duration": 3,
}
# A step's rows in and out stay whole, its seconds give way first; a check's name folds.
STEP_COLUMNS = [
    Column("#", lambda step: str(step["#"]), rank=0),
    Column("step", lambda step: cell(step.get("step")), rank=0),
    Column("rows in", lambda step: cell(step.get("rowsIn"))),
    Column("rows out", lambda step: cell(step.get("rowsOut"))),
    Column("seconds", lambda step: cell(step.get("seconds")), rank=2),
]
CHECK_COLUMNS = [
    Column("name", lambda check: cell(check.get("name")), rank=0, wrap=True),
    Column("check", lambda check: cell(check.get("check"))),
    Column("blocking", lambda check: cell(check.get("blocking")), rank=2),
    Column("rows failed", lambda check: cell(check.get("rowsFailed"))),
]


@company_command
def list_runs(
    conn: Connection,
    pipeline_id: Annotated[
        str | None, typer.Option("--pipeline-id", help="Only the runs of this pipeline.")
    ] = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", help="Only runs with this status; repeatable.")
    ] = None,
    limit: LimitOption = None,
    cursor: CursorOption = None,
    all_pages: AllOption = False,
    as_json: JsonOption = False,
) -> None:
    """List pipeline runs, newest first (--pipeline-id, --status)."""
    filters: dict[str, Any] = {}
    if pipeline_id:
        filters["pipeline_id"] = pipeline_id
    if status:
        filters["status"] = status
    with conn.client() as client:
        print_listing(
            "pipeline-runs",
            ranked(RUN_RANKS),
            client.pipeline_runs,
            all_pages=all_pages,
            as_json=as_json,
            cursor=cursor,
            limit=limit,
            **filters,
        )


@company_command
def show_run(
    conn: Connection,
    run_id: Annotated[str, typer.Argument(help="The run's id.")],
    as_json: JsonOption = False,
) -> None:
    """Show a pipeline run: counts, mode and range, logs, and each step's rows and time."""
    with conn.client() as client:
        run_row = client.pipeline_runs.get(run_id)
    if as_json:
        print_json(run_row)
    else:
        print_run(run_row)


def print_run(run_row: Any) -> None:
    """A run for people: its fields, what it read, its logs, then its steps and checks."""
    console = make_console()
    summary = Table(show_header=False)
    summary.add_column("field", style="bold")
    summary.add_column("value")
    for name in RUN_COLUMNS[:-2] + ("run_id", "start_time", "end_time", "duration"):
        summary.add_row(name.replace("_", " "), cell(getattr(run_row, name)))
    metrics = run_row.metrics if isinstance(run_row.metrics, dict) else {}
    for label, value in _mode_lines(metrics):
        summary.add_row(label, value)
    console.print(summary)
    if run_row.logs:
        console.print("Logs:", style="bold")
        console.print(run_row.logs.rstrip("\n"), markup=False, highlight=False)
    steps = metrics.get("steps") or []
    if steps:
        numbered = [{**step, "#": index} for index, step in enumerate(steps)]
        print_fitted("Steps", STEP_COLUMNS, numbered, console=console)
    checks = metrics.get("checks") or []
    if checks:
        print_fitted("Checks", CHECK_COLUMNS, checks, console=console)


def _mode_lines(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    lines = [("mode", cell(metrics.get("mode")))] if metrics.get("mode") else []
    if isinstance(metrics.get("backfill"), dict):
        window = metrics["backfill"]
        lines.append(("backfill", f"{window.get('from')} <= watermark < {window.get('to')}"))
    if isinstance(metrics.get("watermark"), dict):
        mark = metrics["watermark"]
        lines.append(
            ("watermark", f"{mark.get('column')}: after {mark.get('from')} up to {mark.get('to')}")
        )
    if "rowsRead" in metrics:
        lines.append(("rows read", cell(metrics["rowsRead"])))
    return lines


@company_command
def pause(
    conn: Connection,
    pipeline_id: IdArg,
) -> None:
    """Pause a pipeline."""
    with conn.client() as client:
        client.pipelines.pause(pipeline_id)
    typer.echo(f"{pipeline_id} paused")


@company_command
def resume(
    conn: Connection,
    pipeline_id: IdArg,
) -> None:
    """Resume a paused pipeline."""
    with conn.client() as client:
        client.pipelines.resume(pipeline_id)
    typer.echo(f"{pipeline_id} active")


@company_command
def cancel_run(
    conn: Connection,
    run_id: Annotated[str, typer.Argument(help="The run's id.")],
) -> None:
    """Cancel a running pipeline run (nothing of it is written)."""
    with conn.client() as client:
        run_row = client.pipelines.cancel_run(run_id)
    typer.echo(f"{run_row.id} {run_row.status.value}")
