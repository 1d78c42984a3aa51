"""The urutiq-ai Python SDK: a typed client for the REST API.

::

    from urutiq_ai.sdk import Client, NotFound

    with Client(url="http://127.0.0.1:8000", api_key="uiq_...", company="acme") as client:
        model = client.models.create(model_name="expenses", model_version="1.0",
                                     model_type="classification", algorithm="xgboost")
        for run in client.training_runs.iterate(model_id=model.id, status="completed"):
            print(run.run_name, run.accuracy)

With no URL (and no ``URUTIQ_URL``) the client runs the app in this process on
the local embedded database. This package imports only the domains' Pydantic
schemas, never SQLAlchemy or the services.
"""

from urutiq_ai.alerts.signing import verify as verify_webhook
from urutiq_ai.core.schemas import Page
from urutiq_ai.sdk._alerts import SUPPORT_SPECS, AlertsClient, MonitorsClient, WebhooksClient
from urutiq_ai.sdk._client import Client
from urutiq_ai.sdk._errors import (
    ConfigurationError,
    Conflict,
    DatabaseNotReady,
    DuplicateResource,
    FieldError,
    Forbidden,
    InvalidStatusTransition,
    NotFound,
    ServerError,
    Unauthorized,
    UrutiqError,
    ValidationError,
)
from urutiq_ai.sdk._resources import RESOURCE_SPECS, ResourceClient, ResourceSpec
from urutiq_ai.sdk._serving import RegistryClient, ServingClient, TrainingClient
from urutiq_ai.sdk._tenancy import ApiKeysClient, AuditLogClient, CompaniesClient, UsersClient

__all__ = [
    "RESOURCE_SPECS",
    "SUPPORT_SPECS",
    "AlertsClient",
    "MonitorsClient",
    "WebhooksClient",
    "verify_webhook",
    "ApiKeysClient",
    "AuditLogClient",
    "Client",
    "CompaniesClient",
    "ConfigurationError",
    "Conflict",
    "DatabaseNotReady",
    "DuplicateResource",
    "FieldError",
    "Forbidden",
    "InvalidStatusTransition",
    "NotFound",
    "Page",
    "RegistryClient",
    "ResourceClient",
    "ResourceSpec",
    "ServerError",
    "ServingClient",
    "TrainingClient",
    "Unauthorized",
    "UrutiqError",
    "UsersClient",
    "ValidationError",
]
