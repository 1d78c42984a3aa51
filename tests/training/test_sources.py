"""Training sources: query (run in the sandbox over the company's rows) and file sources."""

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import SOURCE, expense_rows, train_request, wait_for_run
from urutiq_ai.registry.artifacts import ArtifactStore

Seed = Callable[..., None]
QUERY = f'SELECT * FROM "{SOURCE}" WHERE amount > 0'


class TestQuerySource:
    def test_admin_trains_from_a_query(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant)
        seed_expenses(tenant, company=tenant.company_b, single_class=True)
        response = client.post(
            tenant.url("train"),
            json=train_request(source={"query": QUERY}),
            headers=tenant.headers("admin"),
        )
        assert response.status_code == 202, response.text
        run = wait_for_run(client, tenant, response.json()["runId"])
        # company B's single-class rows would fail the run if the filter leaked them in
        assert run["status"] == "completed", run["logs"]
        assert "240 rows" in run["logs"]

    def test_editor_may_use_a_query(
        self, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        seed_expenses(tenant)
        response = client.post(
            tenant.url("train"),
            json=train_request(source={"query": QUERY}),
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 202, response.text

    def test_only_one_select(self, client: TestClient, tenant: TenantFixture) -> None:
        body = train_request(source={"query": f'{QUERY}; DELETE FROM "{SOURCE}"'})
        response = client.post(tenant.url("train"), json=body, headers=tenant.headers("admin"))
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "source.query"


class TestFileSource:
    def test_trains_from_the_company_folder(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture
    ) -> None:
        folder = Path(app.state.settings.sources) / tenant.id / tenant.company_id
        folder.mkdir(parents=True)
        rows = expense_rows(tenant, tenant.company_id)
        pd.DataFrame(rows).drop(columns=["tenantId", "companyId"]).to_csv(
            folder / "expenses.csv", index=False
        )
        response = client.post(
            tenant.url("train"),
            json=train_request(source={"file": "expenses.csv"}),
            headers=tenant.headers("editor"),
        )
        assert response.status_code == 202, response.text
        run = wait_for_run(client, tenant, response.json()["runId"])
        assert run["status"] == "completed", run["logs"]

    def test_paths_outside_the_folder_are_refused(
        self, client: TestClient, tenant: TenantFixture
    ) -> None:
        body = train_request(source={"file": "../../../etc/passwd.csv"})
        response = client.post(tenant.url("train"), json=body, headers=tenant.headers("editor"))
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "source.file"


class TestArtifactStore:
    def test_any_fsspec_url(self) -> None:
        store = ArtifactStore("memory://urutiq-test")
        url = store.put("t/c/m/pipeline.joblib", b"bytes")
        assert url == "memory://urutiq-test/t/c/m/pipeline.joblib"
        assert store.get(url) == b"bytes"
