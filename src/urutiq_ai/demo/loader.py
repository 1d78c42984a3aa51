"""``urutiq-ai demo load``: the demo tenant, its ledgers, trained templates and history.

Loads, in-process and through the ordinary services (same rules, same audit):
a tenant ``demo`` with two companies, each with its own seeded ledger written to the
platform tables, the data pipelines that make each template's training table from the
ledger (:mod:`urutiq_ai.demo.pipelines`: scheduled nightly, and run once here, so their run
history is there), the three accounting templates trained on those tables (runs with
curves, feature importances), several simulated weeks of predictions with their actual
outcomes, the monitors' first results (weekly performance, two drift checks) and a
data-quality run of the shipped ledger checks, which finds the ledger's injected quality
issues, and the deployments (:mod:`urutiq_ai.demo.deployments`: each template in staging and
production, a release rolled back, an A/B experiment between two versions of the expense
classifier with its verdict), and governance (:mod:`urutiq_ai.demo.governance`: policies
evaluated against every model, a segment violation, a refused release, its resolution), and
configuration and feedback (:mod:`urutiq_ai.demo.learning`: the categories the classifier
learns, corrections of production predictions retraining it into a challenger).
Idempotent: when the demo tenant exists it changes nothing and returns its stored key.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from urutiq_ai import catalog  # noqa: F401 - maps every table
from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import JobRuntime, attach_executor
from urutiq_ai.core.scoping import bind_scope, bind_system
from urutiq_ai.core.settings import Settings
from urutiq_ai.demo import deployments as demo_deployments
from urutiq_ai.demo import governance as demo_governance
from urutiq_ai.demo import learning as demo_learning
from urutiq_ai.demo._feature_pipelines import run_chains, training_frames
from urutiq_ai.demo.identity import COMPANIES, DEMO_TENANT
from urutiq_ai.demo.io import write_sql
from urutiq_ai.demo.ledger import Ledger, generate_ledger
from urutiq_ai.demo.pipelines import training_table
from urutiq_ai.predictions import outcomes, serving
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy import admin, context
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.training import service as training_service
from urutiq_ai.training.schemas import SourceSpec, TrainRequest
from urutiq_ai.training.templates import TEMPLATES

HISTORY_WEEKS = 6
ROWS_PER_WEEK = 40
EXPENSE_ROWS_PER_WEEK = 100
SHIFTED_WEEKS = 2
"""The last weeks of expense predictions come from the ledger's shifted period."""
SHIFTED_ROWS_PER_WEEK = 500
"""Expense predictions in each shifted week, as far as the shifted period has rows (about
1,400 at scale 1): a drift window of 1,000 is what shows the amounts' 22% inflation."""
DRIFT_WINDOW = timedelta(weeks=SHIFTED_WEEKS)
EXPENSES = "expense_classifier"
REFERENCE_PERIOD_ONLY = (EXPENSES,)
"""Templates trained on the reference period only (their table has a ``period`` column), so
the shifted period is new to them: the demo's drift story."""


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
        anchor = datetime.now(UTC)  # "now" of the simulated history and its monitors
        for company_id, _, profile, seed in COMPANIES:
            ledger = generate_ledger(seed=seed, scale=scale, company_profile=profile)
            counts = write_sql(
                ledger, engine, tenant_id=DEMO_TENANT, company_id=company_id, with_features=False
            )
            report(f"{company_id}: ledger written ({sum(counts.values())} rows)")
            _run_pipelines(runtime, company_id, report)
            categories = sorted(set(ledger.expenses["category"].dropna().astype(str)))
            demo_learning.configure(runtime, _scope(company_id), categories, report)
            result.models[company_id] = _train_templates(runtime, company_id, report)
            frames = training_frames(runtime, _scope(company_id))
            samples = _samples(
                frames,
                limit=max(weeks * EXPENSE_ROWS_PER_WEEK, SHIFTED_WEEKS * SHIFTED_ROWS_PER_WEEK),
            )
            result.predictions += _simulate_history(runtime, company_id, samples, weeks, anchor)
            report(f"{company_id}: {weeks} weeks of predictions with outcomes")
            _monitor(runtime, company_id, anchor, report)
            _check_quality(runtime, company_id, ledger, report)
            _schedule_monitors(runtime, company_id, report)
            demo_deployments.ship(
                runtime, _scope(company_id), result.models[company_id], frames[EXPENSES], report
            )
            demo_governance.govern(runtime, _scope(company_id), report)
            demo_learning.learn_from_feedback(runtime, _scope(company_id), report)
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


def _run_pipelines(runtime: JobRuntime, company_id: str, report: Report) -> None:
    """Each template's training table, made from the ledger by its chain of pipelines."""
    for chain in run_chains(runtime, _scope(company_id)):
        report(
            f"{company_id}: {chain.pipelines} pipelines made {chain.table} for {chain.template} "
            f"({chain.rows} rows, {chain.rejected} rejected)"
        )


def _train_templates(runtime: JobRuntime, company_id: str, report: Report) -> list[str]:
    model_ids = []
    for template in TEMPLATES:
        ctx, request = _training_request(company_id, template)
        with unit_of_work(runtime.sessionmaker) as session:
            bind_scope(session, ctx)
            attach_executor(session, SyncExecutor(runtime))
            model, _ = training_service.start_training(
                session, ctx, data=request, sources_dir=runtime.settings.sources
            )
        model_ids.append(model.id)  # the job ran at commit (SyncExecutor)
        report(f"{company_id}: trained {template} ({model.model_version})")
    return model_ids


def _monitor(runtime: JobRuntime, company_id: str, anchor: datetime, report: Report) -> None:
    """Weekly performance of every template, and two drift checks of the expense classifier:
    the stable weeks (nothing should move) and the shifted weeks (vendors and amounts do)."""
    from urutiq_ai.core.errors import AppError
    from urutiq_ai.monitoring import drift, performance
    from urutiq_ai.monitoring.schemas import TimeWindow

    ctx = _scope(company_id)
    store = ArtifactStore(runtime.settings.artifacts)
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, ctx)
        for name in TEMPLATES:
            model = registry_service.latest_active(session, ctx, name)
            if model is None:
                continue
            try:
                performance.compute_performance(
                    session, ctx, model_id=model.id, time_window=TimeWindow.weekly
                )
            except AppError as exc:
                report(f"{company_id}: no weekly performance for {name}: {exc}")
        expenses = registry_service.latest_active(session, ctx, "expense_classifier")
        if expenses is None:
            return
        for label, end in (("stable", anchor - DRIFT_WINDOW), ("shifted", anchor)):
            try:
                check = drift.check_drift(
                    session, ctx, model_id=expenses.id, window=DRIFT_WINDOW, end=end, store=store
                )
            except AppError as exc:
                report(f"{company_id}: drift check of the {label} weeks skipped: {exc}")
                continue
            drifted = ", ".join(check.report.drifted) or "none"
            report(f"{company_id}: drift check of the {label} weeks: drifted features {drifted}")


def _check_quality(runtime: JobRuntime, company_id: str, ledger: Ledger, report: Report) -> None:
    """The shipped ledger checks on the company's ledger tables (results stored).

    Freshness is measured as of the day the demo's books closed (three days after the last
    journal date); against today's clock the demo's books are old, and a run of
    ``urutiq-ai quality run --checks ledger`` says so.
    """
    from urutiq_ai.quality import checks, shipped
    from urutiq_ai.quality.rules import QualityRunRequest

    closed = pd.Timestamp(ledger.journal_entries["entryDate"].max()) + pd.Timedelta(days=3)
    document = shipped.load("ledger")
    for check in document["checks"]:
        if check["check"] == "freshness":
            check["asOf"] = closed.tz_localize(UTC).isoformat()
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, _scope(company_id))
        result = checks.run_checks(
            session,
            _scope(company_id),
            QualityRunRequest.model_validate(document),
            sources_dir=runtime.settings.sources,
        )
    failed = ", ".join(r.name for r in result.results if r.status != "pass") or "none"
    report(f"{company_id}: data quality: {result.passed} of {result.checks} checks pass; {failed}")


DEMO_MONITORS = (
    # (name, kind, template watched or None, schedule, params)
    ("expense drift, daily", "drift", "expense_classifier", "0 6 * * *", {"window": "7d"}),
    (
        "expense performance, weekly",
        "performance",
        "expense_classifier",
        "0 7 * * 1",
        {"timeWindow": "weekly"},
    ),
    ("ledger quality, nightly", "quality", None, "30 2 * * *", None),
)


def _schedule_monitors(runtime: JobRuntime, company_id: str, report: Report) -> None:
    """Monitors that keep watching after the load: daily drift and weekly performance of
    the expense classifier, and the shipped ledger checks every night (fired by the
    scheduler inside ``serve``)."""
    from urutiq_ai.crud import service as crud_service
    from urutiq_ai.monitoring.scheduling import MONITORS
    from urutiq_ai.monitoring.schemas import MonitorCreate
    from urutiq_ai.quality import shipped

    ctx = _scope(company_id)
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, ctx)
        for name, kind, template, schedule, params in DEMO_MONITORS:
            model = registry_service.latest_active(session, ctx, template) if template else None
            if template and model is None:
                continue
            body = {
                "name": name,
                "kind": kind,
                "model_id": model.id if model else None,
                "schedule": schedule,
                "params": params if params is not None else shipped.load("ledger"),
            }
            crud_service.create_row(session, ctx, MONITORS, MonitorCreate.model_validate(body))
    report(f"{company_id}: {len(DEMO_MONITORS)} monitors scheduled")


def _training_request(company_id: str, template: str) -> tuple[TenantContext, TrainRequest]:
    """The template on the table its pipelines made (the template's own source), all of it
    or only its reference period (a query source: admin only)."""
    table = training_table(template)
    if template not in REFERENCE_PERIOD_ONLY:
        return _scope(company_id), TrainRequest(template=template)
    query = f'SELECT * FROM "{table}" WHERE "period" = \'reference\''
    admin_scope = replace(_scope(company_id), role=Role.admin)
    return admin_scope, TrainRequest(template=template, source=SourceSpec(query=query))


def _simulate_history(
    runtime: JobRuntime,
    company_id: str,
    samples: dict[str, tuple["Sample", "Sample"]],
    weeks: int,
    now: datetime,
) -> int:
    """Predictions spread over the past weeks, each with its actual outcome."""
    total = 0
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, _scope(company_id))
        for model_id, weekly in _models_with_samples(session, company_id, samples, weeks):
            for week, (chunk, truth) in enumerate(weekly):
                if not chunk:
                    continue
                when = now - timedelta(weeks=weeks - week)
                total += _predict_week(session, company_id, model_id, chunk, truth, when, runtime)
    return total


Sample = tuple[list[dict[str, Any]], list[Any]]


def _samples(frames: dict[str, pd.DataFrame], *, limit: int) -> dict[str, tuple[Sample, Sample]]:
    """Per template, from its training table: (rows, targets) of the reference period and of
    the shifted period, at most ``limit`` of each (the history never uses more)."""
    out: dict[str, tuple[Sample, Sample]] = {}
    for name, spec in TEMPLATES.items():
        frame = frames[name]
        target = spec.get("target_column") or spec.get("label_column")
        frame = frame[frame[target].notna()].sample(frac=1.0, random_state=3)
        periods = []
        for period in ("reference", "shifted"):
            part = frame[frame["period"] == period] if "period" in frame else frame
            part = part.head(limit)
            rows = part[spec["feature_columns"]].to_dict(orient="records")
            periods.append(([_json_row(row) for row in rows], part[target].tolist()))
        out[name] = (periods[0], periods[1])
    return out


def _weekly(name: str, reference: Sample, shifted: Sample, weeks: int) -> list[Sample]:
    """The rows predicted each week: for the expense classifier the last ``SHIFTED_WEEKS``
    weeks come from the shifted period; other templates draw from their whole ledger."""
    if name not in REFERENCE_PERIOD_ONLY:
        rows, truth = reference[0] + shifted[0], reference[1] + shifted[1]
        step = ROWS_PER_WEEK
        return [
            (rows[w * step : (w + 1) * step], truth[w * step : (w + 1) * step])
            for w in range(weeks)
        ]
    stable_weeks = max(weeks - SHIFTED_WEEKS, 0)
    step = EXPENSE_ROWS_PER_WEEK
    # the shifted rows spread evenly over the shifted weeks (a small ledger has few)
    shifted_step = min(
        SHIFTED_ROWS_PER_WEEK, max(1, len(shifted[0]) // max(weeks - stable_weeks, 1))
    )
    out = [
        (reference[0][w * step : (w + 1) * step], reference[1][w * step : (w + 1) * step])
        for w in range(stable_weeks)
    ]
    out += [
        (
            shifted[0][w * shifted_step : (w + 1) * shifted_step],
            shifted[1][w * shifted_step : (w + 1) * shifted_step],
        )
        for w in range(weeks - stable_weeks)
    ]
    return out


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
    session: Session,
    company_id: str,
    samples: dict[str, tuple[Sample, Sample]],
    weeks: int,
) -> Iterator[tuple[str, list[Sample]]]:
    for name, (reference, shifted) in samples.items():
        model = registry_service.latest_active(session, _scope(company_id), name)
        if model is not None:
            yield model.id, _weekly(name, reference, shifted, weeks)


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
