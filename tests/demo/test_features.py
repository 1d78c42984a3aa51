"""Journal entry features, and that a plain unsupervised model can find the anomalies."""

import pandas as pd
import pytest
from sklearn.ensemble import IsolationForest

from urutiq_ai.demo import FEATURE_COLUMNS, NUMERIC_FEATURES, Ledger, journal_entry_features


@pytest.fixture(scope="module")
def features(ledger: Ledger) -> pd.DataFrame:
    return journal_entry_features(ledger)


def test_one_row_per_entry(ledger: Ledger, features: pd.DataFrame) -> None:
    assert list(features.columns) == list(FEATURE_COLUMNS)
    assert features["entryId"].tolist() == ledger.journal_entries["entryId"].tolist()
    assert not features[list(NUMERIC_FEATURES)].isna().any().any()


def test_accepts_frames_by_name(ledger: Ledger, features: pd.DataFrame) -> None:
    again = journal_entry_features(ledger.frames())
    assert again.equals(features)
    with pytest.raises(KeyError):
        journal_entry_features({"journalEntries": ledger.journal_entries})


def test_features_see_the_injected_patterns(features: pd.DataFrame) -> None:
    by_kind = features.groupby(features["anomalyType"].fillna("none"))
    assert by_kind["vendorAmountEarlierSameWeek"].min()["duplicate_invoice"] >= 1
    assert by_kind["isRoundAmount"].min()["split_below_limit"] == 1
    assert by_kind["vendorAccountFrequency"].max()["unusual_vendor_account"] == 1
    assert by_kind["offHoursDistance"].min()["off_hours_posting"] >= 3
    assert by_kind["isReversal"].min()["reversed_entry"] == 1
    normal = features[~features["isAnomaly"]]
    assert (normal["offHoursDistance"] == 0).all()
    assert (normal["vendorAmountEarlierSameWeek"] == 0).mean() > 0.99


def test_isolation_forest_finds_the_anomalies(features: pd.DataFrame) -> None:
    """Fit on the reference period's numeric features, no labels; report recall and FPR."""
    reference = features[features["period"] == "reference"]
    truth = reference["isAnomaly"].to_numpy()
    values = reference[list(NUMERIC_FEATURES)].to_numpy(dtype=float)
    # Twice the anomaly rate: flagging exactly as many rows as there are anomalies makes
    # every false positive cost one true positive (recall ~0.6 at an FPR of ~0.6% then).
    model = IsolationForest(random_state=0, contamination=2 * truth.mean()).fit(values)
    flagged = model.predict(values) == -1
    recall = flagged[truth].mean()
    false_positive_rate = flagged[~truth].mean()
    print(f"IsolationForest recall={recall:.3f} fpr={false_positive_rate:.4f}")  # noqa: T201
    assert recall >= 0.70
    assert false_positive_rate <= 0.05
