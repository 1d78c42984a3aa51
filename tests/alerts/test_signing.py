"""Webhook signatures (``sign``/``verify``), as pure functions. Their retry backoff is the
job ledger's (``tests/jobs/test_backoff.py``)."""

import hashlib
import hmac
import time

import pytest

from urutiq_ai.alerts import signing
from urutiq_ai.alerts.signing import DEFAULT_TOLERANCE_SECONDS, sign, verify
from urutiq_ai.sdk import verify_webhook

SECRET = "whsec-0123456789abcdef"
BODY = b'{"event":"alert.opened","alert":{"id":"a1","title":"Amount drift"}}'
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z


def digest(secret: str, body: bytes, timestamp: int) -> str:
    """The documented recipe: HMAC-SHA256 over ``"<t>." + body``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def parts(header: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in header.split(","))


class TestSign:
    def test_header_carries_timestamp_and_digest(self) -> None:
        header = sign(SECRET, BODY, NOW)
        assert header == f"t={NOW},v1={digest(SECRET, BODY, NOW)}"
        assert parts(header) == {"t": str(NOW), "v1": digest(SECRET, BODY, NOW)}

    def test_digest_is_hex_sha256(self) -> None:
        value = parts(sign(SECRET, BODY, NOW))["v1"]
        assert len(value) == 64
        int(value, 16)

    @pytest.mark.parametrize(
        ("secret", "body", "timestamp"),
        [
            ("another-secret-value", BODY, NOW),
            (SECRET, BODY + b" ", NOW),
            (SECRET, BODY, NOW + 1),
        ],
    )
    def test_every_input_changes_the_digest(self, secret: str, body: bytes, timestamp: int) -> None:
        assert parts(sign(secret, body, timestamp))["v1"] != digest(SECRET, BODY, NOW)
        assert parts(sign(secret, body, timestamp))["v1"] == digest(secret, body, timestamp)

    def test_empty_and_non_ascii_bodies(self) -> None:
        for body in (b"", '{"title":"Drift in montant \u00e9\u00e8"}'.encode()):
            header = sign(SECRET, body, NOW)
            assert parts(header)["v1"] == digest(SECRET, body, NOW)
            assert verify(SECRET, body, header, now=NOW)


class TestVerify:
    def test_a_valid_header_verifies(self) -> None:
        assert verify(SECRET, BODY, sign(SECRET, BODY, NOW), now=NOW)

    def test_against_the_real_clock_by_default(self) -> None:
        assert verify(SECRET, BODY, sign(SECRET, BODY, int(time.time())))
        assert not verify(SECRET, BODY, sign(SECRET, BODY, NOW))  # long ago

    def test_tampered_body(self) -> None:
        header = sign(SECRET, BODY, NOW)
        assert not verify(SECRET, BODY.replace(b"a1", b"a2"), header, now=NOW)
        assert not verify(SECRET, BODY + b"\n", header, now=NOW)

    def test_wrong_secret(self) -> None:
        header = sign(SECRET, BODY, NOW)
        assert not verify("not-the-secret-at-all", BODY, header, now=NOW)
        assert not verify(SECRET.upper(), BODY, header, now=NOW)

    def test_tampered_timestamp_with_the_same_digest(self) -> None:
        forged = f"t={NOW + 1},v1={digest(SECRET, BODY, NOW)}"
        assert not verify(SECRET, BODY, forged, now=NOW)

    @pytest.mark.parametrize(
        "header",
        [
            f"v1={digest(SECRET, BODY, NOW)}",  # no t=
            f"t={NOW}",  # no v1=
            f"t={NOW},v1=",  # empty digest
            f"t={NOW},v0={digest(SECRET, BODY, NOW)}",  # another scheme only
            f"t=soon,v1={digest(SECRET, BODY, NOW)}",  # t not a number
            "",
            "garbage",
            "t,v1",
            ",,,===",
            digest(SECRET, BODY, NOW),  # the bare digest
        ],
    )
    def test_malformed_headers_fail(self, header: str) -> None:
        assert not verify(SECRET, BODY, header, now=NOW)

    def test_order_and_extra_parts_do_not_matter(self) -> None:
        value = digest(SECRET, BODY, NOW)
        assert verify(SECRET, BODY, f"v1={value},t={NOW}", now=NOW)
        assert verify(SECRET, BODY, f"t={NOW},v0=old,v1={value}", now=NOW)

    @pytest.mark.parametrize("offset", [0, 1, DEFAULT_TOLERANCE_SECONDS])
    def test_within_the_tolerance_either_side(self, offset: int) -> None:
        header = sign(SECRET, BODY, NOW)
        assert verify(SECRET, BODY, header, now=NOW + offset)  # sent a while ago
        assert verify(SECRET, BODY, header, now=NOW - offset)  # receiver's clock behind

    @pytest.mark.parametrize("offset", [DEFAULT_TOLERANCE_SECONDS + 1, 3600, 86_400 * 30])
    def test_older_or_newer_than_the_tolerance_fails(self, offset: int) -> None:
        header = sign(SECRET, BODY, NOW)
        assert not verify(SECRET, BODY, header, now=NOW + offset)  # a replay
        assert not verify(SECRET, BODY, header, now=NOW - offset)  # from the future

    def test_custom_tolerance(self) -> None:
        header = sign(SECRET, BODY, NOW)
        assert verify(SECRET, BODY, header, tolerance=10, now=NOW + 10)
        assert not verify(SECRET, BODY, header, tolerance=10, now=NOW + 11)
        assert verify(SECRET, BODY, header, tolerance=3600, now=NOW + 3600)
        assert DEFAULT_TOLERANCE_SECONDS == 300

    def test_sdk_exports_the_same_function(self) -> None:
        assert verify_webhook is verify
        assert verify_webhook is signing.verify
        assert verify_webhook(SECRET, BODY, sign(SECRET, BODY, NOW), now=NOW)
