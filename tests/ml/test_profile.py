import json

import numpy as np
import pandas as pd

from tests.ml.conftest import FEATURES
from urutiq_ai.ml.columns import infer_column_types
from urutiq_ai.ml.profile import OTHER, reference_profile


class TestReferenceProfile:
    def test_json_and_documented_keys(self, frame: pd.DataFrame) -> None:
        frame.loc[0, "amount"] = np.nan
        profile = reference_profile(
            frame, infer_column_types(frame, FEATURES), bins=5, sample_size=50
        )
        json.dumps(profile, allow_nan=False)
        assert profile["version"] == 1
        assert profile["rowCount"] == len(frame)
        features = profile["features"]
        amount = features["amount"]
        assert amount["kind"] == "numeric"
        assert amount["nulls"] == 1
        assert amount["count"] == len(frame) - 1
        assert len(amount["binEdges"]) == 6
        assert sum(amount["binCounts"]) == amount["count"]
        assert len(amount["sample"]) == 50
        assert {"mean", "std", "min", "max"} <= set(amount)
        assert set(features["vendor"]["categories"]) == {"acme", "globex", "initech"}
        assert set(features["recurring"]["categories"]) == {"true", "false"}
        assert features["memo"]["tokens"]["mean"] == 4.0
        assert "office" in features["memo"]["topTokens"]
        assert sum(features["posted"]["months"].values()) == len(frame)
        assert features["posted"]["min"].startswith("2024-")

    def test_many_categories_fold_into_other(self) -> None:
        frame = pd.DataFrame({"code": [f"c{i % 80}" for i in range(400)]})
        profile = reference_profile(frame, {"code": "categorical"})
        categories = profile["features"]["code"]["categories"]
        assert len(categories) == 51
        assert categories[OTHER] == 150

    def test_constant_and_empty_numeric(self) -> None:
        frame = pd.DataFrame({"a": [3.0] * 10, "b": [None] * 10})
        profile = reference_profile(frame, {"a": "numeric", "b": "numeric"})
        json.dumps(profile, allow_nan=False)
        assert profile["features"]["a"]["binCounts"] == [10]
        assert profile["features"]["b"]["mean"] is None
