"""The models a revision serves, looked up and checked before it may serve: each a model of
the company in a servable status, of one type, taking the same features, with a config that
fits them."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import FieldError, NotFound, ValidationError
from urutiq_ai.deployments.errors import ModelNotDeployable
from urutiq_ai.deployments.schemas import DeploymentConfig
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.models import AIModel
from urutiq_ai.registry.schemas import ModelStatus

if TYPE_CHECKING:
    from urutiq_ai.deployments.health import Member


RELEASE_STATUSES = frozenset({ModelStatus.active})


ROLLBACK_STATUSES = frozenset({ModelStatus.active, ModelStatus.deprecated})


def _members(
    session: Session,
    ctx: TenantContext,
    model_id: str,
    config: DeploymentConfig,
    *,
    field: str,
    strict: bool = True,
    servable: frozenset[ModelStatus] = RELEASE_STATUSES,
) -> "list[Member]":
    """The models a revision serves, the deployment's own first; each must be a model of
    the company in ``servable`` (active for a release; a rollback may return to a version
    the registry has deprecated since), of one type, taking the same feature columns (422
    naming the config field). ``strict=False`` (health re-checks) skips the checks."""
    from urutiq_ai.deployments.health import Member

    champion, artifact = _model(session, ctx, model_id, field=field)
    members = [Member(champion, artifact)]
    for path, other_id in _config_refs(config):
        if other_id == model_id:
            continue
        other, other_artifact = _model(session, ctx, other_id, field=path)
        if strict:
            _check_compatible(champion, other, field=path)
        members.append(Member(other, other_artifact))
    if strict:
        _check_config(champion, config)
        for member in members:
            where = field if member.model is champion else "config"
            _require_servable(member.model, servable, field=where)
    return members


def _config_refs(config: DeploymentConfig) -> list[tuple[str, str]]:
    refs = [(f"config.traffic.{i}.modelId", s.model_id) for i, s in enumerate(config.traffic or [])]
    if config.ensemble is not None:
        refs += [
            (f"config.ensemble.models.{i}.modelId", m.model_id)
            for i, m in enumerate(config.ensemble.models)
        ]
    refs += [(f"config.shadow.{i}", model_id) for i, model_id in enumerate(config.shadow or [])]
    seen: set[str] = set()
    unique = []
    for path, model_id in refs:
        if model_id not in seen:
            seen.add(model_id)
            unique.append((path, model_id))
    return unique


def _model(session: Session, ctx: TenantContext, model_id: str, *, field: str) -> tuple[Any, Any]:
    try:
        return registry_service.get_model_with_artifact(session, ctx, model_id)
    except NotFound as exc:
        raise ValidationError(
            f"no model {model_id!r} in this company",
            fields=[FieldError(field, "no such model in this company")],
        ) from exc


def _require_servable(model: AIModel, allowed: frozenset[ModelStatus], *, field: str) -> None:
    if model.status not in allowed:
        raise ModelNotDeployable(
            f"model {model.model_name} {model.model_version} ({model.id}) is "
            f"{model.status.value}; only active models are deployed",
            fields=[FieldError(field, f"model {model.id} is {model.status.value}, not active")],
        )


def _check_compatible(champion: AIModel, other: AIModel, *, field: str) -> None:
    if other.model_type != champion.model_type:
        raise ValidationError(
            "every model of a deployment must be of one type",
            fields=[
                FieldError(
                    field,
                    f"{other.model_type.value}, while the deployment's model is "
                    f"{champion.model_type.value}",
                )
            ],
        )
    mine, theirs = set(champion.feature_columns or []), set(other.feature_columns or [])
    if mine != theirs:
        missing, extra = sorted(mine - theirs), sorted(theirs - mine)
        raise ValidationError(
            "a challenger must take the same feature columns as the champion",
            fields=[FieldError(field, f"feature columns differ: lacks {missing}, adds {extra}")],
        )


def _check_config(champion: AIModel, config: DeploymentConfig) -> None:
    if config.shadow is not None and champion.id in config.shadow:
        position = config.shadow.index(champion.id)
        raise ValidationError(
            "a deployment's own model cannot also be its shadow",
            fields=[FieldError(f"config.shadow.{position}", "the deployment's own model")],
        )
    if config.traffic is not None and champion.id not in {s.model_id for s in config.traffic}:
        raise ValidationError(
            "a traffic split must give the deployment's own model a share",
            fields=[FieldError("config.traffic", f"no share for model {champion.id}")],
        )
    if config.ensemble is not None:
        if champion.id not in {m.model_id for m in config.ensemble.models}:
            raise ValidationError(
                "an ensemble must include the deployment's own model",
                fields=[FieldError("config.ensemble.models", f"model {champion.id} missing")],
            )
        from urutiq_ai.ml.ensemble import EnsembleError, check_ensemble

        types = [champion.model_type.value] * len(config.ensemble.models)
        try:
            check_ensemble(config.ensemble.method, types)
        except EnsembleError as exc:
            raise ValidationError(
                str(exc), fields=[FieldError("config.ensemble.method", str(exc))]
            ) from exc
    if config.sticky_key is not None and config.sticky_key not in (champion.feature_columns or []):
        raise ValidationError(
            "the sticky key must be one of the model's input fields",
            fields=[FieldError("config.stickyKey", f"{config.sticky_key!r} is not a feature")],
        )
