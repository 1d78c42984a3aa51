"""The fairness bootstrap: ours against fairlearn's own ``MetricFrame(n_boot=...)``.

Issue 19 (item 4) asks for fairlearn's bootstrap (``MetricFrame(n_boot=..., ci_quantiles=...,
random_state=...)``, in the fairlearn 0.15 we install) unless a measured reason keeps ours
(``urutiq_ai.ml.fairness.bootstrap``: per-group counts of every replicate of a batch at once).
This script is that measurement, on a binary classifier's predictions over a sensitive
column of 3 groups (50/30/20%), 20,000 rows and 1,000 resamples by default:

* ours: ``classification_fairness(n_resamples=R)`` (the whole report: fairlearn's point
  figures, groups, summary and the R replicates) and, without the point figures, the
  replicates alone (``classification_replicates``);
* fairlearn: one ``MetricFrame`` of the same four per-group scores (selection rate, false-
  and true-positive rate, accuracy) with ``n_boot=F`` and the 2.5/97.5% quantiles, minus the
  same ``MetricFrame`` without ``n_boot`` (its point figures). fairlearn computes each
  replicate in its own loop iteration (a pandas ``sample`` of the rows, then every metric per
  group), so its cost is linear in F: with ``--fairlearn-resamples F`` below R the script
  also prints the per-replicate cost times R, marked as an estimate.

Both sides run in this process on data generated beforehand (untimed), best of
``--repeat``. Last, it prints the 95% intervals each gives for the figures fairlearn's
bootstrap can give (demographic parity difference and ratio, accuracy difference): they
differ only by the resamples drawn. fairlearn gives none for the equalized odds difference
(the larger of two differences, per replicate) that the report also needs.

    .venv/bin/python benchmarks/fairness_bootstrap.py [--rows 20000] [--resamples 1000]
        [--fairlearn-resamples 1000] [--repeat 3]
"""

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from fairlearn.metrics import (  # type: ignore[import-untyped]
    MetricFrame,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score

from urutiq_ai.ml.fairness.bootstrap import classification_replicates
from urutiq_ai.ml.fairness.classification import classification_fairness

SEGMENTS = np.array(["smb", "mid", "enterprise"])
SEED = 0
SCORES = {
    "selectionRate": selection_rate,
    "falsePositiveRate": false_positive_rate,
    "truePositiveRate": true_positive_rate,
    "accuracy": accuracy_score,
}


def make_data(rows: int) -> tuple[Any, Any, Any]:
    """Segments, 0/1 truth and predictions: ``enterprise`` selected at 0.25, the rest at 0.3,
    the truth agreeing with the prediction 85% of the time."""
    rng = np.random.default_rng(SEED)
    segment = rng.choice(SEGMENTS, rows, p=[0.5, 0.3, 0.2])
    y_pred = (rng.random(rows) < np.where(segment == "enterprise", 0.25, 0.3)).astype(int)
    y_true = np.where(rng.random(rows) < 0.85, y_pred, 1 - y_pred)
    return segment, y_true, y_pred


def best_of(repeat: int, step: Callable[[], Any]) -> tuple[float, float, Any]:
    """The shortest wall time and process CPU time of ``repeat`` runs of ``step`` and its
    last result (CPU time tells less about other work sharing the machine)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        result = step()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def fairlearn_frame(segment: Any, y_true: Any, y_pred: Any, n_boot: int | None) -> Any:
    options: dict[str, Any] = {}
    if n_boot:
        options = {"n_boot": n_boot, "ci_quantiles": [0.025, 0.975], "random_state": SEED}
    return MetricFrame(
        metrics=SCORES, y_true=y_true, y_pred=y_pred, sensitive_features=segment, **options
    )


def ours(args: argparse.Namespace, data: tuple[Any, Any, Any]) -> Any:
    segment, y_true, y_pred = data
    report_s, report_cpu, report = best_of(
        args.repeat,
        lambda: classification_fairness(y_true, y_pred, segment, n_resamples=args.resamples),
    )
    _, codes = np.unique(segment, return_inverse=True)
    replicates_s, replicates_cpu, _ = best_of(
        args.repeat,
        lambda: classification_replicates(
            codes.astype(np.int64),
            len(SEGMENTS),
            y_true,
            y_pred,
            y_true == y_pred,
            args.resamples,
            SEED,
        ),
    )
    print(
        f"ours, whole report with {args.resamples} resamples: {report_s:.3f} s "
        f"({report_cpu:.3f} s CPU)"
    )
    print(
        f"ours, the {args.resamples} replicates alone: {replicates_s:.3f} s "
        f"({replicates_cpu:.3f} s CPU)"
    )
    return report


def theirs(args: argparse.Namespace, data: tuple[Any, Any, Any]) -> Any:
    segment, y_true, y_pred = data
    point_s, point_cpu, _ = best_of(
        args.repeat, lambda: fairlearn_frame(segment, y_true, y_pred, None)
    )
    repeat = 1 if args.fairlearn_resamples >= 100 else args.repeat
    boot_s, boot_cpu, frame = best_of(
        repeat, lambda: fairlearn_frame(segment, y_true, y_pred, args.fairlearn_resamples)
    )
    per_replicate = (boot_s - point_s) / args.fairlearn_resamples
    per_replicate_cpu = (boot_cpu - point_cpu) / args.fairlearn_resamples
    print(f"fairlearn, MetricFrame without n_boot: {point_s:.3f} s ({point_cpu:.3f} s CPU)")
    print(
        f"fairlearn, MetricFrame with n_boot={args.fairlearn_resamples}: {boot_s:.3f} s "
        f"({boot_cpu:.3f} s CPU; per replicate {per_replicate * 1000:.1f} ms, "
        f"{per_replicate_cpu * 1000:.1f} ms CPU; best of {repeat})"
    )
    if args.fairlearn_resamples < args.resamples:
        estimate = point_s + per_replicate * args.resamples
        estimate_cpu = point_cpu + per_replicate_cpu * args.resamples
        print(
            f"fairlearn, n_boot={args.resamples} (estimate, linear): {estimate:.1f} s "
            f"({estimate_cpu:.1f} s CPU)"
        )
    return frame


def intervals(report: Any, frame: Any, confidence: float = 0.95) -> None:
    """The intervals both give, side by side."""
    difference = frame.difference_ci()
    ratio = frame.ratio_ci()
    rows = {
        "demographicParityDifference": [d["selectionRate"] for d in difference],
        "demographicParityRatio": [r["selectionRate"] for r in ratio],
        "accuracyDifference": [d["accuracy"] for d in difference],
    }
    print(f"{confidence:.0%} intervals: ours | fairlearn's")
    for name, (low, high) in rows.items():
        metric = report.metrics[name]
        print(
            f"  {name}: {metric.ci_low:.4f}-{metric.ci_high:.4f} | {low:.4f}-{high:.4f} "
            f"(value {metric.value:.4f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--fairlearn-resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = make_data(args.rows)
    print(f"{args.rows} rows, {len(SEGMENTS)} groups")
    report = ours(args, data)
    frame = theirs(args, data)
    intervals(report, frame)


if __name__ == "__main__":
    main()
