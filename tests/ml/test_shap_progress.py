"""shap's own progress bar (written by its C extension to ``sys.stderr``) is held back while
a TreeExplainer runs; everything else written to stderr passes."""

import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

from urutiq_ai.ml import importance
from urutiq_ai.ml.importance import without_shap_progress_bar

# shap/cext/tree_shap.h, print_progress_bar: the format it hands to PySys_WriteStderr
C_FORMAT = "\r%3.0f%%|%.*s%.*s| %d/%d [%02d:%02d<%02d:%02d]       "


def c_bar(done: int, total: int, elapsed: int) -> str:
    """The bar shap's C extension writes after ``done`` of ``total`` rows."""
    fraction = done / total
    filled = int(0.5 + fraction * 20)
    left = int(elapsed / fraction) - elapsed
    # Python's % has no %.*s: the bar's two parts are cut to their lengths here
    return C_FORMAT.replace("%.*s%.*s", "%s%s") % (
        fraction * 100,
        "=" * filled,
        " " * (20 - filled),
        done,
        total,
        elapsed // 60,
        elapsed % 60,
        left // 60,
        left % 60,
    )


@pytest.mark.parametrize(("done", "total"), [(11, 2200), (2136, 2200), (2200, 2200), (9, 10)])
def test_the_bar_is_held_back_and_the_rest_passes(
    capsys: pytest.CaptureFixture[str], done: int, total: int
) -> None:
    before = sys.stderr
    with without_shap_progress_bar():
        sys.stderr.write(c_bar(done, total, elapsed=125))
        sys.stderr.write("a warning\n")
        sys.stderr.flush()
    assert sys.stderr is before
    assert capsys.readouterr().err == "a warning\n"


def test_nested_blocks_restore_stderr_once_the_last_ends(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = sys.stderr
    with without_shap_progress_bar():
        with without_shap_progress_bar():
            sys.stderr.write(c_bar(5, 10, elapsed=11))
        sys.stderr.write(c_bar(6, 10, elapsed=12))
        assert sys.stderr is not before
    assert sys.stderr is before
    sys.stderr.write(c_bar(7, 10, elapsed=13))  # outside: shown
    assert capsys.readouterr().err == c_bar(7, 10, elapsed=13)


def test_tree_shap_values_hold_the_bar_back(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Explainer:
        """shap's TreeExplainer as far as the bar goes: it writes one while it works."""

        def __init__(self, model: Any, **_: Any) -> None:
            self.model = model

        def shap_values(self, X: np.ndarray, **_: Any) -> np.ndarray:
            sys.stderr.write(c_bar(len(X), len(X), elapsed=11))
            return np.zeros(X.shape)

    monkeypatch.setattr(importance.shap, "TreeExplainer", Explainer)
    rows = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.0, 1.0, 0.0, 1.0]})
    pipeline = Pipeline([("scale", StandardScaler()), ("tree", DecisionTreeRegressor())])
    pipeline.fit(rows, [1.0, 2.0, 3.0, 4.0])
    values = importance.tree_shap_values(pipeline, rows, background=rows)
    assert values.shape == (4, 2)
    assert capsys.readouterr().err == ""
