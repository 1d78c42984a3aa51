"""A request's hyperparameters override a template's name by name (issue 18, item 1)."""

import pytest

from urutiq_ai.training.schemas import TrainRequest
from urutiq_ai.training.service import resolve_request
from urutiq_ai.training.templates import TEMPLATES


def resolve(**fields: object) -> TrainRequest:
    return resolve_request(TrainRequest.model_validate(fields))


def test_one_override_keeps_the_templates_others() -> None:
    resolved = resolve(template="anomaly_detection", hyperparameters={"n_estimators": 300})
    assert resolved.hyperparameters == {"n_estimators": 300, "contamination": 0.035}


def test_no_override_is_the_template() -> None:
    resolved = resolve(template="cashflow_prediction")
    assert resolved.hyperparameters == TEMPLATES["cashflow_prediction"]["hyperparameters"]


def test_null_takes_the_algorithms_default() -> None:
    resolved = resolve(template="anomaly_detection", hyperparameters={"contamination": None})
    assert resolved.hyperparameters == {"n_estimators": 200, "contamination": None}


def test_another_algorithm_starts_from_its_own_defaults() -> None:
    """The template's values are for its algorithm: another one does not inherit them."""
    resolved = resolve(
        template="expense_classifier", algorithm="logistic_regression", hyperparameters={"C": 2}
    )
    assert resolved.hyperparameters == {"C": 2}
    assert (
        resolve(template="expense_classifier", algorithm="logistic_regression").hyperparameters
        == {}
    )


def test_the_template_is_not_changed() -> None:
    resolve(template="anomaly_detection", hyperparameters={"n_estimators": 5})
    assert TEMPLATES["anomaly_detection"]["hyperparameters"] == {
        "n_estimators": 200,
        "contamination": 0.035,
    }


@pytest.mark.parametrize("source", [{"file": "rows.csv"}, {"query": "SELECT 1"}])
def test_source_is_replaced_whole(source: dict[str, str]) -> None:
    """A table, a query and a file are alternatives: merging them would name two."""
    resolved = resolve(template="expense_classifier", source=source)
    assert resolved.source is not None
    assert resolved.source.model_dump(exclude_none=True) == source
