"""Webhooks cannot reach into the server's network (issue 17, finding 7).

A URL at a loopback, private, link-local or metadata address, in any spelling, is refused
when saved (422 naming ``url``), and again at each delivery by the address its host
resolves to then (DNS can change after the save): such a delivery is ``refused``, not sent,
not retried. The request goes to the address that was checked. Saving or changing a
webhook sends nothing; only alerts and an explicit test do. The delivery log says what
happened in a few words, never the socket's error, so that it cannot scan ports. The allow
setting (``URUTIQ_WEBHOOK_ALLOW_HOSTS``) lets chosen hosts through.
"""

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.alerts.conftest import SECRET, Receiver, add_webhook, wait_until
from tests.alerts.test_webhooks_and_alerts import deliveries
from tests.cli import conftest as cli_fixtures
from tests.cli.conftest import Invoke, Local
from tests.conftest import TenantFixture
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.ledger.recovery import dispatch_due_jobs
from urutiq_ai.core.settings import get_settings
from urutiq_ai.sdk import Client, ValidationError

# the CLI tests' fixtures: a local SQLite database, its bootstrapped admin key, the runner
template_dir = cli_fixtures.template_dir
data_dir = cli_fixtures.data_dir
db_url = cli_fixtures.db_url
local = cli_fixtures.local
invoke = cli_fixtures.invoke

PUBLIC = "93.184.215.14"
REBIND = "rebind.example"
SOCKET_WORDS = ("errno", "connection refused", "connecterror", "readtimeout", "[", "reset")

NOT_ALLOWED_URLS = [
    "http://127.0.0.1/h",
    "http://localhost/h",
    "http://localhost./h",
    "http://127.0.0.1./h",
    "http://2130706433/h",
    "http://0x7f.1/h",
    "http://0177.0.0.1/h",
    "http://127.1/h",
    "http://[::1]/h",
    "http://[::ffff:127.0.0.1]/h",
    "http://0.0.0.0/h",
    "http://0/h",
    "http://a@127.0.0.1/h",
    "http://user:pw@127.0.0.1:8080/h",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://10.0.0.1/h",
    "http://192.168.1.1/h",
    "http://100.64.0.1/h",
    "http://[fe80::1]/h",
    "http://224.0.0.1/h",
]


class FakeDns:
    """``socket.getaddrinfo`` answering chosen names (``set``) with chosen addresses, as a
    DNS server would; other names go to the system resolver. ``asked`` counts lookups."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answers: dict[str, list[str]] = {}
        self.asked: Counter[str] = Counter()
        self.real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def set(self, name: str, *addresses: str) -> None:
        self.answers[name] = list(addresses)

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.rstrip(".") not in self.answers:
            return self.real(host, port, *args, **kwargs)
        self.asked[name.rstrip(".")] += 1
        number = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, number, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, number))
            for a in self.answers[name.rstrip(".")]
        ]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    return FakeDns(monkeypatch)


def post_webhook(client: TestClient, tenant: TenantFixture, url: str) -> Any:
    return client.post(
        tenant.url("webhooks"),
        json={"name": "ops", "url": url, "secret": SECRET},
        headers=tenant.headers("admin"),
    )


def assert_url_refused(response: Any) -> None:
    assert response.status_code == 422, response.text
    (field,) = response.json()["fields"]
    assert field["field"] == "url"
    assert "public addresses" in field["reason"]


def ping(client: TestClient, tenant: TenantFixture, hook_id: str) -> dict[str, Any]:
    response = client.post(tenant.url(f"webhooks/{hook_id}/test"), headers=tenant.headers())
    assert response.status_code == 202, response.text
    sent: dict[str, Any] = response.json()
    return sent


def tried(client: TestClient, tenant: TenantFixture, delivery_id: str) -> dict[str, Any]:
    """The delivery once its first attempt is recorded."""
    found: dict[str, Any] = wait_until(
        lambda: next(
            (d for d in deliveries(client, tenant) if d["id"] == delivery_id and d["attempts"]),
            None,
        ),
        message="the first attempt",
    )
    return found


def port_of(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


class TestSavingRefuses:
    @pytest.mark.parametrize("url", NOT_ALLOWED_URLS)
    def test_a_non_public_address_in_any_spelling(
        self, client: TestClient, tenant: TenantFixture, url: str
    ) -> None:
        assert_url_refused(post_webhook(client, tenant, url))
        listed = client.get(tenant.url("webhooks"), headers=tenant.headers()).json()["items"]
        assert listed == []

    @pytest.mark.parametrize("answers", [["127.0.0.1"], ["10.9.8.7"], [PUBLIC, "169.254.169.254"]])
    def test_a_name_resolving_to_one(
        self, client: TestClient, tenant: TenantFixture, dns: FakeDns, answers: list[str]
    ) -> None:
        dns.set("hooks.example.com", *answers)
        assert_url_refused(post_webhook(client, tenant, "https://hooks.example.com/urutiq"))
        assert dns.asked["hooks.example.com"] == 1

    def test_a_name_that_does_not_resolve_is_answered_alike(
        self, client: TestClient, tenant: TenantFixture, dns: FakeDns
    ) -> None:
        """Whether an internal name exists is not told: same answer as a private one."""
        dns.set("internal.example")
        missing = post_webhook(client, tenant, "https://internal.example/h")
        assert_url_refused(missing)
        dns.set("internal.example", "10.0.0.8")
        private = post_webhook(client, tenant, "https://internal.example/h")
        assert missing.json() == private.json()

    def test_a_public_name_is_saved(
        self, client: TestClient, tenant: TenantFixture, dns: FakeDns
    ) -> None:
        dns.set("hooks.example.com", PUBLIC)
        response = post_webhook(client, tenant, "https://hooks.example.com/urutiq")
        assert response.status_code == 201, response.text
        assert response.json()["url"] == "https://hooks.example.com/urutiq"

    def test_changing_the_url_to_one(
        self, client: TestClient, tenant: TenantFixture, dns: FakeDns
    ) -> None:
        dns.set("hooks.example.com", PUBLIC)
        hook = post_webhook(client, tenant, "https://hooks.example.com/urutiq").json()
        path = tenant.url(f"webhooks/{hook['id']}")
        for url in ("http://2130706433/h", "http://[::ffff:169.254.169.254]/h"):
            response = client.patch(path, json={"url": url}, headers=tenant.headers())
            assert_url_refused(response)
        assert client.get(path, headers=tenant.headers()).json()["url"] == hook["url"]

    def test_through_the_sdk(self, client: TestClient, tenant: TenantFixture) -> None:
        sdk = Client(api_key=tenant.keys["admin"], company=tenant.company_id, http_client=client)
        with pytest.raises(ValidationError) as refused:
            sdk.webhooks.create(name="ops", url="http://169.254.169.254/latest", secret=SECRET)
        assert [f.field for f in refused.value.fields] == ["url"]


class TestDeliveryRefuses:
    def test_a_host_whose_dns_changed_after_the_save(
        self,
        client: TestClient,
        tenant: TenantFixture,
        dns: FakeDns,
        listener: Receiver,
        runtime: JobRuntime,
    ) -> None:
        dns.set(REBIND, PUBLIC)
        hook = add_webhook(client, tenant, f"http://{REBIND}:{port_of(listener.url)}/hook")
        dns.set(REBIND, "127.0.0.1")  # DNS rebinding: the name now points at the server
        delivery = tried(client, tenant, ping(client, tenant, hook["id"])["id"])
        assert (delivery["status"], delivery["lastError"]) == (
            "failed",
            "refused: address not allowed",
        )
        assert (delivery["responseStatus"], delivery["nextAttemptAt"]) == (None, None)
        later = datetime.now(UTC) + timedelta(days=1)
        dispatch_due_jobs(runtime, SyncExecutor(runtime), later)  # never retried
        (again,) = [d for d in deliveries(client, tenant) if d["id"] == delivery["id"]]
        assert again["attempts"] == 1
        time.sleep(0.2)
        assert listener.received == []

    def test_a_host_allowed_when_saved_but_not_any_more(
        self,
        app: FastAPI,
        client: TestClient,
        tenant: TenantFixture,
        listener: Receiver,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The allow setting is read again at each delivery."""
        monkeypatch.setattr(app.state.settings, "webhook_allow_hosts", ["127.0.0.1"])
        hook = add_webhook(client, tenant, listener.url)
        monkeypatch.setattr(app.state.settings, "webhook_allow_hosts", [])
        delivery = tried(client, tenant, ping(client, tenant, hook["id"])["id"])
        assert delivery["lastError"] == "refused: address not allowed"
        assert listener.received == []

    @pytest.mark.usefixtures("allow_local_webhooks")
    def test_the_request_goes_to_the_address_checked(
        self, client: TestClient, tenant: TenantFixture, dns: FakeDns, receiver: Receiver
    ) -> None:
        """One lookup per send, the one checked: the HTTP client does not resolve again (it
        could get another answer); the host name stays in the Host header."""
        dns.set("hooks.lan", "127.0.0.1")
        port = port_of(receiver.url)
        hook = add_webhook(client, tenant, f"http://hooks.lan:{port}/hook")
        before = dns.asked["hooks.lan"]
        delivery = tried(client, tenant, ping(client, tenant, hook["id"])["id"])
        assert delivery["status"] == "delivered"
        (request,) = receiver.received
        assert request.headers["Host"] == f"hooks.lan:{port}"
        assert dns.asked["hooks.lan"] == before + 1

    @pytest.mark.usefixtures("allow_local_webhooks")
    def test_redirects_are_not_followed(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver, listener: Receiver
    ) -> None:
        receiver.statuses = [307]
        receiver.redirect_to = listener.url.replace("127.0.0.1", "localhost")
        hook = add_webhook(client, tenant, receiver.url)
        delivery = tried(client, tenant, ping(client, tenant, hook["id"])["id"])
        assert (delivery["responseStatus"], delivery["lastError"]) == (307, "HTTP 307")
        assert listener.received == []


@contextmanager
def tcp_server(behaviour: str) -> Iterator[int]:
    """A TCP port on 127.0.0.1 that is ``closed``, ``silent`` (accepts, never answers) or
    ``not-http`` (greets like an SSH server and hangs up)."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    if behaviour == "closed":
        server.close()
        yield port
        return
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            if behaviour == "not-http":
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
                conn.close()
            else:
                held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield port
    finally:
        server.close()
        for conn in held:
            conn.close()


@pytest.mark.usefixtures("allow_local_webhooks")
class TestTheLogTellsNoSocketDetails:
    @pytest.mark.parametrize(
        ("behaviour", "error"),
        [("closed", "could not connect"), ("not-http", "could not connect"),
         ("silent", "timed out")],
    )  # fmt: skip
    def test_a_port_that_does_not_answer_http(
        self,
        app: FastAPI,
        client: TestClient,
        tenant: TenantFixture,
        monkeypatch: pytest.MonkeyPatch,
        behaviour: str,
        error: str,
    ) -> None:
        monkeypatch.setattr(app.state.settings, "webhook_timeout", 0.5)
        with tcp_server(behaviour) as port:
            hook = add_webhook(client, tenant, f"http://127.0.0.1:{port}/hook")
            delivery = tried(client, tenant, ping(client, tenant, hook["id"])["id"])
        assert (delivery["status"], delivery["responseStatus"]) == ("pending", None)
        assert delivery["lastError"] == error
        assert not any(word in delivery["lastError"].lower() for word in SOCKET_WORDS)

    def test_an_error_status(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver
    ) -> None:
        receiver.statuses = [503]
        hook = add_webhook(client, tenant, receiver.url)
        delivery = tried(client, tenant, ping(client, tenant, hook["id"])["id"])
        assert (delivery["responseStatus"], delivery["lastError"]) == (503, "HTTP 503")


class TestOnlyAlertsAndTestsSend:
    def test_saving_and_changing_a_webhook_sends_nothing(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver
    ) -> None:
        hook = add_webhook(client, tenant, receiver.url)
        path = tenant.url(f"webhooks/{hook['id']}")
        for change in (
            {"url": receiver.url + "/v2"},
            {"secret": "another-secret-of-16+"},
            {"events": ["alert.opened"]},
            {"status": "paused"},
            {"status": "active"},
        ):
            response = client.patch(path, json=change, headers=tenant.headers())
            assert response.status_code == 200, response.text
        time.sleep(0.3)
        assert receiver.received == []
        assert deliveries(client, tenant) == []

    def test_an_explicit_test_reaches_a_paused_webhook(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver
    ) -> None:
        hook = add_webhook(client, tenant, receiver.url, status="paused")
        delivery = tried(client, tenant, ping(client, tenant, hook["id"])["id"])
        assert delivery["status"] == "delivered"
        (request,) = receiver.received
        assert request.headers["X-Urutiq-Event"] == "ping"

    def test_a_test_is_audited(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver
    ) -> None:
        hook = add_webhook(client, tenant, receiver.url)
        sent = ping(client, tenant, hook["id"])
        audit = client.get(
            "/api/v1/audit-log", params={"rowId": hook["id"]}, headers=tenant.headers()
        ).json()["items"]
        (entry,) = [e for e in audit if e["action"] == "webhook_test"]
        assert entry["after"] == {"deliveryId": sent["id"], "event": "ping"}
        assert entry["actorKeyId"] == tenant.key_ids["admin"]

    def test_through_the_sdk(
        self, client: TestClient, tenant: TenantFixture, receiver: Receiver
    ) -> None:
        sdk = Client(api_key=tenant.keys["admin"], company=tenant.company_id, http_client=client)
        hook = sdk.webhooks.create(name="ops", url=receiver.url, secret=SECRET)
        assert receiver.received == []
        delivery = sdk.webhooks.test(hook.id)
        assert tried(client, tenant, delivery.id)["status"] == "delivered"


class TestOtherTenants:
    def test_cannot_test_or_see_a_webhook(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        receiver: Receiver,
    ) -> None:
        hook = add_webhook(client, tenant, receiver.url)
        other = tenant_second.headers("admin")
        for method, path in (
            ("POST", f"webhooks/{hook['id']}/test"),
            ("GET", f"webhooks/{hook['id']}"),
        ):
            own_company = client.request(method, tenant_second.url(path), headers=other)
            assert own_company.status_code == 404, own_company.text
            assert hook["url"] not in own_company.text
            foreign = client.request(
                method, tenant_second.url(path, tenant.company_id), headers=other
            )
            assert foreign.status_code == 404, foreign.text
        limited = client.post(
            tenant.url(f"webhooks/{hook['id']}/test", tenant.company_b),
            headers=tenant.headers("limited"),
        )
        assert limited.status_code == 404, limited.text
        time.sleep(0.2)
        assert receiver.received == []
        assert deliveries(client, tenant) == []


class TestTheCli:
    def cli(self, invoke: Invoke, local: Local, *args: str) -> Any:
        return invoke(*args, "--company", local.company, "--api-key", local.key)

    def test_create_refuses_the_metadata_service(self, invoke: Invoke, local: Local) -> None:
        result = self.cli(
            invoke, local, "webhooks", "create", "--name", "x",
            "--webhook-url", "http://169.254.169.254/latest/meta-data/", "--secret", SECRET,
        )  # fmt: skip
        assert result.exit_code == 1
        assert "url: must resolve to public addresses only" in result.output

    def test_test_shows_a_refused_delivery(
        self, invoke: Invoke, local: Local, listener: Receiver, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("URUTIQ_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
        get_settings.cache_clear()
        created = self.cli(
            invoke, local, "webhooks", "create", "--name", "x", "--webhook-url", listener.url,
            "--secret", SECRET, "--json",
        )  # fmt: skip
        assert created.exit_code == 0, created.output
        monkeypatch.delenv("URUTIQ_WEBHOOK_ALLOW_HOSTS")
        get_settings.cache_clear()
        hook_id = json.loads(created.stdout)["id"]
        result = self.cli(invoke, local, "webhooks", "test", hook_id)
        assert result.exit_code == 1, result.output
        assert "refused: address not allowed" in result.stdout
        assert listener.received == []
