"""Check sets shipped with urutiq-ai, by name: ``ledger`` checks the platform's ledger
tables (``LedgerJournalLine``, ``LedgerExpense``, ...), as the demo writes them.

``urutiq-ai quality run --checks ledger`` runs one; ``load("ledger")`` gives its JSON.
"""

import json
from importlib import resources
from typing import Any

SHIPPED = ("ledger",)


def load(name: str) -> dict[str, Any]:
    """The shipped check set ``name`` as a JSON object (``{"name": ..., "checks": [...]}``)."""
    if name not in SHIPPED:
        raise KeyError(f"no shipped check set {name!r}; shipped: {', '.join(SHIPPED)}")
    text = resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document
