"""The dashboard's signed cookies (web/session.py), without a server: a session cookie reads
back only under its secret and until its expiry, and a CSRF token matches only its browser
and its session."""

import pytest

from urutiq_ai.web import session as cookies

SECRET = "unit-test-secret"


def test_a_session_cookie_reads_back_until_it_expires() -> None:
    value = cookies.encode_session(SECRET, "key-1", hours=2, now=1_000_000)
    session = cookies.decode_session(SECRET, value, now=1_000_000 + 7199)
    assert (session.key_id, session.expires_at) == ("key-1", 1_000_000 + 7200)
    assert session.nonce
    with pytest.raises(cookies.SessionInvalid, match="expired"):
        cookies.decode_session(SECRET, value, now=1_000_000 + 7200)


def test_each_session_has_its_own_nonce() -> None:
    first = cookies.decode_session(SECRET, cookies.encode_session(SECRET, "key-1", hours=1))
    second = cookies.decode_session(SECRET, cookies.encode_session(SECRET, "key-1", hours=1))
    assert first.nonce != second.nonce


@pytest.mark.parametrize(
    "value",
    [
        cookies.encode_session("another-secret", "key-1", hours=1),
        cookies.csrf_token(SECRET, "browser", "session"),  # another salt's signature
        "garbage",
        "a.b",
        "é.é",
    ],
    # fixed ids: the first value holds a random nonce, and every xdist worker must collect
    # the same test names
    ids=["another-secret", "csrf-signature", "garbage", "no-payload", "non-ascii"],
)
def test_a_cookie_not_signed_with_the_secret_is_not_valid(value: str) -> None:
    with pytest.raises(cookies.SessionInvalid, match="not valid"):
        cookies.decode_session(SECRET, value)


def test_a_cookie_with_a_changed_payload_is_not_valid() -> None:
    value = cookies.encode_session(SECRET, "key-1", hours=1)
    body, _, signature = value.partition(".")
    changed = body[:-1] + ("B" if body.endswith("A") else "A")
    with pytest.raises(cookies.SessionInvalid, match="not valid"):
        cookies.decode_session(SECRET, f"{changed}.{signature}")


def test_a_missing_cookie_asks_to_log_in() -> None:
    with pytest.raises(cookies.SessionInvalid, match="please log in"):
        cookies.decode_session(SECRET, None)


def test_a_csrf_token_matches_only_its_browser_and_session() -> None:
    token = cookies.csrf_token(SECRET, "browser", "session")
    assert cookies.csrf_matches(SECRET, token, "browser", "session")
    assert not cookies.csrf_matches(SECRET, token, "other-browser", "session")
    assert not cookies.csrf_matches(SECRET, token, "browser", "other-session")
    assert not cookies.csrf_matches(SECRET, token, "browser", "")
    assert not cookies.csrf_matches("another-secret", token, "browser", "session")
    assert not cookies.csrf_matches(SECRET, token, None, "session")
    assert not cookies.csrf_matches(SECRET, None, "browser", "session")


@pytest.mark.parametrize(
    "sent", ["é", "token with spaces", "x" * 500, "."], ids=["non-ascii", "spaces", "long", "dot"]
)
def test_a_malformed_csrf_token_is_refused_not_raised_on(sent: str) -> None:
    assert not cookies.csrf_matches(SECRET, sent, "browser", "session")
