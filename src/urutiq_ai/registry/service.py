"""The model registry's rules.

Lifecycle: ``training`` -> ``active`` | ``failed``; ``active`` -> ``deprecated``.
A deprecated or failed version is final: train a new version instead.
"""

from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.registry.models import AIModel
from urutiq_ai.registry.schemas import AIModelCreate, AIModelRead, AIModelUpdate

MODEL_TRANSITIONS = transitions(
    training=("active", "failed"),
    active=("deprecated",),
)

MODELS = Resource(
    path="models",
    model=AIModel,
    create_schema=AIModelCreate,
    update_schema=AIModelUpdate,
    read_schema=AIModelRead,
    filters=("status", "model_type", "algorithm", "model_name", "model_version", "experiment_id"),
    sort_fields=("created_at", "updated_at", "model_name"),
    refs={"experiment_id": "AIExperiment"},
    unique=(("model_name", "model_version"),),
    transitions=MODEL_TRANSITIONS,
    deletable=True,
)
