"""A stored pipeline changed after its first load is verified again before it serves.

Serving keeps verified pipelines in memory; a ``pipeline.pickle`` tampered with after its
first load used to go on being served from there. Now each use compares the file's stamp
(local: inode, size, times) and re-hashes a changed file: tampered bytes are refused with
the same ``ArtifactIntegrityError`` as a cold load of them.
"""

import os
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.training.test_serving_api import ROW, Seed, predict, trained_model
from urutiq_ai.ml import artifacts as ml_artifacts
from urutiq_ai.ml.errors import ArtifactTampered
from urutiq_ai.predictions.serving import PipelineCache
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.models import ModelArtifact


def _pipeline_file(app: FastAPI, tenant: TenantFixture, model_id: str) -> Path:
    root = Path(app.state.settings.artifacts) / tenant.id / tenant.company_id / model_id
    return root / "pipeline.pickle"


def _flipped(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[-10] ^= 0xFF
    return bytes(changed)


def _refused(response: Any) -> None:
    assert response.status_code == 500, response.text
    assert response.json()["error"] == "ArtifactIntegrityError"
    assert "hash mismatch" in response.json()["detail"]


class TestModelPredict:
    def test_tampered_in_place_after_a_predict_is_refused_and_restored_serves(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model_id = trained_model(client, tenant, seed_expenses)
        assert predict(client, tenant, model_id, {"row": ROW}).status_code == 200
        path = _pipeline_file(app, tenant, model_id)
        original = path.read_bytes()
        path.write_bytes(_flipped(original))  # same size, same inode
        _refused(predict(client, tenant, model_id, {"row": ROW}))
        _refused(predict(client, tenant, model_id, {"row": ROW}))  # not cached since
        path.write_bytes(original)
        assert predict(client, tenant, model_id, {"row": ROW}).status_code == 200

    def test_a_file_swapped_for_another_is_refused(
        self,
        app: FastAPI,
        client: TestClient,
        tenant: TenantFixture,
        seed_expenses: Seed,
        tmp_path: Path,
    ) -> None:
        model_id = trained_model(client, tenant, seed_expenses)
        assert predict(client, tenant, model_id, {"rows": [ROW, ROW]}).status_code == 200
        path = _pipeline_file(app, tenant, model_id)
        swapped = tmp_path / "pipeline.pickle"
        swapped.write_bytes(_flipped(path.read_bytes()))
        os.replace(swapped, path)  # a new inode in its place
        _refused(predict(client, tenant, model_id, {"rows": [ROW, ROW]}))

    def test_a_deployment_refuses_it_too(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture, seed_expenses: Seed
    ) -> None:
        model_id = trained_model(client, tenant, seed_expenses)
        body = {"deploymentName": "tamper", "modelId": model_id, "environment": "staging"}
        deployed = client.post(tenant.url("deployments"), json=body, headers=tenant.headers())
        assert deployed.status_code == 201, deployed.text

        def through_deployment() -> Any:
            return client.post(
                tenant.url("deployments/tamper/predict"),
                json={"row": ROW},
                params={"environment": "staging"},
                headers=tenant.headers("editor"),
            )

        assert through_deployment().status_code == 200
        path = _pipeline_file(app, tenant, model_id)
        path.write_bytes(_flipped(path.read_bytes()))
        response = through_deployment()
        assert response.status_code == 500, response.text
        assert response.json()["error"] == "ArtifactIntegrityError"


class TestRemoteStore:
    """A remote store's file is re-checked on an interval, not on every use."""

    @pytest.fixture
    def stored(self) -> tuple[ArtifactStore, ModelArtifact, bytes]:
        store = ArtifactStore(f"memory://reverify-{os.getpid()}-{id(self)}")
        data = ml_artifacts.dump_pipeline({"fitted": True})
        uri = store.put("t/c/m/pipeline.pickle", data)
        artifact = ModelArtifact(model_id="m", uri=uri, sha256=ml_artifacts.sha256(data))
        return store, artifact, data

    def test_rechecked_once_the_interval_passed(
        self, stored: tuple[ArtifactStore, ModelArtifact, bytes]
    ) -> None:
        store, artifact, data = stored
        cache = PipelineCache(recheck_seconds=0.0)
        assert cache.get(artifact, store).pipeline == {"fitted": True}
        store.put("t/c/m/pipeline.pickle", _flipped(data))
        with pytest.raises(ArtifactTampered):
            cache.get(artifact, store)
        with pytest.raises(ArtifactTampered):
            cache.get(artifact, store)

    def test_trusted_within_the_interval(
        self, stored: tuple[ArtifactStore, ModelArtifact, bytes]
    ) -> None:
        store, artifact, data = stored
        cache = PipelineCache(recheck_seconds=3600.0)
        first = cache.get(artifact, store)
        store.put("t/c/m/pipeline.pickle", _flipped(data))
        assert cache.get(artifact, store) is first
