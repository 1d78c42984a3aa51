"""Fixtures of the experiment tests: the deployment tests' API helper and trained models."""

from tests.deployments.conftest import Api, api, expense_table, seed_expenses, two_versions

__all__ = ["Api", "api", "expense_table", "seed_expenses", "two_versions"]
