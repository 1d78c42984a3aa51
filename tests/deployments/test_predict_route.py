"""The deployment predict fast path (``predict_route`` + the coalescer + ``batched``) against
the FastAPI route alone: the same answers, the same stored rows, the same errors in the same
shape, each call stored once under concurrency and when a shared transaction fails."""

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message, Scope

from tests.concurrency import run_at_once
from tests.conftest import TenantFixture
from tests.deployments.conftest import ROW, VENDOR_ROWS, Api
from urutiq_ai.api.app import create_app
from urutiq_ai.core.settings import Settings
from urutiq_ai.deployments.figures import write_live_figures
from urutiq_ai.deployments.schemas import Environment
from urutiq_ai.ml.rowpath import SMALL_BATCH
from urutiq_ai.predictions import batched, deployed, serving
from urutiq_ai.predictions.predict_route import MAX_BODY, DeploymentPredictRoute

HOLD_SECONDS = 30.0  # the longest the first batch waits for the others to queue


@pytest.fixture(scope="module")
def plain_app(app: FastAPI) -> Iterator[FastAPI]:
    """The same app on the same database, with the fast path off (the route serves all)."""
    settings = app.state.settings.model_copy(update={"predict_coalescing": False})
    application = create_app(settings)
    yield application
    application.state.executor.shutdown(wait=True)
    application.state.engine.dispose()


@pytest.fixture(scope="module")
def plain_client(plain_app: FastAPI) -> TestClient:
    return TestClient(plain_app)


class Batches:
    """What the coalescer answered, batch by batch (``answer_calls`` wrapped); it can hold
    the first batch until a number of calls were submitted, so that the others queue
    behind it and form one batch."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.answered: list[int] = []  # per batch: the calls the fast path answered itself
        self._lock = threading.Lock()
        self._submitted = 0
        self._expected = 0
        self._all_in = threading.Event()
        self._all_in.set()

    def hold_first_until(self, count: int) -> None:
        with self._lock:
            self._submitted, self._expected = 0, count
            self._all_in.clear()

    def submitted(self) -> None:
        with self._lock:
            self._submitted += 1
            if self._submitted >= self._expected:
                self._all_in.set()

    def wrap(
        self, answer: Callable[[Any, Sequence[Any]], list[bytes | None]]
    ) -> Callable[[Any, Sequence[Any]], list[bytes | None]]:
        def recording(serving_: Any, calls: Sequence[Any]) -> list[bytes | None]:
            if not self._all_in.is_set():
                assert self._all_in.wait(HOLD_SECONDS), "the calls were never all submitted"
                time.sleep(0.1)  # the last one submitted reaches the queue
            answers = answer(serving_, calls)
            with self._lock:
                self.sizes.append(len(calls))
                self.answered.append(sum(a is not None for a in answers))
            return answers

        return recording


@pytest.fixture
def batches(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Batches:
    recorder = Batches()
    monkeypatch.setattr(batched, "answer_calls", recorder.wrap(batched.answer_calls))
    coalescer = app.state.predict_coalescer
    submit = coalescer.submit

    async def counted(item: Any) -> Any:
        recorder.submitted()
        return await submit(item)

    monkeypatch.setattr(coalescer, "submit", counted)
    return recorder


@dataclass(frozen=True)
class Call:
    """One predict request, sent byte for byte the same to either app."""

    company: str
    body: bytes
    key: str | None = None
    name: str = "expenses"
    query: str = "environment=staging"
    content_type: str | None = "application/json"

    def send(self, client: TestClient) -> httpx.Response:
        headers = {} if self.key is None else {"Authorization": f"Bearer {self.key}"}
        if self.content_type is not None:
            headers["Content-Type"] = self.content_type
        url = f"/api/v1/companies/{self.company}/deployments/{self.name}/predict"
        return client.post(
            f"{url}?{self.query}" if self.query else url, content=self.body, headers=headers
        )


def call(tenant: TenantFixture, body: Any, role: str | None = "editor", **extra: Any) -> Call:
    """A call to ``tenant``'s first company, as ``role`` (None: no key)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    key = None if role is None else tenant.keys[role]
    return Call(company=tenant.company_id, body=raw, key=key, **extra)


def unlogged(original: Call) -> Call:
    """The same call with ``log`` off: the route's answer to expect, storing nothing."""
    return replace(original, body=json.dumps({**json.loads(original.body), "log": False}).encode())


def fire(client: TestClient, calls: Sequence[Call]) -> list[httpx.Response]:
    """Every call from its own thread, released together; the responses in call order."""
    order = iter(range(len(calls)))
    lock = threading.Lock()

    def one() -> tuple[int, httpx.Response]:
        with lock:
            index = next(order)
        return index, calls[index].send(client)

    done = run_at_once(len(calls), one)
    return [response for _, response in sorted(done, key=lambda item: item[0])]


def rows_for(index: int, count: int) -> list[dict[str, Any]]:
    """``count`` rows no other request of a test sends (amounts unique per index and row)."""
    return [
        {**VENDOR_ROWS[j % 4], "amount": 50.0 + 7.5 * index + j, "description": f"bill {index}"}
        for j in range(count)
    ]


def answer_of(response: httpx.Response) -> dict[str, Any]:
    """A success body without its prediction ids (new ids each call)."""
    body: dict[str, Any] = response.json()
    for prediction in body["predictions"]:
        prediction.pop("predictionId")
    return body


def ids_of(response: httpx.Response) -> list[str | None]:
    return [p["predictionId"] for p in response.json()["predictions"]]


def logged_ids(response: httpx.Response) -> list[str]:
    """The prediction ids of a logged call (one each)."""
    ids = ids_of(response)
    assert None not in ids, response.text
    return [str(pid) for pid in ids]


def shape(row: dict[str, Any]) -> tuple[Any, ...]:
    """What a stored prediction says about who answered it, and for which input."""
    return (
        row["deploymentId"],
        row["deploymentVersion"],
        row["variant"],
        row["modelId"],
        json.dumps(row["inputData"], sort_keys=True),
    )


def new_rows(api: Api, deployment_id: str, seen: set[str]) -> list[dict[str, Any]]:
    """The deployment's stored predictions not seen before (now seen)."""
    rows = [row for row in api.stored(deploymentId=deployment_id) if row["id"] not in seen]
    seen.update(row["id"] for row in rows)
    return rows


def predict_audits(api: Api) -> list[dict[str, Any]]:
    return api.audit(action="predict", limit=500)


def split(first: str, second: str) -> dict[str, Any]:
    return {"traffic": [{"modelId": first, "weight": 0.5}, {"modelId": second, "weight": 0.5}]}


def config_of(kind: str, first: str, second: str) -> dict[str, Any] | None:
    return {
        "plain": None,
        "split": split(first, second),
        "shadow": {"shadow": [second]},
        "ensemble": {
            "ensemble": {"method": "average", "models": [{"modelId": first}, {"modelId": second}]}
        },
    }[kind]


@pytest.mark.parametrize("kind", ["plain", "split", "shadow", "ensemble"])
def test_the_fast_path_answers_and_stores_what_the_route_does(
    api: Api, plain_client: TestClient, batches: Batches, two_versions: tuple[str, str], kind: str
) -> None:
    """Both ways give the same JSON (ids aside) and store rows of the same shape."""
    first, second = two_versions
    deployment = api.deploy(first, config=config_of(kind, first, second))
    if kind == "split":  # sticky: one entity sees one model, both ways
        bodies: list[dict[str, Any]] = [{"row": ROW, "entityKey": f"vendor-{i}"} for i in range(16)]
        bodies.append({"rows": VENDOR_ROWS, "entityKey": "vendor-0"})
    else:
        bodies = [{"row": ROW}, {"rows": VENDOR_ROWS}, {"rows": VENDOR_ROWS, "log": False}]
    seen: set[str] = set()
    variants: set[str] = set()
    for body in bodies:
        sent = call(api.tenant, body)
        fast = sent.send(api.client)
        fast_rows = new_rows(api, deployment["id"], seen)
        plain = sent.send(plain_client)
        plain_rows = new_rows(api, deployment["id"], seen)
        assert (fast.status_code, plain.status_code) == (200, 200), (fast.text, plain.text)
        assert answer_of(fast) == answer_of(plain), body
        assert [i is None for i in ids_of(fast)] == [i is None for i in ids_of(plain)]
        assert Counter(map(shape, fast_rows)) == Counter(map(shape, plain_rows)), body
        stored = {row["id"]: row for row in fast_rows}
        rows = [body["row"]] if "row" in body else body["rows"]
        for prediction, row in zip(fast.json()["predictions"], rows, strict=True):
            variants.add(prediction["variant"])
            if prediction["predictionId"] is None:
                continue
            mine = stored[prediction["predictionId"]]
            assert (mine["modelId"], mine["variant"], mine["inputData"]) == (
                prediction["modelId"],
                prediction["variant"],
                row,
            )
            assert (mine["deploymentId"], mine["deploymentVersion"]) == (deployment["id"], 1)
    assert sum(batches.answered) == len(bodies)  # each fast call was the fast path's own
    if kind == "split":
        assert variants == {"champion", "challenger"}


def error_calls(tenant: TenantFixture, other: TenantFixture) -> list[tuple[str, int, Call]]:
    """(what, the status the route gives, the call) for requests the route refuses."""
    good = {"row": ROW}
    wrong_secret = tenant.keys["editor"][:-1] + ("A" if tenant.keys["editor"][-1] != "A" else "B")
    return [
        ("no key", 401, call(tenant, good, role=None)),
        ("not a key", 401, replace(call(tenant, good), key="not-a-key")),
        ("a wrong secret", 401, replace(call(tenant, good), key=wrong_secret)),
        ("another tenant's key", 404, replace(call(tenant, good), key=other.keys["editor"])),
        ("a key for another company", 404, call(tenant, good, role="limited")),
        ("a viewer", 403, call(tenant, good, role="viewer")),
        ("an auditor", 403, call(tenant, good, role="auditor")),
        ("a company id over 64 chars", 422, replace(call(tenant, good), company="c" * 65)),
        ("an unknown deployment", 404, call(tenant, good, name="nope")),
        ("another environment", 404, call(tenant, good, query="environment=development")),
        ("an unknown environment", 422, call(tenant, good, query="environment=nope")),
        ("two environments", 422, call(tenant, good, query="environment=staging&environment=x")),
        ("malformed JSON", 422, call(tenant, b'{"row": {"vendorName": ')),
        ("a JSON list", 422, call(tenant, [ROW])),
        ("no rows", 422, call(tenant, {"log": True})),
        ("empty rows", 422, call(tenant, {"rows": []})),
        ("row and rows", 422, call(tenant, {"row": ROW, "rows": [ROW]})),
        ("an unknown field", 422, call(tenant, {"row": ROW, "extra": 1})),
        ("a missing feature", 422, call(tenant, {"row": {"vendorName": "AWS"}})),
        ("an extra feature", 422, call(tenant, {"row": {**ROW, "vendorId": "v1"}})),
        ("an entity key too long", 422, call(tenant, {"row": ROW, "entityKey": "k" * 256})),
        ("no key and an invalid body", 401, call(tenant, {"log": True}, role=None)),
        # the route decodes the JSON before it checks the key: malformed JSON is 422 first
        ("not a key and malformed JSON", 422, replace(call(tenant, b"{"), key="not-a-key")),
        ("a viewer and malformed JSON", 422, call(tenant, b"{", role="viewer")),
        ("a viewer and bad rows", 403, call(tenant, {"row": {"x": 1}}, role="viewer")),
        ("a text/plain body", 422, call(tenant, good, content_type="text/plain")),
    ]


def test_errors_are_the_routes_and_store_nothing(
    api: Api, plain_client: TestClient, batches: Batches, tenant_second: TenantFixture
) -> None:
    """Every refusal has the route's status and body both ways, and stores nothing."""
    model_id = api.train()
    deployment = api.deploy(model_id)
    live = api.deploy(model_id, env="production")  # what a misread environment would reach
    before = predict_audits(api)
    wrong: list[str] = []
    for what, status, sent in error_calls(api.tenant, tenant_second):
        fast, plain = sent.send(api.client), sent.send(plain_client)
        if plain.status_code != status:
            wrong.append(f"{what}: the route says {plain.status_code} {plain.text}")
        if (fast.status_code, fast.json()) != (plain.status_code, plain.json()):
            wrong.append(
                f"{what}: {fast.status_code} {fast.text} != {plain.status_code} {plain.text}"
            )
        assert set(fast.json()) == {"error", "detail", "fields"}, what
    assert not wrong, "\n".join(wrong)
    assert api.stored(deploymentId=deployment["id"]) == []
    assert api.stored(deploymentId=live["id"]) == []
    assert predict_audits(api) == before
    assert sum(batches.answered) == 0


@pytest.mark.parametrize("query", ["environment=", "environment"])
def test_a_blank_environment_is_refused_both_ways(
    api: Api, plain_client: TestClient, query: str
) -> None:
    """A blank environment query is the route's 422 both ways, never production's answer."""
    api.deploy(api.train(), env="production")
    sent = call(api.tenant, {"row": ROW}, query=query)
    plain = sent.send(plain_client)
    assert plain.status_code == 422, plain.text
    fast = sent.send(api.client)
    assert (fast.status_code, fast.json()) == (plain.status_code, plain.json())


def drive(app: FastAPI, sent: Call, chunk: int) -> tuple[int, Any]:
    """``sent`` to ``app`` over ASGI, its body in messages of ``chunk`` bytes (as a server
    hands a large body on); the status and JSON of the response."""

    async def run() -> tuple[int, Any]:
        parts = [sent.body[i : i + chunk] for i in range(0, len(sent.body), chunk)]
        messages: list[Message] = [
            {"type": "http.request", "body": part, "more_body": i < len(parts) - 1}
            for i, part in enumerate(parts)
        ]
        done = asyncio.Event()
        status, body = 0, bytearray()

        async def receive() -> Message:
            if messages:
                return messages.pop(0)
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        path = f"/api/v1/companies/{sent.company}/deployments/{sent.name}/predict"
        headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
        headers.append((b"authorization", f"Bearer {sent.key}".encode()))
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": sent.query.encode(),
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        await app(scope, receive, send)
        return status, json.loads(bytes(body))

    return asyncio.run(run())


@pytest.mark.parametrize("rows", [4, 450])
def test_a_body_in_several_messages_is_read_whole(
    api: Api, app: FastAPI, plain_client: TestClient, batches: Batches, rows: int
) -> None:
    """A body sent in parts is answered as the route does: by the fast path up to
    MAX_BODY, over it by the route with the part already read replayed."""
    api.deploy(api.train())
    body = [{**ROW, "description": f"cloud hosting {i} " + "x" * 600} for i in range(rows)]
    sent = call(api.tenant, {"rows": body, "log": False})
    status, answer = drive(app, sent, chunk=1000 if rows < 10 else 16 * 1024)
    plain = sent.send(plain_client)
    assert (status, plain.status_code) == (200, 200), answer
    for prediction in answer["predictions"]:
        prediction.pop("predictionId")
    assert answer == answer_of(plain)
    if len(sent.body) > MAX_BODY:
        assert batches.sizes == []
    else:
        assert batches.answered == [1]


@pytest.mark.parametrize("chunk", [64 * 1024, 0], ids=["last-part-crosses", "one-message"])
def test_a_body_over_the_limit_is_left_to_the_route_however_it_arrives(
    api: Api, app: FastAPI, plain_client: TestClient, batches: Batches, chunk: int
) -> None:
    """A body over MAX_BODY goes to the route with the same answer, however it is split."""
    api.deploy(api.train())
    rows = [{**ROW, "description": f"cloud hosting {i} " + "x" * 600} for i in range(450)]
    sent = call(api.tenant, {"rows": rows, "log": False})
    assert MAX_BODY + 1 < len(sent.body) < MAX_BODY + 64 * 1024
    status, answer = drive(app, sent, chunk=chunk or len(sent.body))
    plain = sent.send(plain_client)
    assert (status, plain.status_code) == (200, 200), answer
    for prediction in answer["predictions"]:
        prediction.pop("predictionId")
    assert answer == answer_of(plain)
    assert batches.sizes == []


def test_concurrent_calls_each_get_their_own_answer_and_are_stored_once(
    api: Api,
    plain_client: TestClient,
    batches: Batches,
    tenant_second: TenantFixture,
    seed_expenses: Callable[..., None],
) -> None:
    """24 calls at once (two tenants, refusals among them) batch together; each gets its own
    answer; each success is stored once with one audit row."""
    other = Api(api.client, tenant_second, seed_expenses)
    deployments = {
        api.tenant.id: api.deploy(api.train()),
        other.tenant.id: other.deploy(other.train()),
    }
    calls: list[Call] = []
    calls += [call(api.tenant, {"rows": rows_for(i, 8)}) for i in range(12)]
    calls += [call(other.tenant, {"rows": rows_for(i, 4)}) for i in range(12, 18)]
    calls += [replace(call(api.tenant, {"row": ROW}), key="not-a-key") for _ in range(2)]
    calls += [call(api.tenant, {"row": ROW}, role="viewer") for _ in range(2)]
    calls += [call(api.tenant, {"row": {"vendorName": "AWS"}}) for _ in range(2)]
    expected = [unlogged(sent).send(plain_client) for sent in calls]  # stores nothing
    audits = {api.tenant.id: predict_audits(api), other.tenant.id: predict_audits(other)}

    batches.hold_first_until(len(calls))
    responses = fire(api.client, calls)

    for index, (response, want) in enumerate(zip(responses, expected, strict=True)):
        assert response.status_code == want.status_code, (index, response.text)
        if want.status_code == 200:
            assert answer_of(response) == answer_of(want), index
        else:
            assert response.json() == want.json(), index
    assert Counter(r.status_code for r in responses) == {200: 18, 401: 2, 403: 2, 422: 2}
    assert sum(batches.sizes) == len(calls)
    assert max(batches.sizes) > 1
    assert sum(batches.answered) == 18  # every success came from the fast path
    for who in (api, other):
        mine = [
            (sent, response)
            for sent, response in zip(calls, responses, strict=True)
            if response.status_code == 200 and sent.key == who.tenant.keys["editor"]
        ]
        inputs = {
            pid: row
            for sent, response in mine
            for pid, row in zip(logged_ids(response), json.loads(sent.body)["rows"], strict=True)
        }
        stored = who.stored(deploymentId=deployments[who.tenant.id]["id"])
        assert sorted(row["id"] for row in stored) == sorted(inputs)  # each once, none lost
        assert all(row["inputData"] == inputs[row["id"]] for row in stored)
        known = {row["id"] for row in audits[who.tenant.id]}
        added = [row for row in predict_audits(who) if row["id"] not in known]
        assert len(added) == len(mine)
        assert sorted(row["after"]["predictions"] for row in added) == sorted(
            len(response.json()["predictions"]) for _, response in mine
        )
        assert {row["actorKeyId"] for row in added} == {who.tenant.key_ids["editor"]}


def test_rows_of_many_calls_scored_together_answer_as_each_alone(
    api: Api, app: FastAPI, plain_client: TestClient
) -> None:
    """One batch of calls whose rows add up past SMALL_BATCH (another scoring path than
    each call's few rows) answers every call as the route answers it alone."""
    api.deploy(api.train())
    calls = [call(api.tenant, {"rows": rows_for(i, 8), "log": False}) for i in range(10)]
    state = app.state
    answers = batched.answer_calls(
        batched.Serving(state.sessionmaker, state.settings, state.executor, state.live),
        [
            batched.PredictCall(
                api_key=sent.key,
                company_id=sent.company,
                name=sent.name,
                environment=Environment.staging,
                body=sent.body,
                arrived=time.perf_counter(),
            )
            for sent in calls
        ],
    )
    assert 8 * len(calls) > SMALL_BATCH
    for sent, answer in zip(calls, answers, strict=True):
        assert answer is not None
        alone = sent.send(plain_client)
        assert alone.status_code == 200, alone.text
        assert json.loads(answer) == alone.json()


def fail_first_store(monkeypatch: pytest.MonkeyPatch, *, calls_at_least: int) -> list[int]:
    """Make the first insert of at least ``calls_at_least`` calls fail after it was written
    (its transaction then rolls back); the sizes of the inserts that failed."""
    real = serving.store_prediction_calls
    failed: list[int] = []

    def fails_once(session: Any, ctx: Any, model: Any, calls: list[list[dict[str, Any]]]) -> None:
        real(session, ctx, model, calls)
        if not failed and len(calls) >= calls_at_least:
            failed.append(len(calls))
            session.flush()
            raise RuntimeError("the shared transaction failed")

    monkeypatch.setattr(serving, "store_prediction_calls", fails_once)
    return failed


@pytest.fixture
def served_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    """Served deployments cached a minute (not 2 s), from empty: a slow machine cannot let
    the cache expire between the steps of a test."""
    monkeypatch.setattr(deployed, "SERVED", deployed.ServedDeployments(ttl=60.0))


def assert_stored_once(
    api: Api, deployment_id: str, sent: Sequence[Call], got: Sequence[httpx.Response]
) -> None:
    """Each answered prediction stored once with its own input; nothing else stored."""
    inputs = {
        pid: row
        for one, response in zip(sent, got, strict=True)
        for pid, row in zip(logged_ids(response), json.loads(one.body)["rows"], strict=True)
    }
    stored = api.stored(deploymentId=deployment_id)
    assert sorted(row["id"] for row in stored) == sorted(inputs)
    assert all(row["inputData"] == inputs[row["id"]] for row in stored)


@pytest.mark.usefixtures("served_a_while")
def test_a_failed_shared_transaction_serves_each_call_again_once(
    api: Api, batches: Batches, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch whose shared insert fails is rolled back whole; the route answers each call
    again and each is stored exactly once (the deployment served before: cached)."""
    deployment = api.deploy(api.train())
    failed = fail_first_store(monkeypatch, calls_at_least=2)
    calls = [call(api.tenant, {"rows": rows_for(i, 3)}) for i in range(10)]
    before = predict_audits(api)
    warm = call(api.tenant, {"row": ROW, "log": False}).send(api.client)
    assert warm.status_code == 200, warm.text
    assert batches.answered == [1]

    batches.hold_first_until(len(calls))
    responses = fire(api.client, calls)

    assert [r.status_code for r in responses] == [200] * len(calls), [r.text for r in responses]
    assert len(failed) == 1
    assert failed[0] > 1
    assert sum(batches.answered[1:]) == len(calls) - failed[0]  # the failed ones: the route's
    assert_stored_once(api, deployment["id"], calls, responses)
    assert len(predict_audits(api)) - len(before) == len(calls)


@pytest.mark.usefixtures("served_a_while")
def test_a_failed_transaction_that_resolved_the_deployment_is_served_again(
    api: Api, batches: Batches, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed unit of work that was first to read the deployment leaves the route a
    usable deployment: the call is answered and stored once."""
    deployment = api.deploy(api.train())
    failed = fail_first_store(monkeypatch, calls_at_least=1)
    sent = call(api.tenant, {"rows": rows_for(0, 3)})
    client = TestClient(api.client.app, raise_server_exceptions=False)
    response = sent.send(client)
    assert failed == [1]
    assert batches.answered == [0]
    assert response.status_code == 200, response.text
    assert_stored_once(api, deployment["id"], [sent], [response])


def test_live_figures_count_each_call_of_a_batch(api: Api, app: FastAPI, batches: Batches) -> None:
    """Calls answered in one batch are counted one request each in the live figures."""
    deployment = api.deploy(api.train())
    calls = [call(api.tenant, {"rows": rows_for(i, 1 + i % 3)}) for i in range(8)]
    batches.hold_first_until(len(calls))
    responses = fire(api.client, calls)
    assert [r.status_code for r in responses] == [200] * len(calls)
    assert max(batches.sizes) > 1
    assert sum(batches.answered) == len(calls)
    refused = call(api.tenant, {"row": {"vendorName": "AWS"}}).send(api.client)
    assert refused.status_code == 422

    write_live_figures(app.state.runtime, app.state.live)

    performance = api.get(f"deployments/{deployment['id']}").json()["performance"]
    assert (performance["requests"], performance["rejected"], performance["errors"]) == (9, 1, 0)
    assert performance["rows"] == sum(1 + i % 3 for i in range(8)) + 1
    assert 0 < performance["p50Ms"] <= performance["p99Ms"]
    assert performance["version"] == 1


def middleware_of(application: FastAPI) -> list[object]:
    return [m.cls for m in application.user_middleware]


def test_without_coalescing_the_route_serves_every_predict(
    app: FastAPI,
    plain_app: FastAPI,
    plain_client: TestClient,
    api: Api,
    batches: Batches,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """predict_coalescing=False (URUTIQ_PREDICT_COALESCING) leaves the middleware out; the
    route still predicts and stores."""
    assert DeploymentPredictRoute in middleware_of(app)
    assert DeploymentPredictRoute not in middleware_of(plain_app)
    assert not hasattr(plain_app.state, "predict_coalescer")
    monkeypatch.setenv("URUTIQ_PREDICT_COALESCING", "false")
    assert Settings().predict_coalescing is False
    deployment = api.deploy(api.train())
    response = call(api.tenant, {"row": ROW}).send(plain_client)
    assert response.status_code == 200, response.text
    (stored,) = api.stored(deploymentId=deployment["id"])
    assert stored["id"] == response.json()["predictions"][0]["predictionId"]
    assert batches.sizes == []
