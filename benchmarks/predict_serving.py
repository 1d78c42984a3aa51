"""Predict latency and throughput through the API, against the bare pipeline as baseline.

Target (issue "Models that learn from the ledger", item 10): p50 <= 10 ms for one row
predicted by the random forest `expense_classifier` template through the in-process API.

Builds a fresh, migrated SQLite database in a temporary folder, writes a demo ledger
(seed 7, scale 0.5) for one company, trains `expense_classifier` through the API, then
measures, with the app in this process:

* single-row latency (N requests after a warm-up), logged and with ``"log": false``, through
  httpx's ASGI transport (the app awaited in this event loop, as an ASGI server does; the
  verdict uses it) and through FastAPI's TestClient (which adds a portal thread per request);
* the same row predicted directly in this process (the in-process baselines): the
  pipeline's ``predict_proba`` alone, the pandas path (``validate_rows`` + ``ml.predict``,
  used for batches over 64 rows) and the row path serving uses for up to 64 rows
  (``check_records`` + ``ml.predict`` on the compiled ``RowScorer``); then each half of the
  pipeline both ways (``ColumnTransformer`` vs ``RowScorer.features``, scikit-learn's forest
  vs ``PackedForest``), checked equal before they are timed;
* where the time of an API request goes (timers wrapped around the service's steps, listed
  in ``stage_targets``);
* batch throughput (rows/s) for 1,000 and 10,000 rows, logged and not.

The unchanged scikit-learn rows (``ColumnTransformer``, forest ``predict_proba``) double as
a machine-speed reference when comparing runs from different days.

``--server`` also starts the real ``urutiq-ai serve`` on a free loopback port against the
same database and measures single-row latency over HTTP (httpx, sequential).
``--profile`` prints the top cProfile entries of the route's steps replayed in this thread.

    .venv/bin/python benchmarks/predict_serving.py [--requests 500] [--server] [--profile]
"""

import argparse
import asyncio
import cProfile
import io
import math
import os
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

# Starlette's TestClient warns that it will move from httpx to httpx2; harmless here.
warnings.filterwarnings("ignore", message=".*httpx.*")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from urutiq_ai.api.app import create_app  # noqa: E402
from urutiq_ai.core.context import Role  # noqa: E402
from urutiq_ai.core.db import unit_of_work  # noqa: E402
from urutiq_ai.core.migrations import upgrade  # noqa: E402
from urutiq_ai.core.scoping import bind_scope  # noqa: E402
from urutiq_ai.core.settings import Settings  # noqa: E402
from urutiq_ai.demo import generate_ledger, write_sql  # noqa: E402
from urutiq_ai.tenancy import admin  # noqa: E402
from urutiq_ai.tenancy import service as tenancy_service  # noqa: E402
from urutiq_ai.tenancy.context import for_job  # noqa: E402

TARGET_P50_MS = 10.0
WARMUP = 50
TRAIN_POLL_SECONDS = 0.25
TRAIN_POLL_LIMIT = 1200  # polls (5 min), so a stuck run ends the script instead of hanging
BATCH_SIZES = (1_000, 10_000)
BATCH_REPEATS = 3
SERVER_REQUESTS = 300
SERVER_WARMUP = 30
TENANT_ID = "bench"
COMPANY_ID = "bench-co"
FEATURES = ["vendorName", "description", "amount"]


@dataclass
class Setup:
    folder: str
    database_url: str
    settings: Settings
    app: FastAPI
    client: TestClient
    key: str
    model_id: str
    train_seconds: float
    rows: list[dict[str, Any]]

    def url(self, path: str) -> str:
        return f"/api/v1/companies/{COMPANY_ID}/{path.lstrip('/')}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


# -- set-up ------------------------------------------------------------------------------


def expense_rows(expenses: pd.DataFrame) -> list[dict[str, Any]]:
    """Raw feature rows (JSON-ready: missing descriptions as None) from the demo ledger."""
    rows = []
    for vendor, description, amount in expenses[FEATURES].itertuples(index=False):
        text = None if description is None or description != description else str(description)
        rows.append({"vendorName": str(vendor), "description": text, "amount": float(amount)})
    return rows


def build(folder: str) -> Setup:
    database_url = f"sqlite:///{folder}/bench.db"
    upgrade(database_url)
    settings = Settings(
        database_url=database_url,
        artifacts=f"{folder}/artifacts",
        sources=f"{folder}/sources",
    )
    app = create_app(settings)
    with unit_of_work(app.state.sessionmaker) as session:
        admin.create_tenant(session, name="benchmark", tenant_id=TENANT_ID)
        admin.create_company(session, tenant_id=TENANT_ID, name="Bench Co", company_id=COMPANY_ID)
        _, key = admin.create_key(session, tenant_id=TENANT_ID, role=Role.admin)
    ledger = generate_ledger(seed=7, scale=0.5)
    write_sql(ledger, app.state.engine, tenant_id=TENANT_ID, company_id=COMPANY_ID)
    client = TestClient(app)
    setup = Setup(folder, database_url, settings, app, client, key, "", 0.0, [])
    started = time.perf_counter()
    # The template's own source is the pipelines' feature table (made by the demo); the
    # ledger table has the same columns.
    body = {"template": "expense_classifier", "source": {"table": "LedgerExpense"}}
    answer = client.post(setup.url("train"), json=body, headers=setup.headers)
    if answer.status_code != 202:
        raise SystemExit(f"train answered {answer.status_code}: {answer.text}")
    body = answer.json()
    run = wait_for_run(setup, body["runId"])
    if run["status"] != "completed":
        raise SystemExit(f"training ended {run['status']}: {run.get('logs')}")
    setup.model_id = body["modelId"]
    setup.train_seconds = time.perf_counter() - started
    setup.rows = expense_rows(ledger.expenses)
    return setup


def wait_for_run(setup: Setup, run_id: str) -> dict[str, Any]:
    for _ in range(TRAIN_POLL_LIMIT):
        run: dict[str, Any] = setup.client.get(
            setup.url(f"training-runs/{run_id}"), headers=setup.headers
        ).json()
        if run["status"] != "running":
            return run
        time.sleep(TRAIN_POLL_SECONDS)
    raise SystemExit(f"run {run_id} still running after {TRAIN_POLL_LIMIT} polls")


# -- measuring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    label: str
    samples_ms: list[float]

    def quantile(self, q: int) -> float:
        cuts = statistics.quantiles(self.samples_ms, n=100, method="inclusive")
        return cuts[q - 1]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples_ms)

    def row(self) -> str:
        return (
            f"| {self.label} | {len(self.samples_ms)} | {self.p50:.2f} | {self.quantile(95):.2f} "
            f"| {self.quantile(99):.2f} | {self.mean:.2f} |"
        )


def time_calls(label: str, call: Callable[[int], object], n: int, warmup: int) -> Latency:
    """Call ``call(i)`` ``warmup`` times untimed, then ``n`` times timed (ms each)."""
    for i in range(warmup):
        call(i)
    samples = []
    for i in range(n):
        started = time.perf_counter_ns()
        call(warmup + i)
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return Latency(label, samples)


def api_predict(setup: Setup, body: dict[str, Any]) -> dict[str, Any]:
    answer = setup.client.post(
        setup.url(f"models/{setup.model_id}/predict"), json=body, headers=setup.headers
    )
    if answer.status_code != 200:
        raise SystemExit(f"predict answered {answer.status_code}: {answer.text[:500]}")
    result: dict[str, Any] = answer.json()
    return result


def single_row_api(setup: Setup, n: int, *, log: bool) -> Latency:
    rows = setup.rows

    def call(i: int) -> None:
        body: dict[str, Any] = {"row": rows[i % len(rows)]}
        if not log:
            body["log"] = False
        api_predict(setup, body)

    label = "API, TestClient, logged" if log else 'API, TestClient, "log": false'
    return time_calls(label, call, n, WARMUP)


def single_row_asgi(setup: Setup, n: int, *, log: bool) -> Latency:
    """The same requests through httpx's ASGI transport: the app in this process and loop.

    TestClient runs the app on a portal thread and blocks on it for every request (about
    4 ms per request on this machine, a GET /healthz costs 6 ms through it); the ASGI
    transport awaits the app directly, as an ASGI server does, so this measures the API's
    own cost: middleware, routing, dependencies, the endpoint on the threadpool, JSON.
    """
    rows = setup.rows

    async def series() -> list[float]:
        transport = httpx.ASGITransport(app=setup.app)
        samples: list[float] = []
        path = setup.url(f"models/{setup.model_id}/predict")
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for i in range(WARMUP + n):
                body: dict[str, Any] = {"row": rows[i % len(rows)]}
                if not log:
                    body["log"] = False
                started = time.perf_counter_ns()
                answer = await client.post(path, json=body, headers=setup.headers)
                elapsed = (time.perf_counter_ns() - started) / 1e6
                if answer.status_code != 200:
                    raise SystemExit(f"predict answered {answer.status_code}: {answer.text}")
                if i >= WARMUP:
                    samples.append(elapsed)
        return samples

    label = "API, in-process ASGI, logged" if log else 'API, in-process ASGI, "log": false'
    return Latency(label, asyncio.run(series()))


@dataclass
class Served:
    pipeline: Any
    scorer: Any
    column_types: dict[str, Any]
    feature_columns: list[str]
    model_type: str


def load_served(setup: Setup) -> Served:
    """The verified pipeline as the service holds it (``serving.PIPELINES``)."""
    from urutiq_ai.predictions import serving
    from urutiq_ai.registry import service as registry_service
    from urutiq_ai.registry.artifacts import ArtifactStore

    ctx = for_job(TENANT_ID, [COMPANY_ID])
    with unit_of_work(setup.app.state.sessionmaker) as session:
        bind_scope(session, ctx)
        model = registry_service.get_model(session, ctx, setup.model_id)
        pipeline, artifact = serving.load_model(
            session, ctx, model, ArtifactStore(setup.settings.artifacts)
        )
        return Served(
            pipeline,
            serving.PIPELINES.get(artifact, ArtifactStore(setup.settings.artifacts)).scorer,
            dict(artifact.column_types),
            list(model.feature_columns or []),
            model.model_type.value,
        )


def api_floor(setup: Setup, n: int) -> tuple[Latency, Latency]:
    """Requests without the ML: GET /healthz (no auth, no DB) and GET one model (auth + DB)."""

    def healthz(_: int) -> None:
        setup.client.get("/healthz")

    def get_model(_: int) -> None:
        answer = setup.client.get(setup.url(f"models/{setup.model_id}"), headers=setup.headers)
        if answer.status_code != 200:
            raise SystemExit(f"GET model answered {answer.status_code}")

    return (
        time_calls("floor: GET /healthz (no auth, no DB)", healthz, n, WARMUP),
        time_calls("floor: GET models/{id} (auth + 2 SELECTs)", get_model, n, WARMUP),
    )


def single_row_direct(setup: Setup, served: Served, n: int) -> tuple[Latency, Latency, Latency]:
    from urutiq_ai.ml.columns import check_records, coerce_frame, validate_rows
    from urutiq_ai.ml.predict import predict

    rows = setup.rows
    frames = [
        coerce_frame(pd.DataFrame.from_records([row])[served.feature_columns], served.column_types)
        for row in rows[: n + WARMUP]
    ]

    def bare(i: int) -> None:
        served.pipeline.predict_proba(frames[i % len(frames)])

    def ml_layer(i: int) -> None:
        frame = validate_rows([rows[i % len(rows)]], served.feature_columns, served.column_types)
        predict(served.pipeline, frame, model_type=served.model_type)

    def row_path(i: int) -> None:
        row = [rows[i % len(rows)]]
        check_records(row, served.feature_columns, served.column_types)
        predict(served.scorer, row, model_type=served.model_type)

    if served.scorer is None:
        raise SystemExit("the model has no compiled row path (rowpath.compile_scorer)")
    return (
        time_calls("direct: pipeline.predict_proba (1-row DataFrame)", bare, n, WARMUP),
        time_calls("direct: validate_rows + ml.predict (pandas path)", ml_layer, n, WARMUP),
        time_calls("direct: check_records + ml.predict (row path)", row_path, n, WARMUP),
    )


def model_parts(setup: Setup, served: Served, n: int) -> list[Latency]:
    """The pipeline's two halves, scikit-learn's way and the compiled row path's way.

    The row path's preprocessing (``RowScorer.features``) and packed forest
    (``PackedForest``) are checked equal to scikit-learn's here before they are timed.
    """
    import numpy as np

    from urutiq_ai.ml.columns import coerce_frame
    from urutiq_ai.ml.estimators import PackedForest

    steps = served.pipeline.steps
    preprocess, final = steps[0][1], steps[-1][1]
    forest = getattr(final, "estimator_", final)
    rows = setup.rows[: n + WARMUP]
    frames = [
        coerce_frame(pd.DataFrame.from_records([row])[served.feature_columns], served.column_types)
        for row in rows
    ]
    matrices = [preprocess.transform(frame) for frame in frames]
    compiled = served.scorer.features([rows[0]])
    if not np.allclose(compiled.toarray(), matrices[0].toarray(), rtol=1e-12, atol=0):
        raise SystemExit("the row path's features differ from the ColumnTransformer's")
    parts = [
        time_calls(
            "direct: preprocess, ColumnTransformer",
            lambda i: preprocess.transform(frames[i % len(frames)]),
            n,
            WARMUP,
        ),
        time_calls(
            "direct: preprocess, row path (RowScorer.features)",
            lambda i: served.scorer.features([rows[i % len(rows)]]),
            n,
            WARMUP,
        ),
    ]
    if not hasattr(forest, "estimators_"):
        return parts
    packed = PackedForest(forest)
    if not np.array_equal(packed.predict_proba(matrices[0]), forest.predict_proba(matrices[0])):
        raise SystemExit("the packed forest differs from predict_proba")
    parts.append(
        time_calls(
            "direct: forest, scikit-learn predict_proba",
            lambda i: forest.predict_proba(matrices[i % len(matrices)]),
            n,
            WARMUP,
        )
    )
    parts.append(
        time_calls(
            "direct: forest, PackedForest (same result)",
            lambda i: packed.predict_proba(matrices[i % len(matrices)]),
            n,
            WARMUP,
        )
    )
    return parts


def batch_throughput(setup: Setup, served: Served) -> list[tuple[str, int, float]]:
    """(label, rows, best rows/s over BATCH_REPEATS) for each batch size, logged and not."""
    from urutiq_ai.ml.columns import validate_rows
    from urutiq_ai.ml.predict import predict

    results = []
    for size in BATCH_SIZES:
        rows = [setup.rows[i % len(setup.rows)] for i in range(size)]
        cases: list[tuple[str, Callable[[], None]]] = [
            ("API, logged", lambda r=rows: _check_count(api_predict(setup, {"rows": r}), r)),
            (
                'API, "log": false',
                lambda r=rows: _check_count(api_predict(setup, {"rows": r, "log": False}), r),
            ),
            (
                "direct: validate_rows + ml.predict",
                lambda r=rows: _ignore(
                    predict(
                        served.pipeline,
                        validate_rows(r, served.feature_columns, served.column_types),
                        model_type=served.model_type,
                    )
                ),
            ),
        ]
        for label, call in cases:
            best = math.inf
            for _ in range(BATCH_REPEATS):
                started = time.perf_counter()
                call()
                best = min(best, time.perf_counter() - started)
            results.append((label, size, size / best))
    return results


def _check_count(body: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    if len(body["predictions"]) != len(rows):
        raise SystemExit("the API answered fewer predictions than rows sent")


def _ignore(_: Any) -> None:
    return None


# -- where the time goes -----------------------------------------------------------------


class StageTimers:
    """Accumulated wall time of wrapped functions (requests run one at a time)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def wrap(self, label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.totals[label] = self.totals.get(label, 0.0) + time.perf_counter() - started

        return timed


@contextmanager
def patched(target: Any, name: str, value: Any) -> Iterator[None]:
    saved = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, saved)


def stage_targets() -> list[tuple[Any, str, str]]:
    """(module or class, attribute, label) of each step of a model predict request to time.

    The model predict route calls ``serving.predict_rows``, which takes the active model and
    artifact rows (``_served``: kept 2 s by ``ServedModels``, else one SELECT), checks the
    rows (``check_records``), scores them (``load_verified`` + ``predict``) and logs them
    (``store_predictions``: input masking, one bulk insert and one audit INSERT); the unit
    of work then commits. Each name is looked up in the module that calls it, so wrapping
    it there times every call the route makes.
    """
    from urutiq_ai.predictions import serving

    return [
        (tenancy_service, "authenticate", "authenticate API key (system scope)"),
        (serving, "_served", "active AIModel + artifact (ServedModels, 2 s; else one SELECT)"),
        (serving, "load_verified", "cached verified pipeline"),
        (serving, "check_records", "check_records (input validation)"),
        (serving, "predict", "ml.predict (row path)"),
        (serving, "store_predictions", "log: masking, bulk insert + audit INSERT"),
        (Session, "commit", "commit (flush + COMMIT)"),
        (serving, "predict_rows", "serving.predict_rows (holds the 5 steps from AIModel to log)"),
    ]


def check_stage_targets() -> None:
    """Stop before measuring anything when a timed step no longer exists (the serving code
    was refactored): the breakdown comes after minutes of latency runs."""
    missing = [
        f"{getattr(target, '__name__', target)}.{name}"
        for target, name, _ in stage_targets()
        if not callable(getattr(target, name, None))
    ]
    if missing:
        raise SystemExit(
            f"stage breakdown: {', '.join(missing)} no longer exist; update stage_targets()"
        )


def stage_breakdown(
    setup: Setup, n: int, *, log: bool
) -> tuple[float, dict[str, float], list[str]]:
    """Mean ms per API request, mean ms spent in each service step it calls, and the steps
    it never called (a step the route stopped calling would otherwise read as 0 ms).

    The steps are timed by wrapping the module attributes the route calls, in this process
    only (nothing in src/ changes); what is left is FastAPI/Starlette, the TestClient's
    transport, pydantic parsing and response building.
    """
    timers = StageTimers()
    wrapped = stage_targets()
    with _all_patched(timers, wrapped):
        latency = single_row_api(setup, n, log=log)
    means = {label: timers.totals.get(label, 0.0) * 1000 / (n + WARMUP) for *_, label in wrapped}
    uncalled = [label for *_, label in wrapped if label not in timers.totals]
    return latency.mean, means, uncalled


@contextmanager
def _all_patched(timers: StageTimers, wrapped: list[tuple[Any, str, str]]) -> Iterator[None]:
    if not wrapped:
        yield
        return
    (target, name, label), *rest = wrapped
    with patched(target, name, timers.wrap(label, getattr(target, name))):
        with _all_patched(timers, rest):
            yield


def replay_route(setup: Setup, row: dict[str, Any]) -> bytes:
    """The predict route's steps, in this thread (for cProfile): session, auth, predict, JSON."""
    from urutiq_ai.core.jobs import attach_executor
    from urutiq_ai.core.scoping import set_database_role
    from urutiq_ai.ml.predict import to_jsonable
    from urutiq_ai.predictions import serving
    from urutiq_ai.predictions.schemas import PredictionResult, PredictRequest, PredictResponse
    from urutiq_ai.registry.artifacts import ArtifactStore

    state = setup.app.state
    with unit_of_work(state.sessionmaker) as session:
        set_database_role(session, state.settings.database_role)
        attach_executor(session, state.executor)
        principal = tenancy_service.authenticate(session, setup.key)
        bind_scope(session, principal)
        ctx = tenancy_service.company_scope(principal, COMPANY_ID)
        data = PredictRequest.model_validate({"row": row})
        model, results = serving.predict_rows(
            session,
            ctx,
            model_id=setup.model_id,
            rows=data.all_rows(),
            log=data.log,
            store=ArtifactStore(state.settings.artifacts),
        )
        response = PredictResponse(
            model_id=model.id,
            model_name=model.model_name,
            model_version=model.model_version,
            predictions=[
                PredictionResult(
                    prediction_id=pid,
                    prediction=to_jsonable(out.prediction),
                    confidence=out.confidence,
                    probabilities=out.probabilities,
                )
                for pid, out in results
            ],
        )
    return response.model_dump_json(by_alias=True).encode()


def profile_route(setup: Setup, n: int, top: int) -> str:
    profiler = cProfile.Profile()
    rows = setup.rows
    for i in range(WARMUP):
        replay_route(setup, rows[i % len(rows)])
    profiler.enable()
    for i in range(n):
        replay_route(setup, rows[i % len(rows)])
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    out.write("\n-- by own time --\n")
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# -- the real server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_latency(setup: Setup, n: int) -> tuple[Latency, Latency]:
    cli = str(Path(sys.executable).with_name("urutiq-ai"))
    port = free_port()
    env = {
        **os.environ,
        "URUTIQ_DATABASE_URL": setup.database_url,
        "URUTIQ_ARTIFACTS": setup.settings.artifacts,
        "URUTIQ_SOURCES": setup.settings.sources,
    }
    server = subprocess.Popen(
        [cli, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, headers=setup.headers, timeout=30.0) as http:
            wait_for_health(http, deadline=30.0)
            path = f"/api/v1/companies/{COMPANY_ID}/models/{setup.model_id}/predict"
            rows = setup.rows
            results = []
            for log in (True, False):

                def call(i: int, log: bool = log) -> None:
                    body: dict[str, Any] = {"row": rows[i % len(rows)]}
                    if not log:
                        body["log"] = False
                    answer = http.post(path, json=body)
                    if answer.status_code != 200:
                        raise SystemExit(f"server answered {answer.status_code}: {answer.text}")

                label = "HTTP, uvicorn, logged" if log else 'HTTP, uvicorn, "log": false'
                results.append(time_calls(label, call, n, SERVER_WARMUP))
            return results[0], results[1]
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_for_health(http: httpx.Client, *, deadline: float) -> None:
    started = time.perf_counter()
    while time.perf_counter() - started < deadline:
        try:
            if http.get("/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"/healthz did not answer within {deadline} s")


# -- report ------------------------------------------------------------------------------


def print_latencies(title: str, latencies: list[Latency]) -> None:
    print(f"\n{title}")
    print("| path | N | p50 ms | p95 ms | p99 ms | mean ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for latency in latencies:
        print(latency.row())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="timed single-row requests")
    parser.add_argument("--server", action="store_true", help="also measure over real HTTP")
    parser.add_argument("--profile", action="store_true", help="cProfile the route's steps")
    parser.add_argument("--profile-top", type=int, default=30)
    args = parser.parse_args()
    n = max(10, args.requests)
    check_stage_targets()

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        setup = build(folder)
        print(
            f"set-up: migrated SQLite, demo ledger (seed 7, scale 0.5, {len(setup.rows)} "
            f"expenses), expense_classifier trained through the API in "
            f"{setup.train_seconds:.1f} s (total set-up {time.perf_counter() - started:.1f} s)"
        )
        try:
            run(setup, n, args)
        finally:
            setup.client.close()
            setup.app.state.executor.shutdown(wait=True)
            setup.app.state.engine.dispose()


def run(setup: Setup, n: int, args: argparse.Namespace) -> None:
    asgi_logged = single_row_asgi(setup, n, log=True)
    asgi_unlogged = single_row_asgi(setup, n, log=False)
    logged = single_row_api(setup, n, log=True)
    unlogged = single_row_api(setup, n, log=False)
    served = load_served(setup)
    bare, ml_layer, row_path = single_row_direct(setup, served, n)
    parts = model_parts(setup, served, n)
    floor_health, floor_get = api_floor(setup, n)
    final = served.pipeline[-1]
    forest = getattr(final, "estimator_", final)
    print(
        f"model: {type(forest).__name__} with {getattr(forest, 'n_estimators', '?')} trees, "
        f"n_jobs={getattr(forest, 'n_jobs', '?')}; pipeline steps: "
        f"{', '.join(name for name, _ in served.pipeline.steps)}"
    )
    print_latencies(
        f"Single-row predict latency ({n} timed after {WARMUP} warm-up, sequential)",
        [
            asgi_logged,
            asgi_unlogged,
            logged,
            unlogged,
            row_path,
            ml_layer,
            bare,
            *parts,
            floor_get,
            floor_health,
        ],
    )
    print("\nIn-process API overhead (p50 ratios against the baselines in this process)")
    for latency in (asgi_logged, asgi_unlogged, logged, unlogged):
        print(
            f"  {latency.label}: {latency.p50 / bare.p50:.2f}x scikit-learn's predict_proba, "
            f"{latency.p50 / row_path.p50:.2f}x the row path, "
            f"+{latency.p50 - row_path.p50:.2f} ms over the row path"
        )
    print(
        f"  row path / scikit-learn pipeline (p50): {row_path.p50 / bare.p50:.2f}x "
        f"({bare.p50 / row_path.p50:.1f} times faster)"
    )

    mean_ms, stages, uncalled = stage_breakdown(setup, min(n, 300), log=True)
    print(f"\nWhere a logged single-row API request goes (mean {mean_ms:.2f} ms, timers)")
    print("| step | mean ms | share |")
    print("| --- | --- | --- |")
    inner = 0.0
    for label, ms in stages.items():
        print(f"| {label} | {ms:.2f} | {ms / mean_ms:.0%} |")
        if not label.startswith("serving.predict_rows"):
            inner += ms
    rest = mean_ms - inner
    print(
        f"| rest: FastAPI/Starlette, TestClient, pydantic, JSON "
        f"| {rest:.2f} | {rest / mean_ms:.0%} |"
    )
    if uncalled:
        print(f"  never called (update stage_targets()): {'; '.join(uncalled)}")

    print("\nBatch predict throughput (best of 3, rows/s)")
    print("| path | rows per request | rows/s | ms per request |")
    print("| --- | --- | --- | --- |")
    for label, size, rate in batch_throughput(setup, served):
        print(f"| {label} | {size:,} | {rate:,.0f} | {size / rate * 1000:.0f} |")

    if args.server:
        http_logged, http_unlogged = server_latency(setup, SERVER_REQUESTS)
        print_latencies(
            f"Single-row latency over HTTP to `urutiq-ai serve` ({SERVER_REQUESTS} timed after "
            f"{SERVER_WARMUP} warm-up, httpx keep-alive, sequential)",
            [http_logged, http_unlogged],
        )
        print(
            f"  HTTP logged p50 / in-process ASGI logged p50: "
            f"{http_logged.p50 / asgi_logged.p50:.2f}x"
        )

    if args.profile:
        print(f"\ncProfile of {min(n, 200)} replays of the route's steps (logged):")
        print(profile_route(setup, min(n, 200), args.profile_top))

    ok = asgi_logged.p50 <= TARGET_P50_MS
    print(
        f"\nverdict: in-process API (ASGI) random forest single row, logged: p50 "
        f"{asgi_logged.p50:.2f} ms (target <= {TARGET_P50_MS:.0f} ms): "
        f'{"MEETS" if ok else "MISSES"} the target; "log": false p50 '
        f"{asgi_unlogged.p50:.2f} ms; through TestClient {logged.p50:.2f} / {unlogged.p50:.2f} ms"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
