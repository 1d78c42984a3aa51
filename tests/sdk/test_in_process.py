"""With no URL, the SDK drives the app in-process on the configured local database."""

import threading
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import Column, Float, MetaData, String, Table, Text, create_engine

from tests.conftest import TenantFixture
from tests.training.conftest import SOURCE, expense_rows, train_request
from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
from urutiq_ai.core.executors import InlineExecutor
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.settings import get_settings
from urutiq_ai.sdk import Client, DatabaseNotReady
from urutiq_ai.sdk._client import _say_jobs_run_on
from urutiq_ai.tenancy import admin


def _bootstrap(url: str) -> str:
    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        created = admin.bootstrap_local(session)
        assert created is not None
        key = created.plaintext_key
    engine.dispose()
    return key


class TestInProcess:
    def test_works_on_local_database(self, local_db_url: str) -> None:
        upgrade(local_db_url)
        key = _bootstrap(local_db_url)
        with Client(api_key=key, company="local-company") as sdk:
            model = sdk.models.create(
                model_name="m", model_version="1", model_type="clustering", algorithm="kmeans"
            )
            assert sdk.models.get(model.id).company_id == "local-company"
            assert sdk.whoami().tenant_id == "local"
        with Client(api_key=key, company="local-company") as again:
            assert [m.id for m in again.models.list().items] == [model.id]

    def test_settings_provide_key_and_company(
        self, local_db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        upgrade(local_db_url)
        monkeypatch.setenv("URUTIQ_API_KEY", _bootstrap(local_db_url))
        monkeypatch.setenv("URUTIQ_COMPANY", "local-company")
        get_settings.cache_clear()
        with Client() as sdk:
            assert sdk.company == "local-company"
            assert sdk.models.list().items == []

    @pytest.mark.usefixtures("local_db_url")
    def test_not_migrated(self) -> None:
        with pytest.raises(DatabaseNotReady, match="urutiq-ai db upgrade"):
            Client(api_key="uiq_x", company="c")

    def test_migrated_to_an_older_revision(self, local_db_url: str) -> None:
        upgrade(local_db_url, "base")
        with pytest.raises(DatabaseNotReady, match="urutiq-ai db upgrade"):
            Client(api_key="uiq_x", company="c")


class TestJobsOfTheProcess:
    def test_closing_finishes_a_run_it_started(self, local_db_url: str) -> None:
        # `urutiq-ai train --no-wait` in-process: the command's process ran the job and, on
        # exit, stopped it ("the server stopped while the run worked"); it now runs to its end
        upgrade(local_db_url)
        key = _bootstrap(local_db_url)
        tenant = TenantFixture(id="local", company_id="local-company", company_b="")
        _expense_table(local_db_url, expense_rows(tenant, "local-company", n=120))
        with Client(api_key=key, company="local-company") as sdk:
            started = sdk.training.train(**train_request(hyperparameters={"n_estimators": 5}))
        with Client(api_key=key, company="local-company") as sdk:
            run = sdk.training.run(started.run_id)
        assert run.status == "completed", run.logs

    def test_the_wait_for_them_is_said(
        self,
        local_db_url: str,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A command's process that waits for its jobs says so (it would seem to hang)."""
        release = threading.Event()
        executor = InlineExecutor(
            JobRuntime(make_sessionmaker(make_engine(local_db_url)), get_settings())
        )
        monkeypatch.setattr(executor, "_run", lambda _job: release.wait(10))
        executor.submit(cast(Any, "a job"))
        app = SimpleNamespace(state=SimpleNamespace(executor=executor))
        assert executor.unfinished == 1
        _say_jobs_run_on(app)
        assert "waiting for 1 job(s) started in this process" in capsys.readouterr().err
        release.set()
        executor.shutdown(wait=True)
        assert executor.unfinished == 0
        _say_jobs_run_on(app)
        assert capsys.readouterr().err == ""


def _expense_table(url: str, rows: list[dict[str, Any]]) -> None:
    engine = create_engine(url)
    table = Table(
        SOURCE,
        MetaData(),
        *(Column(name, String(64)) for name in ("tenantId", "companyId", "vendorName", "category")),
        Column("description", Text),
        Column("amount", Float),
        Column("cost", Float),
    )
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    engine.dispose()
