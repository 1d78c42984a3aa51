"""Serving routes: predict with a model version, and record the actual outcomes."""

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import AppError
from urutiq_ai.crud.resource import WRITERS
from urutiq_ai.deployments.live import ERROR, OK, REJECTED, Key, LiveStats
from urutiq_ai.deployments.schemas import Environment
from urutiq_ai.predictions.models import AIModelPrediction
from urutiq_ai.predictions.outcomes import record_actuals
from urutiq_ai.predictions.schemas import (
    PREDICT_ACTION,
    ActualValue,
    ActualValuesRequest,
    ActualValuesResult,
    AIModelPredictionRead,
    DeploymentPredictRequest,
    DeploymentPredictResponse,
    PredictionResult,
    PredictRequest,
    PredictResponse,
)
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["predictions"])


Writer = Annotated[TenantContext, Depends(company_role(WRITERS, PREDICT_ACTION))]


@router.post("/models/{id}/predict", response_model=PredictResponse)
def predict(
    request: Request, session: SessionDep, ctx: Writer, model_id: IdPath, data: PredictRequest
) -> PredictResponse:
    """Predict one row or up to 10,000; each is stored unless ``log`` is false."""
    # serving loads the ML stack; import it on the first prediction, not at start-up.
    from urutiq_ai.ml.predict import to_jsonable
    from urutiq_ai.predictions import serving

    store = ArtifactStore(request.app.state.settings.artifacts)
    model, results = serving.predict_rows(
        session, ctx, model_id=model_id, rows=data.all_rows(), log=data.log, store=store
    )
    return PredictResponse(
        model_id=model.id,
        model_name=model.model_name,
        model_version=model.model_version,
        predictions=[
            PredictionResult(
                prediction_id=pid,
                prediction=to_jsonable(out.prediction),
                confidence=out.confidence,
                probabilities=out.probabilities,
            )
            for pid, out in results
        ],
    )


@router.post("/deployments/{deploymentName}/predict", response_model=DeploymentPredictResponse)
def predict_deployed(
    request: Request,
    session: SessionDep,
    ctx: Writer,
    name: Annotated[str, Path(alias="deploymentName", max_length=255)],
    data: DeploymentPredictRequest,
    environment: Annotated[Environment, Query()] = Environment.production,
) -> DeploymentPredictResponse:
    """Predict through a deployment (its split, shadow or ensemble); same rows as model
    predict. Each answer names the model that gave it and its variant."""
    from urutiq_ai.predictions import deployed  # the ML stack: on first use only

    served = deployed.resolve(session, ctx, name, environment)
    stats: LiveStats = request.app.state.live
    key = Key(served.tenant_id, served.company_id, served.deployment_id, served.version)
    rows = data.all_rows()
    started = time.perf_counter()
    outcome = ERROR
    try:
        response = deployed.predict(
            session,
            ctx,
            served,
            rows=rows,
            entity_key=data.entity_key,
            log=data.log,
            store=ArtifactStore(request.app.state.settings.artifacts),
        )
        session.flush()
        outcome = OK
        return response
    except AppError as exc:
        outcome = ERROR if exc.status_code >= 500 else REJECTED
        raise
    finally:
        latency_ms = (time.perf_counter() - started) * 1000
        stats.record(key, latency_ms=latency_ms, rows=len(rows), outcome=outcome)


@router.put("/predictions/{id}/actual", response_model=AIModelPredictionRead)
def record_actual(
    session: SessionDep, ctx: Writer, prediction_id: IdPath, data: ActualValue
) -> AIModelPrediction:
    """Record what really happened; sets isCorrect (labels) or error (numbers)."""
    (row,) = record_actuals(session, ctx, [(prediction_id, data.actual_value)])
    return row


@router.post("/predictions/actuals", response_model=ActualValuesResult)
def record_actuals_bulk(
    session: SessionDep, ctx: Writer, data: ActualValuesRequest
) -> ActualValuesResult:
    """Record many outcomes at once (up to 10,000)."""
    rows = record_actuals(session, ctx, [(i.prediction_id, i.actual_value) for i in data.items])
    return ActualValuesResult(updated=len(rows))
