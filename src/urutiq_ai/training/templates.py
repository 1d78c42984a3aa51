"""The accounting templates: one-command trainings on the platform's feature tables.

Each names its source, features, target and a sound algorithm with hyperparameters;
any field of a training request overrides the template's, and its hyperparameters
override the template's name by name (the others are kept). The tables are those the
feature pipelines write from the ledger (``urutiq_ai.demo.pipelines``: collection,
preprocessing, feature engineering, validation, nightly); ``source`` points elsewhere.
"""

from typing import Any

TEMPLATES: dict[str, dict[str, Any]] = {
    "expense_classifier": {
        "model_name": "expense_classifier",
        "model_type": "classification",
        "algorithm": "random_forest",
        "source": {"table": "ExpenseClassifierFeatures"},
        "feature_columns": ["vendorName", "description", "amount"],
        "target_column": "category",
        "hyperparameters": {"n_estimators": 200},
        "description": "Expense category from vendor, description and amount.",
    },
    "anomaly_detection": {
        "model_name": "anomaly_detection",
        "model_type": "anomaly_detection",
        "algorithm": "isolation_forest",
        "source": {"table": "AnomalyDetectionFeatures"},
        # The demo's engineered features (urutiq_ai.demo.features.NUMERIC_FEATURES); free
        # text is left out on purpose: random splits over TF-IDF blocks drown the signal.
        "feature_columns": [
            "amountZScore",
            "offHoursDistance",
            "isWeekend",
            "isRoundAmount",
            "vendorAccountFrequencyLog",
            "vendorAmountEarlierSameWeek",
            "isReversal",
        ],
        "label_column": "isAnomaly",
        "hyperparameters": {"n_estimators": 200, "contamination": 0.035},
        "description": "Unusual journal entries (duplicates, off-hours, odd vendor/account pairs, "
        "splits below approval limits, reversals).",
    },
    "cashflow_prediction": {
        "model_name": "cashflow_prediction",
        "model_type": "regression",
        "algorithm": "xgboost",
        "source": {"table": "CashflowPredictionFeatures"},
        "feature_columns": ["segment", "region", "paymentTermsDays", "amount", "issueDate"],
        "target_column": "daysToPay",
        "hyperparameters": {"n_estimators": 200, "max_depth": 4, "learning_rate": 0.1},
        "description": "Days until a customer invoice is paid.",
    },
}
