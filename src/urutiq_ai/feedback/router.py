"""Feedback verbs beside the feedback CRUD: process, ignore, a model's summary, and
retraining a model from its users' corrections."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import READERS, WRITERS
from urutiq_ai.feedback import service
from urutiq_ai.feedback.models import AILearningFeedback
from urutiq_ai.feedback.schemas import (
    AILearningFeedbackRead,
    FeedbackIgnore,
    FeedbackProcess,
    FeedbackSummary,
    ProcessResult,
    RetrainRequest,
    RetrainStarted,
)
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["feedback"])
Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "process feedback"))]
Reader = Annotated[TenantContext, Depends(company_role(READERS, "read feedback"))]


@router.post("/feedback/process", response_model=ProcessResult)
def process(
    request: Request, session: SessionDep, ctx: Writer, data: FeedbackProcess | None = None
) -> ProcessResult:
    """Process the company's pending feedback (or ``ids``): corrections become their
    predictions' actual values; models whose unused corrections reach ``threshold`` get a
    retrained challenger and an experiment (unless ``retrain`` is false)."""
    return service.process(
        session,
        ctx,
        data=data or FeedbackProcess(),
        sources_dir=request.app.state.settings.sources,
    )


@router.post("/feedback/{id}/ignore", response_model=AILearningFeedbackRead)
def ignore(
    session: SessionDep, ctx: Writer, feedback_id: IdPath, data: FeedbackIgnore | None = None
) -> AILearningFeedback:
    """Set a pending feedback aside (final), with an optional reason."""
    return service.ignore(session, ctx, feedback_id=feedback_id, data=data or FeedbackIgnore())


@router.get("/models/{id}/feedback-summary", response_model=FeedbackSummary)
def feedback_summary(session: SessionDep, ctx: Reader, model_id: IdPath) -> FeedbackSummary:
    """Counts by status; over processed feedback: ratings (mean, distribution), flags by
    reason, comments, corrections (how many changed the prediction, how many are unused)."""
    return service.summary(session, ctx, model_id)


@router.post("/models/{id}/retrain-from-feedback", response_model=RetrainStarted, status_code=202)
def retrain_from_feedback(
    request: Request,
    session: SessionDep,
    ctx: Writer,
    model_id: IdPath,
    data: RetrainRequest | None = None,
) -> RetrainStarted:
    """Train a challenger on the model's data plus its corrections and open an experiment
    against the model (409 while fewer than ``threshold`` corrections are unused)."""
    from urutiq_ai.feedback import learning  # pandas: on first use, not at start-up

    return learning.retrain_from_feedback(
        session,
        ctx,
        model_id,
        threshold=(data or RetrainRequest()).threshold,
        sources_dir=request.app.state.settings.sources,
    )
