"""The metrics computed in numpy (the loss curve's, permutation importance's) equal
scikit-learn's."""

import numpy as np
import pytest
from sklearn import metrics as skm

from urutiq_ai.ml import metrics


@pytest.mark.parametrize("n_classes", [2, 3, 7])
@pytest.mark.parametrize("seed", range(5))
def test_log_loss_is_scikit_learn_s(n_classes: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 400))
    proba = rng.dirichlet(np.ones(n_classes), size=rows)
    proba[rng.random(rows) < 0.1] = np.eye(n_classes)[0]  # certain rows: 0 and 1, clipped
    codes = rng.integers(0, n_classes, size=rows)
    expected = skm.log_loss(codes, proba, labels=list(range(n_classes)))
    assert metrics.log_loss(codes, proba, n_classes) == pytest.approx(expected, rel=1e-12)


def test_log_loss_of_classes_the_rows_do_not_all_have() -> None:
    proba = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    codes = np.array([2, 2])
    expected = skm.log_loss(codes, proba, labels=[0, 1, 2])
    assert metrics.log_loss(codes, proba, 3) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("codes", "proba", "n_classes"),
    [
        ([0, 1], [[0.5, 0.5]], 2),  # fewer rows of probabilities than codes
        ([0, 1], [[0.5, 0.5], [0.5, 0.5]], 3),  # a column short
        ([0, 3], [[0.5, 0.5], [0.5, 0.5]], 2),  # a code beyond the classes
        ([0, -1], [[0.5, 0.5], [0.5, 0.5]], 2),  # an unknown class
        ([], np.empty((0, 2)), 2),
    ],
)
def test_log_loss_refuses_what_scikit_learn_refuses(
    codes: list[int], proba: object, n_classes: int
) -> None:
    with pytest.raises(ValueError, match="log_loss"):
        metrics.log_loss(codes, proba, n_classes)


@pytest.mark.parametrize("seed", range(5))
def test_accuracy_is_scikit_learn_s(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = np.array(["travel", "office", "software", "1", "0"])
    truth = list(rng.choice(labels, size=300))
    predicted = list(rng.choice(labels, size=300))
    assert metrics.accuracy(truth, predicted) == skm.accuracy_score(truth, predicted)


def test_accuracy_refuses_lists_of_two_lengths() -> None:
    with pytest.raises(ValueError, match="accuracy"):
        metrics.accuracy(["a", "b"], ["a"])
