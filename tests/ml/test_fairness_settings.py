"""FairnessSettings: the typed thresholds and bootstrap options a report is built from,
checked when built (the same checks and messages the report functions give)."""

import dataclasses

import numpy as np
import pytest

from urutiq_ai.ml.fairness.settings import (
    DEFAULT_THRESHOLDS,
    FairnessSettings,
    FairnessThresholds,
)


def test_defaults_match_the_report_functions() -> None:
    settings = FairnessSettings()
    assert settings.thresholds == DEFAULT_THRESHOLDS
    assert (settings.confidence, settings.n_resamples, settings.seed) == (0.95, 500, 0)


def test_confidence_is_taken_as_a_float_and_the_value_is_frozen() -> None:
    settings = FairnessSettings(FairnessThresholds(min_group_size=5), 0.9, 0, 3)
    assert settings.n_resamples == 0
    assert type(FairnessSettings(confidence=np.float64(0.5)).confidence) is float
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.seed = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"confidence": 1.0}, "confidence must lie strictly between 0 and 1"),
        ({"confidence": 0.0}, "confidence must lie strictly between 0 and 1"),
        ({"n_resamples": -1}, "n_resamples must be a non-negative integer"),
        ({"n_resamples": 2.5}, "n_resamples must be a non-negative integer"),
        ({"n_resamples": True}, "n_resamples must be a non-negative integer"),
    ],
)
def test_bad_options_raise_value_error(options: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        FairnessSettings(**options)  # type: ignore[arg-type]
