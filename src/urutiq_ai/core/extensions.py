"""Where a higher domain joins a lower domain's step: the one list of who runs where.

A lower domain may not import a higher one (``tests/architecture/test_imports.py``), so its
extension points name their functions here, as ``"module:function"`` references that are
imported the first time they run. Declared rather than registered at import, they are there
in every process (the server, a worker, the CLI, a test), whichever modules it loaded:
governance's release gate used to exist only where the catalog had been imported.
"""

RELEASE_GATES = ("urutiq_ai.governance.checks:governance_gate",)
"""Run before a deployment serves a model (first deploy, release, promotion); see
:mod:`urutiq_ai.deployments.gates`."""

INPUT_MASKERS = ("urutiq_ai.governance.checks:privacy_mask",)
"""Mask the stored copy of prediction inputs; see :mod:`urutiq_ai.predictions.masking`."""

AFTER_TRAINING = ("urutiq_ai.explainability.service:importances_after_training",)
"""Run after each successful training; see :mod:`urutiq_ai.training.hooks`."""

SERVING_LOOKUPS = ("urutiq_ai.deployments.queries:deployments_serving",)
"""Asked before a model version is deprecated or archived: which serving deployments use it;
see :mod:`urutiq_ai.registry.hooks`."""
