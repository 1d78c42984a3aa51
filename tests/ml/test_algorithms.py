import pytest

from urutiq_ai.ml.algorithms import ALGORITHMS, describe, get_algorithm, validate_hyperparameters
from urutiq_ai.ml.errors import SpecError


def _fields(exc: pytest.ExceptionInfo[SpecError]) -> list[str]:
    return [field for field, _ in exc.value.errors]


class TestRegistry:
    @pytest.mark.parametrize("name", sorted(ALGORITHMS))
    def test_every_entry_builds_for_its_model_types(self, name: str) -> None:
        algorithm = ALGORITHMS[name]
        for model_type in algorithm.model_types:
            params = validate_hyperparameters(name, model_type, {})
            assert hasattr(algorithm.build(model_type, params, 0), "fit")
        assert describe(algorithm)["name"] == name

    def test_get_algorithm_refuses_wrong_model_type(self) -> None:
        with pytest.raises(SpecError) as exc:
            get_algorithm("kmeans", "classification")
        assert _fields(exc) == ["algorithm"]


class TestValidateHyperparameters:
    def test_fills_defaults(self) -> None:
        params = validate_hyperparameters("random_forest", "classification", {})
        assert params["n_estimators"] == 100
        assert params["max_depth"] is None

    def test_coerces_integral_floats(self) -> None:
        params = validate_hyperparameters("random_forest", "regression", {"n_estimators": 50.0})
        assert params["n_estimators"] == 50
        assert isinstance(params["n_estimators"], int)

    def test_unknown_algorithm(self) -> None:
        with pytest.raises(SpecError) as exc:
            validate_hyperparameters("deep_magic", "classification", {})
        assert _fields(exc) == ["algorithm"]

    def test_algorithm_not_fitting_model_type(self) -> None:
        with pytest.raises(SpecError) as exc:
            validate_hyperparameters("linear_regression", "classification", {})
        assert _fields(exc) == ["algorithm"]

    def test_collects_every_bad_name(self) -> None:
        bad = {
            "max_depth": 500,  # out of range
            "n_estimators": "many",  # wrong type
            "min_samples_leaf": 1.5,  # not an integer
            "max_features": "half",  # not a choice
            "colour": "red",  # unknown
        }
        with pytest.raises(SpecError) as exc:
            validate_hyperparameters("random_forest", "classification", bad)
        assert sorted(_fields(exc)) == sorted(f"hyperparameters.{k}" for k in bad)

    def test_exclusive_minimum_and_bool(self) -> None:
        with pytest.raises(SpecError) as exc:
            validate_hyperparameters("xgboost", "regression", {"learning_rate": 0, "n_jobs": True})
        assert sorted(_fields(exc)) == ["hyperparameters.learning_rate", "hyperparameters.n_jobs"]

    def test_int_list(self) -> None:
        ok = validate_hyperparameters(
            "neural_network", "regression", {"hidden_layer_sizes": [8.0, 4]}
        )
        assert ok["hidden_layer_sizes"] == [8, 4]
        with pytest.raises(SpecError) as exc:
            validate_hyperparameters("neural_network", "regression", {"hidden_layer_sizes": [0]})
        assert _fields(exc) == ["hyperparameters.hidden_layer_sizes"]

    def test_nullable(self) -> None:
        params = validate_hyperparameters(
            "isolation_forest", "anomaly_detection", {"contamination": None}
        )
        assert params["contamination"] is None
        with pytest.raises(SpecError):
            validate_hyperparameters("kmeans", "clustering", {"n_clusters": None})
