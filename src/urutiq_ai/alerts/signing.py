"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"`` with the webhook's secret.

Every delivery carries ``X-Urutiq-Signature: t=<unix seconds>,v1=<hex digest>``. A receiver
recomputes the digest over the raw body with its copy of the secret, compares in constant
time, and refuses timestamps older than a few minutes (replays). :func:`verify` does all of
it; it is also exported by the SDK as ``urutiq_ai.sdk.verify_webhook``.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Urutiq-Signature"
EVENT_HEADER = "X-Urutiq-Event"
DELIVERY_HEADER = "X-Urutiq-Delivery"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is at most ``tolerance``
    seconds old."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))
