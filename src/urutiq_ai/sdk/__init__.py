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
schemas, never SQLAlchemy or the services, and each of them only when a client of
its domain is first used.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from urutiq_ai.alerts.signing import verify as verify_webhook
    from urutiq_ai.core.schemas import Page
    from urutiq_ai.sdk._alerts import AlertsClient, MonitorsClient, WebhooksClient
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
    from urutiq_ai.sdk._resources import (
        RESOURCE_SPECS,
        SUPPORT_SPECS,
        ResourceClient,
        ResourceSpec,
    )
    from urutiq_ai.sdk._serving import RegistryClient, ServingClient, TrainingClient
    from urutiq_ai.sdk._tenancy import ApiKeysClient, AuditLogClient, CompaniesClient, UsersClient

# Where each public name lives, imported on first use: ``import urutiq_ai.sdk`` costs
# nothing, ``Client`` loads the HTTP client and settings, and each domain's schemas load
# when a client of that domain is first used.
_ERRORS = "urutiq_ai.sdk._errors"
_LAZY: dict[str, tuple[str, str]] = {
    "verify_webhook": ("urutiq_ai.alerts.signing", "verify"),
    "Page": ("urutiq_ai.core.schemas", "Page"),
    "SUPPORT_SPECS": ("urutiq_ai.sdk._resources", "SUPPORT_SPECS"),
    "RESOURCE_SPECS": ("urutiq_ai.sdk._resources", "RESOURCE_SPECS"),
    "ResourceClient": ("urutiq_ai.sdk._resources", "ResourceClient"),
    "ResourceSpec": ("urutiq_ai.sdk._resources", "ResourceSpec"),
    "AlertsClient": ("urutiq_ai.sdk._alerts", "AlertsClient"),
    "MonitorsClient": ("urutiq_ai.sdk._alerts", "MonitorsClient"),
    "WebhooksClient": ("urutiq_ai.sdk._alerts", "WebhooksClient"),
    "Client": ("urutiq_ai.sdk._client", "Client"),
    "RegistryClient": ("urutiq_ai.sdk._serving", "RegistryClient"),
    "ServingClient": ("urutiq_ai.sdk._serving", "ServingClient"),
    "TrainingClient": ("urutiq_ai.sdk._serving", "TrainingClient"),
    "ApiKeysClient": ("urutiq_ai.sdk._tenancy", "ApiKeysClient"),
    "AuditLogClient": ("urutiq_ai.sdk._tenancy", "AuditLogClient"),
    "CompaniesClient": ("urutiq_ai.sdk._tenancy", "CompaniesClient"),
    "UsersClient": ("urutiq_ai.sdk._tenancy", "UsersClient"),
    **{
        name: (_ERRORS, name)
        for name in (
            "ConfigurationError",
            "Conflict",
            "DatabaseNotReady",
            "DuplicateResource",
            "FieldError",
            "Forbidden",
            "InvalidStatusTransition",
            "NotFound",
            "ServerError",
            "Unauthorized",
            "UrutiqError",
            "ValidationError",
        )
    },
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
