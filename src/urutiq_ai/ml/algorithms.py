"""The algorithm registry: what each algorithm fits, its hyperparameters and its estimator.

Adding an algorithm is one entry in ``ALGORITHMS``: its model types, its ``Param`` table and
a ``build`` function returning an unfitted estimator. ``progress`` picks how training
reports it ("single" suits any estimator with ``fit``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, partial
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    TypeAdapter,
    create_model,
)
from pydantic import ValidationError as PydanticValidationError
from sklearn.cluster import KMeans
from sklearn.ensemble import IsolationForest, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier, MLPRegressor
from xgboost import XGBClassifier, XGBRegressor

from urutiq_ai.core.errors import pydantic_fields, pydantic_reason
from urutiq_ai.ml.errors import SpecError

ModelType = Literal["classification", "regression", "clustering", "anomaly_detection"]
MODEL_TYPES: tuple[str, ...] = ("classification", "regression", "clustering", "anomaly_detection")
ParamKind = Literal["int", "float", "str", "bool", "int_list"]
Progress = Literal["single", "epochs", "rounds", "trees"]


@dataclass(frozen=True)
class Param:
    """One hyperparameter: its type, default and allowed range (bounds are inclusive)."""

    kind: ParamKind
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None
    description: str = ""
    nullable: bool = False
    min_exclusive: bool = False


@dataclass(frozen=True)
class Algorithm:
    """A registry entry; ``build(model_type, params, random_state)`` returns an estimator."""

    name: str
    model_types: frozenset[str]
    hyperparameters: Mapping[str, Param]
    builder: Callable[[str, dict[str, Any], int], Any]
    progress: Progress = "single"
    description: str = ""
    uses_dense_input: bool = False
    scales_target: bool = False

    def build(self, model_type: str, params: dict[str, Any], random_state: int) -> Any:
        """An unfitted estimator for ``model_type`` with validated ``params``."""
        return self.builder(model_type, params, random_state)

    @property
    def iterative(self) -> bool:
        """Whether training reports a loss per epoch, boosting round or growth step."""
        return self.progress != "single"


def _positive(default: float, description: str, maximum: float | None = None) -> Param:
    return Param("float", default, 0.0, maximum, description=description, min_exclusive=True)


_CLASS_WEIGHT = Param("str", "none", choices=("none", "balanced"), description="class weights")
_N_JOBS = Param("int", 1, -1, 64, description="threads (results do not depend on it)")


def _max_features(model_type: str, choice: str) -> str | None:
    """ "auto" follows scikit-learn's defaults: sqrt for classifiers, all for regressors."""
    if choice == "auto":
        return "sqrt" if model_type == "classification" else None
    return None if choice == "all" else choice


def _build_forest(model_type: str, p: dict[str, Any], seed: int) -> Any:
    common = {
        "n_estimators": p["n_estimators"],
        "max_depth": p["max_depth"],
        "min_samples_split": p["min_samples_split"],
        "min_samples_leaf": p["min_samples_leaf"],
        "max_features": _max_features(model_type, p["max_features"]),
        "n_jobs": p["n_jobs"],
        "random_state": seed,
    }
    if model_type == "classification":
        weight = None if p["class_weight"] == "none" else p["class_weight"]
        return RandomForestClassifier(class_weight=weight, **common)
    return RandomForestRegressor(**common)


def _build_xgboost(model_type: str, p: dict[str, Any], seed: int) -> Any:
    common = dict(p, tree_method="hist", random_state=seed)
    if model_type == "classification":
        return XGBClassifier(**common)
    return XGBRegressor(eval_metric="rmse", **common)


def _build_logistic(_model_type: str, p: dict[str, Any], seed: int) -> Any:
    weight = None if p["class_weight"] == "none" else p["class_weight"]
    return LogisticRegression(
        C=p["C"], max_iter=p["max_iter"], class_weight=weight, random_state=seed
    )


def _build_linear(_model_type: str, p: dict[str, Any], _seed: int) -> Any:
    return Ridge(alpha=p["alpha"], fit_intercept=p["fit_intercept"])


def _build_mlp(model_type: str, p: dict[str, Any], seed: int) -> Any:
    common = {
        "hidden_layer_sizes": tuple(p["hidden_layer_sizes"]),
        "activation": p["activation"],
        "learning_rate_init": p["learning_rate_init"],
        "batch_size": p["batch_size"],
        "max_iter": p["epochs"],
        "alpha": p["alpha"],
        "random_state": seed,
    }
    return MLPClassifier(**common) if model_type == "classification" else MLPRegressor(**common)


def _build_isolation_forest(_model_type: str, p: dict[str, Any], seed: int) -> Any:
    contamination = "auto" if p["contamination"] is None else p["contamination"]
    samples = "auto" if p["max_samples"] is None else p["max_samples"]
    return IsolationForest(
        n_estimators=p["n_estimators"],
        contamination=contamination,
        max_samples=samples,
        n_jobs=p["n_jobs"],
        random_state=seed,
    )


def _build_kmeans(_model_type: str, p: dict[str, Any], seed: int) -> Any:
    return KMeans(
        n_clusters=p["n_clusters"], n_init=p["n_init"], max_iter=p["max_iter"], random_state=seed
    )


ALGORITHMS: dict[str, Algorithm] = {
    "random_forest": Algorithm(
        name="random_forest",
        model_types=frozenset({"classification", "regression"}),
        hyperparameters={
            "n_estimators": Param("int", 100, 1, 2000, description="number of trees"),
            "max_depth": Param("int", None, 1, 100, nullable=True, description="None = unlimited"),
            "min_samples_split": Param("int", 2, 2, 10_000),
            "min_samples_leaf": Param("int", 1, 1, 10_000),
            "max_features": Param("str", "auto", choices=("auto", "sqrt", "log2", "all")),
            "class_weight": _CLASS_WEIGHT,
            "n_jobs": _N_JOBS,
        },
        builder=_build_forest,
        progress="trees",
        description="scikit-learn random forest, grown in ~10 steps to report progress",
    ),
    "xgboost": Algorithm(
        name="xgboost",
        model_types=frozenset({"classification", "regression"}),
        hyperparameters={
            "n_estimators": Param("int", 100, 1, 5000, description="boosting rounds"),
            "max_depth": Param("int", 6, 1, 20),
            "learning_rate": _positive(0.3, "shrinkage per round", 1.0),
            "subsample": _positive(1.0, "row fraction per tree", 1.0),
            "colsample_bytree": _positive(1.0, "column fraction per tree", 1.0),
            "min_child_weight": Param("float", 1.0, 0.0, 1e6),
            "reg_lambda": Param("float", 1.0, 0.0, 1e6, description="L2 penalty"),
            "reg_alpha": Param("float", 0.0, 0.0, 1e6, description="L1 penalty"),
            "n_jobs": _N_JOBS,
        },
        builder=_build_xgboost,
        progress="rounds",
        description="gradient boosted trees (xgboost, hist); dense input",
        uses_dense_input=True,
    ),
    "logistic_regression": Algorithm(
        name="logistic_regression",
        model_types=frozenset({"classification"}),
        hyperparameters={
            "C": _positive(1.0, "inverse regularization strength", 1e6),
            "max_iter": Param("int", 1000, 10, 100_000),
            "class_weight": _CLASS_WEIGHT,
        },
        builder=_build_logistic,
    ),
    "linear_regression": Algorithm(
        name="linear_regression",
        model_types=frozenset({"regression"}),
        hyperparameters={
            "alpha": Param("float", 1.0, 0.0, 1e6, description="ridge penalty (0 = OLS)"),
            "fit_intercept": Param("bool", True),
        },
        builder=_build_linear,
    ),
    "neural_network": Algorithm(
        name="neural_network",
        model_types=frozenset({"classification", "regression"}),
        hyperparameters={
            "hidden_layer_sizes": Param("int_list", [64, 32], 1, 4096, description="units"),
            "activation": Param("str", "relu", choices=("relu", "tanh", "logistic")),
            "learning_rate_init": _positive(0.001, "Adam step size", 1.0),
            "batch_size": Param("int", 64, 1, 100_000),
            "epochs": Param("int", 50, 1, 2000, description="passes over the data"),
            "alpha": Param("float", 0.0001, 0.0, 1e3, description="L2 penalty"),
        },
        builder=_build_mlp,
        progress="epochs",
        description="scikit-learn MLP trained with Adam one epoch at a time",
        scales_target=True,
    ),
    "isolation_forest": Algorithm(
        name="isolation_forest",
        model_types=frozenset({"anomaly_detection"}),
        hyperparameters={
            "n_estimators": Param("int", 100, 1, 2000),
            "contamination": Param("float", None, 0.0, 0.5, nullable=True, min_exclusive=True),
            "max_samples": Param("int", None, 2, 1_000_000, nullable=True),
            "n_jobs": _N_JOBS,
        },
        builder=_build_isolation_forest,
    ),
    "kmeans": Algorithm(
        name="kmeans",
        model_types=frozenset({"clustering"}),
        hyperparameters={
            "n_clusters": Param("int", 8, 2, 1000),
            "n_init": Param("int", 10, 1, 100),
            "max_iter": Param("int", 300, 1, 10_000),
        },
        builder=_build_kmeans,
    ),
}


def get_algorithm(name: str, model_type: str) -> Algorithm:
    """The registry entry for ``name``; SpecError when unknown or unfit for ``model_type``."""
    errors = _algorithm_errors(name, model_type)
    if errors:
        raise SpecError(errors)
    return ALGORITHMS[name]


def _algorithm_errors(name: str, model_type: str) -> list[tuple[str, str]]:
    if model_type not in MODEL_TYPES:
        return [("modelType", f"unknown model type {model_type!r}; one of {list(MODEL_TYPES)}")]
    if name not in ALGORITHMS:
        return [("algorithm", f"unknown algorithm {name!r}; one of {sorted(ALGORITHMS)}")]
    if model_type not in ALGORITHMS[name].model_types:
        fits = sorted(ALGORITHMS[name].model_types)
        return [("algorithm", f"{name} does not support {model_type}; it fits {fits}")]
    return []


def validate_hyperparameters(
    algorithm: str | Algorithm, model_type: str, params: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Check ``params`` against the algorithm and return them complete with defaults.

    Integers given as integral floats (``100.0``) are accepted. Every problem is collected
    into one :class:`SpecError`: unknown names, wrong types, out-of-range values, an unknown
    algorithm or one that does not fit ``model_type``.
    """
    name = algorithm.name if isinstance(algorithm, Algorithm) else algorithm
    errors = _algorithm_errors(name, model_type)
    if errors:
        raise SpecError(errors)
    try:
        return hyperparameters_model(name).model_validate(dict(params or {})).model_dump()
    except PydanticValidationError as exc:
        allowed = sorted(ALGORITHMS[name].hyperparameters)
        problems = pydantic_fields(exc, prefix="hyperparameters", allowed=allowed)
        raise SpecError([(problem.field, problem.reason) for problem in problems]) from None


@cache
def hyperparameters_model(name: str) -> type[BaseModel]:
    """The pydantic model of ``ALGORITHMS[name]``'s hyperparameters: one field per
    :class:`Param` (its type, range and choices), unknown names refused, the defaults
    filled in."""
    fields: dict[str, Any] = {
        key: (param_type(param), param.default)
        for key, param in ALGORITHMS[name].hyperparameters.items()
    }
    config = ConfigDict(extra="forbid", allow_inf_nan=False, protected_namespaces=())
    return create_model(f"{name}_hyperparameters", __config__=config, **fields)


def param_type(param: Param) -> Any:
    """The annotated type that checks a value of ``param`` (None too where nullable)."""
    kind: Any
    if param.kind == "bool":
        kind = StrictBool
    elif param.kind == "str":
        kind = Literal[param.choices] if param.choices else StrictStr
    elif param.kind == "int_list":
        item = TypeAdapter(_number_type(param, int))
        kind = Annotated[list[int], BeforeValidator(partial(_int_list, item))]
    else:
        kind = _number_type(param, int if param.kind == "int" else float)
    return kind | None if param.nullable else kind


def _number_type(param: Param, kind: type[int | float]) -> Any:
    low, exclusive = param.minimum, param.min_exclusive
    number = Field(
        strict=True, gt=low if exclusive else None, ge=None if exclusive else low, le=param.maximum
    )
    if kind is int:
        return Annotated[int, number, BeforeValidator(_integral)]
    return Annotated[float, number]


def _integral(value: Any) -> Any:
    """An integral float as the int it stands for (``100.0`` -> ``100``)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _int_list(item: TypeAdapter[int], value: Any) -> list[int]:
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 10:
        raise ValueError("expected a list of 1 to 10 integers")
    numbers = []
    for index, number in enumerate(value):
        try:
            numbers.append(item.validate_python(number))
        except PydanticValidationError as exc:
            raise ValueError(f"item {index}: {pydantic_reason(exc.errors()[0])}") from None
    return numbers


def describe(algorithm: Algorithm) -> dict[str, Any]:
    """A JSON-ready description of an algorithm (for listings and forms)."""
    return {
        "name": algorithm.name,
        "modelTypes": sorted(algorithm.model_types),
        "iterative": algorithm.iterative,
        "description": algorithm.description,
        "hyperparameters": {
            key: {
                "kind": p.kind,
                "default": p.default,
                "minimum": p.minimum,
                "maximum": p.maximum,
                "choices": list(p.choices) if p.choices else None,
                "nullable": p.nullable,
                "description": p.description,
            }
            for key, p in algorithm.hyperparameters.items()
        },
    }
