"""What happens after a model version is trained: higher domains (explainability computes
feature importances) join in through :mod:`urutiq_ai.core.extensions`, without training
importing them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core import extensions
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.references import references
from urutiq_ai.registry.models import AIModel


@dataclass(frozen=True)
class TrainedModel:
    model: AIModel
    result: Any  # urutiq_ai.ml.training.TrainResult (typed loosely: ml loads lazily)
    log: Callable[[str], None]


AfterTraining = Callable[[Session, TenantContext, TrainedModel], None]
AFTER_TRAINING: list[AfterTraining] = references(extensions.AFTER_TRAINING)
"""Each runs, in its own unit of work, after each successful training."""
