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


class TestHyperparameterReasons:
    """Each bad value has one error naming ``hyperparameters.<name>``, with its reason."""

    @pytest.mark.parametrize(
        ("name", "model_type", "params", "field", "reason"),
        [
            ("random_forest", "classification", {"colour": 1}, "colour", "unknown field; allowed"),
            ("random_forest", "classification", {"n_estimators": "5"}, "n_estimators", "integer"),
            (
                "random_forest",
                "classification",
                {"n_estimators": 0},
                "n_estimators",
                "greater than or equal to 1",
            ),
            (
                "random_forest",
                "classification",
                {"max_depth": 101},
                "max_depth",
                "less than or equal to 100",
            ),
            ("random_forest", "classification", {"n_jobs": None}, "n_jobs", "valid integer"),
            ("random_forest", "classification", {"max_features": 2}, "max_features", "'sqrt'"),
            ("xgboost", "regression", {"learning_rate": float("inf")}, "learning_rate", "finite"),
            ("xgboost", "regression", {"learning_rate": True}, "learning_rate", "valid number"),
            ("linear_regression", "regression", {"fit_intercept": 1}, "fit_intercept", "boolean"),
            (
                "neural_network",
                "regression",
                {"hidden_layer_sizes": [8, 2.5]},
                "hidden_layer_sizes",
                "item 1: Input should be a valid integer",
            ),
            (
                "neural_network",
                "regression",
                {"hidden_layer_sizes": list(range(1, 12))},
                "hidden_layer_sizes",
                "expected a list of 1 to 10 integers",
            ),
        ],
    )
    def test_bad_value(
        self, name: str, model_type: str, params: dict[str, object], field: str, reason: str
    ) -> None:
        with pytest.raises(SpecError) as exc:
            validate_hyperparameters(name, model_type, params)
        [(named, said)] = exc.value.errors
        assert named == f"hyperparameters.{field}"
        assert reason in said, said

    def test_unknown_names_list_the_allowed_ones_first(self) -> None:
        with pytest.raises(SpecError) as exc:
            validate_hyperparameters("kmeans", "clustering", {"n_init": 0, "k": 3})
        assert exc.value.errors[0] == (
            "hyperparameters.k",
            "unknown field; allowed: max_iter, n_clusters, n_init",
        )
        assert exc.value.errors[1][0] == "hyperparameters.n_init"

    def test_values_keep_their_kinds(self) -> None:
        params = validate_hyperparameters(
            "xgboost", "classification", {"learning_rate": 1, "max_depth": 3.0}
        )
        assert params["learning_rate"] == 1.0
        assert type(params["learning_rate"]) is float
        assert type(params["max_depth"]) is int
