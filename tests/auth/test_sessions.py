"""Staff sessions (kluis.auth.sessions) on both backends: the lock-out and its end, idle and
12-hour expiry, the second factor, password changes, and what the database keeps of a session.
Time is passed in; nothing sleeps."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from conftest import NOW
from kluis.audit import service as audit
from kluis.auth import sessions
from kluis.auth.rules import (
    CLIENT_WINDOW_MINUTES,
    LOCK_MINUTES,
    MAX_CLIENT_FAILURES,
    MAX_FAILED_SIGN_INS,
    SESSION_MAX_HOURS,
    token_digest,
)
from kluis.auth.tables import SignInClient, StaffSession, User
from kluis.errors import InvalidField
from kluis.runtime import Kluis
from staff_helpers import PASSWORD, assert_production_cost, make_user

WRONG = "not the password at all"


def wrong_code(secret: str, at: datetime) -> str:
    """A six-digit code that none of the accepted 30-second steps around ``at`` shows."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(at + timedelta(seconds=30 * step)) for step in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(10)) if c not in valid)


@pytest.fixture
def email(kluis: Kluis) -> str:
    return make_user(kluis, "admin")


def test_a_session_is_kept_as_the_digest_of_its_cookie_token(kluis: Kluis, email: str) -> None:
    token, session = sessions.sign_in(kluis, email.upper(), PASSWORD, NOW)
    assert session.email == email
    assert session.purpose is None
    with kluis.engine.connect() as conn:
        digests = list(conn.execute(select(StaffSession.digest)).scalars())
    assert digests == [token_digest(token)]
    assert sessions.current(kluis, token, NOW) == session
    assert sessions.current(kluis, token + "x", NOW) is None
    assert sessions.current(kluis, None, NOW) is None
    assert [e.action for e in audit.list_entries(kluis.engine, action="staff.signed_in")]


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(
    kluis: Kluis, email: str
) -> None:
    for attempt in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(sessions.SignInRefused):
            sessions.sign_in(kluis, email, WRONG, NOW + timedelta(seconds=attempt))
    locked_at = NOW + timedelta(seconds=MAX_FAILED_SIGN_INS - 1)
    # the right password does not open a locked account, and says nothing different
    with pytest.raises(sessions.SignInRefused) as refused:
        sessions.sign_in(kluis, email, PASSWORD, locked_at + timedelta(minutes=LOCK_MINUTES - 1))
    with pytest.raises(sessions.SignInRefused) as unknown:
        sessions.sign_in(kluis, "nobody@example.com", PASSWORD, NOW)
    assert refused.value.detail == unknown.value.detail

    _token, session = sessions.sign_in(
        kluis, email, PASSWORD, locked_at + timedelta(minutes=LOCK_MINUTES)
    )
    assert session.email == email
    failures = audit.list_entries(kluis.engine, action="staff.sign_in_failed")
    assert len(failures) == MAX_FAILED_SIGN_INS


def test_a_right_password_before_the_fifth_try_resets_the_count(kluis: Kluis, email: str) -> None:
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(sessions.SignInRefused):
            sessions.sign_in(kluis, email, WRONG, NOW)
    sessions.sign_in(kluis, email, PASSWORD, NOW)
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        with pytest.raises(sessions.SignInRefused):
            sessions.sign_in(kluis, email, WRONG, NOW)
    sessions.sign_in(kluis, email, PASSWORD, NOW)


CLIENT = "192.0.2.41"


def spray(kluis: Kluis, accounts: list[str], failures: int, start: datetime) -> datetime:
    """``failures`` wrong passwords from ``CLIENT`` spread over ``accounts`` (so that none of
    them locks), a second apart; returns the time of the last."""
    at = start
    for attempt in range(failures):
        at = start + timedelta(seconds=attempt)
        with pytest.raises(sessions.SignInRefused):
            sessions.sign_in(kluis, accounts[attempt % len(accounts)], WRONG, at, client=CLIENT)
    return at


def test_failures_from_one_client_on_any_accounts_refuse_that_client_for_a_while(
    kluis: Kluis, email: str
) -> None:
    accounts = [email, make_user(kluis, "sales")] + [f"guess{n}@example.com" for n in range(8)]
    assert MAX_CLIENT_FAILURES / len(accounts) < MAX_FAILED_SIGN_INS
    locked_at = spray(kluis, accounts, MAX_CLIENT_FAILURES, NOW)
    later = locked_at + timedelta(minutes=LOCK_MINUTES - 1)
    with pytest.raises(sessions.SignInRefused) as refused:
        sessions.sign_in(kluis, email, PASSWORD, later, client=CLIENT)
    with pytest.raises(sessions.SignInRefused) as unknown:
        sessions.sign_in(kluis, "nobody@example.com", PASSWORD, NOW)
    assert refused.value.detail == unknown.value.detail
    # the accounts themselves are not locked: from elsewhere the password still opens them
    sessions.sign_in(kluis, email, PASSWORD, later, client="192.0.2.42")
    _token, session = sessions.sign_in(
        kluis, email, PASSWORD, locked_at + timedelta(minutes=LOCK_MINUTES), client=CLIENT
    )
    assert session.email == email


def test_client_failures_count_within_their_window_only(kluis: Kluis, email: str) -> None:
    accounts = [f"guess{n}@example.com" for n in range(10)]
    last = spray(kluis, accounts, MAX_CLIENT_FAILURES - 1, NOW)
    assert last - NOW < timedelta(minutes=CLIENT_WINDOW_MINUTES)
    spray(kluis, accounts, 1, NOW + timedelta(minutes=CLIENT_WINDOW_MINUTES))
    sessions.sign_in(
        kluis, email, PASSWORD, NOW + timedelta(minutes=CLIENT_WINDOW_MINUTES + 1), client=CLIENT
    )


def test_a_client_is_kept_as_a_keyed_digest_of_its_address(kluis: Kluis, email: str) -> None:
    spray(kluis, [email], 1, NOW)
    with kluis.engine.connect() as conn:
        (row,) = conn.execute(select(SignInClient)).all()
    assert CLIENT not in str(tuple(row))
    assert row.digest != hashlib.sha256(CLIENT.encode()).hexdigest()
    assert row.failures == 1


def test_a_session_ends_after_the_idle_time(kluis: Kluis, email: str) -> None:
    idle = timedelta(minutes=kluis.settings.session_idle_minutes)
    token, _session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    # a request just before the idle time keeps it alive, and counts from then
    assert sessions.current(kluis, token, NOW + idle - timedelta(minutes=1)) is not None
    assert sessions.current(kluis, token, NOW + 2 * idle - timedelta(minutes=2)) is not None
    assert sessions.current(kluis, token, NOW + 3 * idle) is None
    # and it is gone for good, not only refused at that moment
    assert sessions.current(kluis, token, NOW) is None
    with kluis.engine.connect() as conn:
        assert conn.execute(select(StaffSession.digest)).first() is None


def test_a_busy_session_still_ends_after_twelve_hours(kluis: Kluis, email: str) -> None:
    token, _session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    step = timedelta(minutes=kluis.settings.session_idle_minutes - 1)
    at = NOW
    while at + step < NOW + timedelta(hours=SESSION_MAX_HOURS):
        at += step
        assert sessions.current(kluis, token, at) is not None, at
    assert sessions.current(kluis, token, NOW + timedelta(hours=SESSION_MAX_HOURS)) is None


def test_signing_out_ends_only_that_session(kluis: Kluis, email: str) -> None:
    first, session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    second, _other = sessions.sign_in(kluis, email, PASSWORD, NOW)
    sessions.sign_out(kluis, session)
    assert sessions.current(kluis, first, NOW) is None
    assert sessions.current(kluis, second, NOW) is not None


def test_two_step_sign_in_asks_for_the_code_once_turned_on(kluis: Kluis, email: str) -> None:
    _token, session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    secret = sessions.new_totp_secret()
    with pytest.raises(InvalidField) as wrong:
        sessions.enable_totp(kluis, session, secret, wrong_code(secret, NOW), NOW)
    assert wrong.value.field == "code"
    sessions.enable_totp(kluis, session, secret, pyotp.TOTP(secret).at(NOW), NOW)
    assert "otpauth://totp/" in sessions.totp_uri(secret, email, "Example")

    with pytest.raises(sessions.SecondFactorNeeded):
        sessions.sign_in(kluis, email, PASSWORD, NOW)
    with pytest.raises(sessions.SignInRefused):
        sessions.sign_in(kluis, email, PASSWORD, NOW, code=wrong_code(secret, NOW))
    # a code from the authenticator's previous or next 30 seconds is accepted too (clock drift)
    later = NOW + timedelta(minutes=5)
    code = pyotp.TOTP(secret).at(later - timedelta(seconds=30))
    _token, signed_in = sessions.sign_in(kluis, email, PASSWORD, later, code=code)
    assert signed_in.totp
    # the secret is stored sealed, not as the base32 an authenticator shows
    with kluis.engine.connect() as conn:
        stored = conn.execute(select(User.totp_secret).where(User.email == email)).scalar_one()
    assert stored is not None
    assert secret.encode() not in stored


def test_a_two_step_code_signs_in_once(kluis: Kluis, email: str) -> None:
    """RFC 6238 section 5.2: a code seen (over a shoulder, in a proxy's log) cannot be used
    again, nor one older than the last accepted; the next step's code works."""
    _token, session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    secret = sessions.new_totp_secret()
    sessions.enable_totp(kluis, session, secret, pyotp.TOTP(secret).at(NOW), NOW)
    totp = pyotp.TOTP(secret)
    later = NOW + timedelta(minutes=5)
    sessions.sign_in(kluis, email, PASSWORD, later, code=totp.at(later))
    with pytest.raises(sessions.SignInRefused):
        sessions.sign_in(kluis, email, PASSWORD, later, code=totp.at(later))
    before = later - timedelta(seconds=30)
    if totp.at(before) != totp.at(later):
        with pytest.raises(sessions.SignInRefused):
            sessions.sign_in(kluis, email, PASSWORD, later, code=totp.at(before))
    after = later + timedelta(seconds=30)
    sessions.sign_in(kluis, email, PASSWORD, after, code=totp.at(after))


def test_the_code_is_not_asked_before_the_password_is_right(kluis: Kluis, email: str) -> None:
    _token, session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    secret = sessions.new_totp_secret()
    sessions.enable_totp(kluis, session, secret, pyotp.TOTP(secret).at(NOW), NOW)
    with pytest.raises(sessions.SignInRefused) as refused:
        sessions.sign_in(kluis, email, WRONG, NOW)
    assert not isinstance(refused.value, sessions.SecondFactorNeeded)


def test_changing_the_password_ends_the_other_sessions(kluis: Kluis, email: str) -> None:
    kept, session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    other, _other = sessions.sign_in(kluis, email, PASSWORD, NOW)
    new = "a much longer passphrase"
    sessions.change_password(kluis, session, PASSWORD, new, NOW)
    assert sessions.current(kluis, kept, NOW) is not None
    assert sessions.current(kluis, other, NOW) is None
    with pytest.raises(sessions.SignInRefused):
        sessions.sign_in(kluis, email, PASSWORD, NOW)
    sessions.sign_in(kluis, email, new, NOW)
    assert audit.list_entries(kluis.engine, action="user.password_changed")


@pytest.mark.real_argon2
def test_a_changed_password_is_stored_at_the_production_cost(kluis: Kluis, email: str) -> None:
    _token, session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    sessions.change_password(kluis, session, PASSWORD, "a much longer passphrase", NOW)
    with kluis.engine.connect() as conn:
        stored = conn.execute(select(User.password_hash)).scalar_one()
    assert_production_cost(stored)


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        (PASSWORD, "short", "new_password"),
        (PASSWORD, "x" * (sessions.MIN_PASSWORD_LENGTH - 1), "new_password"),
        (PASSWORD, PASSWORD, "new_password"),
        (WRONG, "a much longer passphrase", "current_password"),
    ],
)
def test_a_password_change_is_refused_naming_the_field(
    kluis: Kluis, email: str, current: str, new: str, field: str
) -> None:
    token, session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    with pytest.raises(InvalidField) as refused:
        sessions.change_password(kluis, session, current, new, NOW)
    assert refused.value.field == field
    assert sessions.current(kluis, token, NOW) is not None
    sessions.sign_in(kluis, email, PASSWORD, NOW)


def test_the_csrf_token_is_the_sessions_own(kluis: Kluis, email: str) -> None:
    _token, session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    _token, other = sessions.sign_in(kluis, email, PASSWORD, NOW)
    assert sessions.csrf_ok(session, session.csrf)
    assert not sessions.csrf_ok(session, other.csrf)
    assert not sessions.csrf_ok(session, None)
    assert not sessions.csrf_ok(session, "")


def test_purpose_and_language_are_remembered(kluis: Kluis, email: str) -> None:
    token, session = sessions.sign_in(kluis, email, PASSWORD, NOW)
    sessions.set_purpose(kluis, session, "customer_service")
    sessions.set_language(kluis, session, "en")
    found = sessions.current(kluis, token, NOW)
    assert found is not None
    assert (found.purpose, found.language) == ("customer_service", "en")
    with pytest.raises(InvalidField):
        sessions.set_language(kluis, session, "de")
