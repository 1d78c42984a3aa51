"""The job ledger is tenant data. ``GET /companies/{c}/jobs`` (API, SDK
``client.jobs``, CLI ``urutiq-ai jobs``) shows a company its own jobs only; on PostgreSQL the
app's role sees and changes no other tenant's ``Job`` rows whatever its query says."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.cli.conftest import Invoke, Local, data_dir, db_url, invoke, local, template_dir
from tests.conftest import TenantFixture
from tests.jobs.test_ledger import DroppingExecutor, claim, submit
from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
from urutiq_ai.core.jobs import Job, JobRuntime, job_unit_of_work, system_unit_of_work
from urutiq_ai.core.ledger.models import JobRecord
from urutiq_ai.core.ledger.schemas import JobStatus
from urutiq_ai.sdk import Client
from urutiq_ai.sdk._errors import NotFound, UrutiqError
from urutiq_ai.tenancy import admin
from urutiq_ai.tenancy.context import for_job

__all__ = ["data_dir", "db_url", "invoke", "local", "template_dir"]  # CLI fixtures

JOB = "tests.jobs.test_ledger:counting_job"


@pytest.fixture
def owned_job(app: FastAPI, tenant: TenantFixture, runtime: JobRuntime) -> Job:
    """A job of ``tenant``'s company A, claimed by a worker."""
    job = submit(
        app.state.sessionmaker, tenant, DroppingExecutor(),
        Job(JOB, tenant.id, tenant.company_id, {"key": "secret-of-" + tenant.id}),
    )  # fmt: skip
    claim(runtime, job, "worker-of-the-owner")
    return job


def items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


class TestApi:
    def test_the_owner_reads_its_job_with_the_documented_filters(
        self, client: TestClient, tenant: TenantFixture, owned_job: Job
    ) -> None:
        url, headers = tenant.url("jobs"), tenant.headers("viewer")
        (row,) = items(client.get(url, headers=headers))
        assert (row["id"], row["status"], row["workerId"]) == (
            owned_job.id,
            "running",
            "worker-of-the-owner",
        )
        assert "principalId" not in row
        assert "onLost" not in row
        for params in ({"status": "running"}, {"name": JOB}, {"workerId": "worker-of-the-owner"}):
            assert [r["id"] for r in items(client.get(url, params=params, headers=headers))] == [
                owned_job.id
            ], params
        assert items(client.get(url, params={"workerId": "another"}, headers=headers)) == []
        shown = client.get(tenant.url(f"jobs/{owned_job.id}"), headers=headers)
        assert shown.status_code == 200
        assert shown.json()["id"] == owned_job.id
        assert items(client.get(tenant.url("jobs", tenant.company_b), headers=headers)) == []

    def test_another_tenant_sees_none_of_it(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        owned_job: Job,
    ) -> None:
        other = tenant_second.headers("admin")
        assert items(client.get(tenant_second.url("jobs"), headers=other)) == []
        by_id = client.get(tenant_second.url(f"jobs/{owned_job.id}"), headers=other)
        assert by_id.status_code == 404, by_id.text
        through = client.get(tenant.url("jobs"), headers=other)  # the owner's company id
        assert through.status_code in (403, 404), through.text
        assert owned_job.id not in through.text
        through_id = client.get(tenant.url(f"jobs/{owned_job.id}"), headers=other)
        assert through_id.status_code in (403, 404), through_id.text

    def test_a_key_limited_to_company_b_cannot_read_company_a_s_jobs(
        self, client: TestClient, tenant: TenantFixture, owned_job: Job
    ) -> None:
        limited = tenant.headers("limited")
        response = client.get(tenant.url("jobs"), headers=limited)
        assert response.status_code in (403, 404), response.text  # 404: CompanyNotFound
        assert owned_job.id not in response.text
        assert items(client.get(tenant.url("jobs", tenant.company_b), headers=limited)) == []

    def test_the_ledger_is_read_only(
        self, client: TestClient, tenant: TenantFixture, owned_job: Job
    ) -> None:
        admin_headers = tenant.headers("admin")
        created = client.post(tenant.url("jobs"), json={"name": "x"}, headers=admin_headers)
        assert created.status_code in (403, 404, 405), created.text
        url = tenant.url(f"jobs/{owned_job.id}")
        changed = client.patch(url, json={"status": "completed"}, headers=admin_headers)
        assert changed.status_code in (403, 404, 405), changed.text
        deleted = client.delete(url, headers=admin_headers)
        assert deleted.status_code in (403, 404, 405), deleted.text
        (row,) = items(client.get(tenant.url("jobs"), headers=admin_headers))
        assert row["status"] == "running"


def test_the_sdk_shows_another_tenant_none_of_it(
    client: TestClient, tenant: TenantFixture, tenant_second: TenantFixture, owned_job: Job
) -> None:
    assert owned_job.id is not None
    own = Client(api_key=tenant.keys["viewer"], company=tenant.company_id, http_client=client)
    assert [job.id for job in own.jobs.list().items] == [owned_job.id]
    assert own.jobs.get(owned_job.id).status == JobStatus.running
    other = Client(
        api_key=tenant_second.keys["admin"], company=tenant_second.company_id, http_client=client
    )
    assert other.jobs.list().items == []
    with pytest.raises(NotFound):
        other.jobs.get(owned_job.id)
    with pytest.raises(UrutiqError):
        other.jobs.list(company=tenant.company_id)


class TestPostgresRowLevelSecurity:
    @pytest.fixture(autouse=True)
    def _postgresql_only(self, backend: str) -> None:
        if backend != "postgresql":
            pytest.skip("row-level security is PostgreSQL's")

    def test_the_app_role_sees_and_changes_only_its_tenant_s_jobs(
        self,
        runtime: JobRuntime,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        owned_job: Job,
    ) -> None:
        assert runtime.settings.database_role  # the tests' non-superuser role
        select_job = text('SELECT id FROM "Job" WHERE id = :id')  # tenancy: global (on purpose)
        intruder = for_job(tenant_second.id, [tenant_second.company_id])
        with job_unit_of_work(runtime, intruder) as session:
            assert session.execute(text("SELECT current_user")).scalar() == (
                runtime.settings.database_role
            )
            assert session.execute(select_job, {"id": owned_job.id}).all() == []
            updated = session.execute(
                text("UPDATE \"Job\" SET status = 'failed' WHERE id = :id"), {"id": owned_job.id}
            )
            assert updated.rowcount == 0  # type: ignore[attr-defined]
            deleted = session.execute(
                text('DELETE FROM "Job" WHERE id = :id'), {"id": owned_job.id}
            )
            assert deleted.rowcount == 0  # type: ignore[attr-defined]
        with pytest.raises(DBAPIError, match="row-level security"):
            with job_unit_of_work(runtime, intruder) as session:
                session.execute(
                    text(
                        'INSERT INTO "Job" (id, name, status, attempt, "maxAttempts", '
                        '"notBefore", "tenantId", "companyId") VALUES (\'planted\', \'x\', '
                        "'queued', 1, 1, now(), :t, :c)"
                    ),
                    {"t": tenant.id, "c": tenant.company_id},
                )
        owner = for_job(tenant.id, [tenant.company_id])
        with job_unit_of_work(runtime, owner) as session:
            assert session.execute(select_job, {"id": owned_job.id}).scalars().all() == [
                owned_job.id
            ]
        with system_unit_of_work(runtime) as session:
            row = session.get(JobRecord, owned_job.id)
            assert row is not None
            assert row.status == JobStatus.running

    def test_a_job_s_fencing_check_works_under_the_app_role(
        self, runtime: JobRuntime, tenant: TenantFixture, owned_job: Job
    ) -> None:
        """``holds_claim`` runs in the job's tenant-scoped session: SELECT ... FOR UPDATE on
        its own Job row must pass row-level security as the app role."""
        from urutiq_ai.core.jobs import holds_claim

        worker = JobRuntime(runtime.sessionmaker, runtime.settings, "worker-of-the-owner")
        with job_unit_of_work(runtime, for_job(tenant.id, [tenant.company_id])) as session:
            assert holds_claim(session, owned_job, worker)


class TestCli:
    @pytest.fixture
    def foreign_job(self, db_url: str, local: Local) -> Iterator[str]:  # noqa: ARG002
        """Another tenant in the CLI's local database (after ``local``: bootstrapping wants
        an empty one), with one job."""
        engine = make_engine(db_url)
        factory = make_sessionmaker(engine)
        with unit_of_work(factory) as session:
            other = admin.create_tenant(session, name="other", tenant_id="t-other")
            company = admin.create_company(
                session, tenant_id=other.id, name="O", company_id="o-company"
            )
        runtime = JobRuntime(factory, _settings(db_url))
        fixture = TenantFixture(id=other.id, company_id=company.id, company_b=company.id)
        job = submit(factory, fixture, DroppingExecutor(), Job(JOB, other.id, company.id))
        assert job.id is not None
        with system_unit_of_work(runtime) as session:
            assert session.get(JobRecord, job.id) is not None
        yield job.id
        engine.dispose()

    def test_jobs_list_shows_only_the_key_s_tenant(
        self, invoke: Invoke, local: Local, foreign_job: str
    ) -> None:
        auth = ("--api-key", local.key, "--company", local.company)
        listed = invoke("jobs", "list", *auth, "--json")
        assert listed.exit_code == 0, listed.output
        assert foreign_job not in listed.stdout
        assert listed.stdout.strip() == "[]"
        shown = invoke("jobs", "show", foreign_job, *auth)
        assert shown.exit_code == 1
        assert "not found" in shown.stderr
        through = invoke("jobs", "list", "--api-key", local.key, "--company", "o-company")
        assert through.exit_code == 1
        assert foreign_job not in through.output


def _settings(db_url: str) -> Any:
    from urutiq_ai.core.settings import Settings

    return Settings(database_url=db_url)
