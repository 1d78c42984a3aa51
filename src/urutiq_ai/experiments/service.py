"""Experiments: ``active`` -> ``completed`` | ``archived``; ``completed`` -> ``archived``.

``baselineModel`` and ``currentModel`` must be models of the same company.
"""

from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.experiments.models import AIExperiment
from urutiq_ai.experiments.schemas import (
    AIExperimentCreate,
    AIExperimentRead,
    AIExperimentUpdate,
)

EXPERIMENTS = Resource(
    path="experiments",
    model=AIExperiment,
    create_schema=AIExperimentCreate,
    update_schema=AIExperimentUpdate,
    read_schema=AIExperimentRead,
    filters=("status", "experiment_name", "baseline_model", "current_model"),
    sort_fields=("created_at", "updated_at", "experiment_name"),
    refs={"baseline_model": "AIModel", "current_model": "AIModel"},
    unique=(("experiment_name",),),
    transitions=transitions(active=("completed", "archived"), completed=("archived",)),
    deletable=True,
)
