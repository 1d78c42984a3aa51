"""A seeded, realistic demo ledger for training and demonstrating the model templates.

``generate_ledger(seed=7)`` builds one company's books for ``months`` months from
``start``; the same arguments always give identical frames, another seed other data.
Amounts are built in integer cents. At ``scale=1`` over 12 months: 60 vendors, 80
customers, ~1,500 invoices, ~4,000 expenses, ~7,100 journal entries, in well under a second.

Frames (``Ledger`` attributes in snake_case; ``Ledger.frames()`` names them in camelCase,
as do the Parquet files; every column is camelCase):

* ``vendors``: vendorId, vendorName, defaultCategory, country. 46 vendors trade all year,
  14 appear only in the shifted period. Some vendors span two categories.
* ``customers``: customerId, customerName, segment (small, mid, enterprise), region,
  paymentTermsDays (15, 30, 45, 60; longer for larger segments).
* ``invoices``: invoiceId, customerId, customerName, segment, region, issueDate, dueDate,
  paymentTermsDays, amount, currency, paidDate, daysToPay, period. Issued on weekdays with a
  Q4 peak. Days to pay follow the terms, the segment (enterprise pays ~2 weeks late, small
  customers a few days early), a per-customer habit, the amount (larger pays later) and
  heavy-tailed noise; about 5% of customers are bad payers who often never pay. daysToPay
  and paidDate are empty when unpaid at the end of the horizon (recent invoices included).
* ``invoiceLines``: lineId, invoiceId, description, quantity, unitPrice, amount; quantity
  times unit price is the line amount, and the lines add up to the invoice to the cent.
* ``expenses``: expenseId, vendorId, vendorName, description (free text such as "Monthly
  Amazon Web Services hosting invoice 2025-03"), amount (log-normal per category and
  vendor), category (the label: travel, meals, software, hardware, office_supplies,
  utilities, telecom, rent, insurance, marketing, professional_services), expenseDate,
  period. Recurring bills (rent, utilities, telecom, insurance) come monthly on a fixed
  day; summer travel and Q4 marketing peaks; only travel and meals fall on weekends. The
  category follows the vendor and the description words, with deliberate noise: ~7% of
  descriptions are generic ("Invoice #12345"), and two-category vendors sometimes have text
  of one category booked to the other.
* ``journalEntries``: entryId, entryDate, postedAt (with time of day: weekdays, office
  hours), description, source (ap, ar, payroll, manual, bank), createdBy, isReversal,
  reversesEntryId, totalAmount (sum of debits), isAnomaly, anomalyType, period. One entry per
  expense (ap), invoice (ar) and payment (bank), weekly AP payment runs, payroll twice a
  month, and month-end depreciation, an audit-fee accrual reversed (routinely, not an
  anomaly) on the next month's first business day, and bank charges.
* ``journalLines``: lineId, entryId, lineNumber, account, accountName, vendorId, debit,
  credit. Line 1 is the main (expense or asset) side. Every entry balances to the cent,
  except the ``unbalanced_entry`` quality issues below.
* ``payments``: paymentId, invoiceId, paymentDate, amount, method; ~8% of paid invoices are
  settled in two payments, and the payments of an invoice add up to its amount.
* ``qualityIssues``: table, rowId, issue, listing the damaged rows below.

Anomalies (ground truth in ``isAnomaly``/``anomalyType``; ~1.7% of entries, 24 of each kind
at ``scale=1`` over 12 months), all extra entries spread over both periods:

* ``duplicate_invoice``: an AP bill entered again 1-4 business days later, same vendor,
  amount, account and text.
* ``split_below_limit``: 2-3 equal round bills from one vendor on the same or consecutive
  days, each $100-$300 under an approval limit ($5,000 or $10,000).
* ``unusual_vendor_account``: a vendor's usual bill booked to an expense account that vendor
  is never otherwise booked to.
* ``off_hours_posting``: manual entries keyed between 22:00 and 05:00, half on weekends.
* ``reversed_entry``: an AP bill reversed 2-11 business days after posting (the month-end
  accrual reversals are routine, not anomalies).

The shift: from ``shift_month`` (the 1-based month of the horizon; 9 by default) on, the
period is "shifted": 30% of ad hoc expense volume moves to the 14 new vendors (more
software and marketing, less travel and meals), expense amounts inflate by 22% (the mean
expense ratio shifted/reference is ~1.18 for seed 7 and varies by about +/-0.1 between
seeds with the mix), invoice prices rise 8%, payroll 4%, and customers pay a week later.
Before it, the "reference" period is statistically stable month to month apart from the
seasonality above.

Quality issues (in ``qualityIssues``; not anomalies, and never on an anomalous or reversal
entry): 8 ``unbalanced_entry`` journal entries whose credit line is off by $0.01-$50,
8 journal entries and 5 expenses with ``missing_description`` (None), 6 expenses with a
``negative_amount`` (sign flipped in the subledger only), and 5 payments whose paymentId
repeats the previous payment's (``duplicate_id``; rowId is the repeated id).

``journal_entry_features`` turns the journal into one model-ready row per entry;
``write_sql`` / ``write_parquet`` / ``read_parquet`` store a ledger.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from urutiq_ai.demo._anomalies import ANOMALY_TYPES
    from urutiq_ai.demo._catalog import CATEGORIES, CHART_OF_ACCOUNTS
    from urutiq_ai.demo.features import FEATURE_COLUMNS, NUMERIC_FEATURES, journal_entry_features
    from urutiq_ai.demo.io import read_parquet, write_parquet, write_sql
    from urutiq_ai.demo.ledger import FRAME_NAMES, Ledger, generate_ledger

# The names load with their module on first use: ``urutiq-ai demo load`` on a database that
# holds the demo already reads one row (``demo.identity``) without loading pandas.
_LAZY = {
    "ANOMALY_TYPES": "_anomalies",
    "CATEGORIES": "_catalog",
    "CHART_OF_ACCOUNTS": "_catalog",
    "FEATURE_COLUMNS": "features",
    "NUMERIC_FEATURES": "features",
    "journal_entry_features": "features",
    "read_parquet": "io",
    "write_parquet": "io",
    "write_sql": "io",
    "FRAME_NAMES": "ledger",
    "Ledger": "ledger",
    "generate_ledger": "ledger",
}

__all__ = [
    "ANOMALY_TYPES",
    "CATEGORIES",
    "CHART_OF_ACCOUNTS",
    "FEATURE_COLUMNS",
    "FRAME_NAMES",
    "NUMERIC_FEATURES",
    "Ledger",
    "generate_ledger",
    "journal_entry_features",
    "read_parquet",
    "write_parquet",
    "write_sql",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
