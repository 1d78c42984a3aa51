"""Feedback through the SDK: ``feedback add|process|summary|ignore`` and ``retrain``."""

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from urutiq_ai.cli._output import Column, fail, make_console, print_fitted, print_json, print_record
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command
from urutiq_ai.feedback.types import DEFAULT_RETRAIN_THRESHOLD, Impact

if TYPE_CHECKING:
    from urutiq_ai.feedback.schemas import FeedbackSummary, ProcessResult, RetrainStarted
    from urutiq_ai.sdk import Client
    from urutiq_ai.sdk._feedback import FeedbackClient

ThresholdOption = Annotated[
    int,
    typer.Option(
        "--threshold",
        min=1,
        help="Unused processed corrections a model needs before it is retrained.",
    ),
]
ModelOption = Annotated[str, typer.Option("--model", help="The model version's id.")]


def feedback_of(client: "Client") -> "FeedbackClient":
    """The client's feedback resource with its verbs."""
    return client.feedback


@company_command
def add(
    conn: Connection,
    prediction: Annotated[
        str | None, typer.Option("--prediction", help="The prediction the feedback is on.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="The model (default: the prediction's model)."),
    ] = None,
    correct: Annotated[
        str | None,
        typer.Option(
            "--correct",
            help="The right answer: a label, or a number (JSON is read: 12.5, true, "
            '"007" for the text 007).',
        ),
    ] = None,
    rating: Annotated[
        int | None, typer.Option("--rating", min=1, max=5, help="Stars, 1 to 5.")
    ] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="A comment.")] = None,
    flag: Annotated[str | None, typer.Option("--flag", help="Flag it, saying why.")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Who gives the feedback.")] = None,
    impact: Annotated[Impact | None, typer.Option("--impact")] = None,
    confidence: Annotated[
        float | None, typer.Option("--confidence", min=0.0, max=1.0, help="How sure, 0-1.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Give feedback: exactly one of --correct (needs --prediction), --rating, --comment
    or --flag."""
    given = {
        "--correct": correct,
        "--rating": rating,
        "--comment": comment,
        "--flag": flag,
    }
    chosen = [name for name, value in given.items() if value is not None]
    if len(chosen) != 1:
        fail(
            "give exactly one of --correct, --rating, --comment or --flag",
            [(name, "given") for name in chosen] or [("--correct", "or another kind")],
        )
    extra: dict[str, Any] = {
        name: value
        for name, value in (
            ("model_id", model),
            ("impact", impact),
            ("confidence", confidence),
        )
        if value is not None
    }
    with conn.client() as client:
        if correct is not None:
            if prediction is None:
                fail("a correction answers one prediction", [("--prediction", "required")])
            row = feedback_of(client).correct(prediction, answer(correct), user_id=user, **extra)
        elif rating is not None:
            row = feedback_of(client).rate(rating, prediction_id=prediction, user_id=user, **extra)
        elif comment is not None:
            row = feedback_of(client).comment(
                comment, prediction_id=prediction, user_id=user, **extra
            )
        else:
            assert flag is not None
            row = feedback_of(client).flag(flag, prediction_id=prediction, user_id=user, **extra)
    print_json(row) if as_json else print_record(row)


def answer(text: str) -> Any:
    """A correction typed on the command line: a JSON number, flag or string where it
    reads as one, else the text itself."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, str | int | float | bool) else text


@company_command
def process(
    conn: Connection,
    ids: Annotated[
        list[str] | None, typer.Option("--id", help="Only this feedback (repeatable).")
    ] = None,
    no_retrain: Annotated[
        bool, typer.Option("--no-retrain", help="Do not start retrainings.")
    ] = False,
    threshold: ThresholdOption = DEFAULT_RETRAIN_THRESHOLD,
    as_json: JsonOption = False,
) -> None:
    """Process pending feedback: corrections become actual values, ratings and flags are
    aggregated, and models with enough corrections get a retrained challenger."""
    with conn.client() as client:
        result = feedback_of(client).process(
            ids or None, retrain=not no_retrain, threshold=threshold
        )
    if as_json:
        print_json(result)
    else:
        _print_process(result)


@company_command
def summary(
    conn: Connection,
    model: ModelOption,
    as_json: JsonOption = False,
) -> None:
    """A model's feedback: counts, ratings, flags, corrections and the last retraining."""
    with conn.client() as client:
        result = feedback_of(client).summary(model)
    if as_json:
        print_json(result)
    else:
        _print_summaries([result])


@company_command
def ignore(
    conn: Connection,
    feedback_id: Annotated[str, typer.Argument(help="The feedback's id.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is set aside.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Set a pending feedback aside (final)."""
    with conn.client() as client:
        row = feedback_of(client).ignore(feedback_id, reason=reason)
    print_json(row) if as_json else print_record(row)


@company_command
def retrain(
    conn: Connection,
    model: ModelOption,
    threshold: ThresholdOption = DEFAULT_RETRAIN_THRESHOLD,
    as_json: JsonOption = False,
) -> None:
    """Retrain a model on its data plus its users' corrections (a challenger, and an
    experiment against the model); fails while too few corrections are unused."""
    with conn.client() as client:
        started = feedback_of(client).retrain(model, threshold=threshold)
    if as_json:
        print_json(started)
    else:
        _print_retrained([started])


def _print_process(result: "ProcessResult") -> None:
    console = make_console()
    console.print(
        f"Processed {result.processed}, ignored {len(result.ignored)}, "
        f"corrections applied {result.corrections_applied}, still pending {result.remaining}."
    )
    for item in result.ignored:
        console.print(f"  ignored {item.id}: {item.reason}")
    if result.models:
        _print_summaries(result.models)
    if result.retrained:
        _print_retrained(result.retrained)
    for skipped in result.retrain_skipped:
        console.print(f"Not retrained {skipped.model_id}: {skipped.reason}")


def _mean(row: "FeedbackSummary") -> str:
    return "" if row.ratings.mean is None else f"{row.ratings.mean:.2f}"


def _changed(row: "FeedbackSummary") -> str:
    share = row.corrections.changed_share
    return "" if share is None else f"{row.corrections.changed} ({share:.0%})"


# The model, then what decides the next step: feedback still pending, and the corrections
# (all, and those no retraining has used yet); the other counts give way first.
SUMMARY_COLUMNS = [
    Column("model", lambda row: row.model_id, rank=0),
    Column("pending", lambda row: str(row.pending)),
    Column("processed", lambda row: str(row.processed), rank=3),
    Column("ignored", lambda row: str(row.ignored), rank=4),
    Column("ratings", lambda row: str(row.ratings.count), rank=3),
    Column("mean", _mean, rank=2),
    Column("flags", lambda row: str(row.flags.count), rank=3),
    Column("comments", lambda row: str(row.comments), rank=4),
    Column("corrections", lambda row: str(row.corrections.count)),
    Column("changed", _changed, rank=2),
    Column("unused", lambda row: str(row.corrections.unused)),
    Column(
        "last challenger",
        lambda row: row.last_retraining.challenger_model_id if row.last_retraining else "",
        rank=5,
    ),
]
# The challenger (the id to deploy or promote), its version and the experiment that
# compares it with the model; the counts, the run and the model retrained give way first.
RETRAINED_COLUMNS = [
    Column("model", lambda row: row.model_id, rank=5),
    Column("challenger", lambda row: row.challenger_model_id, rank=0),
    Column("version", lambda row: row.challenger_version),
    Column("run", lambda row: row.run_id, rank=4),
    Column("experiment", lambda row: row.experiment_id, rank=2),
    Column("rows", lambda row: str(row.rows), rank=3),
    Column("corrections", lambda row: f"{row.corrections} ({row.new_corrections} new)", rank=3),
]


def _print_summaries(rows: "list[FeedbackSummary]") -> None:
    print_fitted("Feedback per model", SUMMARY_COLUMNS, rows)


def _print_retrained(rows: "list[RetrainStarted]") -> None:
    print_fitted("Retrained from feedback", RETRAINED_COLUMNS, rows)
