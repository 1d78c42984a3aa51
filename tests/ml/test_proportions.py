"""The one pooled two-proportion z test (drift and experiments share it)."""

import numpy as np
import pytest
from scipy import stats

from urutiq_ai.ml.proportions import pooled_z


@pytest.mark.parametrize(
    ("hits_a", "n_a", "hits_b", "n_b"),
    [(20, 300, 50, 300), (40, 400, 70, 500), (5, 20, 1, 30), (300, 1000, 280, 900)],
)
def test_it_is_the_chi_square_of_the_two_by_two_table(
    hits_a: int, n_a: int, hits_b: int, n_b: int
) -> None:
    z, p = pooled_z(hits_a, n_a, hits_b, n_b)
    table = np.array([[hits_a, n_a - hits_a], [hits_b, n_b - hits_b]])
    chi2, expected_p, _, _ = stats.chi2_contingency(table, correction=False)
    assert float(z) ** 2 == pytest.approx(chi2, rel=1e-9)
    assert float(p) == pytest.approx(expected_p, rel=1e-9)
    assert np.sign(z) == np.sign(hits_b / n_b - hits_a / n_a)


def test_many_categories_at_once_equal_one_at_a_time() -> None:
    a, b = np.array([3.0, 40.0, 0.0, 57.0]), np.array([10.0, 35.0, 0.0, 55.0])
    z, p = pooled_z(a, 100.0, b, 100.0)
    for i in range(len(a)):
        one_z, one_p = pooled_z(a[i], 100.0, b[i], 100.0)
        assert (z[i], p[i]) == (float(one_z), float(one_p))
    assert (z[2], p[2]) == (0.0, 1.0)  # no variation


def test_an_empty_side_decides_nothing() -> None:
    z, p = pooled_z([1.0, 2.0], 0, [3.0, 4.0], 10)
    assert z.tolist() == [0.0, 0.0]
    assert p.tolist() == [1.0, 1.0]
