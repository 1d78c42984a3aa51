"""Issue 17, finding 10c, for pipelines: a schedule is a standard 5-field cron expression
or an alias (``@hourly``); 6 or 7 fields and croniter's own extensions answer 422 naming
``schedule`` and why, and nothing is stored or changed. SQLite and PostgreSQL."""

import pytest
from fastapi.testclient import TestClient

from tests.api.test_cron_schedules import REFUSED, assert_schedule_refused
from tests.conftest import TenantFixture
from tests.pipelines.test_pipelines_api import pipeline_body
from tests.quality.conftest import LedgerFixture


class TestPipelines:
    @pytest.mark.parametrize(("schedule", "reason"), REFUSED)
    def test_refused_naming_the_field(
        self, client: TestClient, tenant: TenantFixture, schedule: str, reason: str
    ) -> None:
        editor = tenant.headers("editor")
        body = pipeline_body(schedule=schedule)
        response = client.post(tenant.url("pipelines"), json=body, headers=editor)
        assert_schedule_refused(response, reason)
        assert client.get(tenant.url("pipelines"), headers=editor).json()["items"] == []

    def test_accepted_and_refused_on_update(
        self, client: TestClient, ledger_tenant: LedgerFixture
    ) -> None:
        tenant = ledger_tenant.tenant
        editor = tenant.headers("editor")
        created = client.post(
            tenant.url("pipelines"), json=pipeline_body(schedule="@hourly"), headers=editor
        )
        assert created.status_code == 201, created.text
        url = tenant.url(f"pipelines/{created.json()['id']}")
        response = client.patch(url, json={"schedule": "* * * * * */10"}, headers=editor)
        assert_schedule_refused(response, "has 6 fields")
        assert client.get(url, headers=editor).json()["schedule"] == "@hourly"
