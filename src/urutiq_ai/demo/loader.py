"""``urutiq-ai demo load``: the demo tenant, its ledgers, trained templates and history.

Loads, in-process and through the ordinary services (same rules, same audit):
a tenant ``demo`` with two companies, each with its own seeded ledger written to the
platform tables, the three accounting templates trained (runs with curves, feature
importances), and several simulated weeks of predictions with their actual outcomes.
Idempotent: when the demo tenant exists it changes nothing and returns its stored key.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from urutiq_ai import catalog  # noqa: F401 - maps every table and registers training hooks
from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
from urutiq_ai.core.jobs import JobRuntime, SyncExecutor, attach_executor
from urutiq_ai.core.scoping import bind_scope, bind_system
from urutiq_ai.core.settings import Settings
from urutiq_ai.demo.features import journal_entry_features
from urutiq_ai.demo.io import write_sql
from urutiq_ai.demo.ledger import Ledger, generate_ledger
from urutiq_ai.predictions import outcomes, serving
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy import admin, context
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.training import service as training_service
from urutiq_ai.training.schemas import TrainRequest
from urutiq_ai.training.templates import TEMPLATES

DEMO_TENANT = "demo"
COMPANIES = (
    ("demo-services", "Northwind Services", "services", 7),
    ("demo-retail", "Contoso Retail", "retail", 11),
)
HISTORY_WEEKS = 6
ROWS_PER_WEEK = 40


@dataclass
class DemoResult:
    created: bool
    tenant_id: str
    company_ids: list[str]
    models: dict[str, list[str]] = field(default_factory=dict)
    predictions: int = 0


Report = Callable[[str], None]


def load_demo(
    settings: Settings,
    *,
    scale: float = 1.0,
    report: Report = print,
    weeks: int = HISTORY_WEEKS,
    reset: bool = False,
) -> tuple[DemoResult, str | None]:
    """Load the demo (see the module docstring); returns the result and the new admin key.

    ``reset`` starts over: the demo tenant's AI rows are deleted and its keys revoked (its
    audit log stays: it is append-only), then everything is loaded again.
    """
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    try:
        with unit_of_work(factory) as session:
            bind_system(session)
            exists = tenancy_service.get_tenant_or_none(session, DEMO_TENANT) is not None
            if exists and reset:
                admin.purge_ai_data(session, tenant_id=DEMO_TENANT)
                report("demo: previous models, runs and predictions deleted, keys revoked")
        if exists and not reset:
            return DemoResult(False, DEMO_TENANT, [c[0] for c in COMPANIES]), None
        key = _new_demo_key(factory) if exists else _create_tenant(factory)
        result = DemoResult(True, DEMO_TENANT, [c[0] for c in COMPANIES])
        runtime = JobRuntime(factory, settings)
        for company_id, _, profile, seed in COMPANIES:
            ledger = generate_ledger(seed=seed, scale=scale, company_profile=profile)
            counts = write_sql(ledger, engine, tenant_id=DEMO_TENANT, company_id=company_id)
            report(f"{company_id}: ledger written ({sum(counts.values())} rows)")
            result.models[company_id] = _train_templates(runtime, company_id, report)
            result.predictions += _simulate_history(runtime, company_id, ledger, weeks)
            report(f"{company_id}: {weeks} weeks of predictions with outcomes")
        return result, key
    finally:
        engine.dispose()


def _new_demo_key(factory: Any) -> str:
    with unit_of_work(factory) as session:
        _, key = admin.create_key(
            session, tenant_id=DEMO_TENANT, role=Role.admin, name="demo admin"
        )
    return key


def _create_tenant(factory: Any) -> str:
    with unit_of_work(factory) as session:
        admin.create_tenant(session, name="Demo tenant", tenant_id=DEMO_TENANT)
        for company_id, name, _, _ in COMPANIES:
            admin.create_company(session, tenant_id=DEMO_TENANT, name=name, company_id=company_id)
        _, key = admin.create_key(
            session, tenant_id=DEMO_TENANT, role=Role.admin, name="demo admin"
        )
    return key


def _scope(company_id: str) -> TenantContext:
    return context.for_job(DEMO_TENANT, [company_id])


def _train_templates(runtime: JobRuntime, company_id: str, report: Report) -> list[str]:
    model_ids = []
    for template in TEMPLATES:
        with unit_of_work(runtime.sessionmaker) as session:
            bind_scope(session, _scope(company_id))
            attach_executor(session, SyncExecutor(runtime))
            model, _ = training_service.start_training(
                session,
                _scope(company_id),
                data=TrainRequest(template=template),
                sources_dir=runtime.settings.sources,
            )
        model_ids.append(model.id)  # the job ran at commit (SyncExecutor)
        report(f"{company_id}: trained {template} ({model.model_version})")
    return model_ids


def _simulate_history(runtime: JobRuntime, company_id: str, ledger: Ledger, weeks: int) -> int:
    """Predictions spread over the past weeks, each with its actual outcome."""
    samples = _samples(ledger)
    total = 0
    now = datetime.now(UTC)
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, _scope(company_id))
        for model_id, (rows, actuals) in _models_with_samples(session, company_id, samples):
            for week in range(weeks):
                start = week * ROWS_PER_WEEK
                chunk, truth = (
                    rows[start : start + ROWS_PER_WEEK],
                    actuals[start : start + ROWS_PER_WEEK],
                )
                if not chunk:
                    break
                when = now - timedelta(weeks=weeks - week)
                total += _predict_week(session, company_id, model_id, chunk, truth, when, runtime)
    return total


def _samples(ledger: Ledger) -> dict[str, tuple[list[dict[str, Any]], list[Any]]]:
    features = journal_entry_features(ledger)
    out: dict[str, tuple[list[dict[str, Any]], list[Any]]] = {}
    for name, spec in TEMPLATES.items():
        frame = _frame_for(name, ledger, features)
        target = spec.get("target_column") or spec.get("label_column")
        frame = frame[frame[target].notna()].sample(frac=1.0, random_state=3)
        rows = frame[spec["feature_columns"]].to_dict(orient="records")
        out[name] = ([_json_row(row) for row in rows], frame[target].tolist())
    return out


def _frame_for(name: str, ledger: Ledger, features: pd.DataFrame) -> pd.DataFrame:
    return {
        "expense_classifier": ledger.expenses,
        "anomaly_detection": features,
        "cashflow_prediction": ledger.invoices,
    }[name]


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (
            value.isoformat()
            if hasattr(value, "isoformat")
            else (None if pd.isna(value) else value.item() if hasattr(value, "item") else value)
        )
        for key, value in row.items()
    }


def _models_with_samples(
    session: Session, company_id: str, samples: dict[str, tuple[list[dict[str, Any]], list[Any]]]
) -> Iterator[tuple[str, tuple[list[dict[str, Any]], list[Any]]]]:
    for name, sample in samples.items():
        model = registry_service.latest_active(session, _scope(company_id), name)
        if model is not None:
            yield model.id, sample


def _predict_week(
    session: Session,
    company_id: str,
    model_id: str,
    rows: list[dict[str, Any]],
    truth: list[Any],
    when: datetime,
    runtime: JobRuntime,
) -> int:
    ctx = _scope(company_id)
    _, results = serving.predict_rows(
        session,
        ctx,
        model_id=model_id,
        rows=rows,
        log=True,
        store=ArtifactStore(runtime.settings.artifacts),
        created_at=when,
    )
    items = [
        (pid, _plain(actual))
        for (pid, _), actual in zip(results, truth, strict=True)
        if pid is not None
    ]
    outcomes.record_actuals(session, ctx, items)
    return len(items)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
