"""The dashboard's cookies, signed with HMAC-SHA256: pure functions, no database.

* The **session cookie** carries ``{k: API key id, n: nonce, e: expiry}`` and its signature.
  It never holds the key's secret: the secret is checked once at login, and every page
  re-reads the key (a revoked key ends its sessions at once). The nonce is also the
  session's id: *Log out* records it as ended in the database (``EndedSession``), which
  every page checks too, so the cookie is dead on the server, not only deleted.
* The **CSRF token** of a form is the HMAC of a random per-browser nonce (its own cookie,
  set on the first page) and of the session's nonce: a page of another site can neither
  read it nor compute it, so a form it posts is refused.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

SESSION_COOKIE = "urutiq_session"
CSRF_COOKIE = "urutiq_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class WebSession:
    key_id: str
    nonce: str
    expires_at: float  # unix seconds


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, message: str) -> str:
    return _b64(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest())


def encode_session(secret: str, key_id: str, *, hours: float, now: float | None = None) -> str:
    """The value of a new session cookie for ``key_id``, valid ``hours`` from ``now``."""
    issued = time.time() if now is None else now
    payload = {"k": key_id, "n": new_nonce(), "e": int(issued + hours * 3600)}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_sign(secret, 'session|' + body)}"


def decode_session(secret: str, value: str | None, *, now: float | None = None) -> WebSession:
    """The session a cookie value holds; :class:`SessionInvalid` when it is missing, altered,
    signed with another secret, or expired (its message says which, for the login page)."""
    if not value:
        raise SessionInvalid("please log in")
    body, _, signature = value.partition(".")
    if not signature or not hmac.compare_digest(signature, _sign(secret, "session|" + body)):
        raise SessionInvalid("your session is not valid any more: please log in again")
    try:
        payload = json.loads(_unb64(body))
        session = WebSession(str(payload["k"]), str(payload["n"]), float(payload["e"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise SessionInvalid("your session is not valid any more: please log in again") from exc
    if session.expires_at <= (time.time() if now is None else now):
        raise SessionInvalid("your session has expired: please log in again")
    return session


def csrf_token(secret: str, browser_nonce: str, session_nonce: str = "") -> str:
    """The token forms must send back: bound to this browser and, once logged in, to this
    session."""
    return _sign(secret, f"csrf|{browser_nonce}|{session_nonce}")


def csrf_matches(
    secret: str, sent: str | None, browser_nonce: str | None, session_nonce: str
) -> bool:
    if not sent or not browser_nonce:
        return False
    return hmac.compare_digest(sent, csrf_token(secret, browser_nonce, session_nonce))


class SessionInvalid(Exception):
    """No usable session cookie: the browser goes to the login page with this message."""
