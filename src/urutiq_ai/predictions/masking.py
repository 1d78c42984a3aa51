"""Stored prediction inputs masked where a higher domain says so.

Governance (a higher domain) declares a masker in :mod:`urutiq_ai.core.extensions`, as it
declares its release gate: for a model, a masker returns a function that masks one stored
input row, or None when nothing is to be masked. Only the stored copy is masked; the model
scores the row as it was sent.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core import extensions
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.references import references
from urutiq_ai.registry.models import AIModel

RowMask = Callable[[dict[str, Any]], dict[str, Any]]
InputMasker = Callable[[Session, TenantContext, AIModel], RowMask | None]
INPUT_MASKERS: list[InputMasker] = references(extensions.INPUT_MASKERS)
"""Every stored prediction input goes through each of them."""


def mask_stored_inputs(
    session: Session, ctx: TenantContext, model: AIModel, records: list[dict[str, Any]]
) -> None:
    """Mask ``input_data`` of prediction records of ``model`` in place."""
    masks = [mask for masker in INPUT_MASKERS if (mask := masker(session, ctx, model))]
    if not masks:
        return
    for record in records:
        row = record["input_data"]
        if isinstance(row, dict):
            for mask in masks:
                row = mask(row)
            record["input_data"] = row
