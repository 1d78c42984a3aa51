"""The demo's deployments and its A/B experiment.

Per company: every template is deployed to staging and promoted to production. The expense
classifier is then retrained on every expense before the middle of the shifted period (the
first version saw only the reference period), and its new version is

1. released straight to production, then rolled back (it skipped its A/B test: the rollback
   the demo's history shows);
2. released again as the challenger of a 50/50 split sticky per vendor; expenses of the
   later half of the shifted period (which neither version trained on) are served through
   it and their categories recorded;
3. judged by the experiment "expense classifier retrained on the shift": offline on those
   later expenses (a forward-in-time holdout, fair to both versions), online on the split's
   outcomes; promoted when it passes (the split ends), else the split is rolled back.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import JobRuntime, attach_executor
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.crud import service as crud_service
from urutiq_ai.demo.pipelines import training_table
from urutiq_ai.deployments import queries as deployment_queries
from urutiq_ai.deployments import releases as deployment_releases
from urutiq_ai.deployments.schemas import (
    AIDeploymentCreate,
    DeploymentConfig,
    DeploymentPromote,
    DeploymentRelease,
    DeploymentRollback,
    Environment,
)
from urutiq_ai.experiments import service as experiments_service
from urutiq_ai.experiments.schemas import AIExperimentCreate, EvaluateRequest, ExperimentPromote
from urutiq_ai.predictions import deployed, outcomes
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.training import service as training_service
from urutiq_ai.training.schemas import SourceSpec, TrainRequest
from urutiq_ai.training.templates import TEMPLATES

Report = Callable[[str], None]
Sample = tuple[list[dict[str, Any]], list[Any]]
EXPENSES = "expense_classifier"
AB_ROWS = 400
SUCCESS = [
    {"metric": "accuracy", "minImprovement": 0.005},  # half a point more expenses filed right
    {"metric": "f1Score", "maxDegradation": 0.05},  # and the rare categories not much worse
]


def ship(
    runtime: JobRuntime,
    ctx: TenantContext,
    model_ids: list[str],
    expenses: pd.DataFrame,
    report: Report,
) -> None:
    """Deploy the templates, then the expense classifier's rollback and A/B story
    (``expenses``: the classifier's training table, with ``period`` and ``expenseDate``)."""
    cutoff = _cutoff(expenses)
    store = ArtifactStore(runtime.settings.artifacts)
    (company_id,) = ctx.company_ids
    with _session(runtime, ctx) as session:
        production = {
            _model_name(session, ctx, model_id): _stage(session, ctx, model_id, store)
            for model_id in model_ids
        }
    report(f"{company_id}: {len(production)} templates deployed to staging, promoted to production")
    champion = _current_model(runtime, ctx, production[EXPENSES])
    challenger = _retrain(runtime, ctx, cutoff)
    report(f"{company_id}: {EXPENSES} retrained on the expenses before {cutoff} ({challenger})")
    with _session(runtime, ctx) as session:
        _release_and_roll_back(session, ctx, production[EXPENSES], challenger, store)
    report(f"{company_id}: {EXPENSES} released without an A/B test, rolled back")
    with _session(runtime, ctx) as session:
        split = _split(champion, challenger)
        deployment_releases.release(
            session,
            ctx,
            deployment_id=production[EXPENSES],
            data=DeploymentRelease(config=split, reason="A/B test of the retrained version"),
            store=store,
        )
    served = _serve_split(runtime, ctx, _later(expenses, cutoff), store)
    report(f"{company_id}: {served} expenses served through the A/B split, outcomes recorded")
    verdict = _experiment(runtime, ctx, (champion, challenger), production[EXPENSES], cutoff, store)
    report(f"{company_id}: A/B experiment {verdict}")


@contextmanager
def _session(runtime: JobRuntime, ctx: TenantContext) -> Iterator[Session]:
    """A unit of work bound to the company's scope."""
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, ctx)
        yield session


def _model_name(session: Session, ctx: TenantContext, model_id: str) -> str:
    return registry_service.get_model(session, ctx, model_id).model_name


def _stage(session: Session, ctx: TenantContext, model_id: str, store: ArtifactStore) -> str:
    """Deploy to staging, promote to production; the production deployment's id."""
    name = _model_name(session, ctx, model_id).replace("_", "-")
    staging = deployment_releases.deploy(
        session,
        ctx,
        data=AIDeploymentCreate(
            deployment_name=name, model_id=model_id, environment=Environment.staging
        ),
        store=store,
    )
    change = deployment_releases.promote(
        session, ctx, deployment_id=staging.id, data=DeploymentPromote(), store=store
    )
    return change.deployment.id


def _current_model(runtime: JobRuntime, ctx: TenantContext, deployment_id: str) -> str:
    with _session(runtime, ctx) as session:
        return deployment_queries.get_deployment(session, ctx, deployment_id).model_id


def _cutoff(expenses: pd.DataFrame) -> str:
    """The middle of the shifted period: the retrained version learns from what came
    before; both versions are judged on what came after."""
    shifted = pd.to_datetime(expenses.loc[expenses["period"] == "shifted", "expenseDate"], utc=True)
    middle = shifted.min() + (shifted.max() - shifted.min()) / 2
    return str(middle.date())


def _later(expenses: pd.DataFrame, cutoff: str) -> Sample:
    # utc=True: PostgreSQL gives time-zone-aware dates, SQLite naive ones
    dates = pd.to_datetime(expenses["expenseDate"], utc=True)
    later = expenses[dates >= pd.Timestamp(cutoff, tz="UTC")]
    later = later.sample(frac=1.0, random_state=5).head(AB_ROWS)
    spec = TEMPLATES[EXPENSES]
    rows = [_plain_row(row) for row in later[spec["feature_columns"]].to_dict(orient="records")]
    return rows, [_plain(value) for value in later[spec["target_column"]]]


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as plain JSON values (missing values as null, timestamps as ISO text)."""
    return {
        key: None
        if pd.isna(value)
        else value.isoformat()
        if hasattr(value, "isoformat")
        else _plain(value)
        for key, value in row.items()
    }


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _query(cutoff: str, *, before: bool) -> str:
    table = training_table(EXPENSES)
    op = "<" if before else ">="
    return f'SELECT * FROM "{table}" WHERE "expenseDate" {op} \'{cutoff}\''


def _retrain(runtime: JobRuntime, ctx: TenantContext, cutoff: str) -> str:
    """A new version of the expense classifier, trained on every expense before ``cutoff``
    (a query source: admin only)."""
    admin_ctx = replace(ctx, role=Role.admin)
    with _session(runtime, admin_ctx) as session:
        attach_executor(session, SyncExecutor(runtime))
        model, _ = training_service.start_training(
            session,
            admin_ctx,
            data=TrainRequest(
                template=EXPENSES,
                source=SourceSpec(query=_query(cutoff, before=True)),
                description=f"retrained on the expenses before {cutoff}",
            ),
            sources_dir=runtime.settings.sources,
        )
    return model.id


def _release_and_roll_back(
    session: Session, ctx: TenantContext, deployment_id: str, challenger: str, store: ArtifactStore
) -> None:
    deployment_releases.release(
        session,
        ctx,
        deployment_id=deployment_id,
        data=DeploymentRelease(model_id=challenger, reason="retrained on the shifted period"),
        store=store,
    )
    deployment_releases.rollback(
        session,
        ctx,
        deployment_id=deployment_id,
        data=DeploymentRollback(reason="released without an A/B test: back until it passes one"),
        store=store,
    )


def _split(champion: str, challenger: str) -> DeploymentConfig:
    return DeploymentConfig.model_validate(
        {
            "traffic": [
                {"modelId": champion, "weight": 0.5},
                {"modelId": challenger, "weight": 0.5},
            ],
            "stickyKey": "vendorName",
        }
    )


def _serve_split(
    runtime: JobRuntime, ctx: TenantContext, shifted: Sample, store: ArtifactStore
) -> int:
    rows, truth = shifted[0][:AB_ROWS], shifted[1][:AB_ROWS]
    with _session(runtime, ctx) as session:
        served = deployed.resolve(session, ctx, EXPENSES.replace("_", "-"), Environment.production)
        answer = deployed.predict(
            session, ctx, served, rows=rows, entity_key=None, log=True, store=store
        )
        items = [
            (p.prediction_id, actual)
            for p, actual in zip(answer.predictions, truth, strict=True)
            if p.prediction_id is not None
        ]
        outcomes.record_actuals(session, ctx, items)
    return len(items)


def _experiment(
    runtime: JobRuntime,
    ctx: TenantContext,
    models: tuple[str, str],
    deployment_id: str,
    cutoff: str,
    store: ArtifactStore,
) -> str:
    """Create, evaluate, then promote the challenger or roll the split back."""
    champion, challenger = models
    holdout = {"query": _query(cutoff, before=False)}
    admin_ctx = replace(ctx, role=Role.admin)  # the holdout is a query source
    with _session(runtime, admin_ctx) as session:
        ctx = admin_ctx
        experiment = crud_service.create_row(
            session,
            ctx,
            experiments_service.EXPERIMENTS,
            AIExperimentCreate(
                experiment_name="expense classifier retrained on the shift",
                objective="file expenses of the new vendor mix correctly",
                hypothesis="the version retrained on the shifted period files more expenses "
                "right, and no class gets worse",
                baseline_model=champion,
                current_model=challenger,
                success_metrics=SUCCESS,
                methodology={
                    "deploymentId": deployment_id,
                    "holdout": holdout,
                    "split": "50/50 sticky per vendor",
                },
            ),
        )
        evaluated = experiments_service.evaluate(
            session,
            ctx,
            experiment_id=experiment.id,
            data=EvaluateRequest(),
            store=store,
            sources_dir=runtime.settings.sources,
        )
        verdict = (evaluated.results or {}).get("verdict", {})
        if verdict.get("status") == "passed":
            experiments_service.promote(
                session, ctx, experiment_id=experiment.id, data=ExperimentPromote(), store=store
            )
            return f"passed ({verdict.get('basis')}): the challenger was promoted"
        deployment_releases.rollback(
            session,
            ctx,
            deployment_id=deployment_id,
            data=DeploymentRollback(reason=f"A/B test {verdict.get('status')}: split ended"),
            store=store,
        )
        return f"{verdict.get('status')} ({verdict.get('basis')}): the split was rolled back"
