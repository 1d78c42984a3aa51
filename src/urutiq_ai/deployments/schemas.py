"""AIDeployment on the wire: deploy requests, the validated config, revisions (history)."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, JsonValue, StringConstraints, model_validator

from urutiq_ai.core.schemas import (
    CompanyOwnedRead,
    LongText,
    Name,
    ReadSchema,
    Ref,
    RequestSchema,
)
from urutiq_ai.deployments.types import DeploymentStatus as DeploymentStatus
from urutiq_ai.deployments.types import Environment as Environment
from urutiq_ai.deployments.types import RevisionAction as RevisionAction
from urutiq_ai.deployments.types import RevisionStatus as RevisionStatus

WEIGHT_TOLERANCE = 1e-6
MAX_VARIANTS = 5


class TrafficShare(RequestSchema):
    model_id: Ref
    weight: float = Field(gt=0.0, le=1.0)


class EnsembleMember(RequestSchema):
    model_id: Ref
    weight: float = Field(default=1.0, gt=0.0)


class EnsembleConfig(RequestSchema):
    """Several models answer together: ``average`` (probabilities / values), ``vote``
    (labels), ``stacking`` (a meta-model fitted on the first member's held-out rows)."""

    method: Literal["average", "vote", "stacking"]
    models: list[EnsembleMember] = Field(min_length=2, max_length=MAX_VARIANTS)


class HealthConfig(RequestSchema):
    interval_seconds: int = Field(default=300, ge=30, le=86_400)
    sample_rows: int = Field(default=20, ge=1, le=500)
    timeout_ms: float = Field(default=2_000.0, gt=0, le=60_000)


class RollbackConfig(RequestSchema):
    """Automatic rollback after a release: on a failed health check, or when the error rate
    over at least ``minRequests`` requests passes ``maxErrorRate`` within ``watchSeconds``."""

    auto: bool = True
    max_error_rate: float = Field(default=0.05, ge=0.0, le=1.0)
    min_requests: int = Field(default=20, ge=1)
    watch_seconds: int = Field(default=3_600, ge=60, le=30 * 86_400)


class DeploymentConfig(RequestSchema):
    """How a deployment serves; every key optional (defaults shown in docs/deployments.md)."""

    max_batch: int = Field(default=1_000, ge=1, le=10_000)
    traffic: list[TrafficShare] | None = Field(default=None, min_length=2, max_length=MAX_VARIANTS)
    sticky_key: Name | None = None
    shadow: list[Ref] | None = Field(default=None, min_length=1, max_length=3)
    ensemble: EnsembleConfig | None = None
    health: HealthConfig = Field(default_factory=HealthConfig)
    rollback: RollbackConfig = Field(default_factory=RollbackConfig)
    window_seconds: int = Field(default=900, ge=60, le=86_400)

    @model_validator(mode="after")
    def _shape(self) -> "DeploymentConfig":
        if self.traffic is not None:
            total = sum(share.weight for share in self.traffic)
            if abs(total - 1.0) > WEIGHT_TOLERANCE:
                raise ValueError(f"traffic weights must sum to 1, not {total:g}")
            ids = [share.model_id for share in self.traffic]
            if len(set(ids)) != len(ids):
                raise ValueError("traffic names a model twice")
        if self.traffic is not None and self.ensemble is not None:
            raise ValueError("give traffic or ensemble, not both")
        if self.ensemble is not None:
            ids = [member.model_id for member in self.ensemble.models]
            if len(set(ids)) != len(ids):
                raise ValueError("ensemble names a model twice")
        served = {share.model_id for share in self.traffic or []}
        served |= {member.model_id for member in self.ensemble.models} if self.ensemble else set()
        if self.shadow is not None and (
            len(set(self.shadow)) != len(self.shadow) or served & set(self.shadow)
        ):
            raise ValueError("a shadow model must be named once and not also serve answers")
        return self

    def model_ids(self) -> list[str]:
        """Every model this config serves besides (or with) the deployment's own model."""
        ids = [share.model_id for share in self.traffic or []]
        ids += [member.model_id for member in self.ensemble.models] if self.ensemble else []
        return ids + list(self.shadow or [])


DeploymentName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=r"^[^/?#]+$"),
]
"""A deployment's name is a segment of its URL: no ``/``, ``?`` or ``#``."""


class AIDeploymentCreate(RequestSchema):
    """Deploy ``modelId`` as ``deploymentName`` in ``environment`` (a new name there)."""

    deployment_name: DeploymentName
    model_id: Ref
    environment: Environment
    config: DeploymentConfig | None = None
    reason: LongText | None = None
    governance_override: LongText | None = Field(
        default=None,
        description="Admin only: release although governance refuses it; the reason is "
        "recorded with the revision and reported.",
    )


class DeploymentRelease(RequestSchema):
    """A new revision of a deployment: another model, another config, or both."""

    model_id: Ref | None = None
    config: DeploymentConfig | None = None
    reason: LongText | None = None
    governance_override: LongText | None = Field(
        default=None,
        description="Admin only: release although governance refuses it; the reason is "
        "recorded with the revision and reported.",
    )

    @model_validator(mode="after")
    def _something(self) -> "DeploymentRelease":
        if self.model_id is None and self.config is None:
            raise ValueError("give modelId, config or both")
        return self


class DeploymentPromote(RequestSchema):
    """Release this deployment's model (and config, unless given) into ``to``."""

    to: Environment = Environment.production
    deployment_name: DeploymentName | None = Field(
        default=None, description="The target deployment's name; default the same name."
    )
    config: DeploymentConfig | None = None
    reason: LongText | None = None
    governance_override: LongText | None = Field(
        default=None,
        description="Admin only: release although governance refuses it; the reason is "
        "recorded with the revision and reported.",
    )


class DeploymentRollback(RequestSchema):
    reason: LongText | None = None


class AIDeploymentRead(CompanyOwnedRead):
    deployment_name: str
    model_id: str
    environment: Environment
    status: DeploymentStatus
    endpoint: str | None
    version: int
    config: JsonValue | None
    health_check: JsonValue | None
    performance: JsonValue | None


class DeploymentRevisionRead(CompanyOwnedRead):
    deployment_id: str
    deployment_name: str
    environment: Environment
    version: int
    model_id: str
    config: JsonValue | None
    action: RevisionAction
    status: RevisionStatus
    reason: str | None
    health_check: JsonValue | None
    started_at: datetime | None
    ended_at: datetime | None
    actor: str | None


class DeploymentChangeRead(ReadSchema):
    """A release, promotion or rollback: the deployment after it, and the revision tried
    (``status`` ``failed`` with its ``reason`` when it did not pass its health check)."""

    deployment: AIDeploymentRead
    revision: DeploymentRevisionRead


class ServedRole(StrEnum):
    """How a model took part in a revision: the deployment's own model, another share of its
    traffic split, another model of its ensemble, or a shadow (scored, never returned)."""

    champion = "champion"
    challenger = "challenger"
    ensemble = "ensemble"
    shadow = "shadow"


class ServedModel(ReadSchema):
    """Which model served a deployment in an environment over ``[from, to)``: one row per
    model of the revision (a split's challenger, ensemble members and shadows too)."""

    deployment_id: str
    deployment_name: str
    environment: Environment
    version: int
    model_id: str
    model_name: str | None
    model_version: str | None
    role: ServedRole
    weight: float | None = Field(
        description="the model's traffic share in a split, or its weight in an ensemble"
    )
    action: RevisionAction
    status: RevisionStatus
    served_from: datetime | None = Field(alias="from")
    served_to: datetime | None = Field(alias="to")


def dump_config(config: DeploymentConfig | None) -> dict[str, Any] | None:
    """The stored form of a config: camelCase, as given (defaults apply when it is read)."""
    if config is None:
        return None
    return config.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)


@dataclass(frozen=True)
class ServedMember:
    model_id: str
    role: ServedRole
    weight: float | None


def served_members(model_id: str, config: dict[str, Any] | None) -> list[ServedMember]:
    """The models a revision of ``model_id`` with the stored ``config`` served: its own model
    (with its traffic share or ensemble weight), then the split's other shares, the
    ensemble's other models and the shadows, each once."""
    parsed = DeploymentConfig.model_validate(config or {})
    traffic = {share.model_id: share.weight for share in parsed.traffic or []}
    ensemble = {m.model_id: m.weight for m in parsed.ensemble.models} if parsed.ensemble else {}
    own = ServedMember(model_id, ServedRole.champion, traffic.get(model_id, ensemble.get(model_id)))
    members = [own]
    others: list[tuple[str, ServedRole, float | None]] = [
        (i, ServedRole.challenger, w) for i, w in traffic.items()
    ]
    others += [(i, ServedRole.ensemble, w) for i, w in ensemble.items()]
    others += [(i, ServedRole.shadow, None) for i in parsed.shadow or []]
    for other_id, role, weight in others:
        if all(member.model_id != other_id for member in members):
            members.append(ServedMember(other_id, role, weight))
    return members
