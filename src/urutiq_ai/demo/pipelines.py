"""The demo's data pipelines: how each template's training table is made from the ledger.

One chain per template, run in order at ``demo load`` and then every night (UTC), each
stage a few minutes after the one it reads: collection (00:50-01:00) copies the columns it
needs from a ledger table and types them, preprocessing (01:20) drops duplicates and rows
that cannot be used, feature engineering (01:30-01:40) derives the features, and
validation (02:00) writes the rows that pass its blocking checks to the table the template
trains on and the others to ``<table>Rejects``.

Every pipeline is the JSON body of ``POST /api/v1/companies/{companyId}/pipelines`` as it
stands (camelCase, so ``json.dumps`` of one is a file for ``urutiq-ai pipelines create
--file``). The journal features are those of :func:`urutiq_ai.demo.journal_entry_features`:
what the expression language cannot say (logarithms, per-account z-scores, counts over
vendor/account pairs, near-duplicate bills) is said in SQL, in ``sql`` steps.
"""

from typing import Any

from urutiq_ai.demo._catalog import CATEGORIES

Pipeline = dict[str, Any]

COLLECT, CLEAN, ENRICH, VALIDATE = "0 1 * * *", "20 1 * * *", "40 1 * * *", "0 2 * * *"
"""The nightly times of the stages (UTC); a pipeline that another of the same stage reads
runs ten minutes before it (journal main lines at 00:50, customer profiles at 01:30)."""

EXPENSES: tuple[Pipeline, ...] = (
    {
        "pipelineName": "expenses: collect",
        "pipelineType": "data_collection",
        "schedule": COLLECT,
        "sourceTables": ["LedgerExpense"],
        "targetTables": ["ExpenseStaged"],
        "description": "The expense columns the classifier needs, typed.",
        "transformations": [
            {
                "step": "select",
                "columns": [
                    "expenseId", "expenseDate", "vendorId", "vendorName", "description",
                    "amount", "category", "period",
                ],
            },
            {"step": "cast", "columns": {"amount": "number", "expenseDate": "date"}},
        ],
    },
    {
        "pipelineName": "expenses: clean",
        "pipelineType": "preprocessing",
        "schedule": CLEAN,
        "sourceTables": ["ExpenseStaged"],
        "targetTables": ["ExpenseClean"],
        "description": "One row per expense; rows without a category cannot teach anything.",
        "transformations": [
            {"step": "deduplicate", "columns": ["expenseId"]},
            {"step": "filter", "expression": "not_null(category) and not_null(amount)"},
            {"step": "fill_missing", "values": {"vendorName": "(unknown vendor)"}},
        ],
    },
    {
        "pipelineName": "expenses: features",
        "pipelineType": "feature_engineering",
        "schedule": ENRICH,
        "sourceTables": ["ExpenseClean"],
        "targetTables": ["ExpenseEnriched"],
        "description": "Calendar parts and each vendor's spend and bills over 30 days.",
        "transformations": [
            {"step": "derive", "column": "expenseMonth", "expression": "month(expenseDate)"},
            {"step": "derive", "column": "expenseWeekday", "expression": "weekday(expenseDate)"},
            {
                "step": "rolling", "key": ["vendorId"], "timeColumn": "expenseDate",
                "column": "amount", "window": "30d", "fn": "sum", "output": "vendorSpend30d",
            },
            {
                "step": "rolling", "key": ["vendorId"], "timeColumn": "expenseDate",
                "column": "amount", "window": "30d", "fn": "count", "output": "vendorBills30d",
            },
        ],
    },
    {
        "pipelineName": "expenses: validate",
        "pipelineType": "validation",
        "schedule": VALIDATE,
        "sourceTables": ["ExpenseEnriched"],
        "targetTables": ["ExpenseClassifierFeatures"],
        "description": "Negative amounts (sign errors) go to the rejects; the rest is the "
        "expense classifier's training table.",
        "validationRules": [
            {"check": "range", "column": "amount", "min": 0.01,
             "name": "expense amounts are positive"},
            {"check": "allowed_values", "column": "category", "values": list(CATEGORIES),
             "name": "known categories"},
            {"check": "not_null", "column": "description", "blocking": False,
             "name": "expenses have a description"},
            {"check": "unique", "columns": ["expenseId"], "name": "one row per expense"},
        ],
    },
)  # fmt: skip

INVOICES: tuple[Pipeline, ...] = (
    {
        "pipelineName": "invoices: collect",
        "pipelineType": "data_collection",
        "schedule": COLLECT,
        "sourceTables": ["LedgerInvoice"],
        "targetTables": ["InvoiceStaged"],
        "description": "The invoice columns the days-to-pay model needs, typed.",
        "transformations": [
            {
                "step": "select",
                "columns": [
                    "invoiceId", "customerId", "segment", "region", "issueDate", "dueDate",
                    "paymentTermsDays", "amount", "currency", "paidDate", "daysToPay", "period",
                ],
            },
            {
                "step": "cast",
                "columns": {"amount": "number", "paymentTermsDays": "integer",
                            "daysToPay": "number"},
            },
        ],
    },
    {
        "pipelineName": "invoices: clean",
        "pipelineType": "preprocessing",
        "schedule": CLEAN,
        "sourceTables": ["InvoiceStaged"],
        "targetTables": ["InvoiceClean"],
        "description": "One row per invoice, with an issue date and a positive amount.",
        "transformations": [
            {"step": "deduplicate", "columns": ["invoiceId"]},
            {"step": "filter", "expression": "not_null(issueDate) and amount > 0"},
            {"step": "fill_missing", "values": {"segment": "unknown", "region": "unknown"}},
        ],
    },
    {
        "pipelineName": "customers: billing profile",
        "pipelineType": "feature_engineering",
        "schedule": "30 1 * * *",
        "sourceTables": ["InvoiceClean"],
        "targetTables": ["CustomerBillingProfile"],
        "description": "Per customer: how many invoices, and their mean amount.",
        "transformations": [
            {
                "step": "aggregate",
                "groupBy": ["customerId"],
                "aggregations": {
                    "customerInvoices": {"column": "invoiceId", "fn": "count"},
                    "customerMeanAmount": {"column": "amount", "fn": "mean"},
                },
            },
        ],
    },
    {
        "pipelineName": "invoices: features",
        "pipelineType": "feature_engineering",
        "schedule": ENRICH,
        "sourceTables": ["InvoiceClean"],
        "targetTables": ["InvoiceEnriched"],
        "description": "The customer's profile, the issue month, the customer's billing over "
        "90 days and the segment as a rank.",
        "transformations": [
            {
                "step": "join", "source": {"table": "CustomerBillingProfile"},
                "on": ["customerId"], "columns": ["customerInvoices", "customerMeanAmount"],
            },
            {"step": "derive", "column": "issueMonth", "expression": "month(issueDate)"},
            {
                "step": "rolling", "key": ["customerId"], "timeColumn": "issueDate",
                "column": "amount", "window": "90d", "fn": "sum", "output": "customerBilled90d",
            },
            {"step": "derive", "column": "segmentRank", "expression": "segment"},
            {
                "step": "encode", "column": "segmentRank", "method": "ordinal",
                "categories": ["small", "mid", "enterprise"],
            },
        ],
    },
    {
        "pipelineName": "invoices: validate",
        "pipelineType": "validation",
        "schedule": VALIDATE,
        "sourceTables": ["InvoiceEnriched"],
        "targetTables": ["CashflowPredictionFeatures"],
        "description": "The cash-flow model's training table (unpaid invoices stay: they "
        "have no daysToPay, and training skips them).",
        "validationRules": [
            {"check": "allowed_values", "column": "segment",
             "values": ["small", "mid", "enterprise"], "name": "known segments"},
            {"check": "range", "column": "paymentTermsDays", "min": 0, "max": 180,
             "name": "payment terms within 180 days"},
            {"check": "range", "column": "daysToPay", "min": 0, "name": "paid after issue"},
            {"check": "unique", "columns": ["invoiceId"], "name": "one row per invoice"},
        ],
    },
)  # fmt: skip

JOURNAL_MAIN_LINE = """
SELECT entryId,
       MAX(CASE WHEN lineRank = 1 THEN account END) AS account,
       MAX(CASE WHEN vendorRank = 1 THEN vendorId END) AS vendorId
FROM (SELECT entryId, account, vendorId,
             ROW_NUMBER() OVER (PARTITION BY entryId ORDER BY lineNumber) AS lineRank,
             ROW_NUMBER() OVER (PARTITION BY entryId ORDER BY vendorId IS NULL, lineNumber)
               AS vendorRank
      FROM input)
GROUP BY entryId
"""
"""Per entry: the account of line 1 (the expense or asset side) and the first vendor named."""

JOURNAL_COUNTS = """
SELECT *,
       max(7 - postedHour, 0) + max(postedHour - 19, 0) AS offHoursDistance,
       ln(1 + max(amount, 0)) AS amountLog,
       COUNT(*) OVER (PARTITION BY coalesce(vendorId, ''), account) AS vendorAccountFrequency
FROM input
"""
"""Hours outside 07:00-19:59, log amount, and how often the vendor (or none) and account
pair occurs in the whole history."""

JOURNAL_Z_SCORES = """
WITH centred AS (
  SELECT *, amountLog - AVG(amountLog) OVER (PARTITION BY account) AS fromMean FROM input),
spread AS (
  SELECT *, sqrt(AVG(fromMean * fromMean) OVER (PARTITION BY account)) AS accountSpread
  FROM centred)
SELECT *,
       CASE WHEN accountSpread > 1e-9 THEN fromMean / accountSpread ELSE 0.0 END
         AS amountZScore,
       ln(1 + vendorAccountFrequency) AS vendorAccountFrequencyLog
FROM spread
"""
"""How many (population) standard deviations the log amount lies from its account's mean;
0 where the account's amounts do not vary."""

JOURNAL_NEAR_DUPLICATES = """
WITH keyed AS (
  SELECT entryId, vendorId, CAST(round(amount * 100) AS INTEGER) AS cents,
         julianday(date(entryDate)) AS day, postedAt, isReversal
  FROM input WHERE vendorId IS NOT NULL),
pairs AS (
  SELECT this.entryId,
         COUNT(*) AS sameWeek,
         SUM(other.day < this.day OR (other.day = this.day AND other.postedAt < this.postedAt))
           AS earlier
  FROM keyed AS this JOIN keyed AS other
    ON other.vendorId = this.vendorId AND other.cents = this.cents
   AND other.entryId <> this.entryId AND other.isReversal = 0
   AND abs(other.day - this.day) <= 7
  GROUP BY this.entryId)
SELECT input.*,
       coalesce(pairs.sameWeek, 0) AS vendorAmountSameWeek,
       coalesce(pairs.earlier, 0) AS vendorAmountEarlierSameWeek
FROM input LEFT JOIN pairs ON pairs.entryId = input.entryId
"""
"""Other non-reversal entries of the same vendor and amount dated within 7 days: how many,
and how many of them came first (by date, then posting time)."""

JOURNAL_FEATURE_COLUMNS = [
    "entryId", "entryDate", "amount", "account", "vendorId", "source", "postedHour",
    "postedWeekday", "isWeekend", "isRoundAmount", "amountLog", "amountZScore",
    "offHoursDistance", "vendorAccountFrequency", "vendorAccountFrequencyLog",
    "vendorAmountSameWeek", "vendorAmountEarlierSameWeek", "isReversal", "isAnomaly",
    "anomalyType", "period",
]  # fmt: skip

JOURNAL: tuple[Pipeline, ...] = (
    {
        "pipelineName": "journal lines: main side",
        "pipelineType": "data_collection",
        "schedule": "50 0 * * *",
        "sourceTables": ["LedgerJournalLine"],
        "targetTables": ["JournalEntryMainLine"],
        "description": "Per journal entry: its main account and its vendor.",
        "transformations": [
            {"step": "select", "columns": ["entryId", "lineNumber", "account", "vendorId"]},
            {"step": "sql", "query": JOURNAL_MAIN_LINE.strip()},
        ],
    },
    {
        "pipelineName": "journal entries: collect",
        "pipelineType": "data_collection",
        "schedule": COLLECT,
        "sourceTables": ["LedgerJournalEntry"],
        "targetTables": ["JournalEntryStaged"],
        "description": "Journal entries with their main account and vendor, typed.",
        "transformations": [
            {
                "step": "select",
                "columns": [
                    "entryId", "entryDate", "postedAt", "source", "isReversal",
                    "totalAmount", "isAnomaly", "anomalyType", "period",
                ],
            },
            {
                "step": "join", "source": {"table": "JournalEntryMainLine"},
                "on": ["entryId"], "columns": ["account", "vendorId"],
            },
            {
                "step": "cast",
                "columns": {"entryDate": "date", "postedAt": "date", "totalAmount": "number",
                            "isReversal": "integer"},
            },
        ],
    },
    {
        "pipelineName": "journal entries: clean",
        "pipelineType": "preprocessing",
        "schedule": CLEAN,
        "sourceTables": ["JournalEntryStaged"],
        "targetTables": ["JournalEntryClean"],
        "description": "One row per entry, posted and with an amount.",
        "transformations": [
            {"step": "deduplicate", "columns": ["entryId"]},
            {"step": "filter", "expression": "not_null(postedAt) and not_null(totalAmount)"},
            {"step": "fill_missing", "values": {"source": "unknown", "isReversal": 0}},
        ],
    },
    {
        "pipelineName": "journal entries: features",
        "pipelineType": "feature_engineering",
        "schedule": ENRICH,
        "sourceTables": ["JournalEntryClean"],
        "targetTables": ["JournalEntryEnriched"],
        "description": "The anomaly detector's features (see urutiq_ai.demo.features).",
        "transformations": [
            {"step": "derive", "column": "amount", "expression": "totalAmount"},
            {"step": "derive", "column": "postedHour", "expression": "hour(postedAt)"},
            {"step": "derive", "column": "postedWeekday", "expression": "weekday(postedAt)"},
            {"step": "derive", "column": "isWeekend", "expression": "postedWeekday >= 5"},
            {
                "step": "derive", "column": "isRoundAmount",
                "expression": "round(amount * 100) % 10000 == 0 and amount > 0",
            },
            {"step": "sql", "query": JOURNAL_COUNTS.strip()},
            {"step": "sql", "query": JOURNAL_Z_SCORES.strip()},
            {"step": "sql", "query": JOURNAL_NEAR_DUPLICATES.strip()},
            # columns made by SQL are known only when it runs: a select step here would be
            # refused on save, a SELECT of them is not (window functions reorder the rows:
            # back to entry order, the ledger's)
            {
                "step": "sql",
                "query": f"SELECT {', '.join(JOURNAL_FEATURE_COLUMNS)} FROM input ORDER BY entryId",
            },
            {
                "step": "cast",
                "columns": {"entryDate": "date", "isWeekend": "integer",
                            "isRoundAmount": "integer", "isAnomaly": "boolean"},
            },
        ],
    },
    {
        "pipelineName": "journal entries: validate",
        "pipelineType": "validation",
        "schedule": VALIDATE,
        "sourceTables": ["JournalEntryEnriched"],
        "targetTables": ["AnomalyDetectionFeatures"],
        "description": "The anomaly detector's training table.",
        "validationRules": [
            {"check": "not_null", "column": "account", "name": "entries have a main account"},
            {"check": "range", "column": "postedHour", "min": 0, "max": 23,
             "name": "posting hours are hours"},
            {"check": "allowed_values", "column": "source",
             "values": ["ap", "ar", "payroll", "manual", "bank"], "name": "known sources"},
            {"check": "unique", "columns": ["entryId"], "name": "one row per entry"},
        ],
    },
)  # fmt: skip

CHAINS: dict[str, tuple[Pipeline, ...]] = {
    "expense_classifier": EXPENSES,
    "anomaly_detection": JOURNAL,
    "cashflow_prediction": INVOICES,
}
"""Per template, its pipelines in the order they run; the last one writes its training table."""

ROW_KEYS = {
    "expense_classifier": "expenseId",
    "anomaly_detection": "entryId",
    "cashflow_prediction": "invoiceId",
}
"""Per template, the ledger id of its training table's rows (they sort in the ledger's order)."""


def training_table(template: str) -> str:
    """The table the demo trains ``template`` on: the last target of its chain."""
    return str(CHAINS[template][-1]["targetTables"][0])
