"""The governance domain's errors."""

from urutiq_ai.core.errors import Conflict, ValidationError


class GovernanceBlocked(Conflict):
    """A release refused by governance: an open blocking violation, or a required policy
    that fails (or cannot pass) for the environment."""


class PolicyNotApplicable(ValidationError):
    """The model is not among the policy's ``rules.modelNames`` (422)."""
