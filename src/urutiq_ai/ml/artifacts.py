"""Serialize fitted pipelines; loading verifies the SHA-256 before unpickling anything."""

import hashlib
import hmac
import io
from typing import Any

import joblib

from urutiq_ai.ml.errors import ArtifactTampered


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def dump_pipeline(obj: Any) -> bytes:
    """The joblib serialization of ``obj`` (store it together with its :func:`sha256`)."""
    buffer = io.BytesIO()
    joblib.dump(obj, buffer, compress=3)
    return buffer.getvalue()


def load_pipeline(data: bytes, expected_sha256: str) -> Any:
    """Unpickle ``data`` only if its SHA-256 equals ``expected_sha256``.

    Raises :class:`ArtifactTampered` otherwise; unpickling runs code, so unverified bytes are
    never handed to joblib.
    """
    actual = sha256(data)
    if not hmac.compare_digest(actual, expected_sha256.strip().lower()):
        raise ArtifactTampered(
            f"model artifact hash mismatch: expected {expected_sha256}, got {actual}"
        )
    return joblib.load(io.BytesIO(data))
