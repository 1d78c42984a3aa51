"""The privacy policy: each personal-data kind found in realistic strings (and its look-alikes
with a wrong check digit or a never-issued range rejected), accounting values that must not
be flagged (amounts, dates, timestamps, invoice and vendor ids, years, percentages), column
names, masking that never leaves a raw value behind, the reporting thresholds, sampling,
stored inputs with nested objects, the allow-list and the verdict."""

import datetime as dt
import json
import time
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urutiq_ai.ml.privacy import (
    IBAN_LENGTHS,
    NAME_KINDS,
    PII_KINDS,
    ContentHit,
    PrivacyReport,
    card_number_valid,
    check_privacy,
    column_name_hits,
    find_pii,
    flatten_record,
    iban_valid,
    luhn_valid,
    mask_record,
    mask_text,
    mask_value,
    name_tokens,
    scan_frame,
    scan_records,
    scan_values,
    ssn_valid,
)


def kinds_of(text: str) -> list[tuple[str, str]]:
    return [(span.kind, text[span.start : span.end]) for span in find_pii(text)]


# --- IBAN ----------------------------------------------------------------------------------

VALID_IBANS = [
    "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32",
    "FR14 2004 1010 0505 0001 3M02 606",
    "NL91 ABNA 0417 1643 00",
    "ES91 2100 0418 4502 0005 1332",
    "IT60 X054 2811 1010 0000 0123 456",
    "BE68 5390 0754 7034",
    "CH93 0076 2011 6238 5295 7",
    "AT61 1904 3002 3457 3201",
    "PL61 1090 1014 0000 0712 1981 2874",
    "SE45 5000 0000 0583 9825 7466",
    "DK50 0040 0440 1162 43",
    "IE29 AIBK 9311 5212 3456 78",
    "PT50 0002 0123 1234 5678 9015 4",
    "LU28 0019 4006 4475 0000",
    "NO93 8601 1117 947",
]


@pytest.mark.parametrize("iban", VALID_IBANS)
def test_valid_ibans_are_found_in_print_and_electronic_form(iban: str) -> None:
    compact = iban.replace(" ", "")
    assert iban_valid(iban)
    assert iban_valid(compact)
    assert len(compact) == IBAN_LENGTHS[compact[:2]]
    assert kinds_of(iban) == [("iban", iban)]
    sentence = f"Refund to {compact} EUR, thanks"
    assert kinds_of(sentence) == [("iban", compact)]


def test_iban_length_table_covers_the_common_countries() -> None:
    required = "DE FR GB NL ES IT BE CH AT PL SE DK IE PT LU".split()
    assert set(required) <= set(IBAN_LENGTHS)
    assert IBAN_LENGTHS["DE"] == 22
    assert IBAN_LENGTHS["GB"] == 22
    assert IBAN_LENGTHS["NO"] == 15


@pytest.mark.parametrize(
    "text",
    [
        "DE88 3704 0044 0532 0130 00",  # wrong check digits
        "GB83 WEST 1234 5698 7654 32",
        "DE89 3704 0044 0532 0130 01",  # a changed digit breaks mod-97
        "NL91 ABNA 0417 1643 01",
        "DE89 3704 0044 0532 0130 0",  # one character short for DE
        "DE89370400440532013000123",  # too long, glued to more digits
        "ZZ89 3704 0044 0532 0130 00",  # no such country
    ],
)
def test_invalid_ibans_are_rejected_and_not_claimed_by_other_kinds(text: str) -> None:
    assert not iban_valid(text)
    assert kinds_of(text) == []
    assert kinds_of(f"Pay {text} today") == []


def test_an_iban_of_the_wrong_bban_format_is_rejected_though_mod_97_passes() -> None:
    # GB's BBAN starts with four letters (the bank); digits there give no IBAN
    assert not iban_valid("GB25123412345698765432")
    assert kinds_of("Pay GB25123412345698765432 today") == []


def test_iban_lengths_follow_the_bban_formats_of_the_registry() -> None:
    assert IBAN_LENGTHS["BE"] == 16
    assert IBAN_LENGTHS["MT"] == 31
    assert all(15 <= length <= 34 for length in IBAN_LENGTHS.values())


def test_wrong_check_digits_leave_no_partial_phone_or_account_hit() -> None:
    assert kinds_of("DE88 3704 0044 0532 0130 00") == []
    assert kinds_of("Pay DE88370400440532013000 today") == []


def test_lower_case_ibans_are_read_and_checked() -> None:
    assert kinds_of("iban de89 3704 0044 0532 0130 00") == [("iban", "de89 3704 0044 0532 0130 00")]
    assert kinds_of("iban de88 3704 0044 0532 0130 00") == []


# --- payment cards -------------------------------------------------------------------------

TEST_CARDS = [
    "4111111111111111",  # Visa
    "4012888888881881",  # Visa
    "5555555555554444",  # Mastercard
    "2223003122003222",  # Mastercard 2-series
    "378282246310005",  # Amex
    "6011111111111117",  # Discover
    "3530111333300000",  # JCB
    "30569309025904",  # Diners
]


@pytest.mark.parametrize("card", TEST_CARDS)
def test_luhn_valid_test_cards_are_found(card: str) -> None:
    assert luhn_valid(card)
    assert card_number_valid(card)
    assert kinds_of(card) == [("card_number", card)]
    assert kinds_of(f"Paid with card {card}.") == [("card_number", card)]
    assert scan_values([int(card)])[0].kind == "card_number"


@pytest.mark.parametrize(
    "grouped", ["4111 1111 1111 1111", "5555-5555-5555-4444", "3782 822463 10005"]
)
def test_grouped_card_numbers_are_found(grouped: str) -> None:
    assert kinds_of(f"card: {grouped}") == [("card_number", grouped)]


@pytest.mark.parametrize("card", ["4111111111111112", "5555555555554445", "378282246310006"])
def test_luhn_invalid_numbers_are_not_cards(card: str) -> None:
    assert not luhn_valid(card)
    assert not card_number_valid(card)
    assert "card_number" not in [kind for kind, _ in kinds_of(card)]


def test_luhn_valid_numbers_without_an_issuer_prefix_are_not_cards() -> None:
    assert luhn_valid("1234567812345670")
    assert not card_number_valid("1234567812345670")
    assert kinds_of("1234567812345670") == [("account_number", "1234567812345670")]


def test_grouped_luhn_invalid_card_is_not_flagged() -> None:
    assert kinds_of("4111 1111 1111 1112") == []


# --- national ids --------------------------------------------------------------------------


@pytest.mark.parametrize("ssn", ["536-22-1234", "123-45-6789", "665-01-0001", "899-99-9999"])
def test_valid_ssns_are_national_ids(ssn: str) -> None:
    assert ssn_valid(ssn)
    assert kinds_of(f"SSN {ssn} on file") == [("national_id", ssn)]


@pytest.mark.parametrize(
    "ssn",
    ["000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "123-00-4567", "123-45-0000"],
)
def test_ssns_in_never_issued_ranges_are_rejected(ssn: str) -> None:
    assert not ssn_valid(ssn)
    assert kinds_of(ssn) == []


@pytest.mark.parametrize("ssn", ["078-05-1120", "219-09-9999"])
def test_ssns_known_to_be_void_are_rejected(ssn: str) -> None:
    # 078-05-1120 was printed on sample cards sold in wallets, 219-09-9999 in an advert
    assert not ssn_valid(ssn)
    assert "national_id" not in [kind for kind, _ in kinds_of(f"SSN {ssn} on file")]


@pytest.mark.parametrize("nino", ["AB123456C", "AB 12 34 56 C", "JG103759A", "CE 12 34 56 D"])
def test_uk_national_insurance_numbers_are_national_ids(nino: str) -> None:
    assert kinds_of(f"NI number {nino}.") == [("national_id", nino)]


@pytest.mark.parametrize(
    "text",
    [
        "GB123456A",  # GB prefix never issued
        "QQ123456C",  # Q is no first letter (HMRC's specimen)
        "AO123456C",  # O is no second letter
        "AB123456E",  # suffix is A-D
        "AB12345C",  # too short
        "ab123456c",  # lower case
    ],
)
def test_nino_look_alikes_are_rejected(text: str) -> None:
    assert kinds_of(text) == []


# --- e-mail and phone ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("john.doe@example.com", "john.doe@example.com"),
        (
            "Contact: Jane <jane_smith+billing@mail.example.co.uk>",
            "jane_smith+billing@mail.example.co.uk",
        ),
        ("sent to ap@acme-corp.de on 2025-01-31", "ap@acme-corp.de"),
    ],
)
def test_emails_are_found(text: str, email: str) -> None:
    assert kinds_of(text) == [("email", email)]


@pytest.mark.parametrize("text", ["user@localhost", "@acme", "a@b", "price @ 12.50", "x@y.1"])
def test_email_look_alikes_are_not_flagged(text: str) -> None:
    assert kinds_of(text) == []


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "+1 (555) 123-4567",
        "+4915112345678",
        "+49 (0)30 1234567",
        "+33 1 23 45 67 89",
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "020 7946 0958",
        "07700 900123",
        "01 23 45 67 89",
        "01.23.45.67.89",
        "030/1234567",
        "0171-1234567",
        "(030) 1234567",
    ],
)
def test_phone_numbers_are_found(phone: str) -> None:
    assert kinds_of(f"call {phone} today") == [("phone", phone)]


@pytest.mark.parametrize(
    "text",
    [
        "+1234567.89",  # a signed amount
        "+12.5%",
        "+1234",  # too few digits
        "+0 123 456 789",  # no country code starts with 0
        "+1 234 567 890 123 456 7",  # more than 15 digits
        "01.02.2025",  # a date with a leading zero
        "01/31/2025",
        "05-01-2025 1030",
    ],
)
def test_phone_look_alikes_are_not_flagged(text: str) -> None:
    assert [kind for kind, _ in kinds_of(text)] == []


# --- account numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Konto 12345678901", "12345678901"),
        ("account: 004512339876", "004512339876"),
        ("73920184", "73920184"),
        ("123456789012345678", "123456789012345678"),
    ],
)
def test_long_digit_runs_are_account_numbers(text: str, number: str) -> None:
    assert kinds_of(text) == [("account_number", number)]


@pytest.mark.parametrize(
    "text",
    [
        "1234567",  # 7 digits: too short
        "1234567890123456789",  # 19 digits: too long (and no valid card)
        "20250131",  # YYYYMMDD
        "31012025",  # DDMMYYYY
        "01312025",  # MMDDYYYY
        "20250131235959",  # compact timestamp
        "1735689600",  # Unix seconds, 2025
        "1735689600000",  # Unix milliseconds
        "00000000",
        "99999999",
        "12345678.90",
        "12345678,90",
        "-12345678",
        "PO-12345678",
        "INV12345678",
        "acct#12345678",
    ],
)
def test_account_number_exclusions(text: str) -> None:
    assert kinds_of(text) == []


def test_numbers_are_scanned_only_for_cards_and_account_numbers() -> None:
    assert scan_values([12345678901])[0].kind == "account_number"
    assert scan_values([12345678901.0])[0].kind == "account_number"
    assert scan_values([np.int64(4111111111111111)])[0].kind == "card_number"
    assert scan_values([12345678.5, -12345678901, True, 1234567, 20250131, 1735689600]) == []
    assert [hit.kind for hit in scan_values([5551234567])] == ["account_number"]  # never phone


# --- accounting look-alikes ----------------------------------------------------------------

ACCOUNTING_STRINGS = [
    "1,234.56",
    "1.234,56",
    "1 234 567,89",
    "-1234567.89",
    "1234567890.12",
    "USD 12,500.00",
    "€ 99.90",
    "2025-01-31",
    "31.01.2025",
    "01/31/2025",
    "31/01/2025",
    "2025-01-31T10:15:00Z",
    "2025-01-31T10:15:00.123456+01:00",
    "2025-01-31 10:15:00.123456",
    "20250131",
    "INV-000123",
    "INV-2025-000123",
    "PO-12345678",
    "V0014",
    "C-000981",
    "2025",
    "FY2025",
    "Q1 2025",
    "12.5%",
    "-3.75%",
    "0.075",
    "42",
    "7",
    "1e6",
    "550e8400-e29b-41d4-a716-446655440000",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "Office chairs, 4 pcs @ 125.00",
    "Invoice INV-000123 due 2025-02-28, net 30, 2% discount",
    "GL 4000 Revenue",
    "10:15:00",
]


@pytest.mark.parametrize("text", ACCOUNTING_STRINGS)
def test_accounting_values_are_not_personal_data(text: str) -> None:
    assert kinds_of(text) == []
    assert mask_value(text) == text


def test_an_accounting_frame_passes() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    posted = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    frame = pd.DataFrame(
        {
            "amount": rng.normal(500, 300, n).round(2),
            "amountText": [f"{x:,.2f}" for x in rng.normal(5e4, 3e4, n)],
            "posted": posted,
            "postedText": posted.strftime("%Y-%m-%d"),
            "postedEu": posted.strftime("%d.%m.%Y"),
            "postedAt": (posted + pd.Timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "invoiceId": [f"INV-{i:06d}" for i in rng.integers(1, 999_999, n)],
            "vendorId": [f"V{i:04d}" for i in rng.integers(1, 9999, n)],
            "vendorName": rng.choice(["Acme GmbH", "Globex Ltd", "Initech"], n),
            "year": rng.integers(2015, 2026, n),
            "taxRate": rng.choice(["0%", "7%", "19%", "20.5%"], n),
            "quantity": rng.integers(1, 100, n),
            "discount": rng.random(n).round(4),
            "recurring": rng.random(n) > 0.5,
            "memo": rng.choice(["office chairs", "travel 2025-03", "fuel Q1/2025"], n),
        }
    )
    assert scan_frame(frame) == []
    report = check_privacy(list(frame.columns), frame)
    assert report.status == "pass", report.summary
    assert report.columns_checked == frame.shape[1]


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.integers(min_value=0, max_value=99_999_999),
)
def test_random_amounts_dates_and_ids_are_never_flagged(
    amount: float, day: dt.date, number: int
) -> None:
    texts = [
        f"{amount:,.2f}",
        f"{amount:.2f}",
        f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", "."),
        day.isoformat(),
        day.strftime("%d.%m.%Y"),
        day.strftime("%m/%d/%Y"),
        day.strftime("%Y%m%d"),
        f"{day.isoformat()}T12:30:00Z",
        f"INV-{number:08d}",
        f"V{number % 10000:04d}",
        f"{abs(amount) % 100:.1f}%",
    ]
    for text in texts:
        assert kinds_of(text) == [], text


# --- column names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("customerEmail", "email"),
        ("email", "email"),
        ("e_mail", "email"),
        ("EMail", "email"),
        ("contact_phone", "phone"),
        ("mobileNumber", "phone"),
        ("tel", "phone"),
        ("ibanNumber", "iban"),
        ("IBANNumber", "iban"),
        ("vendor_iban", "iban"),
        ("creditCardNumber", "card_number"),
        ("card_no", "card_number"),
        ("account_number", "account_number"),
        ("accountNumber", "account_number"),
        ("acct_no", "account_number"),
        ("bank_account", "account_number"),
        ("bankAcct", "account_number"),
        ("ssn", "national_id"),
        ("national_id", "national_id"),
        ("nationalId", "national_id"),
        ("tax_id", "national_id"),
        ("passportNumber", "national_id"),
        ("dob", "birth_date"),
        ("birthDate", "birth_date"),
        ("date_of_birth", "birth_date"),
        ("firstName", "person_name"),
        ("last_name", "person_name"),
        ("fullName", "person_name"),
        ("personName", "person_name"),
        ("employeeName", "person_name"),
        ("surname", "person_name"),
        ("homeAddress", "address"),
        ("billing_address", "address"),
        ("emailAddress", "email"),
        ("customer.email", "email"),
        ("email2", "email"),
    ],
)
def test_name_hits(column: str, kind: str) -> None:
    hits = column_name_hits([column])
    assert [(hit.column, hit.kind) for hit in hits] == [(column, kind)]
    assert kind in NAME_KINDS
    assert hits[0].reason


@pytest.mark.parametrize(
    "column",
    [
        "vendorName",
        "customerName",
        "name",
        "companyName",
        "amount",
        "memo",
        "vendorId",
        "invoice_id",
        "acct",
        "account",
        "accountCode",
        "glAccountNumber",
        "gl_account_no",
        "ledgerAccountNumber",
        "hotel",
        "telemetry",
        "zip",
        "postcode",
        "mailing",
        "period",
        "taxRate",
        "taxAmount",
        "posted",
    ],
)
def test_no_name_hits(column: str) -> None:
    assert column_name_hits([column]) == []


def test_name_tokens_split_camel_and_snake_case() -> None:
    assert name_tokens("customerEmail") == ["customer", "email"]
    assert name_tokens("contact_phone") == ["contact", "phone"]
    assert name_tokens("IBANNumber2") == ["iban", "number", "2"]
    assert name_tokens("lines.first-name") == ["lines", "first", "name"]


def test_name_hits_keep_order_and_one_hit_per_column() -> None:
    hits = column_name_hits(["amount", "emailPhone", "vendorName", "dob"])
    assert [(hit.column, hit.kind) for hit in hits] == [
        ("emailPhone", "email"),
        ("dob", "birth_date"),
    ]


# --- masking -------------------------------------------------------------------------------

POSITIVES = [
    "john.doe@example.com",
    "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32",
    "4111 1111 1111 1111",
    "378282246310005",
    "536-22-1234",
    "AB123456C",
    "+44 20 7946 0958",
    "(555) 123-4567",
    "12345678901",
]


def test_mask_text_forms() -> None:
    assert mask_text("email", "john.doe@example.com") == "j***@e***.com"
    assert mask_text("iban", "DE89 3704 0044 0532 0130 00") == "DE89 **** **** **** **30 00"
    assert mask_text("iban", "DE89370400440532013000") == "DE89 **** **** **** **30 00"
    assert mask_text("card_number", "4111 1111 1111 1111") == "**** **** **** 1111"
    assert mask_text("account_number", "12345678901") == "*******8901"
    assert mask_text("national_id", "536-22-1234") == "***-**-****"
    assert mask_text("phone", "+44 20 7946 0958") == "+** ** **** **58"


@pytest.mark.parametrize("raw", POSITIVES)
def test_masking_never_leaves_the_raw_value(raw: str) -> None:
    text = f"Customer data: {raw} (ref INV-000123, 1,234.56 EUR on 2025-01-31)"
    masked = mask_value(text)
    assert raw not in masked
    assert "*" in masked
    assert masked.startswith("Customer data: ")
    assert masked.endswith("(ref INV-000123, 1,234.56 EUR on 2025-01-31)")
    assert find_pii(masked) == []
    hits = scan_values([text] * 5)
    assert len(hits) == 1
    assert hits[0].examples
    for example in hits[0].examples:
        assert raw not in example
        assert raw.replace(" ", "") not in example


def test_masking_numbers_and_containers() -> None:
    assert mask_value(4111111111111111) == "************1111"
    assert mask_value(12345678901) == "*******8901"
    assert mask_value(1234.56) == 1234.56
    assert mask_value(2025) == 2025
    assert mask_value(True) is True
    assert mask_value(None) is None
    value = {"to": ["a@b.com", "ok"], "pair": ("x", "c@d.org"), "n": 1}
    assert mask_value(value) == {
        "to": ["a***@b***.com", "ok"],
        "pair": ("x", "c***@d***.org"),
        "n": 1,
    }


def test_mask_value_respects_kinds() -> None:
    text = "mail john@example.com or call +44 20 7946 0958"
    assert mask_value(text, kinds={"email"}) == "mail j***@e***.com or call +44 20 7946 0958"
    assert mask_value(text, kinds=["phone"]) == "mail john@example.com or call +** ** **** **58"
    with pytest.raises(ValueError, match="unknown PII kinds"):
        mask_value(text, kinds={"person_name"})


def test_mask_record_masks_nested_fields_and_honours_fields() -> None:
    record = {
        "amount": 120.5,
        "memo": "refund to DE89370400440532013000",
        "customer": {"email": "jane@example.org", "id": "C-000981"},
        "lines": [{"note": "call 020 7946 0958"}, {"note": "ok"}],
    }
    masked = mask_record(record)
    assert masked["amount"] == 120.5
    assert masked["memo"] == "refund to DE89 **** **** **** **30 00"
    assert masked["customer"] == {"email": "j***@e***.org", "id": "C-000981"}
    assert masked["lines"] == [{"note": "call *** **** **58"}, {"note": "ok"}]
    assert record["customer"]["email"] == "jane@example.org"  # not changed in place
    blob = json.dumps(masked)
    for raw in ("DE89370400440532013000", "jane@example.org", "020 7946 0958"):
        assert raw not in blob
    only = mask_record(record, fields=["customer"])
    assert only["customer"]["email"] == "j***@e***.org"
    assert only["memo"] == record["memo"]
    assert mask_record(record, fields=["lines.note"])["lines"][0]["note"] == "call *** **** **58"


# --- thresholds, sampling ------------------------------------------------------------------


def test_min_share_and_min_matches() -> None:
    plain = ["office chairs"] * 98
    two = plain + ["a@b.com", "c@d.com"]  # 2 of 100: 2% and only 2 matches
    assert scan_values(two) == []
    three = plain[:97] + ["a@b.com", "c@d.com", "e@f.com"]  # 3 of 100: the count rule
    (hit,) = scan_values(three, column="memo")
    assert (hit.column, hit.kind, hit.matches, hit.sampled) == ("memo", "email", 3, 100)
    assert hit.share == pytest.approx(0.03)
    one_in_ten = ["x"] * 9 + ["a@b.com"]  # 10%: the share rule
    assert [h.matches for h in scan_values(one_in_ten)] == [1]
    assert scan_values(one_in_ten, min_share=0.2) == []
    assert scan_values(three, min_matches=4) == []
    assert len(scan_values(two, min_share=0.02)) == 1


def test_missing_values_are_not_sampled() -> None:
    (hit,) = scan_values([None, float("nan"), pd.NA, pd.NaT, "a@b.com", "x"])
    assert hit.sampled == 2
    assert hit.share == 0.5


def test_examples_are_distinct_masked_and_capped() -> None:
    values = [f"{name}@example.com" for name in "abcdefghij"] + ["a2@example.com"]
    (hit,) = scan_values(values)
    assert hit.matches == 11
    assert hit.examples == ("a***@e***.com", "b***@e***.com", "c***@e***.com")
    assert all("***" in example for example in hit.examples)


def test_a_value_with_two_kinds_counts_once_for_each() -> None:
    hits = scan_values(["a@b.com 4111111111111111", "c@d.com"])
    assert {(h.kind, h.matches) for h in hits} == {("email", 2), ("card_number", 1)}


def test_sampling_is_deterministic_and_bounded() -> None:
    values = ["x"] * 900 + [f"u{i}@example.com" for i in range(100)]
    first = scan_values(values, sample_size=50, seed=7)
    assert first == scan_values(values, sample_size=50, seed=7)
    assert first[0].sampled == 50
    frame = pd.DataFrame({"contact": values})
    hits = scan_frame(frame, sample_size=200, seed=1)
    assert hits == scan_frame(frame, sample_size=200, seed=1)
    assert hits[0].sampled == 200
    assert 0.02 < hits[0].share < 0.2


def test_invalid_thresholds() -> None:
    with pytest.raises(ValueError, match="sample_size"):
        scan_values(["x"], sample_size=0)
    with pytest.raises(ValueError, match="min_share"):
        scan_frame(pd.DataFrame({"a": ["x"]}), min_share=1.5)
    with pytest.raises(ValueError, match="min_matches"):
        scan_records([{"a": "x"}], min_matches=0)


def test_scan_frame_reports_each_column() -> None:
    frame = pd.DataFrame(
        {
            "amount": [10.5, 20.0, 30.25, np.nan],
            "contact": ["a@b.com", "c@d.com", None, "e@f.com"],
            "card": [4111111111111111, 5555555555554444, 4012888888881881, 378282246310005],
            "memo": ["refund DE89 3704 0044 0532 0130 00", "x", "y", "z"],
            "paid": [True, False, True, True],
        }
    )
    hits = {(hit.column, hit.kind): hit for hit in scan_frame(frame)}
    assert set(hits) == {("contact", "email"), ("card", "card_number"), ("memo", "iban")}
    assert hits[("contact", "email")].sampled == 3
    assert hits[("card", "card_number")].examples[0] == "************1111"
    assert hits[("memo", "iban")].examples == ("DE89 **** **** **** **30 00",)


def test_large_integer_ids_read_as_account_numbers_a_documented_limit() -> None:
    frame = pd.DataFrame({"documentNumber": np.arange(40_000_000, 40_000_100)})
    (hit,) = scan_frame(frame)
    assert hit.kind == "account_number"
    assert hit.share == 1.0
    report = check_privacy(["documentNumber"], frame, allow=["documentNumber"])
    assert report.status == "pass"
    assert report.exempted == ("documentNumber",)


def test_pathological_inputs_stay_fast() -> None:
    texts = [
        "1" * 5000 + ".5",
        "a" * 5000 + "@",
        "+1 " * 3000 + ".5",
        "01 " * 5000 + "x",
        "a@" + "b." * 3000 + "1",
        " ".join(["DE89"] * 3000),
        "4111 " * 3000,
    ]
    start = time.perf_counter()
    for text in texts:
        find_pii(text)
    assert time.perf_counter() - start < 2.0


# --- stored inputs -------------------------------------------------------------------------


def test_flatten_record() -> None:
    record = {
        "amount": 1,
        "customer": {"email": "a@b.com", "address": {"city": "Berlin"}},
        "tags": ["x", "y"],
        "lines": [{"memo": "m1"}, {"memo": "m2", "qty": 2}],
    }
    assert flatten_record(record) == {
        "amount": [1],
        "customer.email": ["a@b.com"],
        "customer.address.city": ["Berlin"],
        "tags": ["x", "y"],
        "lines.memo": ["m1", "m2"],
        "lines.qty": [2],
    }


def stored_inputs(n: int = 40) -> list[dict[str, Any]]:
    return [
        {
            "amount": 100.0 + i,
            "vendor": "acme",
            "payer": {"contact": f"person{i}@example.com", "country": "DE"},
            "lines": [{"memo": "chairs"}, {"memo": f"refund to {VALID_IBANS[i % 3]}"}],
        }
        for i in range(n)
    ]


def test_scan_records_flattens_nested_inputs() -> None:
    hits = {(hit.column, hit.kind): hit for hit in scan_records(stored_inputs())}
    assert set(hits) == {("payer.contact", "email"), ("lines.memo", "iban")}
    assert hits[("payer.contact", "email")].sampled == 40
    assert hits[("lines.memo", "iban")].sampled == 80
    assert hits[("lines.memo", "iban")].share == 0.5


def test_scan_records_samples_records() -> None:
    hits = scan_records(stored_inputs(300), sample_size=25, seed=3)
    assert {hit.sampled for hit in hits if hit.column == "payer.contact"} == {25}
    assert hits == scan_records(stored_inputs(300), sample_size=25, seed=3)
    assert scan_records(iter(stored_inputs(5))) == scan_records(stored_inputs(5))


# --- the policy ----------------------------------------------------------------------------


def test_check_privacy_passes_clean_features() -> None:
    frame = pd.DataFrame({"amount": [1.5, 2.5], "vendorName": ["Acme", "Globex"]})
    report = check_privacy(["amount", "vendorName"], frame)
    assert report == PrivacyReport("pass", (), (), report.summary, (), 2)
    assert "no personal data" in report.summary
    assert check_privacy(["amount"]).status == "pass"


def test_check_privacy_fails_by_name_and_by_content() -> None:
    frame = pd.DataFrame(
        {
            "amount": [1.5, 2.5, 3.5],
            "customerEmail": ["x", "y", "z"],
            "note": ["call +44 20 7946 0958", "n/a", "n/a"],
            "label": ["a@b.com", "c@d.com", "e@f.com"],  # not a feature: not scanned
        }
    )
    report = check_privacy(["amount", "customerEmail", "note"], frame)
    assert report.status == "fail"
    assert [(h.column, h.kind) for h in report.name_hits] == [("customerEmail", "email")]
    assert [(h.column, h.kind) for h in report.content_hits] == [("note", "phone")]
    assert "customerEmail: email (by name)" in report.summary
    assert "note: phone (1 of 3 sampled values)" in report.summary
    payload = report.as_dict()
    assert set(payload) == {
        "status",
        "summary",
        "nameHits",
        "contentHits",
        "exempted",
        "columnsChecked",
    }
    assert payload["contentHits"][0]["examples"] == ["+** ** **** **58"]
    assert "+44 20 7946 0958" not in json.dumps(payload)


def test_allow_list_exempts_named_columns() -> None:
    frame = pd.DataFrame({"accountNumber": ["12345678901", "98765432101"], "x": [1, 2]})
    failing = check_privacy(["accountNumber", "x"], frame)
    assert failing.status == "fail"
    assert {h.column for h in failing.name_hits} == {"accountNumber"}
    assert {h.column for h in failing.content_hits} == {"accountNumber"}
    allowed = check_privacy(["accountNumber", "x"], frame, allow={"accountNumber"})
    assert allowed.status == "pass"
    assert allowed.name_hits == ()
    assert allowed.content_hits == ()
    assert allowed.exempted == ("accountNumber",)
    assert allowed.as_dict()["exempted"] == ["accountNumber"]


def test_check_privacy_on_stored_inputs() -> None:
    records = stored_inputs(20)
    report = check_privacy(["amount", "vendor"], records)
    assert report.status == "fail"
    assert {(h.column, h.kind) for h in report.content_hits} == {
        ("payer.contact", "email"),
        ("lines.memo", "iban"),
    }
    assert report.name_hits == ()
    assert report.columns_checked == 5
    allowed = check_privacy(["amount", "vendor"], records, allow=["payer", "lines.memo"])
    assert allowed.status == "pass"
    assert set(allowed.exempted) == {"payer.contact", "lines.memo"}
    masked = [mask_record(record) for record in records]
    assert check_privacy(["amount", "vendor"], masked).status == "pass"


def test_stored_input_keys_are_checked_by_name() -> None:
    report = check_privacy(["amount"], {"amount": 3.0, "customer": {"phone": "n/a"}})
    assert [(h.column, h.kind) for h in report.name_hits] == [("customer.phone", "phone")]
    assert report.status == "fail"


def test_kinds_and_results_are_json_friendly() -> None:
    assert PII_KINDS == ("email", "iban", "card_number", "national_id", "phone", "account_number")
    hit = ContentHit("memo", "email", 1, 2, 0.5, ("a***@b***.com",))
    assert hit.as_dict() == {
        "column": "memo",
        "kind": "email",
        "matches": 1,
        "sampled": 2,
        "share": 0.5,
        "examples": ["a***@b***.com"],
    }
    assert [span.as_dict() for span in find_pii("x a@b.com")] == [
        {"kind": "email", "start": 2, "end": 9}
    ]
