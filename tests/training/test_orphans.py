"""Runs left running by a stopped embedded server are failed when it starts again."""

from pathlib import Path

from sqlalchemy.orm import Session

from urutiq_ai import catalog  # noqa: F401 - maps every table
from urutiq_ai.cli.server import _sweep_orphaned_runs
from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.scoping import bind_system
from urutiq_ai.monitoring.models import Monitor, MonitorRun
from urutiq_ai.registry.models import AIModel
from urutiq_ai.tenancy import admin
from urutiq_ai.training.models import AIModelTrainingRun


def _seed(session: Session) -> tuple[str, str, str]:
    admin.create_tenant(session, name="t", tenant_id="t-orphan")
    admin.create_company(session, tenant_id="t-orphan", name="c", company_id="c-orphan")
    bind_system(session)
    model = AIModel(
        tenant_id="t-orphan",
        company_id="c-orphan",
        model_name="m",
        model_version="1.0.0",
        model_type="classification",
        algorithm="xgboost",
        status="training",
    )
    session.add(model)
    session.flush()
    running = AIModelTrainingRun(
        tenant_id="t-orphan",
        company_id="c-orphan",
        model_id=model.id,
        run_name="r",
        status="running",
    )
    done = AIModelTrainingRun(
        tenant_id="t-orphan",
        company_id="c-orphan",
        model_id=model.id,
        run_name="d",
        status="completed",
    )
    session.add_all([running, done])
    session.flush()
    return model.id, running.id, done.id


def test_sweep_fails_running_runs_and_their_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/orphans.db"
    upgrade(url)
    factory = make_sessionmaker(make_engine(url))
    with unit_of_work(factory) as session:
        model_id, running_id, done_id = _seed(session)
    _sweep_orphaned_runs(url)
    with unit_of_work(factory) as session:
        bind_system(session)
        running = session.get(AIModelTrainingRun, running_id)
        done = session.get(AIModelTrainingRun, done_id)
        model = session.get(AIModel, model_id)
        assert running is not None
        assert done is not None
        assert model is not None
        assert running.status.value == "failed"
        assert "server stopped" in (running.logs or "")
        assert running.end_time is not None
        assert done.status.value == "completed"
        assert model.status.value == "failed"


def test_sweep_fails_unfinished_monitor_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/orphans.db"
    upgrade(url)
    factory = make_sessionmaker(make_engine(url))
    with unit_of_work(factory) as session:
        _seed(session)
        monitor = Monitor(
            tenant_id="t-orphan",
            company_id="c-orphan",
            name="nightly",
            kind="quality",
            schedule="0 2 * * *",
            status="active",
        )
        session.add(monitor)
        session.flush()
        runs = [
            MonitorRun(
                tenant_id="t-orphan",
                company_id="c-orphan",
                monitor_id=monitor.id,
                trigger="schedule",
                status=status,
            )
            for status in ("queued", "running", "completed")
        ]
        session.add_all(runs)
        session.flush()
        monitor.last_run_id = runs[1].id
        ids = [run.id for run in runs]
    _sweep_orphaned_runs(url)
    with unit_of_work(factory) as session:
        bind_system(session)
        statuses = [session.get(MonitorRun, run_id).status.value for run_id in ids]  # type: ignore[union-attr]
        assert statuses == ["failed", "failed", "completed"]
        stopped = session.get(MonitorRun, ids[0])
        assert stopped is not None
        assert stopped.error == "the server stopped before this run finished"
        shown = session.get(Monitor, monitor.id)
        assert shown is not None
        assert shown.last_status is not None
        assert shown.last_status.value == "failed"


def test_missing_database_is_left_alone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/absent.db"
    _sweep_orphaned_runs(url)
    assert not (tmp_path / "absent.db").exists()
