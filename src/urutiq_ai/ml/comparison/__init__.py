"""Comparing a baseline model with a challenger ("current"): the statistics of A/B
experiments and the verdict of an experiment's success criteria.

Pure functions on arrays; every statistic scipy or scikit-learn computes is taken from them.

* :mod:`.metrics` -- the metrics compared (:data:`~.metrics.METRICS`), their directions and
  scikit-learn scorers.
* :mod:`.bootstrap` -- :func:`~.bootstrap.paired_bootstrap` (offline, same holdout rows) and
  :func:`~.bootstrap.unpaired_bootstrap` (online, two arms), each a
  :class:`~.bootstrap.MetricComparison` with a percentile interval and a p-value.
* :mod:`.proportion_test` -- the two-proportion z-test of the arms' correctness rates and the
  sample size it needs.
* :mod:`.criteria` -- an experiment's success criteria (improvement targets and guards),
  parsed and checked.
* :mod:`.verdict` -- the criteria judged on a set of comparisons.
* :mod:`.checks` -- the argument checks they share (the fairness reports use them too).
"""
