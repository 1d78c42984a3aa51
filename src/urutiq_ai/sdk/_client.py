"""The SDK entry point: :class:`Client`, against a server or the local embedded database."""

import sys
import warnings
from collections.abc import Callable
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from urutiq_ai.core.discovery import LOCAL, announce, find_server
from urutiq_ai.core.settings import get_settings
from urutiq_ai.sdk import _resources as specs
from urutiq_ai.sdk._errors import DatabaseNotReady
from urutiq_ai.sdk._resources import ResourceClient
from urutiq_ai.sdk._transport import Transport, parse

if TYPE_CHECKING:
    # The sub-clients with verbs of their own, and their schemas, are imported the first time
    # one is used (see the properties of Client): the SDK's import stays cheap.
    from urutiq_ai.sdk._alerts import AlertsClient, MonitorsClient, PipelinesClient, WebhooksClient
    from urutiq_ai.sdk._config import ConfigsClient
    from urutiq_ai.sdk._deployments import DeploymentsClient
    from urutiq_ai.sdk._experiments import ExperimentsClient
    from urutiq_ai.sdk._feedback import FeedbackClient
    from urutiq_ai.sdk._governance import GovernanceClient, ViolationsClient
    from urutiq_ai.sdk._monitoring import MonitoringClient
    from urutiq_ai.sdk._quality import QualityClient
    from urutiq_ai.sdk._serving import RegistryClient, ServingClient, TrainingClient
    from urutiq_ai.sdk._tenancy import ApiKeysClient, AuditLogClient, CompaniesClient, UsersClient
    from urutiq_ai.tenancy.schemas import WhoAmI


def _local_http() -> tuple[httpx.Client, Callable[[], None]]:
    """An HTTP client that drives the app in this process, on the configured local database.

    FastAPI and the app are imported here, not at module top: they pull in
    SQLAlchemy and the services, which users of a remote server neither need
    nor want to load.
    """
    with warnings.catch_warnings():
        # Starlette warns on import that its TestClient will move to httpx2; not the
        # user's concern, and it would be printed before every in-process CLI command.
        warnings.filterwarnings("ignore", message=".*httpx.*")
        from fastapi.testclient import TestClient

    from urutiq_ai.api.app import create_app, shut_down

    settings = get_settings()
    # The SDK calls /api only; each domain's routes are mounted when first called.
    app = create_app(settings, dashboard=False, on_demand=True)
    http = TestClient(app, raise_server_exceptions=False)

    def close() -> None:
        http.close()
        _say_jobs_run_on(app)
        shut_down(app, finish_jobs=True)  # a job this process started is not abandoned
        app.state.engine.dispose()

    ready = http.get("/readyz")
    if ready.status_code != 200:
        close()
        detail = ready.json().get("detail", ready.text) if ready.content else ready.text
        raise DatabaseNotReady(
            f"the local database is not ready ({detail}). Run `urutiq-ai db upgrade` "
            "first, or set URUTIQ_URL to talk to a server.",
            status_code=ready.status_code,
        )
    return http, close


def _remote_http(url: str, timeout: float, *, trust_env: bool = True) -> httpx.Client:
    """An HTTP client for the server at ``url``. Certificates are loaded for an https://
    URL only: a plain http:// server (a local ``urutiq-ai serve``) needs none, and loading
    the CA bundle cost every CLI command about 30 ms."""
    https = url.lower().startswith("https:")
    return httpx.Client(base_url=url, timeout=timeout, trust_env=trust_env, verify=https)


def _say_jobs_run_on(app: Any) -> None:
    """In-process, the jobs a call started (``train --no-wait``) run in this process, which
    waits for them before it exits: say so, rather than seem to hang."""
    unfinished = getattr(getattr(app.state, "executor", None), "unfinished", 0)
    if unfinished:
        sys.stderr.write(
            f"waiting for {unfinished} job(s) started in this process to finish (no server "
            "runs them in-process: with `urutiq-ai serve` running, the CLI hands jobs to it)\n"
        )


class Client:
    """The urutiq-ai API, typed.

    ``url``, ``api_key`` and ``company`` default to the settings ``URUTIQ_URL``,
    ``URUTIQ_API_KEY`` and ``URUTIQ_COMPANY``. With ``http_client`` (any
    ``httpx.Client``, e.g. FastAPI's ``TestClient(app)``) requests go through it;
    with no URL at all it talks to the ``urutiq-ai serve`` recorded for the local database
    (saying so once on stderr), else the app runs in this process on that database;
    ``url="local"`` (``URUTIQ_URL=local``) always runs it in this process.
    ``timeout`` (seconds) applies to the HTTP client opened for ``url``.
    ``company`` is the default for company resources; each call may override it.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        company: str | None = None,
        *,
        http_client: httpx.Client | None = None,
        timeout: float = 30.0,
    ) -> None:
        settings = get_settings()
        self.url = url or settings.url
        self._close: Callable[[], None] | None = None
        if http_client is not None:
            http = http_client
        elif self.url and self.url != LOCAL:
            http = _remote_http(self.url, timeout)
            self._close = http.close
        elif not self.url and (server := find_server(settings.database_url)) is not None:
            # A local `urutiq-ai serve` on the same database: ask it rather than open the
            # database beside it (core/discovery.py); URUTIQ_URL=local skips this.
            announce(server)
            self.url = server.url
            http = _remote_http(server.url, timeout, trust_env=False)
            self._close = http.close
        else:
            self.url = None
            http, self._close = _local_http()
        self._transport = Transport(
            http, api_key=api_key or settings.api_key, company=company or settings.company
        )
        self._init_resources()

    def _init_resources(self) -> None:
        # The generic resource clients are cheap: their schemas load on first use. The others
        # are the cached properties below, which import their module when first read.
        t = self._transport
        self.models = ResourceClient(t, specs.MODELS)
        self.training_runs = ResourceClient(t, specs.TRAINING_RUNS)
        self.predictions = ResourceClient(t, specs.PREDICTIONS)
        self.feature_importances = ResourceClient(t, specs.FEATURE_IMPORTANCES)
        self.pipeline_runs = ResourceClient(t, specs.PIPELINE_RUNS)
        self.data_quality = ResourceClient(t, specs.DATA_QUALITY)
        self.performance_metrics = ResourceClient(t, specs.PERFORMANCE_METRICS)
        self.drift_detections = ResourceClient(t, specs.DRIFT_DETECTIONS)
        self.governance_policies = ResourceClient(t, specs.GOVERNANCE_POLICIES)
        self.monitor_runs = ResourceClient(t, specs.MONITOR_RUNS)
        self.webhook_deliveries = ResourceClient(t, specs.WEBHOOK_DELIVERIES)
        self.jobs = ResourceClient(t, specs.JOBS)
        self.deployment_revisions = ResourceClient(t, specs.DEPLOYMENT_REVISIONS)
        self.policy_evaluations = ResourceClient(t, specs.POLICY_EVALUATIONS)

    @cached_property
    def pipelines(self) -> "PipelinesClient":
        from urutiq_ai.sdk._alerts import PipelinesClient

        return PipelinesClient(self._transport, specs.PIPELINES)

    @cached_property
    def feedback(self) -> "FeedbackClient":
        from urutiq_ai.sdk._feedback import FeedbackClient

        return FeedbackClient(self._transport, specs.FEEDBACK)

    @cached_property
    def experiments(self) -> "ExperimentsClient":
        from urutiq_ai.sdk._experiments import ExperimentsClient

        return ExperimentsClient(self._transport, specs.EXPERIMENTS)

    @cached_property
    def deployments(self) -> "DeploymentsClient":
        from urutiq_ai.sdk._deployments import DeploymentsClient

        return DeploymentsClient(self._transport, specs.DEPLOYMENTS)

    @cached_property
    def governance_violations(self) -> "ViolationsClient":
        from urutiq_ai.sdk._governance import ViolationsClient

        return ViolationsClient(self._transport, specs.GOVERNANCE_VIOLATIONS)

    @cached_property
    def configs(self) -> "ConfigsClient":
        from urutiq_ai.sdk._config import ConfigsClient

        return ConfigsClient(self._transport, specs.CONFIGS)

    @cached_property
    def companies(self) -> "CompaniesClient":
        from urutiq_ai.sdk._tenancy import CompaniesClient

        return CompaniesClient(self._transport)

    @cached_property
    def users(self) -> "UsersClient":
        from urutiq_ai.sdk._tenancy import UsersClient

        return UsersClient(self._transport)

    @cached_property
    def api_keys(self) -> "ApiKeysClient":
        from urutiq_ai.sdk._tenancy import ApiKeysClient

        return ApiKeysClient(self._transport)

    @cached_property
    def audit_log(self) -> "AuditLogClient":
        from urutiq_ai.sdk._tenancy import AuditLogClient

        return AuditLogClient(self._transport)

    @cached_property
    def training(self) -> "TrainingClient":
        from urutiq_ai.sdk._serving import TrainingClient

        return TrainingClient(self._transport)

    @cached_property
    def serving(self) -> "ServingClient":
        from urutiq_ai.sdk._serving import ServingClient

        return ServingClient(self._transport)

    @cached_property
    def registry(self) -> "RegistryClient":
        from urutiq_ai.sdk._serving import RegistryClient

        return RegistryClient(self._transport)

    @cached_property
    def monitoring(self) -> "MonitoringClient":
        from urutiq_ai.sdk._monitoring import MonitoringClient

        return MonitoringClient(self._transport)

    @cached_property
    def quality(self) -> "QualityClient":
        from urutiq_ai.sdk._quality import QualityClient

        return QualityClient(self._transport)

    @cached_property
    def monitors(self) -> "MonitorsClient":
        from urutiq_ai.sdk._alerts import MonitorsClient

        return MonitorsClient(self._transport, specs.MONITORS)

    @cached_property
    def alerts(self) -> "AlertsClient":
        from urutiq_ai.sdk._alerts import AlertsClient

        return AlertsClient(self._transport, specs.ALERTS)

    @cached_property
    def webhooks(self) -> "WebhooksClient":
        from urutiq_ai.sdk._alerts import WebhooksClient

        return WebhooksClient(self._transport, specs.WEBHOOKS)

    @cached_property
    def governance(self) -> "GovernanceClient":
        from urutiq_ai.sdk._governance import GovernanceClient

        return GovernanceClient(self._transport)

    @property
    def company(self) -> str | None:
        """The default company of company resources."""
        return self._transport.company

    def resource(self, path: str) -> ResourceClient[Any, Any, Any]:
        """The resource client for a URL path such as ``"training-runs"``."""
        for spec in (*specs.RESOURCE_SPECS, *specs.SUPPORT_SPECS):
            if spec.path == path:
                client: ResourceClient[Any, Any, Any] = getattr(self, spec.attribute)
                return client
        raise KeyError(f"no resource {path!r}")

    def whoami(self) -> "WhoAmI":
        """The tenant, role and companies of the API key in use."""
        from urutiq_ai.tenancy.schemas import WhoAmI

        return parse(WhoAmI, self._transport.request("GET", "/whoami"))

    def close(self) -> None:
        """Release the HTTP client (and the local database) this client opened itself."""
        if self._close is not None:
            self._close()
            self._close = None

    def __enter__(self) -> "Client":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
