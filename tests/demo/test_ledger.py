"""The generated ledger: determinism, sizes, accounting invariants, the shift, anomalies."""

import time

import numpy as np
import pandas as pd
import pytest

from urutiq_ai.demo import ANOMALY_TYPES, CATEGORIES, Ledger, generate_ledger


def _cents(series: pd.Series) -> pd.Series:
    return (series * 100).round().astype("int64")


class TestDeterminism:
    def test_same_seed_gives_identical_frames(self) -> None:
        first = generate_ledger(seed=3, months=4, scale=0.3).frames()
        second = generate_ledger(seed=3, months=4, scale=0.3).frames()
        for name, frame in first.items():
            pd.testing.assert_frame_equal(frame, second[name], obj=name)

    def test_another_seed_gives_other_data(self) -> None:
        first = generate_ledger(seed=3, months=4, scale=0.3)
        second = generate_ledger(seed=4, months=4, scale=0.3)
        assert not first.expenses["amount"].equals(second.expenses["amount"])
        assert not first.journal_entries["postedAt"].equals(second.journal_entries["postedAt"])

    @pytest.mark.parametrize("kwargs", [{"company_profile": "bakery"}, {"months": 1}])
    def test_bad_arguments_are_refused(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(ValueError, match="must"):
            generate_ledger(**kwargs)  # type: ignore[arg-type]

    @pytest.mark.parametrize("profile", ["saas", "retail"])
    def test_other_profiles_generate(self, profile: str) -> None:
        ledger = generate_ledger(months=3, scale=0.2, company_profile=profile)
        assert len(ledger.invoice_lines) > 0


class TestSizes:
    def test_full_size(self, ledger: Ledger) -> None:
        assert len(ledger.vendors) == 60
        assert len(ledger.customers) == 80
        assert 1_300 <= len(ledger.invoices) <= 1_700
        assert 3_600 <= len(ledger.expenses) <= 4_400
        assert 6_500 <= len(ledger.journal_entries) <= 7_600

    def test_generation_is_fast(self) -> None:
        began = time.perf_counter()
        generate_ledger(seed=5)
        assert time.perf_counter() - began < 3.0

    def test_columns_are_camel_case(self, ledger: Ledger) -> None:
        for name, frame in ledger.frames().items():
            for column in frame.columns:
                assert "_" not in column, (name, column)
                assert column[0].islower(), (name, column)

    def test_ids_are_unique_except_listed_duplicates(self, ledger: Ledger) -> None:
        for frame, column in [
            (ledger.invoices, "invoiceId"),
            (ledger.expenses, "expenseId"),
            (ledger.journal_entries, "entryId"),
            (ledger.journal_lines, "lineId"),
        ]:
            assert frame[column].is_unique, column
        repeated = ledger.payments["paymentId"][ledger.payments["paymentId"].duplicated()]
        listed = ledger.quality_issues.query("issue == 'duplicate_id'")["rowId"]
        assert set(repeated) == set(listed)


class TestAccounting:
    def test_entries_balance_except_listed_ones(self, ledger: Ledger) -> None:
        lines = ledger.journal_lines
        gap = (_cents(lines["debit"]) - _cents(lines["credit"])).groupby(lines["entryId"]).sum()
        unbalanced = set(gap[gap != 0].index)
        listed = ledger.quality_issues.query("issue == 'unbalanced_entry'")["rowId"]
        assert unbalanced == set(listed)
        assert len(unbalanced) >= 5

    def test_total_amount_is_the_sum_of_debits(self, ledger: Ledger) -> None:
        debits = (
            _cents(ledger.journal_lines["debit"]).groupby(ledger.journal_lines["entryId"]).sum()
        )
        entries = ledger.journal_entries.set_index("entryId")
        assert (debits.loc[entries.index] == _cents(entries["totalAmount"])).all()

    def test_invoice_lines_add_up_to_the_cent(self, ledger: Ledger) -> None:
        lines = ledger.invoice_lines
        line_cents = _cents(lines["amount"])
        assert (line_cents == _cents(lines["unitPrice"]) * lines["quantity"]).all()
        sums = line_cents.groupby(lines["invoiceId"]).sum()
        invoices = ledger.invoices.set_index("invoiceId")
        assert (sums.loc[invoices.index] == _cents(invoices["amount"])).all()

    def test_payments_settle_paid_invoices(self, ledger: Ledger) -> None:
        paid = _cents(ledger.payments["amount"]).groupby(ledger.payments["invoiceId"]).sum()
        invoices = ledger.invoices.set_index("invoiceId")
        settled = invoices[invoices["paidDate"].notna()]
        assert set(paid.index) == set(settled.index)
        assert (paid.loc[settled.index] == _cents(settled["amount"])).all()
        assert invoices.loc[invoices["paidDate"].isna(), "daysToPay"].isna().all()

    def test_reversals_point_at_existing_entries(self, ledger: Ledger) -> None:
        entries = ledger.journal_entries
        reversals = entries[entries["isReversal"]]
        assert reversals["reversesEntryId"].isin(entries["entryId"]).all()
        assert entries.loc[~entries["isReversal"], "reversesEntryId"].isna().all()

    def test_postings_are_mostly_weekday_office_hours(self, ledger: Ledger) -> None:
        normal = ledger.journal_entries[~ledger.journal_entries["isAnomaly"]]
        posted = normal["postedAt"]
        assert (posted.dt.day_of_week < 5).mean() > 0.99
        assert posted.dt.hour.between(7, 19).all()


class TestRealism:
    def test_categories(self, ledger: Ledger) -> None:
        assert set(ledger.expenses["category"]) == set(CATEGORIES)
        assert 8 <= len(CATEGORIES) <= 12

    def test_enterprise_pays_later_than_small(self, ledger: Ledger) -> None:
        days = ledger.invoices.groupby("segment")["daysToPay"].mean()
        assert days["enterprise"] > days["mid"] > days["small"]
        unpaid = ledger.invoices["daysToPay"].isna().mean()
        assert 0.02 < unpaid < 0.3

    def test_reference_period_is_stable(self, ledger: Ledger) -> None:
        expenses = ledger.expenses[ledger.expenses["amount"] > 0]
        reference = expenses[expenses["period"] == "reference"]
        month = reference["expenseDate"].dt.month
        means = reference.groupby(month)["amount"].mean() / reference["amount"].mean()
        medians = reference.groupby(month)["amount"].median() / reference["amount"].median()
        counts = reference.groupby(month).size() / (len(reference) / month.nunique())
        assert means.between(0.75, 1.25).all(), means
        assert medians.between(0.75, 1.3).all(), medians
        assert counts.between(0.8, 1.2).all(), counts

    def test_reference_uses_no_new_vendor(self, ledger: Ledger) -> None:
        first_month = ledger.expenses.groupby("vendorId")["expenseDate"].min()
        new = first_month[first_month >= pd.Timestamp("2025-09-01")]
        assert len(new) == 14


class TestShift:
    def test_amounts_inflate(self, ledger: Ledger) -> None:
        expenses = ledger.expenses[ledger.expenses["amount"] > 0]
        means = expenses.groupby("period")["amount"].mean()
        assert 1.15 <= means["shifted"] / means["reference"] <= 1.30

    def test_new_vendors_take_about_thirty_percent(self, ledger: Ledger) -> None:
        expenses = ledger.expenses
        seen = set(expenses.loc[expenses["period"] == "reference", "vendorId"])
        shifted = expenses[expenses["period"] == "shifted"]
        share = (~shifted["vendorId"].isin(seen)).mean()
        assert 0.2 <= share <= 0.4

    def test_category_mix_changes(self, ledger: Ledger) -> None:
        mix = pd.crosstab(
            ledger.expenses["category"], ledger.expenses["period"], normalize="columns"
        )
        assert mix.loc["software", "shifted"] > mix.loc["software", "reference"] + 0.03
        assert mix.loc["meals", "shifted"] < mix.loc["meals", "reference"]

    def test_customers_pay_later(self, ledger: Ledger) -> None:
        invoices = ledger.invoices
        # Compare months old enough that their payments are not cut off by the horizon.
        settled = invoices[invoices["issueDate"].dt.month.isin([1, 2, 3, 4, 5, 6, 9])]
        late = (settled["daysToPay"] - settled["paymentTermsDays"]).groupby(settled["period"])
        assert late.mean()["shifted"] > late.mean()["reference"] + 3

    def test_no_shift_when_shift_month_is_past_the_horizon(self) -> None:
        ledger = generate_ledger(months=3, shift_month=6, scale=0.2)
        assert set(ledger.journal_entries["period"]) == {"reference"}


class TestAnomalies:
    def test_every_kind_is_present(self, ledger: Ledger) -> None:
        entries = ledger.journal_entries
        counts = entries.loc[entries["isAnomaly"], "anomalyType"].value_counts()
        assert set(counts.index) == set(ANOMALY_TYPES)
        assert (counts >= 15).all()
        assert 0.015 <= entries["isAnomaly"].mean() <= 0.02
        assert entries.loc[~entries["isAnomaly"], "anomalyType"].isna().all()

    def test_quality_issues_are_not_anomalies(self, ledger: Ledger) -> None:
        issues = ledger.quality_issues
        assert 20 <= len(issues) <= 60
        assert set(issues["issue"]) == {
            "unbalanced_entry",
            "missing_description",
            "negative_amount",
            "duplicate_id",
        }
        entries = ledger.journal_entries.set_index("entryId")
        damaged = issues.loc[issues["table"] == "journalEntries", "rowId"]
        assert not entries.loc[damaged, "isAnomaly"].any()

    def test_listed_quality_issues_are_real(self, ledger: Ledger) -> None:
        issues = ledger.quality_issues
        negative = issues.query("issue == 'negative_amount'")["rowId"]
        expenses = ledger.expenses.set_index("expenseId")
        assert (expenses.loc[negative, "amount"] < 0).all()
        assert (expenses.drop(index=negative)["amount"] > 0).all()
        blank = issues.query("issue == 'missing_description' and table == 'expenses'")["rowId"]
        assert expenses.loc[blank, "description"].isna().all()

    def test_duplicates_copy_an_earlier_bill(self, ledger: Ledger) -> None:
        entries = ledger.journal_entries
        lines = ledger.journal_lines[ledger.journal_lines["lineNumber"] == 1]
        joined = entries.merge(lines[["entryId", "vendorId", "account"]], on="entryId")
        keys = ["vendorId", "account", "totalAmount"]
        duplicates = joined[joined["anomalyType"] == "duplicate_invoice"]
        originals = joined[~joined["isAnomaly"]].merge(duplicates[keys], on=keys)
        assert len(originals) >= len(duplicates)

    def test_split_amounts_sit_just_under_a_limit(self, ledger: Ledger) -> None:
        entries = ledger.journal_entries
        amounts = entries.loc[entries["anomalyType"] == "split_below_limit", "totalAmount"]
        under = np.minimum(5_000 - amounts.where(amounts < 5_000), 10_000 - amounts)
        assert under.fillna(10_000 - amounts).between(100, 300).all()
        assert (amounts % 100 == 0).all()
