"""What the registry asks before it retires a version: a higher domain (deployments knows
what its deployments serve) answers through :mod:`urutiq_ai.core.extensions`, without the
registry importing it.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from urutiq_ai.core import extensions
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.references import references


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
SERVING_LOOKUPS: list[ServingLookup] = references(extensions.SERVING_LOOKUPS)
"""Given model ids, each answers the serving deployments that use them."""


def uses_of(session: Session, ctx: TenantContext, model_ids: Collection[str]) -> list[ServingUse]:
    """Every lookup's answer for ``model_ids`` (none when nothing is asked)."""
    if not model_ids:
        return []
    return [use for lookup in SERVING_LOOKUPS for use in lookup(session, ctx, model_ids)]
