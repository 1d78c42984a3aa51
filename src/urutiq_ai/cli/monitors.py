"""Monitors, alerts, webhooks and the scheduler from the command line.

``monitors create|run|pause|resume``, ``alerts resolve`` and ``webhooks create|test`` go
through the SDK (``list``/``show`` come with every resource group); ``scheduler`` runs the
scheduler in this process (no key), for deployments where ``serve`` does not embed it.
"""

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from urutiq_ai.cli._output import fail, print_json, print_record, read_json_file, wait_for_end
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command

IdArg = Annotated[str, typer.Argument(help="The row's id.")]
TERMINAL = {"completed", "failed"}


def _params(text: str | None, file: Path | None) -> Any:
    if text is not None and file is not None:
        fail("invalid params", [("--params", "give --params or --params-file, not both")])
    if file is not None:
        return read_json_file("--params-file", file)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail("invalid params", [("--params", f"not JSON: {exc}")])


@company_command
def create_monitor(
    conn: Connection,
    name: Annotated[str, typer.Option("--name", help="Unique per company.")],
    kind: Annotated[str, typer.Option("--kind", help="performance, drift or quality.")],
    schedule: Annotated[
        str, typer.Option("--schedule", help="Cron expression in UTC, e.g. '0 6 * * *'.")
    ],
    model: Annotated[
        str | None, typer.Option("--model", help="The model version (drift, performance).")
    ] = None,
    params: Annotated[
        str | None,
        typer.Option("--params", help='JSON, e.g. \'{"window": "7d"}\' (drift).'),
    ] = None,
    params_file: Annotated[
        Path | None,
        typer.Option("--params-file", help="JSON file (quality: a checks file with source)."),
    ] = None,
    paused: Annotated[bool, typer.Option("--paused", help="Create it paused.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a monitor: the check runs on its schedule, its results raise alerts."""
    fields: dict[str, Any] = {"name": name, "kind": kind, "schedule": schedule}
    if model:
        fields["model_id"] = model
    body = _params(params, params_file)
    if body is not None:
        fields["params"] = body
    if paused:
        fields["status"] = "paused"
    with conn.client() as client:
        monitor = client.monitors.create(**fields)
    if as_json:
        print_json(monitor)
    else:
        print_record(monitor)


@company_command
def run_monitor(
    conn: Connection,
    monitor_id: IdArg,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for the run to finish and show it.")
    ] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait.")] = 300.0,
    as_json: JsonOption = False,
) -> None:
    """Run a monitor now (paused ones too); exit 1 if the run fails."""
    with conn.client() as client:
        run = wait_for_end(
            client.monitors.run(monitor_id),
            lambda current: client.monitor_runs.get(current.id),
            wait=wait,
            timeout=timeout,
            ended=TERMINAL,
        )
    if as_json:
        print_json(run)
    else:
        print_record(run)
    if run.status.value == "failed":
        raise typer.Exit(1)


@company_command
def pause_monitor(
    conn: Connection,
    monitor_id: IdArg,
) -> None:
    """Stop a monitor from firing on its schedule."""
    with conn.client() as client:
        monitor = client.monitors.pause(monitor_id)
    typer.echo(f"{monitor.id} paused")


@company_command
def resume_monitor(
    conn: Connection,
    monitor_id: IdArg,
) -> None:
    """Let a paused monitor fire again (from its next scheduled time)."""
    with conn.client() as client:
        monitor = client.monitors.resume(monitor_id)
    typer.echo(f"{monitor.id} active, next run at {monitor.next_run_at:%Y-%m-%d %H:%M:%S} UTC")


@company_command
def resolve_alert(
    conn: Connection,
    alert_id: IdArg,
) -> None:
    """Resolve an alert by hand (it opens again if its monitor sees the condition again)."""
    with conn.client() as client:
        alert = client.alerts.resolve(alert_id)
    typer.echo(f"{alert.id} resolved")


@company_command
def create_webhook(
    conn: Connection,
    name: Annotated[str, typer.Option("--name", help="Unique per company.")],
    webhook_url: Annotated[str, typer.Option("--webhook-url", help="http(s) URL to POST to.")],
    secret: Annotated[
        str,
        typer.Option(
            "--secret", help="At least 16 characters; signs every delivery (HMAC-SHA256)."
        ),
    ],
    event: Annotated[
        list[str] | None,
        typer.Option("--event", help="alert.opened, alert.resolved; repeatable (default both)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a webhook (admin key): alerts opened and resolved are POSTed to it, signed."""
    fields: dict[str, Any] = {"name": name, "url": webhook_url, "secret": secret}
    if event:
        fields["events"] = event
    with conn.client() as client:
        hook = client.webhooks.create(**fields)
    if as_json:
        print_json(hook)
    else:
        print_record(hook)


@company_command
def ping_webhook(
    conn: Connection,
    webhook_id: IdArg,
) -> None:
    """Send a signed ping to a webhook and show how it answered."""
    with conn.client() as client:
        delivery = client.webhooks.test(webhook_id)
        for _ in range(100):
            delivery = client.webhook_deliveries.get(delivery.id)
            if delivery.attempts:
                break
            time.sleep(0.1)
    print_record(delivery)
    if delivery.status.value != "delivered":
        raise typer.Exit(1)


def scheduler(
    interval: Annotated[
        float | None,
        typer.Option(
            "--interval", help="Seconds between looks (default URUTIQ_SCHEDULER_INTERVAL)."
        ),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Fire what is due once, then exit.")] = False,
) -> None:
    """Run the scheduler: fire due monitors, pipelines, job retries and recoveries, and
    webhook retries (in-process, no key). With URUTIQ_EXECUTOR=celery the jobs go to the
    workers; otherwise this process runs them.

    On PostgreSQL any number may run: one holds the advisory lock and fires, the others wait.
    Set URUTIQ_SCHEDULER=off on the `serve` replicas when this process runs.
    """
    import signal

    from urutiq_ai.catalog import TICKERS
    from urutiq_ai.core.db import make_engine, make_sessionmaker, new_id
    from urutiq_ai.core.executors import make_executor
    from urutiq_ai.core.jobs import JobRuntime
    from urutiq_ai.core.scheduler import Scheduler
    from urutiq_ai.core.settings import get_settings

    settings = get_settings()
    engine = make_engine(settings.database_url)
    # inline: this process runs the jobs it fires, as a worker with a heartbeat
    worker_id = new_id() if settings.executor == "inline" else None
    runtime = JobRuntime(make_sessionmaker(engine), settings, worker_id)
    executor = make_executor(runtime)
    job_scheduler = Scheduler(
        runtime, executor, TICKERS, interval=interval or settings.scheduler_interval
    )
    try:
        if once:
            fired = job_scheduler.tick() if job_scheduler.is_leader() else 0
            typer.echo(f"fired {fired}")
            return
        signal.signal(signal.SIGTERM, lambda *_: job_scheduler.stop(timeout=0))
        typer.echo(f"scheduler: looking every {job_scheduler.interval:g} s (Ctrl-C to stop)")
        try:
            job_scheduler.run()
        except KeyboardInterrupt:
            pass
    finally:
        job_scheduler.stop(timeout=0)
        executor.shutdown(wait=True)
        engine.dispose()
