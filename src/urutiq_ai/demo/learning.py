"""The demo's configuration and feedback.

Before the templates are trained, each company gets its configuration: the expense
categories of its ledger (``categories``: the expense classifier learns exactly these),
its behaviour (retrain after 20 corrections) and its industry. After the deployments, a
controller corrects production predictions of the expense classifier (the wrong ones
first); processing them records the corrections as outcomes and, past the threshold,
retrains the classifier on its data plus the corrections into a challenger, with an
experiment against the model in production (evaluating and promoting it stay decisions).
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.config.schemas import AIConfigCreate, ConfigType
from urutiq_ai.config.service import create_version
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import JobRuntime, attach_executor
from urutiq_ai.core.pagination import SortSpec
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.crud import service as crud_service
from urutiq_ai.deployments import queries as deployment_queries
from urutiq_ai.deployments.schemas import Environment
from urutiq_ai.feedback import service as feedback_service
from urutiq_ai.feedback.schemas import (
    AILearningFeedbackCreate,
    FeedbackProcess,
    FeedbackType,
    RetrainStarted,
)
from urutiq_ai.predictions.service import PREDICTIONS

Report = Callable[[str], None]
CORRECTIONS = 25
THRESHOLD = 20
INDUSTRY = {
    "demo-services": {"industry": "professional services", "region": "US", "currency": "USD"},
    "demo-retail": {"industry": "retail", "region": "US", "currency": "USD"},
}


@contextmanager
def _session(runtime: JobRuntime, ctx: TenantContext) -> Iterator[Session]:
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, ctx)
        attach_executor(session, SyncExecutor(runtime))
        yield session


def configure(
    runtime: JobRuntime, ctx: TenantContext, categories: Sequence[str], report: Report
) -> None:
    """The company's categories, behaviour and industry configuration (version 1 each)."""
    (company_id,) = ctx.company_ids
    bodies: list[tuple[ConfigType, dict[str, Any]]] = [
        (ConfigType.categories, {"categories": [{"name": name} for name in sorted(categories)]}),
        (ConfigType.behavior, {"autoRetrain": True, "correctionThreshold": THRESHOLD}),
        (ConfigType.industry, INDUSTRY.get(company_id, {"industry": "general"})),
    ]
    with _session(runtime, ctx) as session:
        for config_type, data in bodies:
            create_version(
                session,
                ctx,
                data=AIConfigCreate(config_type=config_type, config_data=data),
            )
    report(f"{company_id}: configuration set ({len(categories)} expense categories)")


def learn_from_feedback(runtime: JobRuntime, ctx: TenantContext, report: Report) -> None:
    """Corrections of production predictions, processed into a retrained challenger."""
    (company_id,) = ctx.company_ids
    with _session(runtime, ctx) as session:
        deployment = deployment_queries.find(
            session, ctx, "expense-classifier", Environment.production
        )
        predictions = _with_outcomes(session, ctx, deployment.model_id)
        for prediction in predictions:
            crud_service.create_row(
                session,
                ctx,
                feedback_service.FEEDBACK,
                AILearningFeedbackCreate(
                    user_id="controller",
                    prediction_id=prediction.id,
                    feedback_type=FeedbackType.correction,
                    feedback_data={"correctValue": prediction.actual_value},
                ),
            )
        result = feedback_service.process(
            session,
            ctx,
            data=FeedbackProcess(threshold=min(THRESHOLD, max(len(predictions), 1))),
            sources_dir=runtime.settings.sources,
        )
    report(
        f"{company_id}: {result.corrections_applied} corrections processed; "
        f"retrained: {retrained_line(result.retrained)}"
    )


def retrained_line(started: Sequence[RetrainStarted]) -> str:
    """The challengers retraining started (the new version's id, not the base model's)."""
    return (
        ", ".join(
            f"{r.challenger_model_id} (version {r.challenger_version} of {r.model_id}, "
            f"experiment {r.experiment_id})"
            for r in started
        )
        or "none"
    )


def _with_outcomes(session: Session, ctx: TenantContext, model_id: str) -> list[Any]:
    """Up to ``CORRECTIONS`` predictions of the model with known outcomes, wrong ones first."""
    picked: list[Any] = []
    for wrong in (False, True):
        page = crud_service.list_rows(
            session,
            ctx,
            PREDICTIONS,
            equals={"model_id": [model_id], "is_correct": [wrong]},
            ranges={},
            sort=SortSpec(field="createdAt", descending=True),
            cursor=None,
            limit=CORRECTIONS - len(picked),
        )
        picked += page.items
        if len(picked) >= CORRECTIONS:
            break
    return picked
