import math

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from tests.ml.conftest import FEATURES, ledger, spec_for, trained
from urutiq_ai.ml.artifacts import dump_pipeline, load_pipeline, sha256
from urutiq_ai.ml.errors import MIN_ROWS, SpecError, TrainingCancelled
from urutiq_ai.ml.fitting import FitContext, fit_trees, loss
from urutiq_ai.ml.training import Progress, TrainSpec, train

CLASSIFICATION_KEYS = {
    "accuracy", "precision", "recall", "f1Score", "precisionMacro", "recallMacro", "f1Macro",
    "precisionWeighted", "recallWeighted", "f1Weighted",
}  # fmt: skip
CASES = [
    ("classification", "random_forest", CLASSIFICATION_KEYS),
    ("classification", "xgboost", CLASSIFICATION_KEYS),
    ("classification", "logistic_regression", CLASSIFICATION_KEYS),
    ("classification", "neural_network", CLASSIFICATION_KEYS),
    ("regression", "random_forest", {"mae", "rmse", "r2"}),
    ("regression", "xgboost", {"mae", "rmse", "r2"}),
    ("regression", "linear_regression", {"mae", "rmse", "r2"}),
    ("regression", "neural_network", {"mae", "rmse", "r2"}),
    ("clustering", "kmeans", {"silhouette", "inertia"}),
    ("anomaly_detection", "isolation_forest", {"anomalyRate", "precision", "recall", "f1Score"}),
]


class TestTrainEachAlgorithm:
    @pytest.mark.parametrize(("model_type", "algorithm", "keys"), CASES)
    def test_metrics_and_pipeline(self, model_type: str, algorithm: str, keys: set[str]) -> None:
        result = trained(model_type, algorithm)
        assert set(result.metrics) == keys
        assert all(math.isfinite(v) for v in result.metrics.values())
        assert result.training_rows + result.validation_rows == len(ledger())
        assert len(result.validation_frame) == result.validation_rows
        predictions = result.pipeline.predict(ledger()[result.feature_columns].head(5))
        assert len(predictions) == 5
        assert result.training_curve
        assert result.validation_curve

    def test_models_learn(self) -> None:
        assert trained("classification", "random_forest").metrics["accuracy"] > 0.85
        assert trained("classification", "logistic_regression").metrics["f1Score"] > 0.85
        assert trained("regression", "linear_regression").metrics["r2"] > 0.9
        assert trained("regression", "xgboost").metrics["r2"] > 0.8
        assert trained("anomaly_detection", "isolation_forest").metrics["recall"] > 0.5

    def test_classification_result_fields(self) -> None:
        result = trained("classification", "neural_network")
        assert result.classes == ["high", "low"]
        assert result.epochs == 30
        assert result.batch_size == 64
        assert result.learning_rate == pytest.approx(0.01)
        assert result.column_types["memo"] == "text"
        assert result.validation_target is not None
        assert set(result.validation_target.unique()) <= {"high", "low"}

    def test_pipeline_round_trips_through_artifacts(self) -> None:
        pipeline = trained("classification", "xgboost").pipeline
        data = dump_pipeline(pipeline)
        again = load_pipeline(data, sha256(data))
        rows = ledger()[FEATURES].head(20)
        assert (again.predict(rows) == pipeline.predict(rows)).all()


class TestProgress:
    @pytest.mark.parametrize(
        ("algorithm", "points"), [("neural_network", 30), ("xgboost", 15), ("random_forest", 10)]
    )
    def test_curves_grow_in_order(self, algorithm: str, points: int) -> None:
        seen: list[Progress] = []
        result = train(ledger(), spec_for("classification", algorithm), on_progress=seen.append)
        assert [p.epoch for p in seen] == list(range(1, points + 1))
        assert all(p.total_epochs == points for p in seen)
        assert [c["epoch"] for c in result.training_curve] == list(range(1, points + 1))
        assert [c["loss"] for c in result.validation_curve] == [p.validation_loss for p in seen]
        assert seen[-1].loss < seen[0].loss

    def test_single_fit_reports_one_point(self) -> None:
        seen: list[Progress] = []
        train(ledger(), spec_for("clustering", "kmeans"), on_progress=seen.append)
        assert len(seen) == 1
        assert seen[0].loss > 0  # inertia

    @pytest.mark.parametrize("algorithm", ["neural_network", "xgboost", "random_forest"])
    def test_cancel_mid_training(self, algorithm: str) -> None:
        seen: list[Progress] = []
        with pytest.raises(TrainingCancelled):
            train(
                ledger(),
                spec_for("classification", algorithm),
                on_progress=seen.append,
                should_stop=lambda: len(seen) >= 3,
            )
        assert len(seen) == 3

    def test_cancel_before_start(self) -> None:
        with pytest.raises(TrainingCancelled):
            train(ledger(), spec_for("regression", "linear_regression"), should_stop=lambda: True)


class TestDeterminism:
    @pytest.mark.parametrize(
        ("model_type", "algorithm"),
        [
            ("classification", "xgboost"),
            ("classification", "neural_network"),
            ("regression", "random_forest"),
            ("clustering", "kmeans"),
            ("anomaly_detection", "isolation_forest"),
        ],
    )
    def test_same_spec_same_metrics(self, model_type: str, algorithm: str) -> None:
        first = train(ledger(), spec_for(model_type, algorithm))
        second = train(ledger(), spec_for(model_type, algorithm))
        assert first.metrics == second.metrics
        assert first.training_curve == second.training_curve

    def test_seed_changes_the_split(self) -> None:
        first = train(ledger(), spec_for("regression", "linear_regression", random_state=1))
        second = train(ledger(), spec_for("regression", "linear_regression", random_state=2))
        assert not first.validation_frame.equals(second.validation_frame)


def _fields(frame: pd.DataFrame, spec: TrainSpec) -> list[str]:
    with pytest.raises(SpecError) as exc:
        train(frame, spec)
    return sorted(field for field, _ in exc.value.errors)


class TestSpecErrors:
    def test_unknown_algorithm(self, frame: pd.DataFrame) -> None:
        assert _fields(frame, spec_for("classification", "magic", hyperparameters={})) == [
            "algorithm"
        ]

    def test_wrong_model_type(self, frame: pd.DataFrame) -> None:
        spec = spec_for("classification", "kmeans", hyperparameters={})
        assert _fields(frame, spec) == ["algorithm"]

    def test_unknown_model_type(self, frame: pd.DataFrame) -> None:
        assert _fields(frame, spec_for("forecasting", "xgboost", target_column="value")) == [
            "modelType"
        ]

    def test_bad_hyperparameters(self, frame: pd.DataFrame) -> None:
        params = {"depth": 3, "max_depth": 0, "learning_rate": "fast"}
        spec = spec_for("regression", "xgboost", hyperparameters=params)
        assert _fields(frame, spec) == [
            "hyperparameters.depth",
            "hyperparameters.learning_rate",
            "hyperparameters.max_depth",
        ]

    def test_missing_target(self, frame: pd.DataFrame) -> None:
        spec = spec_for("classification", "random_forest", target_column=None)
        assert _fields(frame, spec) == ["targetColumn"]

    def test_target_not_in_data(self, frame: pd.DataFrame) -> None:
        spec = spec_for("regression", "random_forest", target_column="nope")
        assert _fields(frame, spec) == ["targetColumn"]

    def test_non_numeric_regression_target(self, frame: pd.DataFrame) -> None:
        spec = spec_for("regression", "linear_regression", target_column="label")
        assert _fields(frame, spec) == ["targetColumn"]

    def test_numeric_strings_are_a_numeric_target(self, frame: pd.DataFrame) -> None:
        frame["value"] = frame["value"].map(str)
        result = train(frame, spec_for("regression", "linear_regression"))
        assert result.metrics["r2"] > 0.9

    def test_single_class_target(self, frame: pd.DataFrame) -> None:
        frame["label"] = "high"
        assert _fields(frame, spec_for("classification", "logistic_regression")) == ["targetColumn"]

    def test_too_few_rows(self, frame: pd.DataFrame) -> None:
        assert _fields(frame.head(MIN_ROWS - 1), spec_for("regression", "xgboost")) == ["rows"]

    def test_rows_without_target_do_not_count(self, frame: pd.DataFrame) -> None:
        frame.loc[10:, "value"] = np.nan
        assert _fields(frame, spec_for("regression", "xgboost")) == ["rows"]

    def test_validation_split_too_small(self, frame: pd.DataFrame) -> None:
        spec = spec_for("regression", "xgboost", validation_split=0.01)
        assert _fields(frame.head(40), spec) == ["validationSplit"]

    def test_unknown_feature_columns(self, frame: pd.DataFrame) -> None:
        spec = spec_for("regression", "xgboost", feature_columns=["amount", "colour", "size"])
        assert _fields(frame, spec) == ["featureColumns.colour", "featureColumns.size"]

    def test_errors_are_collected_together(self, frame: pd.DataFrame) -> None:
        spec = spec_for(
            "regression",
            "random_forest",
            feature_columns=["amount", "colour"],
            target_column="label",
            hyperparameters={"trees": 5},
        )
        assert _fields(frame, spec) == [
            "featureColumns.colour",
            "hyperparameters.trees",
            "targetColumn",
        ]

    def test_clustering_refuses_a_target(self, frame: pd.DataFrame) -> None:
        assert _fields(frame, spec_for("clustering", "kmeans", target_column="label")) == [
            "targetColumn"
        ]

    def test_anomaly_detection_without_labels(self, frame: pd.DataFrame) -> None:
        result = train(frame, spec_for("anomaly_detection", "isolation_forest", label_column=None))
        assert set(result.metrics) == {"anomalyRate"}


class TestForestCurve:
    """The random forest's curve is kept as running per-tree sums; each point must be the
    loss of the forest as it stands at that step (its own ``predict_proba``/``predict``)."""

    @pytest.mark.parametrize("model_type", ["classification", "regression"])
    def test_each_step_is_the_grown_forest_s_loss(self, model_type: str) -> None:
        rng = np.random.default_rng(3)
        X_train, X_val = rng.normal(size=(300, 4)), rng.normal(size=(120, 4))
        if model_type == "classification":
            y_train = (X_train[:, 0] > 0).astype(int) + (X_train[:, 1] > 1)
            y_val = (X_val[:, 0] > 0).astype(int) + (X_val[:, 1] > 1)
            y_val[:5] = -1  # classes never seen in training are coded -1
            estimator = RandomForestClassifier(n_estimators=23, random_state=0)
        else:
            y_train, y_val = X_train[:, 0] * 2.0, X_val[:, 0] * 2.0
            estimator = RandomForestRegressor(n_estimators=23, random_state=0)
        points: list[tuple[int, int, float, float | None, float | None, float | None]] = []

        def report(step: int, total: int, train_loss: float, val_loss: float | None) -> None:
            expected = loss(ctx, X_train, y_train), loss(ctx, X_val, y_val)
            points.append((step, total, train_loss, val_loss, *expected))

        ctx = FitContext(estimator, model_type, X_train, y_train, X_val, y_val, 3, report)
        fit_trees(ctx)
        assert [(p[0], p[1]) for p in points] == [(step, 10) for step in range(1, 11)]
        assert len(estimator.estimators_) == 23
        for _, _, train_loss, val_loss, expected_train, expected_val in points:
            assert train_loss == expected_train
            assert val_loss == expected_val
