"""Trained models to deploy, and small helpers to drive deployments through the API."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.conftest import expense_table, seed_expenses, train_request, wait_for_run

__all__ = ["expense_table", "seed_expenses"]

ROW = {"vendorName": "AWS", "description": "cloud hosting", "amount": 120.0}
VENDOR_ROWS = [
    {"vendorName": vendor, "description": words, "amount": 100.0 + i}
    for i, (vendor, words) in enumerate(
        [
            ("AWS", "cloud hosting"),
            ("Delta", "flight ticket"),
            ("Staples", "paper pens"),
            ("Verizon", "mobile plan"),
        ]
    )
]


class Api:
    """The deployments API of one tenant, as an editor."""

    def __init__(self, client: TestClient, tenant: TenantFixture, seed: Callable[..., None]):
        self.client, self.tenant, self.seed = client, tenant, seed
        self._seeded = False

    def train(self, **overrides: Any) -> str:
        if not self._seeded:
            self.seed(self.tenant)
            self._seeded = True
        started = self.client.post(
            self.tenant.url("train"),
            json=train_request(**overrides),
            headers=self.tenant.headers("editor"),
        ).json()
        run = wait_for_run(self.client, self.tenant, started["runId"])
        assert run["status"] == "completed", run["logs"]
        return str(started["modelId"])

    def post(self, path: str, body: Any = None, role: str = "editor", **params: Any) -> Any:
        return self.client.post(
            self.tenant.url(path), json=body, params=params, headers=self.tenant.headers(role)
        )

    def get(self, path: str, role: str = "viewer", **params: Any) -> Any:
        return self.client.get(
            self.tenant.url(path), params=params, headers=self.tenant.headers(role)
        )

    def deploy(
        self, model_id: str, name: str = "expenses", env: str = "staging", **extra: Any
    ) -> dict[str, Any]:
        body = {"deploymentName": name, "modelId": model_id, "environment": env, **extra}
        response = self.post("deployments", body)
        assert response.status_code == 201, response.text
        deployment: dict[str, Any] = response.json()
        return deployment

    def verb(self, deployment_id: str, verb: str, body: Any = None) -> dict[str, Any]:
        response = self.post(f"deployments/{deployment_id}/{verb}", body or {})
        assert response.status_code == 200, response.text
        change: dict[str, Any] = response.json()
        return change

    def predict(self, name: str, body: dict[str, Any], env: str = "staging") -> Any:
        return self.post(f"deployments/{name}/predict", body, environment=env)

    def stored(self, **filters: Any) -> list[dict[str, Any]]:
        body = self.get("predictions", limit=500, **filters).json()
        items: list[dict[str, Any]] = body["items"]
        return items

    def revisions(self, deployment_id: str) -> list[dict[str, Any]]:
        response = self.get(f"deployments/{deployment_id}/revisions")
        assert response.status_code == 200, response.text
        revisions: list[dict[str, Any]] = response.json()
        return revisions

    def audit(self, **filters: Any) -> list[dict[str, Any]]:
        response = self.client.get(
            "/api/v1/audit-log", params=filters, headers=self.tenant.headers("admin")
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture
def api(client: TestClient, tenant: TenantFixture, seed_expenses: Callable[..., None]) -> Api:
    return Api(client, tenant, seed_expenses)


@pytest.fixture
def two_versions(api: Api) -> tuple[str, str]:
    """Two active versions of one expense classifier (same features, other algorithms)."""
    first = api.train()
    second = api.train(algorithm="logistic_regression", hyperparameters={})
    return first, second


def tamper(app: FastAPI, tenant: TenantFixture, model_id: str) -> None:
    """Flip a byte of a model's stored pipeline (its hash no longer matches)."""
    root = Path(app.state.settings.artifacts) / tenant.id / tenant.company_id / model_id
    path = next(p for p in root.iterdir() if "validation" not in p.name)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
