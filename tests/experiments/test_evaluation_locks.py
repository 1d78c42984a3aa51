"""An experiment's evaluation scores and resamples with no database lock held: on SQLite
every transaction holds the write lock, and another process (a CLI, the scheduler of a
server beside it) that writes meanwhile must not wait for the bootstrap, nor meet
``database is locked`` (issue 18, item 3)."""

from typing import Any

import pytest
from fastapi import FastAPI

from tests.deployments.conftest import VENDOR_ROWS, Api
from tests.deployments.test_experiments_api import CATEGORY, create
from tests.training.conftest import write_from_another_connection


def test_offline_and_online_comparisons_compute_with_no_lock(
    api: Api, app: FastAPI, two_versions: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = app.state.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    first, second = two_versions
    deployment = api.deploy(first, env="production", config={"shadow": [second]})
    experiment = create(
        api, first, second, methodology={"deploymentId": deployment["id"], "nResamples": 100}
    )
    body = api.predict("expenses", {"rows": VENDOR_ROWS}, env="production").json()
    actuals = [
        {"predictionId": p["predictionId"], "actualValue": CATEGORY[str(row["vendorName"])]}
        for p, row in zip(body["predictions"], VENDOR_ROWS, strict=True)
    ]
    assert api.post("predictions/actuals", {"items": actuals}).status_code == 200

    from urutiq_ai.ml.comparison import bootstrap

    writes: list[tuple[str, str]] = []

    def writing(name: str) -> Any:
        real = getattr(bootstrap, name)

        def while_computing(*args: Any, **kwargs: Any) -> Any:
            writes.append((name, write_from_another_connection(engine)))
            return real(*args, **kwargs)

        return while_computing

    for name in ("paired_bootstrap", "unpaired_bootstrap"):
        monkeypatch.setattr(bootstrap, name, writing(name))
    evaluated = api.post(f"experiments/{experiment['id']}/evaluate", {"mode": "both"})
    assert evaluated.status_code == 200, evaluated.text
    results = evaluated.json()["results"]
    assert set(results["offline"]["metrics"]) == {"accuracy", "precision", "recall", "f1Score"}
    assert "metrics" in results["online"]
    assert sorted(set(writes)) == [
        ("paired_bootstrap", "written"),
        ("unpaired_bootstrap", "written"),
    ]
