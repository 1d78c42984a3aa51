"""Dashboard pages: data quality by dimension (completeness, validity, consistency, ...):
the latest result of each check per table and dimension, the pass rate per dimension over
time, the failing checks, every result (filtered, paginated) and one result's issues."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from urutiq_ai.crud import service as crud
from urutiq_ai.quality import service as quality
from urutiq_ai.quality.schemas import AIDataQualityRead, QualityMetric, QualityStatus
from urutiq_ai.quality.service import DATA_QUALITY
from urutiq_ai.tenancy.deps import IdPath, SessionDep
from urutiq_ai.web.auth import WebCompany
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.templating import render

router = APIRouter(prefix="/companies/{companyId}", include_in_schema=False)

TREND_DAYS = 90
DIMENSIONS = [m.value for m in QualityMetric]
WORST = {QualityStatus.passed.value: 0, QualityStatus.warning.value: 1, QualityStatus.fail.value: 2}


@dataclass
class Cell:
    """The latest results of one table (or all tables) in one dimension."""

    results: list[Any] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.results)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status.value == status)

    @property
    def passed(self) -> int:
        return self.count(QualityStatus.passed.value)

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.total if self.total else None

    @property
    def worst(self) -> str:
        return max((r.status.value for r in self.results), key=WORST.__getitem__, default="")

    @property
    def lowest(self) -> float | None:
        return min((r.metric_value for r in self.results), default=None)


@router.get("/data-quality")
def quality_board(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    (company_id,) = ctx.company_ids
    page = list_page(
        session,
        ctx,
        DATA_QUALITY,
        request.query_params,
        base_url=f"/companies/{company_id}/data-quality",
    )
    latest = [AIDataQualityRead.model_validate(r) for r in quality.latest_results(session, ctx)]
    by_dimension: dict[str, Cell] = defaultdict(Cell)
    by_table: dict[str, dict[str, Cell]] = defaultdict(lambda: defaultdict(Cell))
    for result in latest:
        by_dimension[result.quality_metric.value].results.append(result)
        by_table[result.table_name][result.quality_metric.value].results.append(result)
    dimensions = [d for d in DIMENSIONS if d in by_dimension]
    since = datetime.now(UTC) - timedelta(days=TREND_DAYS)
    return render(
        request,
        "quality/board.html",
        page=page,
        dimensions=dimensions,
        by_dimension=by_dimension,
        by_table=dict(sorted(by_table.items())),
        failing=[r for r in latest if r.status != QualityStatus.passed],
        trend_chart=trend_chart(quality.daily_counts(session, ctx, since=since)),
        latest_chart=latest_chart(dimensions, by_dimension),
        metrics=DIMENSIONS,
        statuses=[s.value for s in QualityStatus],
        tables=sorted(by_table),
        trend_days=TREND_DAYS,
    )


def trend_chart(rows: list[tuple[str, Any, int, int]]) -> dict[str, Any] | None:
    """Share of results passing per day, one line per dimension (gaps where none ran)."""
    if not rows:
        return None
    days = sorted({day for day, *_ in rows})
    rates: dict[str, dict[str, float]] = defaultdict(dict)
    for day, metric, total, passed in rows:
        rates[str(getattr(metric, "value", metric))][day] = round(100 * passed / total, 1)
    return {
        "type": "line",
        "data": {
            "labels": days,
            "datasets": [
                {
                    "label": dimension,
                    "data": [rates[dimension].get(day) for day in days],
                    "spanGaps": True,
                }
                for dimension in DIMENSIONS
                if dimension in rates
            ],
        },
        "options": {
            "scales": {
                "y": {
                    "min": 0,
                    "max": 100,
                    "title": {"display": True, "text": "% of results passing"},
                }
            }
        },
    }


def latest_chart(dimensions: list[str], cells: dict[str, Cell]) -> dict[str, Any] | None:
    """The latest result of each check, per dimension: passing, warning, failing."""
    if not dimensions:
        return None
    colors = {"pass": "#1d7a46", "warning": "#d29922", "fail": "#b42318"}
    return {
        "type": "bar",
        "data": {
            "labels": dimensions,
            "datasets": [
                {
                    "label": {"pass": "passing", "warning": "warning", "fail": "failing"}[status],
                    "data": [cells[d].count(status) for d in dimensions],
                    "backgroundColor": colors[status],
                }
                for status in ("pass", "warning", "fail")
            ],
        },
        "options": {
            "scales": {"x": {"stacked": True}, "y": {"stacked": True, "beginAtZero": True}}
        },
    }


@router.get("/data-quality/{id}")
def quality_result(
    request: Request, session: SessionDep, ctx: WebCompany, result_id: IdPath
) -> Response:
    result = AIDataQualityRead.model_validate(crud.get_row(session, ctx, DATA_QUALITY, result_id))
    issues: dict[str, Any] = result.issues if isinstance(result.issues, dict) else {}
    found = issues.get("sample")
    sample = [row for row in found if isinstance(row, dict)] if isinstance(found, list) else []
    return render(
        request,
        "quality/result.html",
        result=result,
        issues=issues,
        sample=sample,
        sample_columns=list(dict.fromkeys(k for row in sample for k in row)),
        recommendations=result.recommendations if isinstance(result.recommendations, list) else [],
    )
