"""Concept-drift signals: ADWIN over the error stream, and the live metric's drop."""

import math

import numpy as np
import pytest

from urutiq_ai.ml import concept


def errors(*parts: tuple[int, float], seed: int = 0) -> list[float]:
    """Error indicators: for each (count, rate), ``count`` draws wrong with ``rate``."""
    rng = np.random.default_rng(seed)
    stream: list[float] = []
    for count, rate in parts:
        stream.extend((rng.random(count) < rate).astype(float).tolist())
    return stream


class TestErrorStream:
    def test_a_rising_error_rate_is_cut_and_reported(self) -> None:
        result = concept.error_stream(errors((600, 0.1), (600, 0.4)))
        assert result.detected
        assert result.rising_cuts
        assert 600 <= result.rising_cuts[0] < 900
        assert result.error_before == pytest.approx(0.1, abs=0.03)
        assert result.error_after == pytest.approx(0.4, abs=0.08)
        payload = result.to_dict()
        assert payload["detector"] == "ADWIN"
        assert payload["observations"] == 1200

    def test_a_falling_error_rate_is_a_cut_but_not_drift(self) -> None:
        result = concept.error_stream(errors((600, 0.4), (600, 0.1)))
        assert result.cuts
        assert result.rising_cuts == []
        assert not result.detected

    @pytest.mark.parametrize("seed", range(3))
    def test_a_stable_error_rate_is_left_alone(self, seed: int) -> None:
        result = concept.error_stream(errors((1200, 0.1), seed=seed))
        assert not result.detected

    def test_absolute_errors_of_a_regression(self) -> None:
        rng = np.random.default_rng(4)
        stream = np.abs(rng.normal(0, 1, 500)).tolist() + np.abs(rng.normal(0, 4, 500)).tolist()
        assert concept.error_stream(stream).detected


class TestMetricDrop:
    @pytest.mark.parametrize(
        ("live", "trained", "lower", "drop"),
        [
            (0.8, 0.9, False, 0.1 / 0.9),
            (0.95, 0.9, False, 0.0),
            (12.0, 10.0, True, 0.2),
            (8.0, 10.0, True, 0.0),
            (0.0, 0.0, True, 0.0),
        ],
    )
    def test_relative_worsening(
        self, live: float, trained: float, lower: bool, drop: float
    ) -> None:
        assert concept.metric_drop(live, trained, lower_is_better=lower) == pytest.approx(drop)

    def test_any_error_against_a_perfect_mae_is_capped(self) -> None:
        drop = concept.metric_drop(1.0, 0.0, lower_is_better=True)
        assert drop == concept.DROP_CAP
        assert math.isfinite(drop)

    @pytest.mark.parametrize(
        ("drop", "status"),
        [
            (0.0, "normal"),
            (0.049, "normal"),
            (0.05, "warning"),
            (0.1, "detected"),
            (2.0, "detected"),
        ],
    )
    def test_status_bands(self, drop: float, status: str) -> None:
        assert concept.drop_status(drop) == status
