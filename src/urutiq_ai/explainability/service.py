"""Feature importances: one row per model, feature and method; recomputable, so deletable.

After each training, built-in importances (trees and linear models) and permutation
importances on the validation split are computed and stored (a training hook).
"""

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import end_read_only_transaction
from urutiq_ai.crud.resource import Resource
from urutiq_ai.explainability.models import AIModelFeatureImportance
from urutiq_ai.explainability.repository import ImportanceRepository
from urutiq_ai.explainability.schemas import (
    AIModelFeatureImportanceCreate,
    AIModelFeatureImportanceRead,
    AIModelFeatureImportanceUpdate,
    ImportanceMethod,
)
from urutiq_ai.registry.models import AIModel
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.training.hooks import TrainedModel

FEATURE_IMPORTANCES = Resource(
    path="feature-importances",
    model=AIModelFeatureImportance,
    create_schema=AIModelFeatureImportanceCreate,
    update_schema=AIModelFeatureImportanceUpdate,
    read_schema=AIModelFeatureImportanceRead,
    filters=("model_id", "method", "feature_name"),
    sort_fields=("created_at", "updated_at", "importance", "feature_name"),
    refs={"model_id": "AIModel"},
    unique=(("model_id", "feature_name", "method"),),
    deletable=True,
)


AFTER_TRAINING_METHODS = ("built_in", "permutation")


def replace_importances(
    session: Session,
    ctx: TenantContext,
    model: AIModel,
    *,
    method: str,
    scores: list[tuple[str, float, int]],
) -> list[AIModelFeatureImportance]:
    """Store ``(feature, importance, rank)`` rows for a model and method, replacing old ones."""
    repo = ImportanceRepository(session, ctx)
    repo.delete_for(model.id, method)
    rows = [
        repo.add(
            AIModelFeatureImportance(
                model_id=model.id,
                feature_name=feature,
                importance=importance,
                rank=rank,
                method=ImportanceMethod(method),
            ),
            company_id=model.company_id,
        )
        for feature, importance, rank in scores
    ]
    session.flush()
    tenancy_service.record_audit(
        session,
        ctx,
        action="compute",
        row=model,
        company_id=model.company_id,
        after={"featureImportances": method, "features": len(rows)},
    )
    return rows


def importances_after_training(session: Session, ctx: TenantContext, trained: TrainedModel) -> None:
    """Compute built-in (where the model has them) and permutation importances, then store
    them: every method is computed before the first write, with no transaction open (on
    SQLite a transaction holds the database's write lock; permutation importance takes
    seconds)."""
    from urutiq_ai.ml.errors import MLError  # the ML stack loads with the job, not the server
    from urutiq_ai.ml.importance import feature_importance

    end_read_only_transaction(session)
    computed = []
    for method in AFTER_TRAINING_METHODS:
        try:
            computed.append((method, feature_importance(trained.result, method)))
        except MLError as exc:
            trained.log(f"importance {method}: not computed ({exc})")
    for method, scores in computed:
        replace_importances(
            session,
            ctx,
            trained.model,
            method=method,
            scores=[(s.feature, s.importance, s.rank) for s in scores],
        )
        top = ", ".join(s.feature for s in scores[:3])
        trained.log(f"importance {method}: {len(scores)} features, top: {top}")


def importance_methods(session: Session, ctx: TenantContext, model_id: str) -> list[str]:
    """The methods ``model_id`` has stored importances by (empty: none)."""
    return ImportanceRepository(session, ctx).methods_of(model_id)
