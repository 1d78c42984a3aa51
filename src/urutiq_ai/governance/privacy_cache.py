"""The active privacy rules of a company, cached for the predict path.

Every stored prediction asks whether a privacy policy masks its inputs; reading the
policies costs a query per predict call (about a seventh of a serving process's CPU under
load). The parsed rules are kept per (tenant, company) for ``TTL_SECONDS`` and dropped when
this process writes a policy of that company (at flush, and again when its transaction
ends, so rules read in between are not kept; a load that began before a write is not kept
either): a policy changed through this server
applies to its next prediction; another process (a second ``serve --workers`` process, a
worker) sees the change within ``TTL_SECONDS``.
"""

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from urutiq_ai.governance.models import AIGovernance
from urutiq_ai.governance.policies import PrivacyRules

TTL_SECONDS = 5.0

Key = tuple[str, str]
Loader = Callable[[], Sequence[PrivacyRules]]

_entries: dict[Key, tuple[float, tuple[PrivacyRules, ...]]] = {}
_generations: dict[Key, int] = {}
"""Bumped by every :func:`forget`: rules loaded before it are not kept after it."""
_lock = threading.Lock()


def privacy_rules(tenant_id: str, company_id: str, load: Loader) -> tuple[PrivacyRules, ...]:
    """The company's active privacy rules: cached, or ``load()`` and cached."""
    key = (tenant_id, company_id)
    now = time.monotonic()
    found = _entries.get(key)
    if found is not None and found[0] > now:
        return found[1]
    generation = _generations.get(key, 0)
    rules = tuple(load())
    with _lock:
        if _generations.get(key, 0) == generation:  # no policy write since the load began
            _entries[key] = (now + TTL_SECONDS, rules)
    return rules


def forget(tenant_id: str, company_id: str) -> None:
    key = (tenant_id, company_id)
    with _lock:
        _entries.pop(key, None)
        _generations[key] = _generations.get(key, 0) + 1


def clear() -> None:
    with _lock:
        _entries.clear()


WRITTEN_KEY = "urutiq.privacy_policies_written"


@event.listens_for(AIGovernance, "after_insert")
@event.listens_for(AIGovernance, "after_update")
@event.listens_for(AIGovernance, "after_delete")
def _policy_written(_mapper: Any, _connection: Any, policy: AIGovernance) -> None:
    forget(policy.tenant_id, policy.company_id)
    session = object_session(policy)
    if session is not None:
        session.info.setdefault(WRITTEN_KEY, set()).add((policy.tenant_id, policy.company_id))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _policies_ended(session: Session) -> None:
    """Committed or rolled back: rules read meanwhile (the new ones, or ones this
    transaction wrote and then took back) are dropped either way."""
    for tenant_id, company_id in session.info.pop(WRITTEN_KEY, ()):
        forget(tenant_id, company_id)
