"""What a training job does besides fitting, each against the way it was done before.

1. Permutation importance. Every training job ends with it, on at most 500 validation rows,
5 repeats (``urutiq_ai.ml.importance``). scikit-learn's ``permutation_importance`` sends each
permuted copy through the whole pipeline on its own (one ColumnTransformer pass per copy);
``permutation_drops`` transforms and predicts the copies in batches, then scores each
copy's slice of the predictions. Both use the
same shuffles, so the drops must be equal: the script checks that before it prints a ratio.

2. The artifact: ``dump_pipeline``/``load_pipeline`` (pickle 5 + zlib, the C unpickler)
against joblib with ``compress=3`` (the format before; joblib unpickles in pure Python).
Loads happen at every deployment health check and the first predict of a model.

3. The random forest's loss curve: 10 warm-start steps, each reporting the training and
validation loss. Before, each step predicted with every tree grown so far (5.5 full
predictions in all); ``ForestLoss`` adds only the new trees. Both are run over the same
fitted forest, cut to each step's tree count, and must give the same losses.

Trains the expense classifier template (random forest, 200 trees: vendor, description,
amount) and a logistic regression on the same features, on the demo ledger's expenses
(seed 7), then times each pair in this process, best of ``--repeat``.

    .venv/bin/python benchmarks/training_overheads.py [--repeat 3] [--rows 500]
"""

import argparse
import copy
import io
import time
from collections.abc import Callable
from typing import Any

import joblib
import numpy as np
from sklearn.inspection import permutation_importance

from urutiq_ai.demo import generate_ledger
from urutiq_ai.ml import artifacts
from urutiq_ai.ml.estimators import unwrap
from urutiq_ai.ml.fitting import RF_STEPS, FitContext, ForestLoss, loss
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


def _best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
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


def _artifact(name: str, result: TrainResult, repeat: int) -> None:
    def joblib_dump() -> bytes:
        buffer = io.BytesIO()
        joblib.dump(result.pipeline, buffer, compress=3)
        return buffer.getvalue()

    old_dump_s, old = _best(repeat, joblib_dump)
    new_dump_s, new = _best(repeat, lambda: artifacts.dump_pipeline(result.pipeline))
    old_digest, new_digest = artifacts.sha256(old), artifacts.sha256(new)
    old_load_s, _ = _best(repeat, lambda: artifacts.load_pipeline(old, old_digest))
    new_load_s, loaded = _best(repeat, lambda: artifacts.load_pipeline(new, new_digest))
    rows = result.validation_frame.head(200)
    assert (loaded.predict(rows) == result.pipeline.predict(rows)).all()
    print(
        f"{name:<34} artifact {len(old) / 1e6:5.2f} MB joblib, {len(new) / 1e6:5.2f} MB pickle:"
        f" load {old_load_s * 1000:6.1f} -> {new_load_s * 1000:5.1f} ms"
        f" ({old_load_s / new_load_s:4.1f}x), dump {old_dump_s * 1000:6.1f} ->"
        f" {new_dump_s * 1000:5.1f} ms ({old_dump_s / new_dump_s:4.1f}x)"
    )


def _curve(name: str, result: TrainResult, repeat: int) -> None:
    """The curve of the already fitted forest, as if grown in RF_STEPS steps."""
    labelled, forest = result.pipeline[-1], unwrap(result.pipeline[-1])
    preprocess = result.pipeline[:-1]
    classes = {label: code for code, label in enumerate(labelled.classes_)}
    X_train = preprocess.transform(result.validation_frame)  # stands in for the train split
    X_val = preprocess.transform(result.validation_frame.iloc[::2])
    codes = np.array([classes.get(label, -1) for label in result.validation_target])
    y_train, y_val = codes, codes[::2]
    total = len(forest.estimators_)
    grown = []
    for step in range(1, RF_STEPS + 1):
        part = copy.copy(forest)
        part.estimators_ = forest.estimators_[: max(1, round(total * step / RF_STEPS))]
        grown.append(part)

    def context(estimator: Any) -> FitContext:
        n = len(labelled.classes_)
        return FitContext(
            estimator, "classification", X_train, y_train, X_val, y_val, n, lambda *_: None
        )

    def every_tree_each_step() -> list[tuple[float | None, float | None]]:
        return [
            (loss(context(part), X_train, y_train), loss(context(part), X_val, y_val))
            for part in grown
        ]

    def new_trees_only() -> list[tuple[float | None, float | None]]:
        ctx = context(forest)
        train, validation = ForestLoss(ctx, X_train, y_train), ForestLoss(ctx, X_val, y_val)
        return [(train.of(part), validation.of(part)) for part in grown]

    old_s, expected = _best(repeat, every_tree_each_step)
    new_s, losses = _best(repeat, new_trees_only)
    assert losses == expected, (losses, expected)
    print(
        f"{name:<34} loss curve, {RF_STEPS} steps to {total} trees on {X_train.shape[0]} +"
        f" {X_val.shape[0]} rows: {old_s * 1000:6.1f} -> {new_s * 1000:5.1f} ms"
        f" ({old_s / new_s:4.1f}x), same losses"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=500, help="validation rows scored")
    args = parser.parse_args()
    forest = _trained("random_forest", {"n_estimators": 200})
    linear = _trained("logistic_regression", {})
    print("1. permutation importance (scikit-learn's loop -> batched)")
    _compare("expense_classifier (forest, 200)", forest, args.rows, args.repeat)
    _compare("expense_classifier (logistic)", linear, args.rows, args.repeat)
    print("2. artifacts (joblib, compress=3 -> pickle 5 + zlib)")
    _artifact("expense_classifier (forest, 200)", forest, args.repeat)
    _artifact("expense_classifier (logistic)", linear, args.repeat)
    print("3. the random forest's loss curve (every tree each step -> new trees only)")
    _curve("expense_classifier (forest, 200)", forest, args.repeat)


if __name__ == "__main__":
    main()
