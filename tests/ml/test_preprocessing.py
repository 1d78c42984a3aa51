import pickle

import numpy as np
import pandas as pd
from scipy import sparse

from tests.ml.conftest import FEATURES
from urutiq_ai.ml.columns import infer_column_types
from urutiq_ai.ml.preprocessing import build_preprocessor, feature_names_out, feature_sources


class TestBuildPreprocessor:
    def test_mixed_kinds_map_back_to_their_columns(self, frame: pd.DataFrame) -> None:
        pre = build_preprocessor(infer_column_types(frame, FEATURES))
        out = pre.fit_transform(frame[FEATURES])
        assert sparse.issparse(out)  # TF-IDF keeps it sparse
        sources = feature_sources(pre)
        assert len(sources) == out.shape[1]
        assert set(sources) == set(FEATURES)
        assert sources.count("amount") == 1
        assert sources.count("posted") == 5  # month, weekday, hour, day, is_weekend
        assert sources.count("vendor") == 3
        names = dict(feature_names_out(pre))
        assert names["vendor_acme"] == "vendor"
        assert names["posted_month"] == "posted"
        assert any(name.startswith("memo:") for name in names)

    def test_dense_option(self, frame: pd.DataFrame) -> None:
        pre = build_preprocessor(infer_column_types(frame, FEATURES), dense=True)
        assert isinstance(pre.fit_transform(frame[FEATURES]), np.ndarray)

    def test_raw_rows_with_unseen_values_and_nulls(self, frame: pd.DataFrame) -> None:
        pre = build_preprocessor(infer_column_types(frame, FEATURES))
        pre.fit(frame[FEATURES])
        raw = pd.DataFrame(
            [
                {
                    "amount": "15.5",
                    "noise": None,
                    "vendor": "never-seen",
                    "memo": None,
                    "posted": "2024-06-01T10:00:00",
                    "recurring": "true",
                }
            ]
        )
        out = pre.transform(raw)
        assert out.shape == (1, len(feature_sources(pre)))
        assert np.isfinite(out.toarray()).all()

    def test_pickles(self, frame: pd.DataFrame) -> None:
        pre = build_preprocessor(infer_column_types(frame, FEATURES)).fit(frame[FEATURES])
        again = pickle.loads(pickle.dumps(pre))
        assert (again.transform(frame[FEATURES]) != pre.transform(frame[FEATURES])).nnz == 0
