"""Governance through the SDK: ``governance evaluate``, ``violations list|show|investigate|
resolve``."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from urutiq_ai.cli._output import Column, fail, make_console, print_fitted, print_json, print_record
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command

if TYPE_CHECKING:
    from urutiq_ai.governance.schemas import PolicyEvaluationRead

IdArg = Annotated[str, typer.Argument(help="The violation's id.")]
# The policy (its id, for --policy), the verdict and why, whole; the violation's id gives
# way first (`governance-violations list` finds it).
EVALUATION_COLUMNS = [
    Column("policy", lambda row: row.policy_id, rank=0),
    Column("status", lambda row: row.status.value),
    Column("summary", lambda row: row.summary or "", rank=2, wrap=True),
    Column("violation", lambda row: row.violation_id or "", rank=3),
]


@company_command
def evaluate(
    conn: Connection,
    model: Annotated[str, typer.Option("--model", help="The model version's id.")],
    policy: Annotated[
        str | None, typer.Option("--policy", help="One policy's id (default: every active one).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Evaluate policies against a model; failures open (or refresh) violations. Exit 1
    when one fails."""
    with conn.client() as client:
        if policy is not None:
            rows = [client.governance.evaluate(policy, model)]
        else:
            rows = client.governance.check_model(model).evaluations
    if as_json:
        print_json(rows)
    else:
        _print_evaluations(rows)
    if any(row.status.value == "fail" for row in rows):
        raise typer.Exit(1)


@company_command
def investigate(
    conn: Connection,
    violation_id: IdArg,
    as_json: JsonOption = False,
) -> None:
    """Mark a violation as being investigated."""
    with conn.client() as client:
        row = client.governance_violations.investigate(violation_id)
    print_json(row) if as_json else print_record(row)


@company_command
def resolve(
    conn: Connection,
    violation_id: IdArg,
    resolution: Annotated[str, typer.Option("--resolution", help="What was done, or why.")],
    resolved_by: Annotated[str, typer.Option("--by", help="Who resolved it.")],
    false_positive: Annotated[
        bool, typer.Option("--false-positive", help="Close it as a false positive.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Close a violation with its resolution (recorded in the audit log)."""
    with conn.client() as client:
        row = client.governance_violations.resolve(
            violation_id,
            resolution=resolution,
            resolved_by=resolved_by,
            false_positive=false_positive,
        )
    print_json(row) if as_json else print_record(row)


@company_command
def report(
    conn: Connection,
    model: Annotated[str, typer.Option("--model", help="The model version's id.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the report.")] = Path(
        "report.html"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Write the data as JSON.")] = False,
) -> None:
    """Write a model's compliance report (HTML, or JSON with --json); admin or auditor key."""
    with conn.client() as client:
        body = client.governance.report(model, output="json" if as_json else "html")
    _write(body, out, as_json, "Compliance report")


@company_command
def model_card(
    conn: Connection,
    model: Annotated[str, typer.Option("--model", help="The model version's id.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the card.")] = Path(
        "model-card.html"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Write the data as JSON.")] = False,
) -> None:
    """Write a model's card: purpose, data, metrics and limits (HTML, or JSON with --json)."""
    with conn.client() as client:
        body = client.governance.model_card(model, output="json" if as_json else "html")
    _write(body, out, as_json, "Model card")


def _write(body: Any, out: Path, as_json: bool, what: str) -> None:
    text = json.dumps(body, indent=2) if as_json else str(body)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {out}", [("--out", str(exc))])
    make_console().print(f"{what} written to {out} ({len(text):,} bytes).")


def _print_evaluations(rows: "list[PolicyEvaluationRead]") -> None:
    if not rows:
        make_console().print("No active policy applies to this model.")
        return
    print_fitted("Policy evaluations", EVALUATION_COLUMNS, rows)
