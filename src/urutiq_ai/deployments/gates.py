"""Checks a release must pass before it serves, declared by higher domains.

Governance (a higher domain) declares its gate in :mod:`urutiq_ai.core.extensions`: a
deployment module may not import it. A gate raises an :class:`~urutiq_ai.core.errors.AppError`
to refuse a release (409 naming why); given an override reason it may let the release through
and say so, and the reason is then recorded with the revision and in the audit log.
"""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core import extensions
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.references import references
from urutiq_ai.deployments.schemas import Environment

# (session, ctx, model ids, environment, override reason) -> what was overridden, or None
ReleaseGate = Callable[[Session, TenantContext, Sequence[str], Environment, str | None], Any]
RELEASE_GATES: list[ReleaseGate] = references(extensions.RELEASE_GATES)
"""Every release, promotion and first deploy runs each of them."""


def check_release(
    session: Session,
    ctx: TenantContext,
    model_ids: Sequence[str],
    environment: Environment,
    override: str | None,
) -> list[Any]:
    """Run every gate; returns what each one let through on the override (if anything)."""
    passed = [gate(session, ctx, model_ids, environment, override) for gate in RELEASE_GATES]
    return [item for item in passed if item]
