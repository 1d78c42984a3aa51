"""The active privacy rules of a company, cached for the predict path.

Every stored prediction asks whether a privacy policy masks its inputs; reading the
policies costs a query per predict call (about a seventh of a serving process's CPU under
load). The parsed rules are kept per (tenant, company) for ``TTL_SECONDS`` and dropped when
this process writes a policy of that company (at flush, and again at its commit, so rules a
concurrent request read in between are not kept): a policy changed through this server
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
_lock = threading.Lock()


def privacy_rules(tenant_id: str, company_id: str, load: Loader) -> tuple[PrivacyRules, ...]:
    """The company's active privacy rules: cached, or ``load()`` and cached."""
    key = (tenant_id, company_id)
    now = time.monotonic()
    found = _entries.get(key)
    if found is not None and found[0] > now:
        return found[1]
    rules = tuple(load())
    with _lock:
        _entries[key] = (now + TTL_SECONDS, rules)
    return rules


def forget(tenant_id: str, company_id: str) -> None:
    with _lock:
        _entries.pop((tenant_id, company_id), None)


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
def _policies_committed(session: Session) -> None:
    for tenant_id, company_id in session.info.pop(WRITTEN_KEY, ()):
        forget(tenant_id, company_id)
