"""Where fitted pipelines live: a local folder by default, any fsspec URL otherwise.

Keys are ``<tenant>/<company>/<modelId>/<name>``; the bytes' SHA-256 is recorded on the
model's artifact row and verified on every load (``urutiq_ai.ml.artifacts``).
"""

from dataclasses import dataclass

import fsspec


@dataclass(frozen=True)
class ArtifactStore:
    root: str  # a folder path or an fsspec URL (s3://bucket/prefix, memory://x, ...)

    def _url(self, key: str) -> str:
        return f"{self.root.rstrip('/')}/{key}"

    def put(self, key: str, data: bytes) -> str:
        """Write ``data`` under ``key``; returns the URL it was written to."""
        url = self._url(key)
        fs, path = fsspec.core.url_to_fs(url)
        fs.makedirs(fs._parent(path), exist_ok=True)
        with fs.open(path, "wb") as handle:
            handle.write(data)
        return url

    def get(self, url: str) -> bytes:
        fs, path = fsspec.core.url_to_fs(url)
        with fs.open(path, "rb") as handle:
            data: bytes = handle.read()
        return data


VALIDATION_TARGET = "__target__"
"""The target's column in a stored validation sample (beside the feature columns)."""


def artifact_key(tenant_id: str, company_id: str, model_id: str, name: str) -> str:
    return f"{tenant_id}/{company_id}/{model_id}/{name}"
