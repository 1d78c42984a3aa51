"""Data-quality checks through the SDK."""

from collections.abc import Mapping, Sequence
from typing import Any

from urutiq_ai.quality.rules import QualityRunRequest
from urutiq_ai.quality.schemas import QualityRunResult
from urutiq_ai.sdk._transport import Transport, build_payload, parse


class QualityClient:
    """Run declared data-quality checks now (results are also stored as data-quality rows)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def run(
        self,
        checks: Sequence[Mapping[str, Any]],
        *,
        source: Mapping[str, Any] | None = None,
        store: bool = True,
        name: str | None = None,
        company: str | None = None,
    ) -> QualityRunResult:
        """Run ``checks`` (the JSON rule language, e.g. ``{"check": "not_null", "column":
        "description"}``) on ``source`` (``{"table": ...}``, ``{"file": ...}`` or
        ``{"query": ...}``) or on each check's own source."""
        fields: dict[str, object] = {"checks": [dict(check) for check in checks], "store": store}
        if source is not None:
            fields["source"] = dict(source)
        if name is not None:
            fields["name"] = name
        body = build_payload(QualityRunRequest, None, fields)
        path = self._transport.company_path("quality-checks", company)
        return parse(QualityRunResult, self._transport.request("POST", path, json=body))
