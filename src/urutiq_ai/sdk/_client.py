"""The SDK entry point: :class:`Client`, against a server or the local embedded database."""

import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx

from urutiq_ai.core.settings import get_settings
from urutiq_ai.sdk import _resources as specs
from urutiq_ai.sdk._alerts import (
    ALERTS,
    DEPLOYMENT_REVISIONS,
    JOBS,
    MONITOR_RUNS,
    MONITORS,
    POLICY_EVALUATIONS,
    SUPPORT_SPECS,
    WEBHOOK_DELIVERIES,
    WEBHOOKS,
    AlertsClient,
    MonitorsClient,
    PipelinesClient,
    WebhooksClient,
)
from urutiq_ai.sdk._config import ConfigsClient
from urutiq_ai.sdk._deployments import DeploymentsClient, ExperimentsClient
from urutiq_ai.sdk._errors import DatabaseNotReady
from urutiq_ai.sdk._feedback import FeedbackClient
from urutiq_ai.sdk._governance import GovernanceClient, ViolationsClient
from urutiq_ai.sdk._monitoring import MonitoringClient
from urutiq_ai.sdk._quality import QualityClient
from urutiq_ai.sdk._resources import ResourceClient
from urutiq_ai.sdk._serving import RegistryClient, ServingClient, TrainingClient
from urutiq_ai.sdk._tenancy import ApiKeysClient, AuditLogClient, CompaniesClient, UsersClient
from urutiq_ai.sdk._transport import Transport, parse
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
    app = create_app(settings)
    http = TestClient(app, raise_server_exceptions=False)

    def close() -> None:
        http.close()
        shut_down(app)
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


class Client:
    """The urutiq-ai API, typed.

    ``url``, ``api_key`` and ``company`` default to the settings ``URUTIQ_URL``,
    ``URUTIQ_API_KEY`` and ``URUTIQ_COMPANY``. With ``http_client`` (any
    ``httpx.Client``, e.g. FastAPI's ``TestClient(app)``) requests go through it;
    with no URL at all the app runs in this process on the local database.
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
        elif self.url:
            http = httpx.Client(base_url=self.url, timeout=timeout)
            self._close = http.close
        else:
            http, self._close = _local_http()
        self._transport = Transport(
            http, api_key=api_key or settings.api_key, company=company or settings.company
        )
        self._init_resources()

    def _init_resources(self) -> None:
        t = self._transport
        self.models = ResourceClient(t, specs.MODELS)
        self.training_runs = ResourceClient(t, specs.TRAINING_RUNS)
        self.predictions = ResourceClient(t, specs.PREDICTIONS)
        self.feature_importances = ResourceClient(t, specs.FEATURE_IMPORTANCES)
        self.pipelines = PipelinesClient(t, specs.PIPELINES)
        self.pipeline_runs = ResourceClient(t, specs.PIPELINE_RUNS)
        self.data_quality = ResourceClient(t, specs.DATA_QUALITY)
        self.performance_metrics = ResourceClient(t, specs.PERFORMANCE_METRICS)
        self.drift_detections = ResourceClient(t, specs.DRIFT_DETECTIONS)
        self.feedback = FeedbackClient(t, specs.FEEDBACK)
        self.experiments = ExperimentsClient(t, specs.EXPERIMENTS)
        self.deployments = DeploymentsClient(t, specs.DEPLOYMENTS)
        self.governance_policies = ResourceClient(t, specs.GOVERNANCE_POLICIES)
        self.governance_violations = ViolationsClient(t, specs.GOVERNANCE_VIOLATIONS)
        self.configs = ConfigsClient(t, specs.CONFIGS)
        self.companies = CompaniesClient(t)
        self.users = UsersClient(t)
        self.api_keys = ApiKeysClient(t)
        self.audit_log = AuditLogClient(t)
        self.training = TrainingClient(t)
        self.serving = ServingClient(t)
        self.registry = RegistryClient(t)
        self.monitoring = MonitoringClient(t)
        self.quality = QualityClient(t)
        self.monitors = MonitorsClient(t, MONITORS)
        self.monitor_runs = ResourceClient(t, MONITOR_RUNS)
        self.alerts = AlertsClient(t, ALERTS)
        self.webhooks = WebhooksClient(t, WEBHOOKS)
        self.webhook_deliveries = ResourceClient(t, WEBHOOK_DELIVERIES)
        self.jobs = ResourceClient(t, JOBS)
        self.deployment_revisions = ResourceClient(t, DEPLOYMENT_REVISIONS)
        self.policy_evaluations = ResourceClient(t, POLICY_EVALUATIONS)
        self.governance = GovernanceClient(t)

    @property
    def company(self) -> str | None:
        """The default company of company resources."""
        return self._transport.company

    def resource(self, path: str) -> ResourceClient[Any, Any, Any]:
        """The resource client for a URL path such as ``"training-runs"``."""
        for spec in (*specs.RESOURCE_SPECS, *SUPPORT_SPECS):
            if spec.path == path:
                client: ResourceClient[Any, Any, Any] = getattr(self, spec.attribute)
                return client
        raise KeyError(f"no resource {path!r}")

    def whoami(self) -> WhoAmI:
        """The tenant, role and companies of the API key in use."""
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
