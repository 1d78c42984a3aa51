"""The alerts domain's errors: why a webhook URL may not be sent to.

They are not :class:`~urutiq_ai.core.errors.AppError`s: saving a webhook turns them into a
field error naming ``url`` (422), and a delivery into a few fixed words on its row
(``refused: address not allowed``, ``could not connect``), never into an HTTP answer of
their own. :mod:`urutiq_ai.alerts.egress` raises them."""


class WebhookAddressError(Exception):
    """The URL may not be sent to; ``reason`` says why, in words safe to show its owner."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AddressNotAllowed(WebhookAddressError):
    """The host is, or resolves to, an address that webhooks may not reach."""


class HostUnresolved(WebhookAddressError):
    """The host resolves to nothing (now: DNS may answer later)."""
