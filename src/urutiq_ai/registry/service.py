"""The model registry's rules.

Lifecycle: ``training`` -> ``active`` | ``failed``; ``active`` -> ``deprecated``.
A deprecated or failed version is final: train a new version instead.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import (
    FieldError,
    InvalidStatusTransition,
    field_error,
)
from urutiq_ai.crud import service as crud_service
from urutiq_ai.crud.errors import DuplicateResource, ResourceNotFound
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.registry import hooks
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.compare import compare, compared_to, recorded_metrics
from urutiq_ai.registry.errors import ArtifactMissing, VersionInUse
from urutiq_ai.registry.models import AIModel, ModelArtifact
from urutiq_ai.registry.repository import ArtifactRepository, ModelRepository
from urutiq_ai.registry.schemas import (
    AIModelCreate,
    AIModelRead,
    AIModelUpdate,
    ComparedTo,
    ModelStatus,
    ReferenceReason,
    VersionComparison,
)
from urutiq_ai.registry.versions import colliding_version, next_version, parse_version

MODEL_TRANSITIONS = transitions(
    training=("active", "failed"),
    active=("deprecated",),
)


FORCE_NOTE = "the deployment then goes on serving a deprecated version"


def _served_versions_kept(
    session: Session, ctx: TenantContext, row: Any, changes: Mapping[str, Any]
) -> None:
    """A plain update (PATCH) never deprecates a version a deployment serves: the
    ``deprecate`` verb takes ``force``."""
    if changes.get("status") == ModelStatus.deprecated:
        refuse_retiring_served(
            session,
            ctx,
            [row],
            action=f"deprecating {row.model_name} {row.model_version}",
            remedy=f"use POST models/{row.id}/deprecate?force=true ({FORCE_NOTE})",
        )


def _versions_distinct(
    session: Session, ctx: TenantContext, row: Any, changes: Mapping[str, Any]
) -> None:
    """A new version must not name an existing one semantically (``v1.0`` and ``1.0.0``)."""
    if "model_version" not in changes or parse_version(row.model_version) is None:
        return
    existing = [v for v in versions_of(session, ctx, row.model_name) if v != row.model_version]
    _refuse_collision(row.model_name, row.model_version, existing)


MODELS = Resource(
    path="models",
    model=AIModel,
    create_schema=AIModelCreate,
    update_schema=AIModelUpdate,
    read_schema=AIModelRead,
    filters=(
        "id",  # several at once: the CLI names the models of many deployments in one request
        "status",
        "model_type",
        "algorithm",
        "model_name",
        "model_version",
        "experiment_id",
    ),
    sort_fields=("created_at", "updated_at", "model_name"),
    refs={"experiment_id": "AIExperiment"},
    unique=(("model_name", "model_version"),),
    transitions=MODEL_TRANSITIONS,
    deletable=True,
    validators=(_served_versions_kept, _versions_distinct),
)
_VERBS = dataclasses.replace(MODELS, validators=())
"""MODELS for promote and deprecate, which check served versions themselves (with force)."""


def versions_of(session: Session, ctx: TenantContext, model_name: str) -> list[str]:
    """Every version of ``model_name`` in the context's company."""
    return ModelRepository(session, ctx).versions(model_name)


def choose_version(
    session: Session, ctx: TenantContext, *, model_name: str, requested: str | None
) -> str:
    """``requested`` if it is a valid, unused semantic version; else the next version."""
    existing = versions_of(session, ctx, model_name)
    if requested is None:
        return next_version(existing)
    if parse_version(requested) is None:
        raise field_error("modelVersion", f"{requested!r} is not a semantic version (e.g. 1.2.0)")
    _refuse_collision(model_name, requested, existing)
    return requested


def _refuse_collision(model_name: str, requested: str, existing: list[str]) -> None:
    """409 when ``requested`` names a version of ``model_name`` that exists, saying which
    (``v1.0`` collides with ``1.0.0``)."""
    collides = colliding_version(requested, existing)
    if collides is None:
        return
    same = "exists" if collides == requested else f"is the same version as the existing {collides}"
    raise DuplicateResource(
        f"{model_name} {requested} {same} in this company",
        fields=[FieldError("modelVersion", f"{model_name} {collides} already exists")],
    )


def latest_active(session: Session, ctx: TenantContext, model_name: str) -> AIModel | None:
    """The newest active version of ``model_name`` in the context's company, if any."""
    return ModelRepository(session, ctx).latest_active(model_name)


def register_version(session: Session, ctx: TenantContext, *, data: AIModelCreate) -> AIModel:
    """A new model version in ``training`` status, with the same rules and audit as the API."""
    model: AIModel = crud_service.create_row(session, ctx, MODELS, data)
    return model


def get_model(session: Session, ctx: TenantContext, model_id: str) -> AIModel:
    model: AIModel = crud_service.get_row(session, ctx, MODELS, model_id)
    return model


def record_artifact(
    session: Session, ctx: TenantContext, artifact: ModelArtifact, *, model: AIModel
) -> ModelArtifact:
    """Attach the fitted pipeline's stored bytes (and what serving needs) to ``model``."""
    artifact.model_id = model.id
    ArtifactRepository(session, ctx).add(artifact, company_id=model.company_id)
    session.flush()
    return artifact


def get_artifact(session: Session, ctx: TenantContext, model: AIModel) -> ModelArtifact:
    return require_artifact(model, ArtifactRepository(session, ctx).for_model(model.id))


def get_model_with_artifact(
    session: Session, ctx: TenantContext, model_id: str
) -> tuple[AIModel, ModelArtifact | None]:
    """The model (404 as :func:`get_model`) and its artifact row, if any, in one query."""
    found = ModelRepository(session, ctx).with_artifact(model_id)
    if found is None:
        raise ResourceNotFound(f"{MODELS.title} {model_id!r} not found")
    return found


def require_artifact(model: AIModel, artifact: ModelArtifact | None) -> ModelArtifact:
    """``artifact``, or ArtifactMissing when the model has none."""
    if artifact is None:
        raise ArtifactMissing(f"model {model.id!r} has no stored pipeline (was it trained here?)")
    return artifact


def finish_training(
    session: Session, ctx: TenantContext, model: AIModel, *, metrics: dict[str, Any]
) -> AIModel:
    """training -> active, with the validation metrics the seed's columns hold (audited)."""
    update = AIModelUpdate(
        status=ModelStatus.active,
        accuracy=metrics.get("accuracy"),
        precision=metrics.get("precision"),
        recall=metrics.get("recall"),
        f1_score=metrics.get("f1Score"),
    )
    updated: AIModel = crud_service.update_row(session, ctx, MODELS, model.id, update)
    return updated


def serving_reference(
    session: Session, ctx: TenantContext, model: AIModel
) -> tuple[AIModel, ReferenceReason, str | None] | None:
    """The version a new ``model`` is measured against: the one a production deployment
    serves (its champion) among the other versions of its name, else the newest other
    active version; with why, and the deployment. None for a model name's first version."""
    others = [m for m in ModelRepository(session, ctx).named(model.model_name) if m.id != model.id]
    by_id = {other.id: other for other in others}
    in_production = [
        use
        for use in hooks.uses_of(session, ctx, list(by_id))
        if use.environment == "production" and use.role == "champion"
    ]
    if in_production:
        use = max(in_production, key=lambda u: by_id[u.model_id].created_at)
        return by_id[use.model_id], ReferenceReason.serving_in_production, use.deployment_id
    active = [m for m in others if m.status == ModelStatus.active]
    if active:
        return active[0], ReferenceReason.latest_active_version, None
    return None


def compare_with_serving(
    session: Session, ctx: TenantContext, model: AIModel, *, metrics: Mapping[str, Any]
) -> ComparedTo | None:
    """``model`` (just trained, its validation ``metrics``) beside the version serving
    (:func:`serving_reference`) on the model type's primary metric; None when there is no
    reference or either lacks the metric."""
    found = serving_reference(session, ctx, model)
    if found is None:
        return None
    reference, reason, deployment_id = found
    stored = ArtifactRepository(session, ctx).for_model(reference.id)
    return compared_to(
        model,
        recorded_metrics(model, metrics),
        reference,
        recorded_metrics(reference, stored.metrics if stored is not None else None),
        reason=reason,
        deployment_id=deployment_id,
    )


def fail_training(session: Session, ctx: TenantContext, model: AIModel, *, reason: str) -> None:
    """training -> failed, the reason appended to the description (audited)."""
    if model.status != ModelStatus.training:
        return
    note = f"Training failed: {reason}"[:2000]
    description = f"{model.description}\n{note}" if model.description else note
    update = AIModelUpdate(status=ModelStatus.failed, description=description)
    crud_service.update_row(session, ctx, MODELS, model.id, update)


def compare_versions(
    session: Session, ctx: TenantContext, *, left_id: str, right_id: str
) -> VersionComparison:
    """Two versions of the company side by side (any two models; usually one name)."""
    return compare(get_model(session, ctx, left_id), get_model(session, ctx, right_id))


def promote(session: Session, ctx: TenantContext, *, model_id: str, force: bool = False) -> AIModel:
    """Make a trained (active) version the current one: other active versions of the same
    modelName become ``deprecated``. A version that is not active cannot be promoted.

    A version that a serving deployment (any environment) answers with or shadows is not
    deprecated silently: 409 ``VersionInUse`` naming the deployments, unless ``force``
    (then the deployment goes on serving the deprecated version until a release replaces
    it). Release the promoted version into those deployments first."""
    model = get_model(session, ctx, model_id)
    if model.status != ModelStatus.active:
        raise InvalidStatusTransition(
            f"only an active (trained) version can be promoted; this one is {model.status.value}",
            fields=[FieldError("status", "must be active")],
        )
    others = [
        other
        for other in ModelRepository(session, ctx).active_versions(model.model_name)
        if other.id != model.id
    ]
    if not force:
        refuse_retiring_served(
            session,
            ctx,
            others,
            action=f"promoting {model.model_name} {model.model_version}",
            remedy=(
                f"release {model.model_version} ({model.id}) into those deployments first, "
                f"or promote with force=true ({FORCE_NOTE})"
            ),
        )
    for other in others:
        crud_service.update_row(
            session, ctx, _VERBS, other.id, AIModelUpdate(status=ModelStatus.deprecated)
        )
    return model


def deprecate(
    session: Session, ctx: TenantContext, *, model_id: str, force: bool = False
) -> AIModel:
    """active -> deprecated (final). Refused (409 ``VersionInUse``) while a serving
    deployment answers with or shadows the version, unless ``force``."""
    model = get_model(session, ctx, model_id)
    if not force and model.status == ModelStatus.active:
        refuse_retiring_served(
            session,
            ctx,
            [model],
            action=f"deprecating {model.model_name} {model.model_version}",
            remedy=f"release another version into them first, or pass force=true ({FORCE_NOTE})",
        )
    updated: AIModel = crud_service.update_row(
        session, ctx, _VERBS, model_id, AIModelUpdate(status=ModelStatus.deprecated)
    )
    return updated


def refuse_retiring_served(
    session: Session,
    ctx: TenantContext,
    retiring: Sequence[AIModel],
    *,
    action: str,
    remedy: str,
) -> None:
    """409 ``VersionInUse`` naming every serving deployment that uses one of ``retiring``."""
    uses = hooks.uses_of(session, ctx, [model.id for model in retiring])
    if not uses:
        return
    versions = {model.id: model.model_version for model in retiring}
    found = [f"{versions[use.model_id]} ({use.model_id}): {use.describe()}" for use in uses]
    raise VersionInUse(
        f"{action} would deprecate a version that is being served; {'; '.join(found)}. "
        f"To go on: {remedy}.",
        fields=[
            FieldError("force", f"{use.deployment_name} ({use.environment}) serves {use.model_id}")
            for use in uses
        ],
    )


def load_validation_sample(artifact: ModelArtifact, store: ArtifactStore) -> Any | None:
    """The stored validation rows of a version (features and ``VALIDATION_TARGET``),
    hash-verified (raises ``ArtifactTampered``); None when the version kept none."""
    from urutiq_ai.ml import artifacts as ml_artifacts  # the ML stack stays off start-up

    if not artifact.validation_uri or not artifact.validation_sha256:
        return None
    return ml_artifacts.load_pipeline(
        store.get(artifact.validation_uri), artifact.validation_sha256
    )


def load_pipeline(artifact: ModelArtifact, store: ArtifactStore) -> Any:
    """The fitted pipeline of a version read from the store and hash-verified now (no cache;
    raises ``ArtifactTampered``)."""
    from urutiq_ai.ml import artifacts as ml_artifacts

    return ml_artifacts.load_pipeline(store.get(artifact.uri), artifact.sha256)


def active_models(session: Session, ctx: TenantContext) -> list[AIModel]:
    """Every active model version of the context's companies."""
    return ModelRepository(session, ctx).all_active()
