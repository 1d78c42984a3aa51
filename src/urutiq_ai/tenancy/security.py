"""API key format and hashing (and the stored form of an ended dashboard session's id).

A key reads ``uiq_<id>_<secret>``. Only SHA-256 of ``<id>:<secret>`` is stored;
the secret has 256 bits of entropy, so a fast hash is enough (no password
stretching needed), and comparison is constant-time.
"""

import hashlib
import hmac
import secrets

KEY_PREFIX = "uiq_"


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


def format_key(key_id: str, secret: str) -> str:
    return f"{KEY_PREFIX}{key_id}_{secret}"


def hash_secret(key_id: str, secret: str) -> str:
    return hashlib.sha256(f"{key_id}:{secret}".encode()).hexdigest()


def parse_key(raw: str) -> tuple[str, str] | None:
    """Split a presented key into (id, secret), or None if it is not one of ours."""
    if not raw.startswith(KEY_PREFIX):
        return None
    key_id, sep, secret = raw[len(KEY_PREFIX) :].partition("_")
    if not sep or not key_id or not secret:
        return None
    return key_id, secret


def secret_matches(key_id: str, secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(key_id, secret), stored_hash)


def display_prefix(key_id: str) -> str:
    return f"{KEY_PREFIX}{key_id[:8]}"


def session_hash(session_id: str) -> str:
    """What the database keeps of an ended dashboard session's id (its SHA-256): the id
    itself, a random nonce, is useless without the cookie's signature anyway."""
    return hashlib.sha256(f"session:{session_id}".encode()).hexdigest()
