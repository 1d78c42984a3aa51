"""The model card of a model version: purpose, data, metrics and limits, as data (JSON) or a
self-contained HTML page. Built from the services, like the compliance report, whose first
section it expands; the limits are read off what the system knows, never typed in:

* the inputs it needs (a row without one is refused) and, for a classifier, the only labels
  it can answer with;
* what its figures were measured on (the held-out share of the data as it read at training
  time), and that later data is watched by the drift and performance monitors;
* the newest drift it showed, its open violations, and the policies it fails or could not be
  judged against.
"""

from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.governance import report
from urutiq_ai.governance.service import VIOLATIONS
from urutiq_ai.monitoring.service import DRIFT_DETECTIONS
from urutiq_ai.registry import service as registry_service
from urutiq_ai.training.service import TRAINING_RUNS

MAX_LABELS = 25
OPEN = ("open", "investigating")


def model_card(session: Session, ctx: TenantContext, *, model_id: str) -> dict[str, Any]:
    """The card of ``model_id`` (404 for a model the context may not see)."""
    model, artifact = registry_service.get_model_with_artifact(session, ctx, model_id)
    spec = (artifact.training_spec or {}) if artifact else {}
    runs = report.rows(session, ctx, TRAINING_RUNS, model_id=model.id)
    run = next((r for r in runs if r.status.value == "completed"), None)
    importances = report.importances(session, ctx, model.id)[:10]
    violations = [
        v for v in report.rows(session, ctx, VIOLATIONS, model_id=model.id) if v.status in OPEN
    ]
    policies = report.latest_evaluations_of(session, ctx, model.id)
    drift = report.rows(session, ctx, DRIFT_DETECTIONS, model_id=model.id)
    classes = list(artifact.classes or []) if artifact else []
    return {
        "model": {
            "id": model.id,
            "name": model.model_name,
            "version": model.model_version,
            "type": model.model_type.value,
            "algorithm": model.algorithm,
            "status": model.status.value,
            "createdAt": model.created_at.isoformat() if model.created_at else None,
        },
        "purpose": model.description,
        "data": {
            "source": spec.get("source"),
            "features": list(model.feature_columns or []),
            "target": model.target_column or spec.get("label_column"),
            "validationSplit": spec.get("validation_split"),
            "trainingRunId": run.id if run else None,
            "trainedAt": run.end_time.isoformat() if run and run.end_time else None,
        },
        "metrics": {
            "accuracy": model.accuracy,
            "precision": model.precision,
            "recall": model.recall,
            "f1Score": model.f1_score,
            "loss": run.loss if run else None,
            "validationLoss": run.validation_loss if run else None,
        },
        "hyperparameters": model.hyperparameters,
        "topFeatures": [
            {
                "feature": row["featureName"],
                "importance": row["importance"],
                "method": row["method"],
            }
            for row in importances
        ],
        "labels": [str(label) for label in classes[:MAX_LABELS]],
        "limits": limits(model, spec, run, classes, drift, violations, policies),
    }


def limits(
    model: Any,
    spec: dict[str, Any],
    run: Any,
    classes: list[Any],
    drift: list[Any],
    violations: list[Any],
    policies: list[dict[str, Any]],
) -> list[str]:
    """What the model cannot be trusted with, in sentences (see the module docstring)."""
    found = []
    features = list(model.feature_columns or [])
    if features:
        found.append(
            f"Needs every one of its {len(features)} inputs ({', '.join(features)}); "
            "a row without one is refused."
        )
    if classes:
        shown = ", ".join(str(c) for c in classes[:MAX_LABELS])
        more = f" and {len(classes) - MAX_LABELS} more" if len(classes) > MAX_LABELS else ""
        found.append(
            f"Answers only with the {len(classes)} labels it learned ({shown}{more}); "
            "anything new is filed under one of them."
        )
    split = spec.get("validation_split")
    when = f" as it read on {run.end_time:%Y-%m-%d}" if run and run.end_time else ""
    share = f"{float(split):.0%} " if isinstance(split, int | float) else ""
    found.append(
        f"Its figures were measured on the held-out {share}of its training data{when}; "
        "later data is watched by the drift and performance monitors, not by these figures."
    )
    detected = [d for d in drift if d.status.value == "detected" and d.feature_name is None]
    if detected:
        newest = detected[0]
        found.append(
            f"{newest.drift_type.value.replace('_', ' ').capitalize()} was detected on "
            f"{newest.created_at:%Y-%m-%d}: recent inputs or outcomes no longer look like its "
            "training data."
        )
    for violation in violations:
        found.append(f"Open {violation.severity.value} violation: {violation.description}"[:400])
    for evaluation in policies:
        if evaluation["status"] in ("fail", "insufficient", "error"):
            found.append(
                f"Policy {evaluation['policyName']!r}: {evaluation['status']} "
                f"({evaluation.get('summary') or 'no summary'})"[:400]
            )
    return found


def render_html(card: dict[str, Any]) -> str:
    """The card as one self-contained HTML page (no scripts, no external assets)."""
    return report.template("model_card.html").render(card=card)
