"""Group fairness of a model's predictions over a sensitive or segment column (bias detection).

Pure functions on arrays. Every fairness figure is taken from fairlearn and every per-group
score from fairlearn or scikit-learn; only the bootstrap replicates are counted here,
vectorised, and they equal fairlearn's figures on the resampled rows.

* :mod:`.classification` -- :func:`~.classification.classification_fairness`: demographic
  parity (difference, ratio, ratio to overall), equalized odds and accuracy difference.
* :mod:`.regression` -- :func:`~.regression.regression_fairness`: error ratio (worst/best
  group MAE) and MAE difference.
* :mod:`.settings` -- :class:`~.settings.FairnessThresholds` (the policy's limits, read by
  :func:`~.settings.thresholds_from`) and :class:`~.settings.FairnessSettings` (thresholds
  and bootstrap options).
* :mod:`.inputs` -- the inputs checked, the groups named, the positive label chosen.
* :mod:`.bootstrap` -- the resamples and their percentile intervals.
* :mod:`.report` -- each figure judged, the verdict and its summary;
  :mod:`.results` -- the report's values (``as_dict`` for JSON).
"""
