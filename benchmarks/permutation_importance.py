"""Permutation importance after training: scikit-learn's loop against the batched one.

Every training job ends with permutation importance on at most 500 validation rows, 5
repeats (``urutiq_ai.ml.importance``). scikit-learn's ``permutation_importance`` sends each
permuted copy through the whole pipeline on its own (one ColumnTransformer pass per copy);
``permutation_drops`` transforms and predicts the copies in batches, then scores each
copy's slice of the predictions. Both use the
same shuffles, so the drops must be equal: the script checks that before it prints a ratio.

Trains the expense classifier template (random forest, 200 trees: vendor, description,
amount) and a logistic regression on the same features, on the demo ledger's expenses
(seed 7), then times both ways in this process, best of ``--repeat``.

    .venv/bin/python benchmarks/permutation_importance.py [--repeat 3] [--rows 500]
"""

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.inspection import permutation_importance

from urutiq_ai.demo import generate_ledger
from urutiq_ai.ml.importance import PERMUTATION_REPEATS, permutation_drops, scorer_for
from urutiq_ai.ml.training import TrainResult, TrainSpec, train
from urutiq_ai.training.templates import TEMPLATES


def _trained(algorithm: str, hyperparameters: dict[str, Any]) -> TrainResult:
    template = TEMPLATES["expense_classifier"]
    spec = TrainSpec(
        model_type="classification",
        algorithm=algorithm,
        feature_columns=template["feature_columns"],
        target_column=template["target_column"],
        hyperparameters=hyperparameters,
    )
    return train(generate_ledger().expenses, spec)


def _best(repeat: int, work: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    best, result = float("inf"), np.empty(0)
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def _compare(name: str, result: TrainResult, rows: int, repeat: int) -> None:
    X = result.validation_frame.reset_index(drop=True).iloc[:rows]
    y = np.asarray(result.validation_target)[:rows]
    scorer = scorer_for(result.pipeline[-1], "classification", y)

    def scikit_learn() -> np.ndarray:
        found = permutation_importance(
            result.pipeline, X, y, n_repeats=PERMUTATION_REPEATS, random_state=0
        )
        return np.asarray(found.importances)

    def batched() -> np.ndarray:
        return permutation_drops(result.pipeline[:-1], X, scorer, PERMUTATION_REPEATS, 0)

    baseline_s, expected = _best(repeat, scikit_learn)
    batched_s, drops = _best(repeat, batched)
    np.testing.assert_allclose(drops, expected, rtol=1e-9, atol=1e-12)
    print(
        f"{name:<34} {len(X):>5} rows x {X.shape[1]} columns x {PERMUTATION_REPEATS} repeats:"
        f" scikit-learn {baseline_s * 1000:7.1f} ms, batched {batched_s * 1000:6.1f} ms,"
        f" {baseline_s / batched_s:4.1f}x faster, drops equal"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=500, help="validation rows scored")
    args = parser.parse_args()
    forest = _trained("random_forest", {"n_estimators": 200})
    _compare("expense_classifier (forest, 200)", forest, args.rows, args.repeat)
    linear = _trained("logistic_regression", {})
    _compare("expense_classifier (logistic)", linear, args.rows, args.repeat)


if __name__ == "__main__":
    main()
