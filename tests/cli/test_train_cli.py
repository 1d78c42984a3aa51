"""``urutiq-ai train`` says the hyperparameters it trains with, and whether the new version
scores worse than the version serving; ``training-runs show`` says both again (issue 18)."""

import re
from typing import Any

from typer.testing import Result

from tests.cli.conftest import Invoke, Local

SPEC = (
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
)


def cli(invoke: Invoke, local: Local, *args: Any) -> Result:
    result = invoke(*args, "--company", local.company, "--api-key", local.key)
    assert result.exit_code == 0, result.output
    return result


def test_train_says_its_hyperparameters_and_a_worse_version(invoke: Invoke, ledger: Local) -> None:
    first = cli(invoke, ledger, "train", *SPEC, "--param", "n_estimators=30")
    assert re.search(r"hyperparameters: .*n_estimators=30", first.stdout), first.stdout
    assert "than 1.0.0" not in first.stdout  # the first version: nothing to compare with

    weak = cli(
        invoke, ledger, "train", *SPEC, "--param", "n_estimators=1", "--param", "max_depth=1"
    )
    assert re.search(r"hyperparameters: .*max_depth=1 .*n_estimators=1", weak.stdout)
    assert re.search(
        r"Warning: this version is worse than 1\.0\.0 latest active version: "
        r"f1Score 0\.\d{4} vs 0\.\d{4}",
        weak.stdout,
    ), weak.stdout
    assert "model active" in weak.stdout  # said, not refused

    run_id = re.search(r"run ([0-9a-zA-Z_-]+)\)", weak.stdout)
    assert run_id is not None, weak.stdout
    shown = cli(invoke, ledger, "training-runs", "show", run_id.group(1))
    assert "worse than 1.0.0 latest active version: f1Score" in shown.stdout, shown.stdout
    assert '"max_depth":1' in shown.stdout
