"""prediction log: one owner foreign key and only the indexes its reads use

Every logged prediction is a row of AIModelPrediction, and each foreign key and index costs
every insert (the figures: ``docs/benchmarks.md``, "Bulk prediction logging").

* The three per-row foreign keys (tenantId -> Tenant, companyId -> Company, modelId ->
  AIModel) become one: (tenantId, companyId, modelId) -> AIModel (tenantId, companyId, id),
  backed by a new unique index on AIModel. It also checks that a prediction's model belongs
  to the prediction's tenant and company, which the three did not; AIModel's own foreign
  keys vouch for the tenant and the company.
* Dropped indexes: single-column ``tenantId``, ``companyId`` and ``modelId`` (every tenant
  query is led by both ids; the composite (tenantId, companyId, modelId, createdAt) index
  serves the new key's checks) and (tenantId, companyId, predictionType) (a type filter
  rides on the createdAt-ordered index). The deployment index becomes partial: it holds
  only predictions served through a deployment.

SQLite cannot alter a foreign key: the table's SQL is rewritten in the schema table as
SQLite documents for constraint changes, and every row is checked against the new key.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 13:20:00
"""

import re
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "AIModelPrediction"
OWNER_INDEX = "ix_AIModel_tenantId_companyId_id"
OWNER_KEY = "fk_AIModelPrediction_tenantId_AIModel"
OLD_KEYS = {  # name: (column, the table whose id it refers to)
    "fk_AIModelPrediction_tenantId_Tenant": ("tenantId", "Tenant"),
    "fk_AIModelPrediction_companyId_Company": ("companyId", "Company"),
    "fk_AIModelPrediction_modelId_AIModel": ("modelId", "AIModel"),
}
OWNER_COLUMNS = ["tenantId", "companyId", "modelId"]
MODEL_KEY = ["tenantId", "companyId", "id"]
SINGLE_COLUMN_INDEXES = ("tenantId", "companyId", "modelId")
TYPE_INDEX = "ix_AIModelPrediction_tenantId_companyId_predictionType"
DEPLOYMENT_INDEX = "ix_AIModelPrediction_tenantId_companyId_deploymentId_createdAt"
DEPLOYMENT_COLUMNS = ["tenantId", "companyId", "deploymentId", "createdAt"]
SERVED_BY_DEPLOYMENT = sa.text('"deploymentId" IS NOT NULL')


def upgrade() -> None:
    op.create_index(OWNER_INDEX, "AIModel", MODEL_KEY, unique=True)
    for column in SINGLE_COLUMN_INDEXES:
        op.drop_index(f"ix_{TABLE}_{column}", table_name=TABLE)
    op.drop_index(TYPE_INDEX, table_name=TABLE)
    op.drop_index(DEPLOYMENT_INDEX, table_name=TABLE)
    op.create_index(
        DEPLOYMENT_INDEX,
        TABLE,
        DEPLOYMENT_COLUMNS,
        postgresql_where=SERVED_BY_DEPLOYMENT,
        sqlite_where=SERVED_BY_DEPLOYMENT,
    )
    if _sqlite():
        _swap_sqlite_keys(_owner_key_instead_of_three)
        return
    for name in OLD_KEYS:
        op.drop_constraint(name, TABLE, type_="foreignkey")
    # NOT VALID, then VALIDATE: the existing rows are checked under a lock that lets
    # predictions be written meanwhile
    op.create_foreign_key(
        OWNER_KEY, TABLE, "AIModel", OWNER_COLUMNS, MODEL_KEY, postgresql_not_valid=True
    )
    op.execute(f'ALTER TABLE "{TABLE}" VALIDATE CONSTRAINT "{OWNER_KEY}"')


def downgrade() -> None:
    if _sqlite():
        _swap_sqlite_keys(_three_keys_instead_of_owner)
    else:
        op.drop_constraint(OWNER_KEY, TABLE, type_="foreignkey")
        for name, (column, referred) in OLD_KEYS.items():
            op.create_foreign_key(name, TABLE, referred, [column], ["id"])
    op.drop_index(DEPLOYMENT_INDEX, table_name=TABLE)
    op.create_index(DEPLOYMENT_INDEX, TABLE, DEPLOYMENT_COLUMNS)
    op.create_index(TYPE_INDEX, TABLE, ["tenantId", "companyId", "predictionType"])
    for column in reversed(SINGLE_COLUMN_INDEXES):
        op.create_index(f"ix_{TABLE}_{column}", TABLE, [column])
    op.drop_index(OWNER_INDEX, table_name="AIModel")


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


PRIMARY_KEY = re.compile(r'CONSTRAINT "pk_AIModelPrediction" PRIMARY KEY \(id\)')


def _without_key(create_sql: str, name: str) -> str:
    return re.sub(
        rf',\s*CONSTRAINT "{name}" FOREIGN KEY\([^)]*\) REFERENCES [^)]*\)', "", create_sql
    )


def _with_keys(create_sql: str, keys: list[str]) -> str:
    return PRIMARY_KEY.sub(lambda found: ", ".join([found.group(0), *keys]), create_sql)


def _owner_key_instead_of_three(create_sql: str) -> str:
    for name in OLD_KEYS:
        create_sql = _without_key(create_sql, name)
    owner = (
        f'CONSTRAINT "{OWNER_KEY}" FOREIGN KEY("tenantId", "companyId", "modelId") '
        'REFERENCES "AIModel" ("tenantId", "companyId", id)'
    )
    return _with_keys(create_sql, [owner])


def _three_keys_instead_of_owner(create_sql: str) -> str:
    keys = [
        f'CONSTRAINT "{name}" FOREIGN KEY("{column}") REFERENCES "{referred}" (id)'
        for name, (column, referred) in OLD_KEYS.items()
    ]
    return _with_keys(_without_key(create_sql, OWNER_KEY), keys)


def _swap_sqlite_keys(change: Callable[[str], str]) -> None:
    """Swap the table's foreign keys on SQLite, in the migration's transaction.

    SQLite cannot alter a constraint, and its usual rebuild (create, copy, drop, rename)
    needs foreign keys switched off outside a transaction, or the DROP breaks
    AILearningFeedback's references. Foreign keys do not change the file format, so this
    follows SQLite's documented short procedure (https://sqlite.org/lang_altertable.html,
    "making other kinds of table schema changes"): rewrite the table's SQL in the schema
    table, bump ``schema_version``, then check every row against the new keys.
    """
    bind = op.get_bind()
    create_sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": TABLE}
    ).scalar_one()
    new_sql = change(create_sql)
    expected = {OWNER_KEY} if change is _owner_key_instead_of_three else set(OLD_KEYS)
    found = set(re.findall(r'CONSTRAINT "(fk_[^"]+)" FOREIGN KEY', new_sql))
    if found != expected:
        raise RuntimeError(
            f"{TABLE}: its foreign keys would be {sorted(found)}, not {sorted(expected)}; "
            f"the table's SQL was:\n{create_sql}"
        )
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    op.execute("PRAGMA writable_schema = ON")
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :t"),
        {"sql": new_sql, "t": TABLE},
    )
    op.execute(f"PRAGMA schema_version = {int(version) + 1}")
    op.execute("PRAGMA writable_schema = OFF")
    broken = bind.execute(sa.text(f'PRAGMA foreign_key_check("{TABLE}")')).fetchall()
    if broken:
        raise RuntimeError(f"{len(broken)} {TABLE} rows break the new foreign keys: {broken[:5]}")
