"""The governance "privacy" policy: no feature column or stored input holds personal data.

Pure functions (standard library, pandas, numpy and python-stdnum, whose IBAN registry,
mod-97, Luhn and SSN checks are used rather than copies of them; what they cost on the
predict path is measured by ``benchmarks/privacy_masking.py``, figures in
``docs/benchmarks.md``, "Privacy checks on the predict path"); nothing here touches a
database.

* :func:`column_name_hits` -- columns whose *name* suggests personal data (``customerEmail``,
  ``contact_phone``, ``ibanNumber``, ``dob``, ``firstName``...). Names are split into
  lower-case tokens at ``_``/``-``/``.``/spaces, camelCase humps and letter/digit borders,
  and a rule matches a run of tokens (``e_mail`` -> ``e``, ``mail``) or one whole token
  (``emailaddress``). Business names are *not* personal data in accounting: ``vendorName``,
  ``customerName`` and a bare ``name`` are not flagged; only person-name tokens
  (``firstName``, ``lastName``, ``fullName``, ``personName``, ``employeeName``,
  ``contactName``, ``surname``...) are. ``accountNumber`` is flagged unless a ledger token
  (``gl``, ``ledger``, ``coa``, ``chart``) marks a chart-of-accounts column; a bare ``acct``
  or ``account`` is not (``acct`` is the ledger account in most accounting exports, so only
  ``acct_no``/``acctNumber``/``bank_acct`` are). ``zip``/``postcode`` are not flagged (a
  coarse location, mostly of businesses); ``tax_id`` is (sole traders' tax ids are personal).
* :func:`find_pii`, :func:`scan_values`, :func:`scan_frame`, :func:`scan_records` -- content
  patterns (:data:`PII_KINDS`) on a deterministic sample of each column. Strings are
  searched for the patterns; numbers only for card and account numbers, and only when they
  are non-negative and integer-valued (ints, or floats with no fraction below 2**53).
  Booleans, dates and other objects never match. Lists and dicts inside a cell are searched
  element by element.
* :func:`mask_value`, :func:`mask_record` -- replace each detected substring by its masked
  form (the same masks as :attr:`ContentHit.examples`), leaving other content intact.
* :func:`check_privacy` -- the policy verdict, a :class:`PrivacyReport`.

Content kinds and their heuristics (a span that two kinds would claim goes to the first in
:data:`PII_KINDS` order):

``email``
    ``local@domain.tld`` with a 2-24 letter top-level domain (``user@localhost`` is not one).
``iban``
    ISO 13616: country code and check digits, in the electronic (compact) or print (space
    separated) form, upper or lower case, of exactly the registered length for the country
    (:data:`IBAN_LENGTHS`, the SWIFT registry's countries as python-stdnum ships them), of the
    country's BBAN format and passing the mod-97 check (a random string of the right shape
    passes it 1 time in 97). Countries outside the registry are not read. IBAN-shaped text
    failing these checks is ignored as a whole.
``card_number``
    13-19 digits, compact or in groups of 4 (or Amex's 4-6-5) separated by one consistent
    space or dash, with a known issuer prefix (Visa, Mastercard, Amex, Discover, JCB, Diners,
    UnionPay, Maestro) and a valid Luhn check digit.
``national_id``
    US SSN ``ddd-dd-dddd`` (dashed form only) without the never-issued ranges (area 000, 666,
    900-999; group 00; serial 0000) nor the three SSNs known to be void (python-stdnum's
    check), and the UK National Insurance number (``AB123456C`` or ``AB 12 34 56 C``, upper
    case, HMRC's prefix letter rules; a regular expression, as python-stdnum has no NINO
    module). No generic EU national id: the formats differ by country and a generic pattern
    (8-12 alphanumerics) cannot be told apart from document and customer numbers; undashed
    SSNs read as account numbers.
``phone``
    international ``+`` numbers of 8-15 digits (spaces, dashes and a bracketed trunk ``(0)``
    allowed, no dots); North-American ``(555) 123-4567`` / ``555-123-4567`` /
    ``555.123.4567`` (10 digits, one consistent separator); and European trunk-prefixed
    numbers ``020 7946 0958`` / ``01 23 45 67 89`` / ``030/1234567`` / ``(030) 1234567``
    (a leading ``0``, 9-12 digits, one consistent separator). Compact national numbers
    (``0612345678``) read as account numbers; ``00``-prefixed international numbers and
    space-grouped numbers without a trunk ``0`` (``612 345 678``, which is also how
    amounts are grouped) are not read.
``account_number``
    a standalone run of 8-18 digits (no letter, digit, ``-``, ``/``, ``#``, ``+``, ``.`` or
    ``,`` right before it; no letter or digit, and no ``.``/``,``/``-``/``/`` plus digit right
    after it) that no other kind claimed, except runs that read as a date (``YYYYMMDD``,
    ``DDMMYYYY``, ``MMDDYYYY``, years 1900-2099), a compact timestamp (``YYYYMMDDhhmmss``),
    a Unix time from 2000 to 2100 (seconds or milliseconds) or one digit repeated
    (``00000000``). Limits: bank account formats differ by country and carry no common
    check digit, so this is a shape test: document numbers, order numbers and large amounts
    written without separators or decimals in free text, or large integer amounts/ids in a
    numeric column, read as account numbers (allow such columns by name); account numbers
    written in separated groups (``12-34-56 12345678``), with a prefix (``acct#12345678``)
    or of fewer than 8 digits are missed.

Accounting values that must not match (and are tested not to): amounts (``1,234.56``,
``1.234,56``, ``-1234567.89``), dates and ISO timestamps, invoice and vendor ids
(``INV-000123``, ``PO-12345678``, ``V0014``), years, percentages, decimals, small integers,
UUIDs.

A column is reported (:func:`scan_values`) when some sampled values match and either the
share of matching values is at least ``min_share`` (default 5%) or at least
``min_matches`` (default 3) values match: a share catches a column that is mostly personal
data, the count a free-text column where a few memos carry an IBAN or an e-mail.
"""

import datetime as dt
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from stdnum import iban, luhn, numdb
from stdnum.us import ssn

PII_KINDS = ("email", "iban", "card_number", "national_id", "phone", "account_number")
"""Content kinds, in the order a span claimed by two kinds is given to."""

NAME_KINDS = (*PII_KINDS, "birth_date", "person_name", "address")
"""Kinds a column name can suggest: the content kinds and three found by name only."""


def _iban_lengths() -> Mapping[str, int]:
    """IBAN length by country from python-stdnum's copy of the SWIFT registry: 4 (country and
    check digits) plus the widths of the BBAN structure (``DE``: ``8!n10!n`` -> 22)."""
    return MappingProxyType({
        country: 4 + sum(int(width) for width in re.findall(r"(\d+)!", info["bban"]))
        for _, country, _, info, _ in numdb.get("iban").prefixes
    })  # fmt: skip


IBAN_LENGTHS: Mapping[str, int] = _iban_lengths()
"""IBAN length by country (ISO 13616 registry, as python-stdnum ships it)."""

DEFAULT_SAMPLE_SIZE = 1000
DEFAULT_MIN_SHARE = 0.05
DEFAULT_MIN_MATCHES = 3
MAX_EXAMPLES = 3
"""Masked examples kept per :class:`ContentHit`."""

STATUSES = ("pass", "fail")


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PiiSpan:
    """A detected substring: ``text[start:end]`` is of ``kind``."""

    kind: str
    start: int
    end: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {"kind": self.kind, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class NameHit:
    """A column whose name suggests personal data of ``kind``; ``reason`` names the rule."""

    column: str
    kind: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {"column": self.column, "kind": self.kind, "reason": self.reason}


@dataclass(frozen=True)
class ContentHit:
    """``matches`` of the ``sampled`` non-missing values of ``column`` hold ``kind``.

    ``share`` is ``matches / sampled``; ``examples`` are masked matches (never a raw value).
    """

    column: str
    kind: str
    matches: int
    sampled: int
    share: float
    examples: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {
            "column": self.column,
            "kind": self.kind,
            "matches": self.matches,
            "sampled": self.sampled,
            "share": self.share,
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class PrivacyReport:
    """The privacy policy's verdict: ``fail`` when any hit is left after the allow-list.

    ``exempted`` lists the allowed columns that did have hits (the documented exceptions);
    ``columns_checked`` counts the names and content columns looked at.
    """

    status: str
    name_hits: tuple[NameHit, ...]
    content_hits: tuple[ContentHit, ...]
    summary: str
    exempted: tuple[str, ...] = ()
    columns_checked: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, camelCase keys."""
        return {
            "status": self.status,
            "summary": self.summary,
            "nameHits": [hit.as_dict() for hit in self.name_hits],
            "contentHits": [hit.as_dict() for hit in self.content_hits],
            "exempted": list(self.exempted),
            "columnsChecked": self.columns_checked,
        }


# --- column names --------------------------------------------------------------------------

_TOKEN_SPLIT = re.compile(
    r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])"
    r"|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])"
)
_LEDGER_TOKENS = frozenset({"gl", "ledger", "coa", "chart"})

# (kind, reason, token runs): each word is one token run, ``_`` separating its tokens
# (``e_mail`` matches the tokens e, mail; ``email`` the token email). The first kind wins.
_NAME_VOCABULARY = (
    ("email", "e-mail", "e_mail email emails mail emailaddress mailaddress"),
    (
        "phone",
        "phone number",
        "phone phones phonenumber mobile mobilenumber tel telephone telno msisdn cellphone"
        " cell_number",
    ),
    ("iban", "IBAN", "iban ibans"),
    (
        "card_number",
        "payment card",
        "cardnumber creditcard ccnumber cvv cvc card_number card_no card_num credit_card"
        " cc_number cc_no",
    ),
    (
        "account_number",
        "bank account",
        "bankaccount bankacct bank_account bank_acct accountnumber accountno acctnumber acctno"
        " acctnum account_number account_no account_num acct_number acct_no acct_num",
    ),
    (
        "national_id",
        "national or tax identifier",
        "ssn nino passport passportnumber nationalid taxid national_id national_insurance"
        " social_security tax_id tax_identification",
    ),
    ("birth_date", "date of birth", "dob birth birthdate birthday dateofbirth"),
    (
        "person_name",
        "person name",
        "firstname lastname fullname surname forename givenname familyname middlename"
        " maidenname personname employeename first_name last_name full_name given_name"
        " family_name middle_name maiden_name person_name employee_name contact_name",
    ),
    ("address", "postal address", "address addresses street streetaddress homeaddress"),
)
_NAME_RULES = tuple(
    (kind, tuple(word.split("_")), reason)
    for kind, reason, words in _NAME_VOCABULARY
    for word in words.split()
)


def name_tokens(column: str) -> list[str]:
    """The lower-case tokens of a column name: ``"customerEmail2"`` -> customer, email, 2."""
    return [token.lower() for token in _TOKEN_SPLIT.split(str(column)) if token]


def _contains_run(tokens: Sequence[str], run: tuple[str, ...]) -> bool:
    width = len(run)
    return any(tuple(tokens[i : i + width]) == run for i in range(len(tokens) - width + 1))


def _name_hit(column: str) -> NameHit | None:
    tokens = name_tokens(column)
    ledger = not _LEDGER_TOKENS.isdisjoint(tokens)
    for kind, run, reason in _NAME_RULES:
        if kind == "account_number" and ledger and not run[0].startswith("bank"):
            continue
        if _contains_run(tokens, run):
            return NameHit(str(column), kind, f"{reason}: name token {'_'.join(run)!r}")
    return None


def column_name_hits(columns: Sequence[str]) -> list[NameHit]:
    """The columns whose name suggests personal data, in ``columns`` order, one hit each."""
    return [hit for column in columns if (hit := _name_hit(column)) is not None]


# --- validators ----------------------------------------------------------------------------


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check (python-stdnum's)."""
    return digits.isascii() and digits.isdigit() and luhn.is_valid(digits)


def _card_prefix_ok(digits: str) -> bool:
    n, first = len(digits), digits[0]
    p2, p3, p4 = int(digits[:2]), int(digits[:3]), int(digits[:4])
    if first == "4":  # Visa
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:  # Mastercard
        return n == 16
    if p2 in (34, 37):  # Amex
        return n == 15
    if 3528 <= p4 <= 3589:  # JCB
        return 16 <= n <= 19
    if p2 in (36, 38, 39) or 300 <= p3 <= 305:  # Diners
        return 14 <= n <= 19
    if p2 in (50, 56, 57, 58) or first == "6":  # Maestro, Discover, UnionPay
        return 13 <= n <= 19
    return False


def card_number_valid(digits: str) -> bool:
    """True for 13-19 digits with a known issuer prefix and a valid Luhn check digit."""
    return (
        digits.isdigit() and 13 <= len(digits) <= 19 and _card_prefix_ok(digits)
    ) and luhn_valid(digits)


def iban_valid(text: str) -> bool:
    """True when ``text`` (spaces allowed) is an IBAN by python-stdnum: a registered country,
    its BBAN format (hence its length) and mod-97.

    stdnum's national checks are left out (``check_country=False``): some look the bank code
    up in a list shipped with stdnum (Belgium's), so an account at a bank newer than the list,
    or the registry's own example ``BE68 5390 0754 7034``, would be no IBAN, and a privacy
    check must not miss real account numbers."""
    compact = re.sub(r"\s+", "", text)
    return bool(_IBAN_COMPACT.fullmatch(compact)) and iban.is_valid(compact, check_country=False)


_IBAN_COMPACT = re.compile(r"[A-Za-z]{2}\d{2}[A-Za-z0-9]+")
_SSN_DASHED = re.compile(r"\d{3}-\d{2}-\d{4}")


def ssn_valid(text: str) -> bool:
    """True for ``ddd-dd-dddd`` that python-stdnum accepts: not in the never-issued ranges
    (area 000, 666, 9xx; group 00; serial 0000) nor one of the SSNs known to be void
    (``078-05-1120``, the wallet-card specimen, and two others). Only the dashed form: an
    undashed SSN reads as an account number."""
    return bool(_SSN_DASHED.fullmatch(text)) and ssn.is_valid(text)


def _date_like(digits: str) -> bool:
    def valid(year: str, month: str, day: str) -> bool:
        if not 1900 <= int(year) <= 2099:
            return False
        try:
            dt.date(int(year), int(month), int(day))
        except ValueError:
            return False
        return True

    d = digits
    if len(d) == 8:
        return (
            valid(d[:4], d[4:6], d[6:])
            or valid(d[4:], d[2:4], d[:2])
            or valid(d[4:], d[:2], d[2:4])
        )
    if len(d) == 14:
        hour, minute, second = int(d[8:10]), int(d[10:12]), int(d[12:])
        return valid(d[:4], d[4:6], d[6:8]) and hour < 24 and minute < 60 and second < 60
    return False


_EPOCH_SECONDS = (946_684_800, 4_102_444_800)  # 2000-01-01 to 2100-01-01


def _account_digits_ok(digits: str) -> bool:
    if not 8 <= len(digits) <= 18 or len(set(digits)) == 1 or _date_like(digits):
        return False
    value = int(digits)
    low, high = _EPOCH_SECONDS
    return not (low <= value < high or low * 1000 <= value < high * 1000)


# --- content patterns ----------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}")
_IBAN_SHAPE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}"
    r"(?:(?:\ [A-Za-z0-9]{4})+(?:\ [A-Za-z0-9]{1,3})?|[A-Za-z0-9]{11,30})(?![A-Za-z0-9])"
)
_CARD = re.compile(
    r"(?<![\w.,+/-])(?:\d{13,19}"
    r"|\d{4}([ -])\d{4}\1\d{4}(?:\1\d{1,4})?(?:\1\d{1,3})?"
    r"|\d{4}([ -])\d{6}\2\d{4,5})"
    r"(?!\w|[.,/-]\d)"
)
_SSN = re.compile(r"(?<![\w.,/-])\d{3}-\d{2}-\d{4}(?!\w|[.,/-]\d)")
_NINO = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"(?:\d{6}|\ \d{2}\ \d{2}\ \d{2}\ )[A-D](?![A-Za-z0-9])"
)
_PHONE_INTERNATIONAL = re.compile(
    r"(?<![\w+])\+\d+(?:[ -]?\(\d+\)(?:[ -]?\d+)?|[ -]\d+)*(?!\w|[.,]\d)"
)
_PHONE_NANP = re.compile(
    r"(?<![\w.,+/-])(?:\([2-9]\d{2}\)\ ?\d{3}[-. ]\d{4}|[2-9]\d{2}([-. ])\d{3}\1\d{4})"
    r"(?!\w|[.,:/-]\d)"
)
_PHONE_TRUNK = re.compile(
    r"(?<![\w.,+/-])(?:\(0[1-9]\d{0,4}\)\ ?\d+(?:([ ./-])\d+(?:\1\d+)*)?"
    r"|0[1-9]\d{0,4}([ ./-])\d+(?:\2\d+)*)"
    r"(?!\w|[.,:/-]\d)"
)
_ACCOUNT = re.compile(r"(?<![\w.,/#+-])\d{8,18}(?!\w|[.,/-]\d)")
_MAYBE_PII = re.compile(r"[@\d]")


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _iban_candidates(text: str) -> Iterator[tuple[int, int, bool]]:
    """IBAN-shaped spans (a known country, its length) with whether they pass mod-97."""
    for match in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(match.group()[:2].upper())
        if length is None:
            continue
        start, end, count = match.start(), match.end(), 4
        while count < length and end < len(text):
            char = text[end]
            if char == " " and end + 1 < len(text) and text[end + 1] != " ":
                end += 1
                continue
            if not (char.isascii() and char.isalnum()):
                break
            count += 1
            end += 1
        if count == length and not (end < len(text) and text[end].isalnum()):
            yield start, end, iban_valid(text[start:end])


def _iban_blocked(text: str, valid: Sequence[tuple[int, int]]) -> list[PiiSpan]:
    """IBAN-shaped text that is no valid IBAN: a wrong check digit, length or country."""
    blocked = []
    for match in _IBAN_SHAPE.finditer(text):
        start, end = match.span()
        if all(end <= v_start or start >= v_end for v_start, v_end in valid):
            blocked.append(PiiSpan("", start, end))
    return blocked


def _regex_spans(
    pattern: re.Pattern[str], text: str, valid: Callable[[str], bool] | None = None
) -> Iterator[tuple[int, int]]:
    for match in pattern.finditer(text):
        if valid is None or valid(match.group()):
            yield match.span()


def _phone_spans(text: str) -> Iterator[tuple[int, int]]:
    yield from _regex_spans(
        _PHONE_INTERNATIONAL,
        text,
        lambda s: 8 <= len(_digits(s)) <= 15 and s[1] != "0",
    )
    yield from _regex_spans(_PHONE_NANP, text)
    yield from _regex_spans(_PHONE_TRUNK, text, lambda s: 9 <= len(_digits(s)) <= 12)


def _kind_spans(kind: str, text: str) -> Iterator[tuple[int, int]]:
    if kind == "email":
        yield from _regex_spans(_EMAIL, text)
    elif kind == "iban":
        yield from ((start, end) for start, end, valid in _iban_candidates(text) if valid)
    elif kind == "card_number":
        yield from _regex_spans(_CARD, text, lambda s: card_number_valid(_digits(s)))
    elif kind == "national_id":
        yield from _regex_spans(_SSN, text, ssn_valid)
        yield from _regex_spans(_NINO, text)
    elif kind == "phone":
        yield from _phone_spans(text)
    elif kind == "account_number":
        yield from _regex_spans(_ACCOUNT, text, _account_digits_ok)


def _check_kinds(kinds: Collection[str] | None) -> tuple[str, ...]:
    if kinds is None:
        return PII_KINDS
    unknown = sorted(set(kinds) - set(PII_KINDS))
    if unknown:
        raise ValueError(f"unknown PII kinds {unknown}; supported: {', '.join(PII_KINDS)}")
    return tuple(kind for kind in PII_KINDS if kind in kinds)


def find_pii(text: str, kinds: Collection[str] | None = None) -> list[PiiSpan]:
    """The personal-data substrings of ``text``, sorted by position, never overlapping.

    ``kinds`` restricts the search (default: all of :data:`PII_KINDS`); a span two kinds
    would claim goes to the earlier kind in :data:`PII_KINDS`. IBAN-shaped text that is no
    valid IBAN (a wrong check digit, length or country) is no personal data, and no other kind
    may claim a part of it either (the tail of ``DE88 3704 0044 0532 0130 00`` would
    otherwise read as a phone number).
    """
    wanted = _check_kinds(kinds)
    if not _MAYBE_PII.search(text):
        return []
    candidates = list(_iban_candidates(text))
    valid = [(start, end) for start, end, ok in candidates if ok]
    blocked = [PiiSpan("", start, end) for start, end, ok in candidates if not ok]
    blocked += _iban_blocked(text, valid)
    taken: list[PiiSpan] = []
    for kind in wanted:
        for start, end in _kind_spans(kind, text):
            if all(end <= span.start or start >= span.end for span in (*blocked, *taken)):
                taken.append(PiiSpan(kind, start, end))
    return sorted(taken, key=lambda span: span.start)


def _number_digits(value: Any) -> str | None:
    """The digits of a non-negative integer-valued number, else None."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | np.integer):
        return str(int(value)) if value >= 0 else None
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isfinite(number) and number.is_integer() and 0 <= number < 2**53:
            return str(int(number))
    return None


def _number_kind(value: Any, kinds: Sequence[str]) -> str | None:
    digits = _number_digits(value)
    if digits is None or len(digits) < 8:
        return None
    if "card_number" in kinds and card_number_valid(digits):
        return "card_number"
    if "account_number" in kinds and _account_digits_ok(digits):
        return "account_number"
    return None


# --- masking -------------------------------------------------------------------------------


def _mask_alnum(text: str, keep: int) -> str:
    total = sum(char.isalnum() for char in text)
    seen, out = 0, []
    for char in text:
        if char.isalnum():
            seen += 1
            out.append(char if seen > total - keep else "*")
        else:
            out.append(char)
    return "".join(out)


def _mask_email(text: str) -> str:
    local, _, domain = text.rpartition("@")
    labels = domain.split(".")
    return f"{local[:1]}***@{labels[0][:1]}***.{labels[-1]}"


def _mask_iban(text: str) -> str:
    compact = re.sub(r"\s+", "", text)
    masked = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def mask_text(kind: str, text: str) -> str:
    """The masked form of one detected ``text`` of ``kind``: ``j***@e***.com``,
    ``DE89 **** **** **** **30 00``, the last 4 digits of card and account numbers, the last 2
    of phone numbers, nothing of national ids; separators are kept."""
    if kind == "email":
        return _mask_email(text)
    if kind == "iban":
        return _mask_iban(text)
    keep = {"card_number": 4, "account_number": 4, "phone": 2, "national_id": 0}[kind]
    return _mask_alnum(text, keep)


def _mask_string(text: str, spans: Sequence[PiiSpan]) -> str:
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        masked = mask_text(span.kind, text[span.start : span.end])
        text = text[: span.start] + masked + text[span.end :]
    return text


def _mask(value: Any, kinds: Sequence[str]) -> Any:
    if isinstance(value, str):
        spans = find_pii(value, kinds)
        return _mask_string(value, spans) if spans else value
    if isinstance(value, Mapping):
        return {key: _mask(item, kinds) for key, item in value.items()}
    if isinstance(value, list | tuple):
        masked = [_mask(item, kinds) for item in value]
        return tuple(masked) if isinstance(value, tuple) else masked
    kind = _number_kind(value, kinds)
    if kind is not None:
        return mask_text(kind, _number_digits(value) or "")
    return value


def mask_value(value: Any, kinds: Collection[str] | None = None) -> Any:
    """``value`` with personal data masked: detected substrings of strings replaced by their
    masked form (:func:`mask_text`), card and account numbers given as numbers turned into
    masked strings, dicts, lists and tuples masked item by item; anything else unchanged."""
    return _mask(value, _check_kinds(kinds))


def _selected(path: str, fields: Collection[str] | None) -> bool:
    if fields is None:
        return True
    return any(path == field or path.startswith(f"{field}.") for field in fields)


def _mask_at(value: Any, path: str, kinds: Sequence[str], fields: Collection[str] | None) -> Any:
    if isinstance(value, Mapping):
        return {
            key: _mask_at(item, f"{path}.{key}" if path else str(key), kinds, fields)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        masked = [_mask_at(item, path, kinds, fields) for item in value]
        return tuple(masked) if isinstance(value, tuple) else masked
    return _mask(value, kinds) if _selected(path, fields) else value


def mask_record(
    record: Mapping[str, Any],
    kinds: Collection[str] | None = None,
    *,
    fields: Collection[str] | None = None,
) -> dict[str, Any]:
    """A copy of a stored input with personal data masked (:func:`mask_value`).

    ``fields`` limits the masking to those dotted keys (``"customer.email"``) and what lies
    under them (``"customer"``); list items share their list's key. Default: every field.
    """
    return dict(_mask_at(record, "", _check_kinds(kinds), fields))


# --- scanning ------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str | Mapping | list | tuple | set | np.ndarray):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _value_matches(value: Any, kinds: Sequence[str]) -> list[tuple[str, str]]:
    """(kind, masked example) for each detection in one value."""
    if isinstance(value, str):
        return [
            (span.kind, mask_text(span.kind, value[span.start : span.end]))
            for span in find_pii(value, kinds)
        ]
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list | tuple | set | np.ndarray):
        return [match for item in value for match in _value_matches(item, kinds)]
    kind = _number_kind(value, kinds)
    return [] if kind is None else [(kind, mask_text(kind, _number_digits(value) or ""))]


def _check_thresholds(sample_size: int, min_share: float, min_matches: int) -> None:
    if sample_size < 1:
        raise ValueError(f"sample_size must be at least 1, got {sample_size}")
    if not 0.0 <= min_share <= 1.0:
        raise ValueError(f"min_share must lie in [0, 1], got {min_share}")
    if min_matches < 1:
        raise ValueError(f"min_matches must be at least 1, got {min_matches}")


def _sample(values: list[Any], sample_size: int, seed: int) -> list[Any]:
    if len(values) <= sample_size:
        return values
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(values), size=sample_size, replace=False))
    return [values[i] for i in chosen]


def _scan_sample(
    column: str, sample: Sequence[Any], min_share: float, min_matches: int
) -> list[ContentHit]:
    counts: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    for value in sample:
        found = _value_matches(value, PII_KINDS)
        for kind in dict.fromkeys(kind for kind, _ in found):
            counts[kind] = counts.get(kind, 0) + 1
        for kind, example in found:
            kept = examples.setdefault(kind, [])
            if len(kept) < MAX_EXAMPLES and example not in kept:
                kept.append(example)
    sampled = len(sample)
    hits = []
    for kind in PII_KINDS:
        matches = counts.get(kind, 0)
        share = matches / sampled if sampled else 0.0
        if matches and (share >= min_share or matches >= min_matches):
            hits.append(ContentHit(column, kind, matches, sampled, share, tuple(examples[kind])))
    return hits


def scan_values(
    values: Iterable[Any],
    *,
    column: str = "value",
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    min_share: float = DEFAULT_MIN_SHARE,
    min_matches: int = DEFAULT_MIN_MATCHES,
    seed: int = 0,
) -> list[ContentHit]:
    """The personal-data kinds found in one column's values, reported as ``column``.

    Missing values (None, NaN, NaT, NA) are dropped; of the rest at most ``sample_size`` are
    looked at, drawn without replacement by a generator seeded with ``seed`` (the same input
    gives the same sample). A kind is reported when it matches some sampled values and either
    ``share >= min_share`` or ``matches >= min_matches``.
    """
    _check_thresholds(sample_size, min_share, min_matches)
    present = [value for value in values if not _missing(value)]
    return _scan_sample(column, _sample(present, sample_size, seed), min_share, min_matches)


def scan_frame(
    frame: pd.DataFrame,
    *,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    min_share: float = DEFAULT_MIN_SHARE,
    min_matches: int = DEFAULT_MIN_MATCHES,
    seed: int = 0,
) -> list[ContentHit]:
    """:func:`scan_values` on every column of ``frame``, column by column."""
    _check_thresholds(sample_size, min_share, min_matches)
    hits: list[ContentHit] = []
    for name in frame.columns:
        series = frame[name]
        if isinstance(series, pd.DataFrame):  # a duplicated column name
            series = series.iloc[:, 0]
        present = series.dropna()
        if len(present) > sample_size:
            present = present.sample(n=sample_size, random_state=seed)
        if pd.api.types.is_bool_dtype(present) or pd.api.types.is_datetime64_any_dtype(present):
            continue
        sample = [value for value in present.tolist() if not _missing(value)]
        hits.extend(_scan_sample(str(name), sample, min_share, min_matches))
    return hits


def flatten_record(record: Mapping[str, Any]) -> dict[str, list[Any]]:
    """A stored input's values by dotted key: nested dicts give ``"customer.email"``, list
    items are values of their list's key (``{"tags": ["a", "b"]}`` -> ``{"tags": ["a", "b"]}``,
    a list of dicts -> ``"lines.memo"``)."""
    flat: dict[str, list[Any]] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, path)
        else:
            flat.setdefault(path, []).append(value)

    walk(record, "")
    return flat


def _sampled_records(
    records: Iterable[Mapping[str, Any]], sample_size: int, seed: int
) -> list[Mapping[str, Any]]:
    if isinstance(records, Mapping):
        return [records]
    return _sample(list(records), sample_size, seed)


def scan_records(
    records: Iterable[Mapping[str, Any]],
    *,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    min_share: float = DEFAULT_MIN_SHARE,
    min_matches: int = DEFAULT_MIN_MATCHES,
    seed: int = 0,
) -> list[ContentHit]:
    """:func:`scan_values` on stored inputs (JSON objects), one column per dotted key
    (:func:`flatten_record`). At most ``sample_size`` records are drawn (seeded by ``seed``),
    then at most ``sample_size`` values per key; ``sampled`` counts values, not records."""
    _check_thresholds(sample_size, min_share, min_matches)
    columns: dict[str, list[Any]] = {}
    for record in _sampled_records(records, sample_size, seed):
        for key, values in flatten_record(record).items():
            columns.setdefault(key, []).extend(values)
    hits: list[ContentHit] = []
    for key, values in columns.items():
        hits.extend(
            scan_values(
                values,
                column=key,
                sample_size=sample_size,
                min_share=min_share,
                min_matches=min_matches,
                seed=seed,
            )
        )
    return hits


# --- the policy ----------------------------------------------------------------------------


def _allowed(column: str, allow: Collection[str]) -> bool:
    return any(column == name or column.startswith(f"{name}.") for name in allow)


def _summary(name_hits: Sequence[NameHit], content_hits: Sequence[ContentHit], checked: int) -> str:
    if not name_hits and not content_hits:
        return f"no personal data found in {checked} column(s)"
    parts = [f"{hit.column}: {hit.kind} (by name)" for hit in name_hits]
    parts += [
        f"{hit.column}: {hit.kind} ({hit.matches} of {hit.sampled} sampled values)"
        for hit in content_hits
    ]
    return "personal data found: " + "; ".join(parts)


def check_privacy(
    feature_columns: Sequence[str],
    frame_or_records: pd.DataFrame | Iterable[Mapping[str, Any]] | None = None,
    *,
    allow: Collection[str] = (),
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    min_share: float = DEFAULT_MIN_SHARE,
    min_matches: int = DEFAULT_MIN_MATCHES,
    seed: int = 0,
) -> PrivacyReport:
    """The privacy policy: ``fail`` when a feature column or a stored input holds personal
    data, by name (:func:`column_name_hits`) or by content (:func:`scan_frame`,
    :func:`scan_records`).

    * a DataFrame: the names of ``feature_columns`` are checked, and the content of those of
      them that are in the frame (other columns, such as the label, are not scanned);
    * stored inputs (an iterable of JSON objects, or one object): the names of
      ``feature_columns`` and of every dotted key of the sampled records, and the content of
      every key;
    * None: the names of ``feature_columns`` only.

    ``allow`` lists the column names the policy explicitly allows (a documented exception,
    e.g. a ledger ``account_number`` or an integer document number): their hits, and those
    of dotted keys under them, are left out of the verdict and their names are given in
    :attr:`PrivacyReport.exempted`.
    """
    _check_thresholds(sample_size, min_share, min_matches)
    names = [str(column) for column in feature_columns]
    content_columns: list[str] = []
    content: list[ContentHit] = []
    if isinstance(frame_or_records, pd.DataFrame):
        wanted = set(names)
        content_columns = [str(c) for c in frame_or_records.columns if str(c) in wanted]
        subset = frame_or_records.loc[:, [str(c) in wanted for c in frame_or_records.columns]]
        content = scan_frame(
            subset, sample_size=sample_size, min_share=min_share, min_matches=min_matches, seed=seed
        )
    elif frame_or_records is not None:
        records = _sampled_records(frame_or_records, sample_size, seed)
        keys = [key for record in records for key in flatten_record(record)]
        content_columns = list(dict.fromkeys(keys))
        names = list(dict.fromkeys([*names, *content_columns]))
        content = scan_records(
            records,
            sample_size=sample_size,
            min_share=min_share,
            min_matches=min_matches,
            seed=seed,
        )
    names_hits = column_name_hits(names)
    kept_names = tuple(hit for hit in names_hits if not _allowed(hit.column, allow))
    kept_content = tuple(hit for hit in content if not _allowed(hit.column, allow))
    hit_columns = [hit.column for hit in names_hits] + [hit.column for hit in content]
    exempted = tuple(dict.fromkeys(c for c in hit_columns if _allowed(c, allow)))
    checked = len(set(names) | set(content_columns))
    status = "fail" if kept_names or kept_content else "pass"
    return PrivacyReport(
        status=status,
        name_hits=kept_names,
        content_hits=kept_content,
        summary=_summary(kept_names, kept_content, checked),
        exempted=exempted,
        columns_checked=checked,
    )
