"""The dashboard's cookies, signed with HMAC-SHA256 by itsdangerous: pure functions, no
database.

* The **session cookie** carries ``{k: API key id, n: nonce, e: expiry}`` and its signature.
  It never holds the key's secret: the secret is checked once at login, and every page
  re-reads the key (a revoked key ends its sessions at once). The nonce is also the
  session's id: *Log out* records it as ended in the database (``EndedSession``), which
  every page checks too, so the cookie is dead on the server, not only deleted.
* The **CSRF token** of a form is the HMAC of a random per-browser nonce (its own cookie,
  set on the first page) and of the session's nonce: a page of another site can neither
  read it nor compute it, so a form it posts is refused.

The session cookie and the CSRF token are signed with different salts (itsdangerous derives
one key from the secret for each), so neither can stand for the other. The expiry lives in
the payload, not in itsdangerous' timestamp: it is fixed at login and tests set the clock.
The cookie flags (HttpOnly, SameSite, Secure) are set where the cookies are written
(``web/pages/auth.py``, ``web/templating.py``).
"""

import functools
import hashlib
import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadData, Signer, URLSafeSerializer

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


@functools.lru_cache(maxsize=8)
def _session_serializer(secret: str) -> URLSafeSerializer:
    """One serializer per secret (a process has one): building it derives no key yet, but
    every page decodes a cookie, so it is not rebuilt each time."""
    return URLSafeSerializer(
        secret, salt="urutiq-session", signer_kwargs={"digest_method": hashlib.sha256}
    )


@functools.lru_cache(maxsize=8)
def _csrf_signer(secret: str) -> Signer:
    return Signer(secret, salt="urutiq-csrf", digest_method=hashlib.sha256)


def encode_session(secret: str, key_id: str, *, hours: float, now: float | None = None) -> str:
    """The value of a new session cookie for ``key_id``, valid ``hours`` from ``now``."""
    issued = time.time() if now is None else now
    payload = {"k": key_id, "n": new_nonce(), "e": int(issued + hours * 3600)}
    return str(_session_serializer(secret).dumps(payload))


def decode_session(secret: str, value: str | None, *, now: float | None = None) -> WebSession:
    """The session a cookie value holds; :class:`SessionInvalid` when it is missing, altered,
    signed with another secret, or expired (its message says which, for the login page)."""
    if not value:
        raise SessionInvalid("please log in")
    try:
        payload = _session_serializer(secret).loads(value)
        session = WebSession(str(payload["k"]), str(payload["n"]), float(payload["e"]))
    except (BadData, ValueError, KeyError, TypeError) as exc:
        raise SessionInvalid("your session is not valid any more: please log in again") from exc
    if session.expires_at <= (time.time() if now is None else now):
        raise SessionInvalid("your session has expired: please log in again")
    return session


def csrf_token(secret: str, browser_nonce: str, session_nonce: str = "") -> str:
    """The token forms must send back: bound to this browser and, once logged in, to this
    session."""
    return _csrf_signer(secret).get_signature(f"{browser_nonce}|{session_nonce}").decode()


def csrf_matches(
    secret: str, sent: str | None, browser_nonce: str | None, session_nonce: str
) -> bool:
    """Whether ``sent`` is this browser's and this session's token: itsdangerous compares
    the signatures in constant time (``hmac.compare_digest``), and any text is refused, not
    raised on (a non-ASCII ``str`` would make ``compare_digest`` itself raise)."""
    if not sent or not browser_nonce:
        return False
    return _csrf_signer(secret).verify_signature(f"{browser_nonce}|{session_nonce}", sent)


class SessionInvalid(Exception):
    """No usable session cookie: the browser goes to the login page with this message."""
