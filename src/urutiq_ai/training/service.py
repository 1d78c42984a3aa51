"""Training runs: ``running`` -> ``completed`` | ``failed`` | ``cancelled`` (all final).

End states stamp ``endTime`` and ``duration`` when the caller does not give them.
"""

from urutiq_ai.crud.lifecycle import RUN_TRANSITIONS_MOVES, stamp_run_times
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.training.models import AIModelTrainingRun
from urutiq_ai.training.schemas import (
    AIModelTrainingRunCreate,
    AIModelTrainingRunRead,
    AIModelTrainingRunUpdate,
)

TRAINING_RUNS = Resource(
    path="training-runs",
    model=AIModelTrainingRun,
    create_schema=AIModelTrainingRunCreate,
    update_schema=AIModelTrainingRunUpdate,
    read_schema=AIModelTrainingRunRead,
    filters=("status", "model_id", "run_name"),
    time_field="start_time",
    sort_fields=("created_at", "updated_at", "run_name"),
    refs={"model_id": "AIModel"},
    transitions=transitions(**RUN_TRANSITIONS_MOVES),
    on_change=stamp_run_times,
)
