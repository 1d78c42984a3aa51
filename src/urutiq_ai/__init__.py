"""urutiq-ai: the AI learning system of the UrutiIQ accounting platform.

The public Python entry point is the SDK client::

    from urutiq_ai import Client
    client = Client(api_key="uiq_...", company="company1")
    client.models.list(status="active")
"""

from typing import Any

__all__ = ["Client"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Lazy, so that the server and workers do not import the SDK's client stack.
    if name == "Client":
        from urutiq_ai.sdk import Client

        return Client
    raise AttributeError(name)
