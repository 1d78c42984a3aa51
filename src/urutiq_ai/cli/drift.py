"""Drift from the command line.

* ``drift compare``: two data sets, ad hoc and in-process (no model, no key);
* ``drift check``: a model's recent prediction inputs against its training data, through
  the SDK (so the key, company and tenant rules apply); the results are stored.

pandas and the drift module load inside ``compare``: the CLI's start path stays free of
the ML stack.
"""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from urutiq_ai.cli._output import cell, fail, make_console, print_json
from urutiq_ai.cli._sdk import Connection, JsonOption, company_command

if TYPE_CHECKING:
    import pandas as pd

    from urutiq_ai.ml.drift import DriftReport
    from urutiq_ai.monitoring.schemas import DriftCheckResult

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
STATUS_STYLES = {"detected": "bold red", "warning": "yellow", "normal": "green"}

ReferenceOption = Annotated[
    Path, typer.Option("--reference", help="The reference data set (.csv or .parquet).")
]
CurrentOption = Annotated[
    Path, typer.Option("--current", help="The data set compared to it (.csv or .parquet).")
]
ColumnsOption = Annotated[
    str | None,
    typer.Option("--columns", help="Comma-separated columns (default: all the reference's)."),
]
MethodOption = Annotated[
    list[str] | None,
    typer.Option(
        "--method",
        help="COLUMN=METHOD (ks, chisquare, z, wasserstein, jensenshannon, psi); repeatable.",
    ),
]
ThresholdOption = Annotated[
    list[str] | None,
    typer.Option("--threshold", help="COLUMN=VALUE, the column's drift threshold; repeatable."),
]


def compare(
    reference: ReferenceOption,
    current: CurrentOption,
    columns: ColumnsOption = None,
    method: MethodOption = None,
    threshold: ThresholdOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare two data sets column by column and say whether the data set drifted.

    Each data set needs at least 30 rows; a column with fewer non-null values on either
    side is skipped (listed with the reason) and left out of the verdict.
    """
    from urutiq_ai.ml import drift
    from urutiq_ai.ml.errors import InputError

    wanted = _columns(columns)
    methods = _pairs("--method", method or [])
    thresholds = {
        name: _number(name, value) for name, value in _pairs("--threshold", threshold or []).items()
    }
    ref_frame = _read("--reference", reference)
    cur_frame = _read("--current", current)
    try:
        report = drift.compare(
            ref_frame, cur_frame, columns=wanted, methods=methods, thresholds=thresholds
        )
    except InputError as exc:
        fail("invalid drift comparison", exc.errors)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report, reference, current, drift.DATASET_DRIFT_SHARE)


def _columns(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        fail("invalid --columns", [("--columns", "expected comma-separated column names")])
    return names


def _pairs(option: str, items: list[str]) -> dict[str, str]:
    """``["a=ks", "b=psi"]`` -> ``{"a": "ks", "b": "psi"}``; exits on a malformed item."""
    pairs: dict[str, str] = {}
    example = "amount=ks" if option == "--method" else "amount=0.2"
    for item in items:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            fail(f"invalid {option} {item!r}", [(option, f"expected COLUMN=VALUE, e.g. {example}")])
        if name in pairs:
            fail(f"invalid {option} {item!r}", [(option, f"column {name!r} given twice")])
        pairs[name] = value
    return pairs


def _number(name: str, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        fail(f"invalid --threshold {name}={value}", [(f"thresholds.{name}", "must be a number")])


def _read(option: str, path: Path) -> "pd.DataFrame":
    """A CSV or Parquet file (by suffix) as a DataFrame; exits with the reason when it fails."""
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        choices = ", ".join(sorted(READERS))
        fail(f"cannot read {path}", [(option, f"unknown file type; use one of {choices}")])
    if not path.is_file():
        fail(f"cannot read {path}", [(option, "no such file")])
    import pandas as pd

    try:
        return pd.read_csv(path) if kind == "csv" else pd.read_parquet(path)
    except (OSError, ValueError, NotImplementedError) as exc:
        fail(f"cannot read {path}", [(option, str(exc) or type(exc).__name__)])


SCORE_HEADERS = ("statistic", "score", "detected when", "status", "signals")
"""A score is read with its statistic and rule: a p-value drifts when low, a distance
when high."""


def _print_report(
    report: "DriftReport", reference: Path, current: Path, share_threshold: float
) -> None:
    from urutiq_ai.ml.drift_scores import format_score, meaning

    console = make_console()
    if report.columns:
        table = Table(
            title=f"Drift: {reference.name} ({report.reference_rows} rows) -> "
            f"{current.name} ({report.current_rows} rows)"
        )
        _score_columns(table, "column", "compared")
        for column in report.columns:
            method = column.method.value
            score = meaning(method, column.threshold)
            table.add_row(
                Text(column.column),
                Text(column.compared if column.kind == "text" else column.kind),
                Text(score.short),
                format_score(column.score, method),
                Text(score.rule),
                Text(column.status.value, style=STATUS_STYLES[column.status.value]),
                Text(_signal_words(column.analysis.get("signals", []))),
            )
        console.print(table)
    else:
        console.print("No columns compared.")
    for name, reason in report.skipped.items():
        console.print(f"Skipped {name}: {reason}", markup=False, soft_wrap=True)
    console.print(_verdict(report, share_threshold), markup=False, soft_wrap=True)


def _score_columns(table: Table, first: str, second: str) -> None:
    """The two leading columns (folded, never cut), then the score's statistic, value, rule
    and status (kept whole) and the signals."""
    table.add_column(first, overflow="fold")
    table.add_column(second, overflow="fold")
    for header in SCORE_HEADERS:
        whole = header in ("score", "status")
        table.add_column(header, no_wrap=whole, min_width=len(header) if whole else None)


def _verdict(report: "DriftReport", share_threshold: float) -> str:
    """The data-set line: taken over the compared columns; none compared is no verdict."""
    if not report.columns:
        return "Dataset drift: not assessed (no column could be compared)"
    compared, drifted = len(report.columns), len(report.drifted)
    verdict = "Dataset drift: yes" if report.dataset_drift else "Dataset drift: no"
    skipped = f"; {len(report.skipped)} skipped" if report.skipped else ""
    return (
        f"{verdict} ({drifted} of {compared} columns detected, share {report.drift_share:.0%}, "
        f"drift at {share_threshold:.0%} or more{skipped})"
    )


def _signal_words(signals: Any) -> str:
    """Signals in a few words: unseen values and rare-category shifts."""
    parts = []
    for signal in signals:
        if signal["signal"] == "unseen_categories":
            names = ", ".join(str(row["category"]) for row in signal["top"])
            parts.append(f"unseen {signal['share']:.1%} ({names})")
        elif signal["signal"] == "rare_category_shift":
            parts.append("rare shift " + ", ".join(_rare(row) for row in signal["categories"]))
        else:
            parts.append(str(signal["signal"]))
    return "; ".join(parts)


def _rare(row: dict[str, Any]) -> str:
    return f"{row['category']} {row['referenceShare']:.1%} -> {row['currentShare']:.1%}"


ModelOption = Annotated[str, typer.Option("--model", help="The model version's id.")]
WindowOption = Annotated[
    str, typer.Option("--window", help="How far back to read predictions: 24h, 7d, 2w.")
]


TypeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--type", help="data_drift, label_drift or concept_drift; repeatable (default: all)."
    ),
]


@company_command
def check(
    conn: Connection,
    model: ModelOption,
    window: WindowOption = "7d",
    method: MethodOption = None,
    threshold: ThresholdOption = None,
    drift_type: TypeOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a model's recent inputs against its training data, feature by feature (the
    results are stored as drift detections)."""
    methods = _pairs("--method", method or [])
    thresholds = {
        name: _number(name, value) for name, value in _pairs("--threshold", threshold or []).items()
    }
    with conn.client() as client:
        result = client.monitoring.check_drift(
            model, window=window, methods=methods, thresholds=thresholds, types=drift_type
        )
    if as_json:
        print_json(result)
    else:
        _print_check(result)


def _print_check(result: "DriftCheckResult") -> None:
    from urutiq_ai.ml.drift_scores import format_score, meaning_of

    console = make_console()
    table = Table(
        title=f"Drift of model {result.model_id}: {result.predictions} predictions from "
        f"{cell(result.window_start)} to {cell(result.window_end)}"
    )
    _score_columns(table, "type", "subject")
    for row in result.detections:
        analysis: dict[str, Any] = row.analysis if isinstance(row.analysis, dict) else {}
        score = meaning_of(analysis, row.threshold)
        table.add_row(
            row.drift_type.value,
            Text(_subject(row.feature_name, analysis)),
            Text(score.short),
            format_score(row.drift_score, analysis.get("method")),
            Text(score.rule),
            Text(row.status.value, style=STATUS_STYLES[row.status.value]),
            Text(_signal_words(analysis.get("signals") or [])),
        )
    console.print(table)
    for name, reason in result.skipped.items():
        console.print(f"Skipped {name}: {reason}", markup=False, soft_wrap=True)
    statuses = ", ".join(f"{kind} {status.value}" for kind, status in result.statuses.items())
    verdict = "Dataset drift: yes" if result.dataset_drift else "Dataset drift: no"
    drifted = ", ".join(result.drifted_features) or "none"
    console.print(
        f"{verdict} (drifted features: {drifted}; share {result.drift_share:.0%}). {statuses}",
        markup=False,
        soft_wrap=True,
    )


def _subject(feature: str | None, analysis: dict[str, Any]) -> str:
    """What a row is about: a feature, ``prediction``/``actualValue``, or the whole scope."""
    if feature is not None:
        compared = analysis.get("compared")
        text = isinstance(compared, str) and compared.startswith("text")
        return f"{feature} ({compared})" if text else feature
    scope = analysis.get("scope")
    return "(data set)" if scope == "dataset" else f"({scope or 'model'})"
