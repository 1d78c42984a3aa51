"""Monitors, alerts and webhooks through the SDK: the resource clients plus their verbs."""

from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from urutiq_ai.alerts.schemas import (
    AlertRead,
    AlertUpdate,
    WebhookCreate,
    WebhookDeliveryRead,
    WebhookRead,
    WebhookUpdate,
)
from urutiq_ai.core.schemas import SystemWritten
from urutiq_ai.monitoring.schemas import (
    MonitorCreate,
    MonitorRead,
    MonitorRunRead,
    MonitorUpdate,
)
from urutiq_ai.sdk._resources import ResourceClient
from urutiq_ai.sdk._transport import build_payload, parse


class MonitorsClient(ResourceClient[MonitorRead, MonitorCreate, MonitorUpdate]):
    """Monitors: performance, drift and quality checks on a cron schedule."""

    def run(self, id: str, *, company: str | None = None) -> MonitorRunRead:
        """Queue a run now; poll ``client.monitor_runs.get(run.id)`` for its outcome."""
        path = self._path(company, id) + "/run"
        return parse(MonitorRunRead, self._transport.request("POST", path))

    def pause(self, id: str, *, company: str | None = None) -> MonitorRead:
        return self.update(id, status="paused", company=company)

    def resume(self, id: str, *, company: str | None = None) -> MonitorRead:
        return self.update(id, status="active", company=company)


class AlertsClient(ResourceClient[AlertRead, SystemWritten, AlertUpdate]):
    """Alerts raised by the monitors (read; resolve by hand)."""

    def resolve(self, id: str, *, company: str | None = None) -> AlertRead:
        return self.update(id, status="resolved", company=company)


class WebhooksClient(ResourceClient[WebhookRead, WebhookCreate, WebhookUpdate]):
    """Where alerts are delivered (admin keys); secrets are write-only."""

    def test(self, id: str, *, company: str | None = None) -> WebhookDeliveryRead:
        """Send a signed ``ping`` now; the returned delivery shows its outcome once sent."""
        path = self._transport.company_path(f"webhooks/{quote(id, safe='')}/test", company)
        return parse(WebhookDeliveryRead, self._transport.request("POST", path))


class PipelinesClient(ResourceClient[Any, Any, Any]):
    """Pipelines: declared steps from a source table to a target table, run as jobs."""

    def run(self, id: str, *, company: str | None = None) -> Any:
        """Start a run now; poll ``client.pipeline_runs.get(run.id)`` for its counts."""
        from urutiq_ai.pipelines.schemas import AIDataPipelineRunRead

        path = self._path(company, id) + "/run"
        return parse(AIDataPipelineRunRead, self._transport.request("POST", path))

    def pause(self, id: str, *, company: str | None = None) -> Any:
        return self.update(id, status="paused", company=company)

    def resume(self, id: str, *, company: str | None = None) -> Any:
        return self.update(id, status="active", company=company)

    def backfill(
        self,
        pipeline_id: str,
        start: date | datetime | str,
        end: date | datetime | str,
        *,
        company: str | None = None,
    ) -> Any:
        """Re-run the pipeline over ``start <= watermark < end`` (dates are midnight UTC):
        exactly the target rows in that range are replaced. Returns the run (``running``);
        poll ``client.pipeline_runs.get(run.id)``."""
        from urutiq_ai.pipelines.schemas import AIDataPipelineRunRead, PipelineBackfill

        body = build_payload(PipelineBackfill, None, {"from": start, "to": end})
        path = self._path(company, pipeline_id) + "/backfill"
        return parse(AIDataPipelineRunRead, self._transport.request("POST", path, json=body))

    def cancel_run(self, run_id: str, *, company: str | None = None) -> Any:
        """Cancel a running run (nothing of it is written)."""
        from urutiq_ai.pipelines.schemas import AIDataPipelineRunRead

        path = self._transport.company_path(
            f"pipeline-runs/{quote(run_id, safe='')}/cancel", company
        )
        return parse(AIDataPipelineRunRead, self._transport.request("POST", path))
