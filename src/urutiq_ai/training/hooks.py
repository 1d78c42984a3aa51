"""What happens after a model version is trained, declared here so that higher domains
(explainability computes feature importances) can join in without training importing them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.registry.models import AIModel


@dataclass(frozen=True)
class TrainedModel:
    model: AIModel
    result: Any  # urutiq_ai.ml.training.TrainResult (typed loosely: ml loads lazily)
    log: Callable[[str], None]


AfterTraining = Callable[[Session, TenantContext, TrainedModel], None]
AFTER_TRAINING: list[AfterTraining] = []


def after_training(hook: AfterTraining) -> AfterTraining:
    """Register ``hook`` to run, in its own unit of work, after each successful training."""
    AFTER_TRAINING.append(hook)
    return hook
