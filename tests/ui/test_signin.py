"""Signing in and out, the one access check, and the limits on failed sign-ins."""

from __future__ import annotations

import pytest

from app import signin, users
from app.db import session_scope
from app.errors import PermissionDenied
from app.models import User as Account
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in

WRONG = "Wrong email or password."


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
    assert user.back_history[-1] == "/new"
    await user.should_see("New screening")
    await user.should_see("The opening")
    # Only the id and when the password was set are kept in the session storage
    from nicegui import app as nicegui_app

    with user:
        stored = dict(nicegui_app.storage.user)
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
    assert user.back_history[-1] == "/"
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


def test_limits_count_per_account_and_per_client(web, monkeypatch):
    monkeypatch.setattr(signin, "limits", lambda settings: (3, 5, 600))
    account = make_account()
    for _ in range(3):
        with pytest.raises(signin.SignInFailed, match=WRONG):
            signin.authenticate(account.email, "nope", "10.0.0.1")
    with pytest.raises(signin.TooManyAttempts,
                       match=r"^Too many sign-in attempts\. Try again in 10 minutes\.$"):
        signin.authenticate(account.email, PASSWORD, "10.0.0.2")
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
    monkeypatch.setattr(signin, "limits", lambda settings: (3, 100, 600))
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

    monkeypatch.setattr(signin, "_redis", down)
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
