"""Experiments through the SDK: ``experiments create|evaluate|show|promote``."""

import json
from operator import itemgetter
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from urutiq_ai.cli._output import Column, fail, make_console, print_fitted, print_json
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command
from urutiq_ai.cli.deployments import change_labels, print_change

if TYPE_CHECKING:
    from urutiq_ai.experiments.schemas import AIExperimentRead

IdArg = Annotated[str, typer.Argument(help="The experiment's id.")]


@company_command
def create(
    conn: Connection,
    name: Annotated[str, typer.Option("--name", help="The experiment's unique name.")],
    baseline: Annotated[str, typer.Option("--baseline", help="The baseline model's id.")],
    current: Annotated[str, typer.Option("--current", help="The challenger model's id.")],
    success: Annotated[
        str | None,
        typer.Option(
            "--success",
            help='Success metrics as JSON, e.g. \'[{"metric": "f1Score", "minImprovement": '
            '0.02}, {"metric": "accuracy", "guard": true}]\'.',
        ),
    ] = None,
    deployment: Annotated[
        str | None, typer.Option("--deployment", help="The A/B or shadow deployment's id.")
    ] = None,
    objective: Annotated[str | None, typer.Option("--objective")] = None,
    hypothesis: Annotated[str | None, typer.Option("--hypothesis")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an experiment comparing --current with --baseline."""
    fields: dict[str, Any] = {
        "experiment_name": name,
        "baseline_model": baseline,
        "current_model": current,
        "objective": objective,
        "hypothesis": hypothesis,
    }
    if success is not None:
        fields["success_metrics"] = _json("--success", success)
    if deployment is not None:
        fields["methodology"] = {"deploymentId": deployment}
    with conn.client() as client:
        experiment = client.experiments.create({k: v for k, v in fields.items() if v is not None})
    _show(experiment, as_json)


@company_command
def evaluate(
    conn: Connection,
    experiment_id: IdArg,
    mode: Annotated[str, typer.Option("--mode", help="offline, online or both.")] = "both",
    as_json: JsonOption = False,
) -> None:
    """Compare the models and print the verdict with its confidence intervals."""
    with conn.client() as client:
        experiment = client.experiments.evaluate(experiment_id, mode=mode)
    _show(experiment, as_json)


@company_command
def show(
    conn: Connection,
    experiment_id: IdArg,
    as_json: JsonOption = False,
) -> None:
    """An experiment: its models, criteria, the comparisons and the verdict."""
    with conn.client() as client:
        experiment = client.experiments.get(experiment_id)
    _show(experiment, as_json)


@company_command
def promote(
    conn: Connection,
    experiment_id: IdArg,
    deployment: Annotated[
        str | None, typer.Option("--deployment", help="Default: the experiment's deployment.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Release the challenger into the deployment (the experiment must have passed)."""
    with conn.client() as client:
        change = client.experiments.promote(experiment_id, deployment_id=deployment)
        labels = {} if as_json else change_labels(client, change)
    print_change(change, as_json, labels)


def _json(option: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{option} is not valid JSON", [(option, str(exc))])


def _show(experiment: "AIExperimentRead", as_json: bool) -> None:
    if as_json:
        print_json(experiment)
        return
    console = make_console()
    console.print(
        f"[bold]{experiment.experiment_name}[/bold] ({experiment.status.value}): "
        f"baseline {experiment.baseline_model} vs current {experiment.current_model}"
    )
    results = experiment.results if isinstance(experiment.results, dict) else {}
    for part in ("offline", "online"):
        section = results.get(part)
        if isinstance(section, dict) and section.get("metrics"):
            _print_metrics(part, section, console)
    online = results.get("online")
    if isinstance(online, dict):
        console.print(_online_line(online), markup=False, soft_wrap=True)
    verdict = results.get("verdict")
    if isinstance(verdict, dict):
        console.print(
            f"Verdict ({verdict.get('basis')}): [bold]{verdict.get('status')}[/bold]: "
            f"{verdict.get('summary')}\nRecommendation: {verdict.get('recommendation')}"
        )
    elif not results:
        console.print("Not evaluated yet: urutiq-ai experiments evaluate " + experiment.id)
    if experiment.conclusions:
        console.print(f"Conclusions: {experiment.conclusions.strip()}")


def _online_line(online: dict[str, Any]) -> str:
    """The online evaluation in a line: outcomes per arm, the significance test, and how
    many more outcomes per arm the test needs; or why there is no comparison yet."""
    arms = online.get("arms")
    arms = arms if isinstance(arms, dict) else {}
    counts = " / ".join(
        f"{name} {arm.get('outcomes', 0)}" for name, arm in arms.items() if isinstance(arm, dict)
    )
    line = f"Online outcomes: {counts or 'none'}"
    test = online.get("test")
    if isinstance(test, dict):
        line += (
            f"; two-proportion z-test: accuracy {test['pA']:.3f} -> {test['pB']:.3f},"
            f" p={test['pValue']:.4f}"
        )
    if online.get("requiredPerArm") is not None:
        more = int(online.get("moreNeeded") or 0)
        enough = "enough" if not more else f"{more} more per arm needed"
        line += f"; {online['requiredPerArm']} per arm detect the target difference ({enough})"
    verdict = online.get("verdict")
    if not online.get("metrics") and isinstance(verdict, dict):
        line += f"; {verdict.get('summary')}"
    return line


# The metric, both values and their difference whole; the interval folds between its
# bounds and gives way, after the p-value, at a narrow terminal.
METRIC_COLUMNS = [
    Column("metric", itemgetter("metric"), rank=0),
    Column("baseline", lambda item: f"{item['baseline']:.4f}"),
    Column("current", lambda item: f"{item['current']:.4f}"),
    Column("difference", lambda item: f"{item['difference']:+.4f}"),
    Column(
        "CI",
        lambda item: f"[{item['ciLow']:+.4f}, {item['ciHigh']:+.4f}] ({item['confidence']:.0%})",
        rank=3,
        wrap=True,
    ),
    Column("p", lambda item: f"{item['pValue']:.3f}", rank=2),
]


def _print_metrics(title: str, section: dict[str, Any], console: Console) -> None:
    title = f"{title} ({section.get('rows') or section.get('deploymentId', '')})"
    items = [{**item, "metric": name} for name, item in section["metrics"].items()]
    print_fitted(title, METRIC_COLUMNS, items, console=console)
