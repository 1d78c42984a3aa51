"""Which tables of the database are *data tables*: what sources read and pipelines write.

The database holds two kinds of tables. This system's own (the seed's AI tables, tenants,
keys, the audit log, jobs, webhooks, ...) are reached only through the service layer, with
its roles, masking and audit; no source, query or pipeline target may name one. Every
other table that carries ``tenantId`` and ``companyId`` is a data table: the platform's
ledger and the tables pipelines make. Names are compared case-insensitively (SQLite's
names are; PostgreSQL's unquoted ones fold), so ``apikey`` is ``ApiKey``.

``SYSTEM_TABLES`` is a literal list rather than ``Base.metadata`` so that the rule does not
depend on which model modules a process happened to import; an architecture test keeps it
equal to the mapped tables.
"""

import re

SYSTEM_TABLES = frozenset(
    name.casefold()
    for name in """
    AIConfig AIDataPipeline AIDataPipelineRun AIDataQuality AIDeployment AIDriftDetection
    AIExperiment AIGovernance AIGovernanceViolation AILearningFeedback AIModel
    AIModelFeatureImportance AIModelPrediction AIModelTrainingRun AIPerformanceMetrics
    Alert ApiKey AuditLog Company DeploymentRevision EndedSession Job ModelArtifact Monitor
    MonitorRun
    PolicyEvaluation Tenant User Webhook WebhookDelivery Worker alembic_version
    """.split()
)
CATALOG_PREFIXES = ("sqlite_", "pg_", "information_schema")
TABLE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
"""A table name pipelines may create: a letter, then letters, digits or underscores (63 at
most, PostgreSQL's limit), so it needs no quoting rules and cannot name a schema."""


def is_system_table(name: str) -> bool:
    """True for this system's own tables and the database's catalogs, in any letter case."""
    folded = name.casefold()
    return folded in SYSTEM_TABLES or folded.startswith(CATALOG_PREFIXES)


def resolve(name: str, existing: list[str]) -> str | None:
    """The existing table ``name`` means, compared case-insensitively (None when there is
    none, or when two tables differ from it only in case)."""
    if name in existing:
        return name
    matches = [table for table in existing if table.casefold() == name.casefold()]
    return matches[0] if len(matches) == 1 else None
