"""What the registry asks before it retires a version, declared here so that a higher
domain (deployments knows what its deployments serve) can answer without the registry
importing it.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext


@dataclass(frozen=True)
class ServingUse:
    """A serving deployment that answers with (or shadows) a model version."""

    model_id: str
    deployment_id: str
    deployment_name: str
    environment: str
    role: str  # champion, challenger, ensemble, shadow

    def describe(self) -> str:
        return (
            f"deployment {self.deployment_name!r} ({self.environment}, {self.deployment_id}) "
            f"serves it as its {self.role}"
        )


ServingLookup = Callable[[Session, TenantContext, Collection[str]], list[ServingUse]]
SERVING_LOOKUPS: list[ServingLookup] = []


def serving_lookup(hook: ServingLookup) -> ServingLookup:
    """Register ``hook``: given model ids, the serving deployments that use them."""
    SERVING_LOOKUPS.append(hook)
    return hook


def uses_of(session: Session, ctx: TenantContext, model_ids: Collection[str]) -> list[ServingUse]:
    """Every registered lookup's answer for ``model_ids`` (none when nothing is asked)."""
    if not model_ids:
        return []
    return [use for lookup in SERVING_LOOKUPS for use in lookup(session, ctx, model_ids)]
