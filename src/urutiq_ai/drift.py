"""Ad-hoc drift between two data sets, as people use Evidently in notebooks.

    >>> import pandas as pd
    >>> from urutiq_ai import drift
    >>> report = drift.compare(reference_df, current_df)  # doctest: +SKIP
    >>> report.dataset_drift, report.drifted              # doctest: +SKIP
    >>> report.to_dict()["columns"][0]                    # doctest: +SKIP

No model and no database: the same statistics, defaults and signals as a model's drift
check (see :mod:`urutiq_ai.ml.drift` for the methods, the default rule and the status
bands). The CLI form is ``urutiq-ai drift compare --reference ref.parquet --current
cur.parquet``.
"""

from urutiq_ai.ml.drift import (
    ColumnDrift,
    ColumnSample,
    DriftReport,
    Method,
    Status,
    compare,
    compare_samples,
)

__all__ = [
    "ColumnDrift",
    "ColumnSample",
    "DriftReport",
    "Method",
    "Status",
    "compare",
    "compare_samples",
]
