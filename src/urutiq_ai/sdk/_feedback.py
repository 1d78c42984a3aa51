"""Feedback through the SDK: corrections, ratings, comments and flags on predictions;
processing them, a model's summary, and retraining a model from its corrections."""

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from urutiq_ai.feedback.schemas import (
    DEFAULT_RETRAIN_THRESHOLD,
    AILearningFeedbackCreate,
    AILearningFeedbackRead,
    AILearningFeedbackUpdate,
    FeedbackIgnore,
    FeedbackProcess,
    FeedbackSummary,
    ProcessResult,
    RetrainRequest,
    RetrainStarted,
)
from urutiq_ai.sdk._resources import ResourceClient
from urutiq_ai.sdk._transport import build_payload, parse


class FeedbackClient(
    ResourceClient[AILearningFeedbackRead, AILearningFeedbackCreate, AILearningFeedbackUpdate]
):
    """Users' feedback on models and predictions: ``pending`` -> ``processed`` | ``ignored``."""

    def correct(
        self,
        prediction_id: str,
        value: Any,
        *,
        user_id: str | None = None,
        company: str | None = None,
        **fields: Any,
    ) -> AILearningFeedbackRead:
        """The right answer to a prediction (a label, or a number for a regression)."""
        return self._add(
            "correction", {"correctValue": value}, prediction_id, user_id, company, fields
        )

    def rate(
        self,
        stars: int,
        *,
        prediction_id: str | None = None,
        model_id: str | None = None,
        user_id: str | None = None,
        company: str | None = None,
        **fields: Any,
    ) -> AILearningFeedbackRead:
        """A rating of 1 to 5 stars, of a prediction or of a model."""
        fields = {**fields, "model_id": model_id} if model_id else fields
        return self._add("rating", {"stars": stars}, prediction_id, user_id, company, fields)

    def comment(
        self,
        text: str,
        *,
        prediction_id: str | None = None,
        model_id: str | None = None,
        user_id: str | None = None,
        company: str | None = None,
        **fields: Any,
    ) -> AILearningFeedbackRead:
        """A free-text comment on a prediction or a model."""
        fields = {**fields, "model_id": model_id} if model_id else fields
        return self._add("comment", {"text": text}, prediction_id, user_id, company, fields)

    def flag(
        self,
        reason: str,
        *,
        prediction_id: str | None = None,
        model_id: str | None = None,
        user_id: str | None = None,
        company: str | None = None,
        **fields: Any,
    ) -> AILearningFeedbackRead:
        """Flag a prediction or a model as a problem, saying why."""
        fields = {**fields, "model_id": model_id} if model_id else fields
        return self._add("flag", {"reason": reason}, prediction_id, user_id, company, fields)

    def process(
        self,
        ids: Sequence[str] | None = None,
        *,
        retrain: bool = True,
        threshold: int = DEFAULT_RETRAIN_THRESHOLD,
        company: str | None = None,
    ) -> ProcessResult:
        """Process pending feedback (all of the company's, or ``ids``): corrections become
        actual values; a model with ``threshold`` unused corrections is retrained."""
        values: dict[str, Any] = {"retrain": retrain, "threshold": threshold}
        if ids is not None:
            values["ids"] = list(ids)
        body = build_payload(FeedbackProcess, None, values)
        path = self._transport.company_path("feedback/process", company)
        return parse(ProcessResult, self._transport.request("POST", path, json=body))

    def ignore(
        self, feedback_id: str, *, reason: str | None = None, company: str | None = None
    ) -> AILearningFeedbackRead:
        """Set a pending feedback aside (final)."""
        body = build_payload(FeedbackIgnore, None, {"reason": reason} if reason else {})
        path = self._path(company, feedback_id) + "/ignore"
        return parse(AILearningFeedbackRead, self._transport.request("POST", path, json=body))

    def summary(self, model_id: str, *, company: str | None = None) -> FeedbackSummary:
        """A model's feedback: counts, ratings, flags, corrections, the last retraining."""
        path = self._model_path(model_id, "feedback-summary", company)
        return parse(FeedbackSummary, self._transport.request("GET", path))

    def retrain(
        self,
        model_id: str,
        *,
        threshold: int = DEFAULT_RETRAIN_THRESHOLD,
        company: str | None = None,
    ) -> RetrainStarted:
        """Train a challenger on the model's data plus its corrections and open an
        experiment against the model (Conflict while too few corrections are unused)."""
        body = build_payload(RetrainRequest, None, {"threshold": threshold})
        path = self._model_path(model_id, "retrain-from-feedback", company)
        return parse(RetrainStarted, self._transport.request("POST", path, json=body))

    def _add(
        self,
        feedback_type: str,
        data: Mapping[str, Any],
        prediction_id: str | None,
        user_id: str | None,
        company: str | None,
        fields: Mapping[str, Any],
    ) -> AILearningFeedbackRead:
        values = {"feedback_type": feedback_type, "feedback_data": dict(data), **fields}
        values |= {
            name: value
            for name, value in (("prediction_id", prediction_id), ("user_id", user_id))
            if value is not None
        }
        return self.create(values, company=company)

    def _model_path(self, model_id: str, verb: str, company: str | None) -> str:
        return self._transport.company_path(f"models/{quote(model_id, safe='')}/{verb}", company)
