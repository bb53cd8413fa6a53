"""Signing in and out, the one access check, and the limits on failed sign-ins."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from nicegui import app as nicegui_app
from nicegui.storage import request_contextvar

from app.accounts import signin, signin_limits, users
from app.db import session_scope
from app.errors import PermissionDenied
from app.models import User as Account
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in
from ui import auth

WRONG = "Wrong email or password."


def landed(user) -> str:
    """The page the simulated browser shows now (after any redirects)."""
    url = user.client.request.url
    return url.path + (f"?{url.query}" if url.query else "")


def session_storage(user) -> dict:
    """app.storage.user of the session the shown page was loaded with."""
    token = request_contextvar.set(user.client.request)
    try:
        return dict(nicegui_app.storage.user)
    finally:
        request_contextvar.reset(token)


def deactivate(account: Account) -> None:
    with session_scope() as session:
        session.get(Account, account.id).active = False


# --- In the simulated browser ----------------------------------------------------------

@pytest.mark.anyio
async def test_signed_out_visitors_are_sent_to_sign_in(user, web):
    for path in ("/", "/new", "/screenings/3f0b9a3e-4c61-4d0e-9a53-0c8f1d6c8a11",
                 "/screenings/3f0b9a3e-4c61-4d0e-9a53-0c8f1d6c8a11/report.csv"):
        response = await user.http_client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/signin"), path
    response = await user.http_client.get("/new", follow_redirects=False)
    assert response.headers["location"] == "/signin?next=/new"
    # Public: the sign-in page and the health check
    assert (await user.http_client.get("/healthz")).json() == {"status": "ok"}
    assert (await user.http_client.get("/signin")).status_code == 200
    # Posting anywhere without a session is refused outright
    assert (await user.http_client.post("/new")).status_code == 401
    await user.open("/new")
    await user.should_see("Sign in to Shortlist")


@pytest.mark.anyio
async def test_sign_in_goes_where_the_visitor_was_headed_and_sign_out_ends_it(user, web):
    account = make_account()
    await sign_in(user, account.email.upper(), PASSWORD, path="/signin?next=/new")
    assert landed(user) == "/new"
    await user.should_see("New screening")
    await user.should_see("The opening")
    # Only the id and when the password was set are kept in the session storage
    stored = session_storage(user)
    assert stored == {"user_id": account.id,
                      "password_stamp": account.password_changed_at.isoformat()}
    # Signing out from the account menu
    user.find(marker="sign-out").click()
    await user.should_see("Sign in to Shortlist")
    response = await user.http_client.get("/", follow_redirects=False)
    assert response.status_code == 303


@pytest.mark.anyio
async def test_a_signed_in_visitor_skips_the_form_and_unsafe_next_is_ignored(user, web):
    account = make_account()
    await sign_in(user, account.email, PASSWORD, path="/signin?next=//evil.example/x")
    assert landed(user) == "/"
    response = await user.http_client.get("/signin", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


@pytest.mark.anyio
async def test_wrong_password_and_unknown_email_read_the_same(user, web):
    account = make_account()
    await sign_in(user, account.email, "not-the-password", expect_success=False)
    await user.should_see(WRONG)
    await sign_in(user, "nobody@example.com", "not-the-password", expect_success=False)
    await user.should_see(WRONG)
    # The password field is emptied after a failure
    assert next(iter(user.find(marker="password").elements)).value == ""


@pytest.mark.anyio
async def test_too_many_failures_lock_the_account_even_with_the_right_password(user, web):
    account = make_account()
    for _ in range(5):
        await sign_in(user, account.email, "not-the-password", expect_success=False)
        await user.should_see(WRONG)
    await sign_in(user, account.email, PASSWORD, expect_success=False)
    await user.should_see("Too many sign-in attempts. Try again in 15 minutes.")


@pytest.mark.anyio
async def test_a_deactivated_user_is_signed_out_at_the_next_request(user, web):
    account = make_account()
    await sign_in(user, account.email, PASSWORD)
    await user.should_see("My screenings")
    deactivate(account)
    await user.open("/new")
    await user.should_see("Sign in to Shortlist")
    await sign_in(user, account.email, PASSWORD, expect_success=False)
    await user.should_see("This account is deactivated. Ask your administrator to turn it"
                          " back on.")


@pytest.mark.anyio
async def test_a_password_reset_signs_out_sessions_opened_with_the_old_one(user, web):
    account = make_account()
    admin = make_account(role="admin")
    await sign_in(user, account.email, PASSWORD)
    await user.should_see("My screenings")
    new_password = users.reset_password(admin, account.id)
    await user.open("/new")
    await user.should_see("Sign in to Shortlist")
    await sign_in(user, account.email, PASSWORD, expect_success=False)
    await user.should_see(WRONG)
    await sign_in(user, account.email, new_password)
    await user.open("/new")
    await user.should_not_see("Sign in to Shortlist")


# --- The rules, directly -----------------------------------------------------------------


def _limits(pair: int, account: int, client: int, window_s: int = 600):
    return lambda settings: signin_limits.Limits(pair, account, client, window_s)


def test_limits_count_per_account_and_address_per_account_and_per_address(web, monkeypatch):
    monkeypatch.setattr(signin_limits, "limits", _limits(3, 6, 5))
    account = make_account()
    for _ in range(3):
        with pytest.raises(signin.SignInFailed, match=WRONG):
            signin.authenticate(account.email, "nope", "10.0.0.1")
    with pytest.raises(signin.TooManyAttempts,
                       match=r"^Too many sign-in attempts\. Try again in 10 minutes\.$"):
        signin.authenticate(account.email, PASSWORD, "10.0.0.1")
    # The owner, from another address, still signs in
    assert signin.authenticate(account.email, PASSWORD, "10.0.0.2").id == account.id
    # The account's ceiling over all addresses: 3 failures more from a third address
    # reach 6 (the right password above gave its count back)
    for n in range(3):
        with pytest.raises(signin.SignInFailed):
            signin.authenticate(account.email, "nope", f"10.0.1.{n}")
    with pytest.raises(signin.TooManyAttempts):
        signin.authenticate(account.email, PASSWORD, "10.0.0.3")
    # Other accounts from another address are unaffected
    other = make_account()
    assert signin.authenticate(other.email, PASSWORD, "10.0.0.2").id == other.id
    # One address trying many accounts is stopped after 5 failures in all
    for n in range(5):
        with pytest.raises(signin.SignInFailed):
            signin.authenticate(f"guess{n}@example.com", "nope", "10.0.0.9")
    with pytest.raises(signin.TooManyAttempts):
        signin.authenticate(other.email, PASSWORD, "10.0.0.9")
    assert signin.authenticate(other.email, PASSWORD, "10.0.0.3").id == other.id


def test_success_clears_the_accounts_failures(web, monkeypatch):
    monkeypatch.setattr(signin_limits, "limits", _limits(3, 100, 100))
    account = make_account()
    for _round in range(3):
        for _ in range(2):
            with pytest.raises(signin.SignInFailed):
                signin.authenticate(account.email, "nope", "10.0.0.1")
        assert signin.authenticate(account.email, PASSWORD, "10.0.0.1").id == account.id


def test_malformed_input_reads_like_a_wrong_password(web):
    for email, password in (("not an email", "x"), ("", ""), ("a@b.co", "x" * 5000)):
        with pytest.raises(signin.SignInFailed, match=WRONG):
            signin.authenticate(email, password, "10.0.0.1")


def test_sign_in_still_works_when_redis_does_not_answer(web, monkeypatch, caplog):
    account = make_account()

    def down():
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(signin_limits, "_redis", down)
    assert signin.authenticate(account.email, PASSWORD, "10.0.0.1").id == account.id
    with pytest.raises(signin.SignInFailed):
        signin.authenticate(account.email, "nope", "10.0.0.1")
    assert "sign-in limits unavailable" in caplog.text


def test_deactivated_account_is_refused_only_with_the_right_password(web):
    account = make_account()
    deactivate(account)
    with pytest.raises(signin.SignInFailed, match=WRONG):
        signin.authenticate(account.email, "nope", "10.0.0.1")
    with pytest.raises(PermissionDenied, match="deactivated"):
        signin.authenticate(account.email, PASSWORD, "10.0.0.1")
    assert signin.session_user(account.id) is None
    assert signin.session_user("1") is None and signin.session_user(True) is None


def test_a_session_is_valid_only_with_the_stamp_of_the_current_password(web):
    account = make_account()
    stamp = signin.password_stamp(account)
    assert signin.session_user(account.id, stamp).id == account.id
    users.reset_password(make_account(role="admin"), account.id)
    assert signin.session_user(account.id, stamp) is None
    assert signin.session_user(account.id, None) is None  # a session from before stamps
    fresh = signin.session_user(account.id)
    assert signin.session_user(account.id, signin.password_stamp(fresh)).id == account.id


# --- Audit findings: open redirect, parallel guessing (issue 19) ------------------------

BYPASSES = ["/%09/evil.example/x", "/%0a/evil.example/x", "/%0d/evil.example/x",
            "//evil.example/x", "/%5cevil.example/x", "/%5Cevil.example", "/\\evil.example",
            "https://evil.example/x", "https%3A%2F%2Fevil.example", "/%2F/evil.example",
            "/%252F/evil.example", "/%20/evil.example", "%2F%2Fevil.example",
            "/signin?next=//evil.example", "/_nicegui/x", "/no-such-page"]


@pytest.mark.anyio
@pytest.mark.parametrize("bypass", BYPASSES)
async def test_an_unsafe_next_ends_on_the_home_page(user, web, bypass):
    # Given a sign-in link whose `next` leaves the site in one of the ways browsers allow
    account = make_account()
    # When the visitor signs in through it
    await sign_in(user, account.email, PASSWORD, path=f"/signin?next={bypass}")
    # Then they land on the home page of this site
    assert landed(user) == "/"
    await user.should_see("My screenings")


@pytest.mark.anyio
async def test_safe_next_keeps_local_pages_and_refuses_everything_else(user, web):
    await user.open("/signin")  # the app's routes are declared
    batch_page = "/screenings/3f0b9a3e-4c61-4d0e-9a53-0c8f1d6c8a11"
    for kept in ("/", "/new", batch_page, batch_page + "/report.csv", "/admin/batches?q=a%20b",
                 "/admin"):
        assert auth.safe_next(kept) == kept, kept
    for unsafe in ("/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/ /x",
                   "//evil.example", "/\\evil.example", "/%5cevil.example", "\\\\evil.example",
                   "https://evil.example", "javascript:alert(1)", "/%2f%2fevil.example",
                   "/%252f/evil.example", "/new\x00", "/new\u2028", "/é", "", None,
                   "/signin", "/signout", "/api/v1/batches", "/" + "a" * 3000):
        assert auth.safe_next(unsafe) == "/", repr(unsafe)


def test_thirty_parallel_wrong_passwords_check_at_most_five(web, monkeypatch):
    """Checking the limit and counting the attempt are one step: parallel attempts cannot
    all pass the check before any of them is counted."""
    account = make_account()
    checks = []
    real_verify = signin.verify_password

    def counted_verify(password_hash, password):
        checks.append(password)
        time.sleep(0.05)  # argon2 takes time: all 30 attempts overlap
        return real_verify(password_hash, password)

    monkeypatch.setattr(signin, "verify_password", counted_verify)
    start = threading.Barrier(30)

    def attempt(n: int) -> str:
        start.wait()
        try:
            signin.authenticate(account.email, f"wrong-{n}", "10.0.0.1")
        except signin.TooManyAttempts:
            return "locked"
        except signin.SignInFailed:
            return "wrong"
        return "signed in"

    with ThreadPoolExecutor(max_workers=30) as pool:
        outcomes = list(pool.map(attempt, range(30)))
    print(f"\n30 parallel wrong passwords: {len(checks)} checked,"
          f" {outcomes.count('locked')} refused unchecked")
    assert len(checks) == 5
    assert outcomes.count("wrong") == 5 and outcomes.count("locked") == 25
    # The right password from that address waits; from another address it signs in
    with pytest.raises(signin.TooManyAttempts):
        signin.authenticate(account.email, PASSWORD, "10.0.0.1")
    assert signin.authenticate(account.email, PASSWORD, "10.0.0.2").id == account.id
    assert len(checks) == 6


def test_failures_from_many_addresses_meet_the_accounts_ceiling(web, monkeypatch):
    monkeypatch.setattr(signin_limits, "limits", _limits(5, 12, 20))
    account = make_account()
    for n in range(12):  # 3 wrong passwords each from 4 addresses
        with pytest.raises(signin.SignInFailed):
            signin.authenticate(account.email, "nope", f"10.0.2.{n // 3}")
    with pytest.raises(signin.TooManyAttempts):
        signin.authenticate(account.email, PASSWORD, "10.0.3.1")
