"""Pipelines through the SDK: ``pipelines create --file p.json``, ``run``, pause, resume.

``list``/``show`` come with the resource group, and ``pipeline-runs list|show`` shows a
run's counts, logs and step metrics.
"""

from pathlib import Path
from typing import Annotated

import typer

from urutiq_ai.cli._output import fail, print_json, print_record, read_json_file, wait_for_end
from urutiq_ai.cli._sdk import ApiKeyOption, CompanyOption, JsonOption, UrlOption, sdk_client

IdArg = Annotated[str, typer.Argument(help="The pipeline's id.")]
TERMINAL = {"completed", "failed", "cancelled"}


def create(
    file: Annotated[Path, typer.Option("--file", help="The pipeline as JSON (camelCase fields).")],
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Create a pipeline from a JSON file; it is checked against its source on save."""
    body = read_json_file("--file", file)
    if not isinstance(body, dict):
        fail(f"cannot read {file}", [("--file", "expected a JSON object")])
    with sdk_client(url, api_key, company) as client:
        pipeline = client.pipelines.create(body)
    if as_json:
        print_json(pipeline)
    else:
        print_record(pipeline)


def run(
    pipeline_id: IdArg,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the run to end.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait.")] = 600.0,
    as_json: JsonOption = False,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Run a pipeline now; with --wait, show the finished run (exit 1 if it failed)."""
    with sdk_client(url, api_key, company) as client:
        current = wait_for_end(
            client.pipelines.run(pipeline_id),
            lambda run_row: client.pipeline_runs.get(run_row.id),
            wait=wait,
            timeout=timeout,
            ended=TERMINAL,
        )
    if as_json:
        print_json(current)
    else:
        print_record(current)
    if current.status.value == "failed":
        raise typer.Exit(1)


def pause(
    pipeline_id: IdArg,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Pause a pipeline."""
    with sdk_client(url, api_key, company) as client:
        client.pipelines.pause(pipeline_id)
    typer.echo(f"{pipeline_id} paused")


def resume(
    pipeline_id: IdArg,
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Resume a paused pipeline."""
    with sdk_client(url, api_key, company) as client:
        client.pipelines.resume(pipeline_id)
    typer.echo(f"{pipeline_id} active")


def cancel_run(
    run_id: Annotated[str, typer.Argument(help="The run's id.")],
    company: CompanyOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Cancel a running pipeline run (nothing of it is written)."""
    with sdk_client(url, api_key, company) as client:
        run_row = client.pipelines.cancel_run(run_id)
    typer.echo(f"{run_row.id} {run_row.status.value}")
