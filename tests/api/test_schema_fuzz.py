"""A bounded property-based run over the whole API (issue 17): no 5xx, answers as documented.

Schemathesis reads the app's own ``/openapi.json`` and, for every operation, generates a
few requests that fit the schema (positive) and a few that break it (negative), seeded so
that a run repeats. Every request carries an admin key and the tenant's real companyId;
half of the positive ones name a real row in their ``{id}`` (one row per resource is
created first), so PATCH, DELETE and the verbs reach a row, not only the 404. Each answer
must pass schemathesis' checks:

- ``not_a_server_error``: no 5xx;
- ``status_code_conformance``: its status is one the operation documents;
- ``content_type_conformance`` and ``response_schema_conformance``: its body has the
  documented media type and shape (the one ``ErrorBody`` for every error).

``negative_data_rejection`` is left out: a query value that breaks the schema only as JSON
(a string where a list is declared) is the same on the wire, and a real id put into a
generated case confuses its bookkeeping; both made it report valid requests.

Every failure is collected, one per operation and check, and the test reports them all.
Runs on SQLite, and on PostgreSQL when ``URUTIQ_TEST_DATABASE_URL`` is set.
"""

import copy
import socket
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from tests.api.payloads import CREATE, NEEDS
from tests.conftest import TenantFixture

# Per operation and mode: ~810 requests over 141 operations, about 20 s on an idle
# machine (the examples bound the run, not a clock).
MAX_EXAMPLES = 3
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
CONFIG = {
    "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
    "generation": {"allow-x00": True},
}
# The resources whose row the run creates first (all but those that need a trained model).
SEEDED = tuple(path for path in CREATE if not set(NEEDS.get(path, ())) - set(CREATE))


@dataclass
class Findings:
    """The failures found, first one per (operation, check), and what was run."""

    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    requests: int = 0
    operations: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    unsatisfiable: list[str] = field(default_factory=list)

    def add(self, label: str, error: BaseException, curl: str) -> None:
        for failure in getattr(error, "exceptions", [error]):
            name = type(failure).__name__
            self.failures.setdefault((label, name), f"{str(failure)[:1500]}\n{curl[:3000]}")

    def report(self) -> str:
        return "\n\n".join(
            f"{label} [{name}]\n{text}" for (label, name), text in self.failures.items()
        )


def seed_rows(client: TestClient, tenant: TenantFixture) -> dict[str, str]:
    """One row per resource that needs no trained model, created through the API (path ->
    id), and the key a ``{keyId}`` may name: the viewer's, never the admin key the run
    sends (a generated revoke may revoke it)."""
    ids: dict[str, str] = {}
    headers = tenant.headers("editor")
    for path in SEEDED:
        for need in NEEDS.get(path, ()):
            if need not in ids:
                ids[need] = _create(client, tenant, need, ids, headers)
        if path not in ids:
            ids[path] = _create(client, tenant, path, ids, headers)
    ids["api-keys"] = tenant.key_ids["viewer"]
    return ids


def _create(
    client: TestClient, tenant: TenantFixture, path: str, ids: dict[str, str], headers: Any
) -> str:
    response = client.post(tenant.url(path), json=CREATE[path](ids), headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def real_path_parameters(path: str, ids: dict[str, str]) -> dict[str, str]:
    """The real row an operation's ``{id}``/``{keyId}`` may name: the row of the segment
    before it (``/models/{id}/predict`` -> a model)."""
    parts = path.strip("/").split("/")
    found = {}
    for before, part in zip(parts, parts[1:], strict=False):
        if part in ("{id}", "{keyId}") and before in ids:
            found[part.strip("{}")] = ids[before]
    return found


def send(client: TestClient, case: schemathesis.Case) -> Any:
    """Send a generated case through the suite's TestClient (no lifespan, no network)."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    body = kwargs.pop("data", None)
    return client.request(
        kwargs.pop("method"),
        kwargs.pop("url"),
        params=kwargs.pop("params", None),
        headers=kwargs.pop("headers", None),
        cookies=kwargs.pop("cookies", None) or None,
        json=kwargs.pop("json", None),
        content=body.encode() if isinstance(body, str) else body,
    )


def run_operation(
    client: TestClient,
    operation: Any,
    mode: GenerationMode,
    fixed: dict[str, Any],
    real: dict[str, str],
    findings: Findings,
) -> None:
    strategy = operation.as_strategy(mode, path_parameters=fixed["path"], headers=fixed["headers"])
    use_real = st.booleans() if real and mode is GenerationMode.POSITIVE else st.just(False)

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, named=use_real)
    def example(case: schemathesis.Case, named: bool) -> None:
        if named:
            case.path_parameters = {**(case.path_parameters or {}), **real}
        curl = case.as_curl_command(headers={"Authorization": "***", "X-API-Key": "***"})
        findings.requests += 1
        try:
            response = send(client, case)
        except Exception as error:  # noqa: BLE001 - the app raised: a 500 that TestClient re-raises
            trace = "".join(traceback.format_exception(error)[-12:])
            findings.add(f"{operation.label} ({mode.value}, raised)", error, f"{curl}\n{trace}")
            return
        findings.statuses[response.status_code] = findings.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response)
        except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - reported at the end
            label = f"{operation.label} ({mode.value}, {response.status_code})"
            findings.add(label, error, curl)

    try:
        example()
    except Unsatisfiable:  # nothing to negate: every input is fixed (e.g. GET /whoami)
        findings.unsatisfiable.append(f"{operation.label} ({mode.value})")


def test_every_operation_answers_as_documented(
    app: FastAPI, client: TestClient, tenant: TenantFixture
) -> None:
    ids = seed_rows(client, tenant)
    spec = copy.deepcopy(app.openapi())
    schema = schemathesis.openapi.from_dict(spec, config=schemathesis.Config.from_dict(CONFIG))
    fixed = {
        "path": {"companyId": tenant.company_id},
        # both headers: a generated X-API-Key would win over the Bearer key
        "headers": {**tenant.headers("admin"), "X-API-Key": tenant.keys["admin"]},
    }
    findings = Findings()
    started = time.monotonic()
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # an operation schemathesis cannot read is a finding
            pytest.fail(f"an operation of the schema cannot be read: {result.err()}")
        operation = result.ok()
        findings.operations += 1
        real = real_path_parameters(operation.path, ids)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_operation(client, operation, mode, fixed, real, findings)
    elapsed = time.monotonic() - started
    print(  # noqa: T201 - the run's figures, shown with -s
        f"\nschema fuzz: {findings.operations} operations, {findings.requests} requests, "
        f"{elapsed:.1f} s, statuses {dict(sorted(findings.statuses.items()))}, "
        f"{len(findings.unsatisfiable)} operation modes with nothing to generate, "
        f"{len(findings.failures)} failures"
    )
    assert findings.operations >= 100
    assert not findings.failures, findings.report()


@pytest.fixture(autouse=True)
def _no_name_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """A generated webhook URL's host is never looked up (no DNS wait; it is refused)."""

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "no name lookups in the schema fuzz")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
