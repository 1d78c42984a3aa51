"""Explainability on request: recompute importances by a method, explain one prediction."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import READERS, WRITERS
from urutiq_ai.explainability.models import AIModelFeatureImportance
from urutiq_ai.explainability.schemas import (
    AIModelFeatureImportanceRead,
    ComputeImportance,
    Contribution,
    ExplainRequest,
    Explanation,
)
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["feature-importances"])


Reader = Annotated[TenantContext, Depends(company_role(READERS, "explain models"))]
Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "compute feature importances"))]


def _store(request: Request) -> ArtifactStore:
    return ArtifactStore(request.app.state.settings.artifacts)


@router.post("/models/{id}/feature-importances", response_model=list[AIModelFeatureImportanceRead])
def compute_feature_importances(
    request: Request, session: SessionDep, ctx: Writer, model_id: IdPath, data: ComputeImportance
) -> list[AIModelFeatureImportance]:
    """(Re)compute importances by ``method`` (built_in, permutation, shap) on the stored
    validation sample; replaces that method's rows. Bounded to 500 rows (seconds)."""
    # compute loads the ML stack: import it on first use, not at start-up.
    from urutiq_ai.explainability import compute

    return compute.compute_importances(
        session, ctx, model_id=model_id, method=data.method.value, store=_store(request)
    )


@router.post("/models/{id}/explain", response_model=Explanation)
def explain_prediction(
    request: Request, session: SessionDep, ctx: Reader, model_id: IdPath, data: ExplainRequest
) -> Explanation:
    """The prediction for one row and its top feature contributions (SHAP for trees,
    occlusion against the validation sample otherwise)."""
    from urutiq_ai.explainability import compute

    prediction, items = compute.explain(
        session, ctx, model_id=model_id, row=data.row, top_k=data.top_k, store=_store(request)
    )
    return Explanation(
        model_id=model_id,
        prediction=prediction,
        contributions=[Contribution.model_validate(i) for i in items],
    )
