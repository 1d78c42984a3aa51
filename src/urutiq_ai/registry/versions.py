"""Semantic versions of a model name: parse, compare, bump (pure functions).

Accepted forms: ``1``, ``1.2``, ``1.2.3`` with an optional leading ``v`` (the seed writes
``v1.0``); a missing part counts as 0. New versions are written ``MAJOR.MINOR.PATCH``.
"""

import re
from collections.abc import Iterable

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$")
FIRST_VERSION = "1.0.0"


def parse_version(text: str) -> tuple[int, int, int] | None:
    """``"v1.2"`` -> ``(1, 2, 0)``; None when ``text`` is not a semantic version."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    major, minor, patch = (int(part) if part else 0 for part in match.groups())
    return major, minor, patch


def format_version(parts: tuple[int, int, int]) -> str:
    return ".".join(str(part) for part in parts)


def next_version(existing: Iterable[str], *, bump: str = "minor") -> str:
    """The version after the highest of ``existing`` (others than semver are ignored)."""
    parsed = [p for p in (parse_version(v) for v in existing) if p is not None]
    if not parsed:
        return FIRST_VERSION
    major, minor, patch = max(parsed)
    if bump == "major":
        return format_version((major + 1, 0, 0))
    if bump == "patch":
        return format_version((major, minor, patch + 1))
    return format_version((major, minor + 1, 0))


def same_version(a: str, b: str) -> bool:
    """``v1.0`` and ``1.0.0`` name the same version."""
    pa, pb = parse_version(a), parse_version(b)
    return pa is not None and pa == pb


def colliding_version(requested: str, existing: Iterable[str]) -> str | None:
    """The first of ``existing`` that names the same version as ``requested`` (``1.0.0``
    for ``v1.0``), or None."""
    return next((version for version in existing if same_version(requested, version)), None)
