"""A job that fails on an error nobody foresaw tells its user the kind of error only: the
traceback (server paths, SQL) goes to the server log (issue 17, finding 10)."""

import logging

import pytest
from fastapi.testclient import TestClient

from tests.pipelines.test_pipelines_api import create, pipeline_body, run_to_end
from tests.quality.conftest import LedgerFixture
from urutiq_ai.ml import transform

SECRET = 'could not run SELECT * FROM "Secret" at /srv/urutiq/internal.py line 12'


def test_the_run_shows_the_kind_and_the_log_keeps_the_trace(
    client: TestClient,
    ledger_tenant: LedgerFixture,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(transform, "apply", broken)
    tenant = ledger_tenant.tenant
    created = create(client, tenant, pipeline_body(targetTables=["BrokenFeatures"]))
    assert created.status_code == 201, created.text
    with caplog.at_level(logging.ERROR, logger="urutiq_ai.jobs"):
        run = run_to_end(client, tenant, created.json()["id"])
    assert run["status"] == "failed"
    assert "internal error (RuntimeError)" in run["logs"]
    assert "Secret" not in run["logs"]
    assert "Traceback" not in run["logs"]
    assert "/srv/urutiq" not in run["logs"]
    assert any(SECRET in (r.exc_text or "") or r.exc_info for r in caplog.records)
