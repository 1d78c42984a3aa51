"""Where fitted pipelines live: a local folder by default, any fsspec URL otherwise.

Keys are ``<tenant>/<company>/<modelId>/<name>``; the bytes' SHA-256 is recorded on the
model's artifact row and verified on every load (``urutiq_ai.ml.artifacts``), and again
whenever the stored file's :meth:`ArtifactStore.stamp` changes (serving's cache).
"""

import functools
import os
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

STAMPED_KEYS = ("size", "mtime", "created", "LastModified", "last_modified", "ETag", "etag")
"""What :meth:`ArtifactStore.stamp` keeps of a remote file's ``info``."""


@dataclass(frozen=True)
class ArtifactStore:
    root: str  # a folder path or an fsspec URL (s3://bucket/prefix, memory://x, ...)

    def _url(self, key: str) -> str:
        return f"{self.root.rstrip('/')}/{key}"

    def put(self, key: str, data: bytes) -> str:
        """Write ``data`` under ``key``; returns the URL it was written to."""
        url = self._url(key)
        fs, path = _filesystem(url)
        fs.makedirs(fs._parent(path), exist_ok=True)
        with fs.open(path, "wb") as handle:
            handle.write(data)
        return url

    def get(self, url: str) -> bytes:
        fs, path = _filesystem(url)
        with fs.open(path, "rb") as handle:
            data: bytes = handle.read()
        return data

    def is_local(self, url: str) -> bool:
        """Whether ``url`` is a file of this machine (stamping it costs a ``stat``)."""
        return _local_path(url) is not None

    def stamp(self, url: str) -> Hashable | None:
        """A cheap fingerprint of the stored file that changes when its bytes are rewritten:
        a local file's inode, size and modification and change times (nanoseconds; one
        ``stat``, about 2 µs); a remote file's size, times and ETag as the store reports
        them (a request). None when the file is missing or the store reports nothing."""
        local = _local_path(url)
        try:
            if local is not None:
                st = os.stat(local)
                return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            fs, path = _filesystem(url)
            info = fs.info(path)
        except (OSError, ValueError):
            return None
        stamped = tuple((key, str(info[key])) for key in STAMPED_KEYS if key in info)
        return stamped or None


def _filesystem(url: str) -> tuple[Any, str]:
    """fsspec's file system for ``url`` and the path in it. fsspec is imported here, when an
    artifact is first stored or read, not by every command that lists models."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    return fs, path


@functools.lru_cache(maxsize=1024)
def _local_path(url: str) -> str | None:
    """The local path of ``url`` (a plain path or ``file://``), else None."""
    from fsspec.implementations.local import LocalFileSystem

    fs, path = _filesystem(url)
    return str(path) if isinstance(fs, LocalFileSystem) else None


VALIDATION_TARGET = "__target__"
"""The target's column in a stored validation sample (beside the feature columns)."""


def artifact_key(tenant_id: str, company_id: str, model_id: str, name: str) -> str:
    return f"{tenant_id}/{company_id}/{model_id}/{name}"
