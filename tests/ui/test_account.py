"""The account page (/account): change password, one-time passwords, API tokens; and
"forgot password" by e-mail through a local SMTP server (aiosmtpd)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from app.accounts import passwords, signin, tokens, users
from app.db import session_scope
from app.models import PasswordReset, utcnow
from app.models import User as Account
from tests.smtp_server import link_in, smtp_server, smtp_settings
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in
from tests.ui.test_signin import landed, session_storage
from ui import auth

pytestmark = pytest.mark.anyio
NEW = "my-own-new-password"


def stored(account: Account) -> Account:
    with session_scope() as session:
        return session.get(Account, account.id)


async def change(user, current: str, new: str, again: str | None = None) -> None:
    user.find(marker="current").clear().type(current)
    user.find(marker="new").clear().type(new)
    user.find(marker="again").clear().type(new if again is None else again)
    user.find(marker="change-password").click()


async def test_changing_the_password_keeps_this_session_and_ends_the_others(user, web):
    account = make_account()
    tokens.issue(account, "nightly export")
    old_stamp = signin.password_stamp(stored(account))
    await sign_in(user, account.email, PASSWORD)
    await user.open("/")
    user.find(marker="menu-account")  # the account menu links to the page
    await user.open("/account")
    await user.should_see("Change password")
    await user.should_see("Changing your password signs you out in every other browser and"
                          " device; this one stays signed in. It also revokes your 1 API"
                          " token: scripts using it stop working until you give them a new"
                          " one.", retries=20)
    await change(user, "not-my-password", NEW)
    await user.should_see("The current password is not right.", retries=50)
    await change(user, PASSWORD, NEW, again="something-else-here")
    await user.should_see("The two new passwords are not the same. Type the new one twice.")
    await change(user, PASSWORD, NEW)
    await user.should_see("Your password is changed. Other browsers and devices are signed"
                          " out. 1 API token revoked.", retries=50)

    assert users.verify_password(stored(account).password_hash, NEW)
    assert signin.session_user(account.id, old_stamp) is None  # every other session
    assert session_storage(user)[auth.STAMP_KEY] == signin.password_stamp(stored(account))
    assert [t.active for t in tokens.list_tokens(account)] == [False]
    await user.open("/new")  # this session is still signed in
    assert landed(user) == "/new"
    await user.open("/account")
    await user.should_see("You have no API tokens.", retries=20)


async def test_a_one_time_password_must_be_changed_before_anything_else(user, web):
    admin = make_account(role="admin")
    recruiter, one_time = users.admin_create_user(admin, "first.day@example.com")
    await sign_in(user, recruiter.email, one_time, path="/signin?next=/new")
    await user.should_see(marker="must-change", retries=20)
    assert landed(user) == "/account?next=/new"
    for path in ("/", "/candidates", "/screenings/3f0b9a3e-4c61-4d0e-9a53-0c8f1d6c8a11"):
        response = await user.http_client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == ("/account" if path == "/" else
                                                f"/account?next={path}")
    assert (await user.http_client.post("/new")).status_code == 403
    await user.should_not_see(marker="tokens-card")  # tokens after the change only
    # The API with a token is not held back (documented)
    token = tokens.issue(recruiter, "script")[1]
    assert users.user_for_token(token).id == recruiter.id

    await change(user, one_time, NEW)
    await user.should_see("The opening", retries=50)  # sent on where it was going
    assert landed(user) == "/new"
    assert stored(recruiter).must_change_password is False
    assert users.user_for_token(token) is None  # the change revoked it


async def test_tokens_are_created_shown_once_and_revoked(user, web):
    account = make_account()
    await sign_in(user, account.email, PASSWORD)
    await user.open("/account")
    await user.should_see("You have no API tokens.", retries=20)
    user.find(marker="token-name").type("CI pipeline")
    user.find(marker="create-token").click()
    await user.should_see("Your new token \u201cCI pipeline\u201d", retries=50)
    [shown] = user.find(marker="token-value").elements
    token = shown.text
    assert token.startswith("sl_") and users.user_for_token(token).id == account.id
    [info] = tokens.list_tokens(account)
    # The list is read again after the token is shown: give it time on a busy machine.
    await user.should_see(marker=f"token-{info.id}", retries=50)
    await user.should_see(f"{info.prefix}… · created just now · never used", retries=20)
    user.find(marker="token-done").click()
    await user.should_not_see(token)  # gone from the page, never shown again
    assert shown.text == ""  # hidden, and emptied

    user.find(marker="revoke-token").click()
    await user.should_see("Revoke the token \u201cCI pipeline\u201d?", retries=20)
    user.find(marker="confirm-yes").click()
    await user.should_see("You have no API tokens.", retries=50)
    assert users.user_for_token(token) is None


@pytest.mark.parametrize("stack_overrides", [{}])  # no SMTP_*
async def test_forgot_password_is_offered_only_with_mail_set_up(user, web):
    await user.open("/signin")
    await user.should_not_see(marker="forgot-link")
    response = await user.http_client.get("/forgot-password", follow_redirects=False)
    assert response.headers["location"] == "/signin"


@pytest.fixture
def inbox():
    with smtp_server() as server:
        yield server


@pytest.fixture
def stack_overrides(inbox) -> dict:
    return smtp_settings(inbox)


async def test_a_link_by_email_works_once_then_says_it_was_used(user, web, inbox):
    account = make_account()
    tokens.issue(account, "ci")
    old_stamp = signin.password_stamp(stored(account))
    await user.open("/signin")
    user.find(marker="forgot-link").click()
    await user.should_see("Forgot your password?", retries=20)
    user.find(marker="forgot-email").type(account.email)
    user.find(marker="send-link").click()
    await user.should_see(passwords.REQUEST_ANSWER, retries=50)
    [message] = inbox.wait_for(1)
    assert message["To"] == account.email
    link = link_in(message)
    assert link.startswith("https://shortlist.example.com/reset-password?token=")
    path = link.removeprefix("https://shortlist.example.com")

    await user.open(path)
    await user.should_see(f"For {account.email}.")
    user.find(marker="reset-new").type(NEW)
    user.find(marker="reset-again").type(NEW)
    user.find(marker="set-password").click()
    await user.should_see("Your new password is set. Sign in with it.", retries=50)
    assert signin.session_user(account.id, old_stamp) is None
    assert [t.active for t in tokens.list_tokens(account)] == [False]
    await sign_in(user, account.email, NEW)
    assert landed(user) == "/"

    await user.open(path)  # the same link again
    await user.should_see(passwords.LINK_PROBLEMS[passwords.LinkState.used])
    await user.should_not_see(marker="set-password")


async def test_an_unknown_email_gets_the_same_answer_and_no_mail(user, web, inbox):
    await user.open("/forgot-password")
    user.find(marker="forgot-email").type("nobody@example.com")
    user.find(marker="send-link").click()
    await user.should_see(passwords.REQUEST_ANSWER, retries=50)
    assert inbox.messages == []


async def test_an_expired_link_says_so(user, web, inbox):
    account = make_account()
    await user.open("/forgot-password")
    user.find(marker="forgot-email").type(account.email)
    user.find(marker="send-link").click()
    await user.should_see(passwords.REQUEST_ANSWER, retries=50)
    [message] = inbox.wait_for(1)
    with session_scope() as session:
        session.exec(select(PasswordReset)).one().expires_at = utcnow() - timedelta(minutes=1)
    await user.open(link_in(message).removeprefix("https://shortlist.example.com"))
    await user.should_see(passwords.LINK_PROBLEMS[passwords.LinkState.expired])
    await user.should_not_see(marker="set-password")
    await user.open("/reset-password?token=made-up")
    await user.should_see(passwords.LINK_PROBLEMS[passwords.LinkState.unknown])
