"""Training and serving through the SDK: train, follow, cancel, predict, record outcomes."""

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from urutiq_ai.explainability.schemas import (
    AIModelFeatureImportanceRead,
    ExplainRequest,
    Explanation,
)
from urutiq_ai.predictions.schemas import (
    ActualValue,
    ActualValuesRequest,
    ActualValuesResult,
    AIModelPredictionRead,
    PredictRequest,
    PredictResponse,
)
from urutiq_ai.registry.schemas import AIModelRead, VersionComparison
from urutiq_ai.sdk._errors import UrutiqError
from urutiq_ai.sdk._transport import QueryParams, Transport, build_payload, parse, parse_list
from urutiq_ai.training.schemas import (
    TERMINAL_RUN_STATUSES,
    AIModelTrainingRunDetail,
    AIModelTrainingRunRead,
    TrainRequest,
    TrainStarted,
)


class TrainingClient:
    """Start trainings (from a template or a full spec), follow and cancel their runs."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def train(self, *, company: str | None = None, **fields: Any) -> TrainStarted:
        """Start training, e.g. ``train(template="expense_classifier")``; returns at once,
        with the effective ``hyperparameters`` (the template's, overridden name by name)."""
        body = build_payload(TrainRequest, None, fields)
        path = self._transport.company_path("train", company)
        return parse(TrainStarted, self._transport.request("POST", path, json=body))

    def run(self, run_id: str, *, company: str | None = None) -> AIModelTrainingRunDetail:
        """The run, its version's effective ``hyperparameters`` and, once completed,
        ``compared_to``: the new version beside the version serving (``.worse``)."""
        path = self._transport.company_path(f"training-runs/{quote(run_id, safe='')}", company)
        return parse(AIModelTrainingRunDetail, self._transport.request("GET", path))

    def cancel(self, run_id: str, *, company: str | None = None) -> AIModelTrainingRunRead:
        """Stop a running training at its next epoch; its model version ends failed."""
        path = self._transport.company_path(
            f"training-runs/{quote(run_id, safe='')}/cancel", company
        )
        return parse(AIModelTrainingRunRead, self._transport.request("POST", path))

    def wait(
        self,
        run_id: str,
        *,
        company: str | None = None,
        poll_seconds: float = 0.5,
        timeout: float | None = None,
        on_update: Callable[[AIModelTrainingRunDetail], None] | None = None,
    ) -> AIModelTrainingRunDetail:
        """Poll a run until it ends (``on_update`` sees every poll); returns the final run."""
        started = time.monotonic()
        while True:
            run = self.run(run_id, company=company)
            if on_update is not None:
                on_update(run)
            if run.status in TERMINAL_RUN_STATUSES:
                return run
            if timeout is not None and time.monotonic() - started > timeout:
                raise UrutiqError(f"run {run_id} still running after {timeout} s")
            time.sleep(poll_seconds)


class ServingClient:
    """Predict with a model version and record what really happened."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def predict(
        self,
        model_id: str,
        rows: Sequence[Mapping[str, Any]] | Mapping[str, Any],
        *,
        log: bool = True,
        company: str | None = None,
    ) -> PredictResponse:
        """Predict one row (a mapping) or a batch (a sequence of up to 10,000 mappings)."""
        given: dict[str, Any] = (
            {"row": dict(rows)} if isinstance(rows, Mapping) else {"rows": [dict(r) for r in rows]}
        )
        body = build_payload(PredictRequest, None, {**given, "log": log})
        path = self._transport.company_path(f"models/{quote(model_id, safe='')}/predict", company)
        return parse(PredictResponse, self._transport.request("POST", path, json=body))

    def record_actual(
        self, prediction_id: str, actual_value: Any, *, company: str | None = None
    ) -> AIModelPredictionRead:
        """Set a prediction's actual value; the server fills isCorrect or error."""
        body = build_payload(ActualValue, None, {"actual_value": actual_value})
        path = self._transport.company_path(
            f"predictions/{quote(prediction_id, safe='')}/actual", company
        )
        return parse(AIModelPredictionRead, self._transport.request("PUT", path, json=body))

    def record_actuals(
        self, items: Mapping[str, Any], *, company: str | None = None
    ) -> ActualValuesResult:
        """Set many actual values at once: ``{predictionId: actualValue}``."""
        payload = [{"prediction_id": pid, "actual_value": value} for pid, value in items.items()]
        body = build_payload(ActualValuesRequest, None, {"items": payload})
        path = self._transport.company_path("predictions/actuals", company)
        return parse(ActualValuesResult, self._transport.request("POST", path, json=body))


class RegistryClient:
    """Registry and explainability verbs: compare, promote, deprecate, importances, explain."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def _model_path(self, model_id: str, verb: str, company: str | None) -> str:
        return self._transport.company_path(f"models/{quote(model_id, safe='')}/{verb}", company)

    def compare(self, left: str, right: str, *, company: str | None = None) -> VersionComparison:
        """Two versions side by side (``right`` relative to ``left``)."""
        path = self._transport.company_path("models/compare", company)
        body = self._transport.request("GET", path, params=[("left", left), ("right", right)])
        return parse(VersionComparison, body)

    def promote(
        self, model_id: str, *, force: bool = False, company: str | None = None
    ) -> AIModelRead:
        """Make an active version the current one; other active versions are deprecated.
        Raises ``Conflict`` (409, ``VersionInUse``) when a serving deployment uses one of
        them, unless ``force``."""
        path = self._model_path(model_id, "promote", company)
        body = self._transport.request("POST", path, params=_force(force))
        return parse(AIModelRead, body)

    def deprecate(
        self, model_id: str, *, force: bool = False, company: str | None = None
    ) -> AIModelRead:
        """Retire an active version (``Conflict`` while a deployment serves it, unless
        ``force``)."""
        path = self._model_path(model_id, "deprecate", company)
        body = self._transport.request("POST", path, params=_force(force))
        return parse(AIModelRead, body)

    def compute_importances(
        self, model_id: str, method: str, *, company: str | None = None
    ) -> list[AIModelFeatureImportanceRead]:
        """(Re)compute importances by ``method``: built_in, permutation or shap."""
        path = self._model_path(model_id, "feature-importances", company)
        body = self._transport.request("POST", path, json={"method": method})
        return parse_list(AIModelFeatureImportanceRead, body)

    def explain(
        self,
        model_id: str,
        row: Mapping[str, Any],
        *,
        top_k: int = 5,
        company: str | None = None,
    ) -> Explanation:
        """The prediction for ``row`` and its top feature contributions."""
        payload = build_payload(ExplainRequest, None, {"row": dict(row), "top_k": top_k})
        path = self._model_path(model_id, "explain", company)
        return parse(Explanation, self._transport.request("POST", path, json=payload))


def _force(force: bool) -> QueryParams:
    return [("force", "true")] if force else []
