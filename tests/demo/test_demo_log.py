"""The demo load's log names what it made (issue 18: "retrained: <id>" printed the base
model's id, not the retrained version's)."""

from urutiq_ai.demo.learning import retrained_line
from urutiq_ai.feedback.schemas import RetrainStarted


def test_the_retrained_line_names_the_new_version() -> None:
    started = RetrainStarted(
        model_id="base-id",
        challenger_model_id="new-id",
        challenger_version="1.2.0",
        run_id="run-1",
        experiment_id="exp-1",
        source="LedgerExpense",
        rows=100,
        corrections=12,
        new_corrections=12,
    )
    line = retrained_line([started])
    assert line.startswith("new-id (version 1.2.0 of base-id")
    assert "experiment exp-1" in line
    assert retrained_line([]) == "none"
