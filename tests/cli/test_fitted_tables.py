"""The commands' tables at an 80-column terminal (issue 18, item 5): the values people read
(ids, names, versions, metric names, statuses, numbers) appear whole, never cut to "…";
free text folds onto more lines and lesser columns give way, named in a footnote."""

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from tests.cli.conftest import Invoke, Local, cli, ok_json
from urutiq_ai.sdk import Client

WIDTH = 80
Row = dict[str, list[str]]


def narrow(
    invoke: Invoke, local: Local, monkeypatch: pytest.MonkeyPatch, *args: Any, code: int = 0
) -> str:
    """The command's standard output at an 80-column terminal, checked to fit it uncut."""
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    result = cli(invoke, local, *args)
    assert result.exit_code == code, result.output
    out = result.stdout
    assert "…" not in out, out
    # a table never runs past the terminal (the footnote and sentences may wrap)
    assert all(cell_len(line) <= WIDTH for line in out.splitlines() if "│" in line), out
    return out


def _lines_of(out: str, title: str) -> Iterator[str]:
    """The lines of the table titled ``title``: its header lines, then its body."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    for line in lines[start + 1 :]:
        if "┃" in line or "│" in line or "━" in line or line.lstrip().startswith("┏"):
            yield line
        else:
            return


def _cells(line: str, bar: str) -> list[str]:
    # a table with an outer edge (not fitted) starts and ends with a bar
    inner = line.rstrip()[1:-1] if line.startswith(bar) else line
    return [text.strip() for text in inner.split(bar)]


def table(out: str, title: str, key: str | None = None) -> list[Row]:
    """The rows of the table titled ``title``: each column's lines in the row, by header;
    a row starts where its ``key`` column (default: the first) has text."""
    lines = list(_lines_of(out, title))
    (header,) = [line for line in lines if "┃" in line]  # one line: no header is folded
    headers = _cells(header, "┃")
    first = headers.index(key) if key is not None else 0
    rows: list[Row] = []
    for line in lines:
        if "│" not in line:
            continue
        cells = _cells(line, "│")
        assert len(cells) == len(headers), line
        if cells[first] or not rows:
            rows.append({h: [] for h in headers})
        for h, text in zip(headers, cells, strict=True):
            if text:
                rows[-1][h].append(text)
    return rows


def whole(row: Row, header: str) -> str:
    """A column's text in a row that keeps each value on one line."""
    (text,) = row[header]
    return text


def words(row: Row, header: str) -> list[str]:
    """A free-text column's words in a row (wrapped at spaces)."""
    return " ".join(row[header]).split()


def footnote(out: str) -> str:
    return " ".join(out.split("hidden (", 1)[1].split(")", 1)[0].split())


# --- config ---------------------------------------------------------------------------------

NOTE = "split hardware from peripherals and add memberships, as the finance team asked"


def test_config_history_keeps_version_id_and_note(
    invoke: Invoke, local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ok_json(
        invoke,
        local,
        "config",
        "set",
        "-t",
        "categories",
        "--data",
        '{"categories": [{"name": "hardware"}]}',
        "--note",
        "the chart of accounts' categories",
    )
    second = ok_json(
        invoke,
        local,
        "config",
        "set",
        "-t",
        "categories",
        "--data",
        '{"categories": [{"name": "computer_hardware_and_peripherals"}]}',
        "--note",
        NOTE,
    )
    out = narrow(invoke, local, monkeypatch, "config", "history", "-t", "categories")
    rows = table(out, "categories configuration history")
    assert [whole(r, "id") for r in rows] == [second["id"], first["id"]]
    assert [whole(r, "version") for r in rows] == ["2", "1"]
    assert rows[0]["active"] == ["*"]
    assert words(rows[0], "note") == NOTE.split()
    assert "createdAt" in footnote(out)


def test_config_diff_folds_long_values_and_keeps_paths_whole(
    invoke: Invoke, local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = {"categories": [{"name": "hardware"}, {"name": "insurance"}]}
    description = "Insurance premiums for property, liability and professional indemnity cover"
    member = {
        "name": "professional_subscriptions_and_memberships",
        "description": "Dues paid to professional bodies",
    }
    new = {
        "categories": [
            {"name": "computer_hardware_and_peripherals"},
            {"name": "insurance", "description": description},
            member,
        ]
    }
    ids = [
        ok_json(invoke, local, "config", "set", "-t", "categories", "--data", json.dumps(body))[
            "id"
        ]
        for body in (old, new)
    ]
    out = narrow(invoke, local, monkeypatch, "config", "diff", *ids)
    rows = table(out, "categories: version 1 -> 2")
    assert [(whole(r, "change"), whole(r, "path")) for r in rows] == [
        ("changed", "categories.0.name"),
        ("added", "categories.1.description"),
        ("added", "categories.2"),
    ]
    assert whole(rows[0], "old") == '"hardware"'
    assert "".join(rows[0]["new"]) == '"computer_hardware_and_peripherals"'
    assert words(rows[1], "new") == json.dumps(description).split()
    # compact JSON folds at its spaces and inside its words: every other character is kept
    compact = json.dumps(member, separators=(",", ":"))
    assert "".join(rows[2]["new"]).replace(" ", "") == compact.replace(" ", "")
    assert rows[2]["old"] == []


# --- feedback -------------------------------------------------------------------------------


def test_feedback_summary_keeps_the_model_and_the_counts_that_decide_a_retrain(
    invoke: Invoke, local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Client(api_key=local.key, company=local.company) as client:
        model = client.models.create(
            model_name="expense_classifier",
            model_version="1.0.0",
            model_type="classification",
            algorithm="random_forest",
        )
        for vendor in ("AWS", "Staples"):
            prediction = client.predictions.create(
                model_id=model.id,
                prediction_type="classification",
                input_data={"vendorName": vendor},
                prediction={"prediction": "software"},
            )
            client.feedback.correct(prediction.id, "office_supplies")
        client.feedback.rate(4, model_id=model.id)
        client.feedback.process(retrain=False)
        client.feedback.rate(2, model_id=model.id)  # still pending
    out = narrow(invoke, local, monkeypatch, "feedback", "summary", "--model", model.id)
    (row,) = table(out, "Feedback per model")
    assert whole(row, "model") == model.id
    assert (whole(row, "pending"), whole(row, "corrections"), whole(row, "unused")) == (
        "1",
        "2",
        "2",
    )
    assert whole(row, "mean") == "4.00"
    assert "last challenger" in footnote(out)


TRAIN = (
    "train",
    "--name",
    "expenses",
    "--model-type",
    "classification",
    "--algorithm",
    "random_forest",
    "--table",
    "LedgerExpense",
    "--features",
    "vendorName,description,amount",
    "--target",
    "category",
    "--param",
    "n_estimators=10",
)
ROWS = [
    {"vendorName": "Staples", "description": f"printer toner box {i}", "amount": 80.0 + i}
    for i in range(3)
]


@pytest.fixture
def corrected(invoke: Invoke, ledger: Local) -> str:
    """A classifier trained on the seeded ledger with three processed corrections."""
    trained = cli(invoke, ledger, *TRAIN)
    assert trained.exit_code == 0, trained.output
    with Client(api_key=ledger.key, company=ledger.company) as client:
        (model,) = client.models.list(model_name="expenses").items
        answers = client.serving.predict(model.id, ROWS).predictions
        for answer in answers:
            assert answer.prediction_id is not None
            client.feedback.correct(answer.prediction_id, "travel")
        client.feedback.process(retrain=False)
    return model.id


def test_retrain_keeps_the_challenger_its_version_and_the_experiment(
    invoke: Invoke, ledger: Local, corrected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = narrow(invoke, ledger, monkeypatch, "retrain", "--model", corrected, "--threshold", 3)
    (row,) = table(out, "Retrained from feedback")
    with Client(api_key=ledger.key, company=ledger.company) as client:
        last = client.feedback.summary(corrected).last_retraining
        assert last is not None
        challenger = client.models.get(last.challenger_model_id)
        (experiment,) = client.experiments.list().items
    assert whole(row, "challenger") == challenger.id
    assert whole(row, "version") == challenger.model_version
    assert whole(row, "experiment") == experiment.id
    assert "model" in footnote(out).split(", ")


def test_experiments_show_keeps_metric_names_and_numbers(
    invoke: Invoke, ledger: Local, corrected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Client(api_key=ledger.key, company=ledger.company) as client:
        started = client.feedback.retrain(corrected, threshold=3)
    evaluated = ok_json(
        invoke, ledger, "experiments", "evaluate", started.experiment_id, "--mode", "offline"
    )
    section = evaluated["results"]["offline"]
    out = narrow(invoke, ledger, monkeypatch, "experiments", "show", started.experiment_id)
    rows = table(out, f"offline ({section['rows']})")
    assert [whole(r, "metric") for r in rows] == list(section["metrics"])
    for row, item in zip(rows, section["metrics"].values(), strict=True):
        assert whole(row, "baseline") == f"{item['baseline']:.4f}"
        assert whole(row, "current") == f"{item['current']:.4f}"
        assert whole(row, "difference") == f"{item['difference']:+.4f}"
        assert whole(row, "p") == f"{item['pValue']:.3f}"
        assert words(row, "CI") == [
            f"[{item['ciLow']:+.4f},",
            f"{item['ciHigh']:+.4f}]",
            f"({item['confidence']:.0%})",
        ]


# --- governance -----------------------------------------------------------------------------


def test_governance_evaluate_keeps_policies_statuses_and_whole_summaries(
    invoke: Invoke, local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Client(api_key=local.key, company=local.company) as client:
        model = client.models.create(
            model_name="expense_classifier",
            model_version="1.0.0",
            model_type="classification",
            algorithm="random_forest",
            status="active",
        )
        for body in (
            {"policy_name": "models explain themselves", "policy_type": "transparency"},
            {"policy_name": "artifacts verify", "policy_type": "security"},
        ):
            client.governance_policies.create({**body, "status": "active"})
    result = cli(invoke, local, "governance", "evaluate", "--model", model.id, "--json")
    assert result.exit_code == 1, result.output
    evaluations = json.loads(result.stdout)
    out = narrow(invoke, local, monkeypatch, "governance", "evaluate", "--model", model.id, code=1)
    rows = table(out, "Policy evaluations")
    assert [whole(r, "policy") for r in rows] == [e["policyId"] for e in evaluations]
    assert [whole(r, "status") for r in rows] == ["fail", "fail"]
    assert [words(r, "summary") for r in rows] == [e["summary"].split() for e in evaluations]
    assert footnote(out) == "violation"


# --- performance ----------------------------------------------------------------------------


def test_perf_show_keeps_every_metric_of_every_window(
    invoke: Invoke, local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {"accuracy": 0.9082, "precision": 0.9292, "recall": 0.9134, "f1": 0.9175}
    with Client(api_key=local.key, company=local.company) as client:
        model = client.models.create(
            model_name="expense_classifier",
            model_version="1.0.0",
            model_type="classification",
            algorithm="random_forest",
        )
        for week, trend in ((2, None), (9, "declining")):
            for metric, value in values.items():
                client.performance_metrics.create(
                    model_id=model.id,
                    metric_type=metric,
                    metric_value=value,
                    metric_date=datetime(2026, 11, week),
                    time_window="weekly",
                    trend=trend,
                )
    out = narrow(invoke, local, monkeypatch, "perf", "show", "--model", model.id)
    rows = table(out, f"Model {model.id}: weekly performance")
    assert [whole(r, "window start") for r in rows] == [
        "2026-11-02 00:00:00",
        "2026-11-09 00:00:00",
    ]
    for metric, value in values.items():
        assert [whole(r, metric) for r in rows] == [f"{value:.4f}", f"{value:.4f} ▼"]


# --- quality --------------------------------------------------------------------------------


def test_quality_run_keeps_check_names_statuses_and_numbers(
    invoke: Invoke, ledger: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = ok_json(invoke, ledger, "quality", "run", "--checks", "ledger", "--no-store")
    out = narrow(invoke, ledger, monkeypatch, "quality", "run", "--checks", "ledger", "--no-store")
    rows = table(out, "Data quality: ledger", key="status")
    results = body["results"]
    assert [words(r, "check") for r in rows] == [r["name"].split() for r in results]
    assert [whole(r, "status") for r in rows] == [r["status"] for r in results]
    assert [whole(r, "failed") for r in rows] == [
        f"{r['rowsFailed']} of {r['rowsChecked']}" for r in results
    ]
    assert "threshold" in rows[0]
    assert "metric" in rows[0]
    assert "dimension" in footnote(out)


# --- models compare -------------------------------------------------------------------------


def test_models_compare_keeps_labels_versions_values_and_feature_names(
    invoke: Invoke, local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    common: dict[str, Any] = {"model_name": "anomaly_detection", "model_type": "anomaly_detection"}
    removed = ["amountZScore", "vendorAccountFrequency", "vendorAmountEarlierMeanRatio"]
    added = ["paymentTermsDays", "customerSegmentAverageAmount"]
    with Client(api_key=local.key, company=local.company) as client:
        left = client.models.create(
            **common,
            model_version="1.0.0",
            algorithm="isolation_forest",
            precision=0.6429,
            recall=0.8182,
            hyperparameters={"contamination": 0.035, "n_estimators": 200},
            feature_columns=["amount", *removed],
        )
        right = client.models.create(
            **common,
            model_version="1.1.0-rc.1",
            algorithm="xgboost",
            precision=0.7,
            recall=0.75,
            hyperparameters={"colsample_bytree": 0.8, "min_child_weight": 1.0, "n_estimators": 50},
            feature_columns=["amount", *added],
        )
    out = narrow(invoke, local, monkeypatch, "models", "compare", left.id, right.id)
    rows = {whole(r, ""): r for r in table(out, "anomaly_detection: 1.0.0 -> 1.1.0-rc.1")}
    assert [whole(rows["precision"], h) for h in ("1.0.0", "1.1.0-rc.1", "delta")] == [
        "0.6429",
        "0.7000",
        "0.0571",
    ]
    assert whole(rows["recall"], "delta") == "-0.0682"
    assert whole(rows["hyperparameters.colsample_bytree"], "1.1.0-rc.1") == "0.8"
    assert whole(rows["hyperparameters.min_child_weight"], "1.0.0") == "null"
    assert whole(rows["hyperparameters.n_estimators"], "1.0.0") == "200"
    said = " ".join(out.split())
    assert f"features added: {', '.join(added)}" in said
    assert f"features removed: {', '.join(removed)}" in said


# --- pipeline runs --------------------------------------------------------------------------


def test_pipeline_runs_show_keeps_steps_and_checks(
    invoke: Invoke, ledger: Local, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = [
        {
            "check": "not_null",
            "column": "description",
            "name": "every positive expense has a description for the classifier",
        },
        {"check": "unique", "columns": ["expenseId"], "name": "one row per expense"},
    ]
    path = tmp_path / "pipeline.json"
    path.write_text(
        json.dumps(
            {
                "pipelineName": "positive expenses",
                "pipelineType": "preprocessing",
                "sourceTables": ["LedgerExpense"],
                "targetTables": ["PositiveExpenses"],
                "transformations": [
                    {"step": "filter", "expression": "amount > 0"},
                    {"step": "select", "columns": ["expenseId", "amount", "description"]},
                ],
                "validationRules": rules,
            }
        )
    )
    pipeline = ok_json(invoke, ledger, "pipelines", "create", "--file", path)
    run = ok_json(invoke, ledger, "pipelines", "run", pipeline["id"], "--wait")
    out = narrow(invoke, ledger, monkeypatch, "pipeline-runs", "show", run["id"])
    steps = table(out, "Steps")
    expected = run["metrics"]["steps"]
    assert [whole(r, "step") for r in steps] == [s["step"] for s in expected]
    assert [whole(r, "rows in") for r in steps] == [str(s["rowsIn"]) for s in expected]
    assert [whole(r, "rows out") for r in steps] == [str(s["rowsOut"]) for s in expected]
    checks = table(out, "Checks", key="check")
    assert [words(r, "name") for r in checks] == [
        c["name"].split() for c in run["metrics"]["checks"]
    ]
    assert [whole(r, "rows failed") for r in checks] == [
        str(c["rowsFailed"]) for c in run["metrics"]["checks"]
    ]
