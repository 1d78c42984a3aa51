"""Tiny seeded datasets and cached training runs shared by the ML tests."""

from functools import cache

import numpy as np
import pandas as pd
import pytest

from urutiq_ai.ml.training import TrainResult, TrainSpec, train

FEATURES = ["amount", "noise", "vendor", "memo", "posted", "recurring"]
ANOMALY_FEATURES = ["amount", "noise", "vendor"]
WORDS = np.array(["office", "chairs", "travel", "hotel", "software", "license", "lunch", "fuel"])
FAST = {
    "random_forest": {"n_estimators": 20},
    "xgboost": {"n_estimators": 15, "n_jobs": 2},
    "neural_network": {"epochs": 30, "hidden_layer_sizes": [16], "learning_rate_init": 0.01},
    "isolation_forest": {"n_estimators": 30},
    "kmeans": {"n_clusters": 3, "n_init": 2},
}
TARGETS = {"classification": "label", "regression": "value"}


def make_ledger(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Invoices where ``amount`` alone drives the label, the value and the anomalies."""
    rng = np.random.default_rng(seed)
    amount = rng.normal(100.0, 30.0, n)
    anomalous = rng.random(n) < 0.05
    amount[anomalous] = rng.normal(900.0, 50.0, anomalous.sum())
    frame = pd.DataFrame(
        {
            "amount": amount,
            "noise": rng.normal(0.0, 1.0, n),
            "vendor": rng.choice(["acme", "globex", "initech"], n),
            "memo": [" ".join(rng.choice(WORDS, 4)) for _ in range(n)],
            "posted": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "recurring": rng.random(n) > 0.5,
        }
    )
    frame["label"] = np.where(amount > 100.0, "high", "low")
    frame["value"] = amount * 3.0 + rng.normal(0.0, 5.0, n)
    frame["is_fraud"] = anomalous
    return frame


@cache
def ledger() -> pd.DataFrame:
    return make_ledger()


def spec_for(model_type: str, algorithm: str, **overrides: object) -> TrainSpec:
    fields: dict[str, object] = {
        "model_type": model_type,
        "algorithm": algorithm,
        "feature_columns": FEATURES,
        "target_column": TARGETS.get(model_type),
        "hyperparameters": FAST.get(algorithm, {}),
    }
    if model_type == "anomaly_detection":
        # isolation forests pick split features uniformly: wide TF-IDF blocks drown amounts
        fields["label_column"] = "is_fraud"
        fields["feature_columns"] = ANOMALY_FEATURES
    fields.update(overrides)
    return TrainSpec(**fields)  # type: ignore[arg-type]


@cache
def trained(model_type: str, algorithm: str) -> TrainResult:
    """One cached training run per (model type, algorithm) on the shared ledger."""
    return train(ledger(), spec_for(model_type, algorithm))


@pytest.fixture
def frame() -> pd.DataFrame:
    return ledger().copy()
