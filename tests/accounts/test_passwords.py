"""A person's own password (app.accounts.passwords): the change, one-time passwords, and
"forgot password" links. Both databases (the `stack` fixture)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select as sa_select
from sqlmodel import select

from app.accounts import passwords, signin, tokens, users
from app.accounts.passwords import LINK_PROBLEMS, REQUEST_ANSWER, LinkNotUsable, LinkState
from app.db import get_engine, session_scope
from app.errors import InvalidInput
from app.models import AuditEvent, PasswordReset, User, utcnow

PASSWORD = "a-good-password"
NEW = "a-brand-new-password"


@pytest.fixture(autouse=True)
def _quick_hashes(monkeypatch):
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                          parallelism=1))


def account(**kw) -> User:
    return users.create_user(f"p-{uuid.uuid4().hex[:8]}@example.com", PASSWORD, **kw)


def stored(user: User) -> User:
    with session_scope() as session:
        return session.get(User, user.id)


def audit(action: str) -> list[dict]:
    with get_engine().connect() as conn:
        t = AuditEvent.__table__
        return [dict(r.details) | {"actor_id": r.actor_id} for r in conn.execute(
            sa_select(t).where(t.c.action == action).order_by(t.c.id))]


def active_tokens(user: User) -> int:
    return sum(t.active for t in tokens.list_tokens(user))


def test_changing_ones_password_ends_other_sessions_and_tokens(stack):
    user = account()
    old_stamp = signin.password_stamp(stored(user))
    tokens.issue(user, "ci")
    tokens.issue(user, "export")
    assert passwords.active_token_count(user) == 2

    changed = passwords.change_password(user, PASSWORD, NEW)

    assert changed.tokens_revoked == 2 and active_tokens(user) == 0
    # Sessions opened with the old password are over; the new stamp (this page's) holds.
    assert signin.session_user(user.id, old_stamp) is None
    assert signin.session_user(user.id, signin.password_stamp(changed.user)).id == user.id
    assert users.verify_password(stored(user).password_hash, NEW)
    assert not users.verify_password(stored(user).password_hash, PASSWORD)
    assert audit("change_password") == [{"by": user.email, "user_id": user.id,
                                         "tokens_revoked": 2, "actor_id": user.id}]


def test_a_change_needs_the_current_password_and_a_good_new_one(stack):
    user = account()
    cases = [("wrong-password-here", NEW, "The current password is not right."),
             ("", NEW, "Enter your current password."),
             (PASSWORD, "short", "The password is too short: use at least 10 characters."),
             (PASSWORD, PASSWORD, "The new password is the one you have now: choose another.")]
    for current, new, message in cases:
        with pytest.raises(InvalidInput) as info:
            passwords.change_password(user, current, new)
        assert info.value.message == message
    assert users.verify_password(stored(user).password_hash, PASSWORD)
    assert audit("change_password") == []


def test_guessing_the_current_password_is_limited(stack, one_rate_window):
    user = account()
    for _ in range(passwords.MAX_CHANGES):
        with pytest.raises(InvalidInput):
            passwords.change_password(user, "wrong-password-here", NEW)
    with pytest.raises(passwords.TooManyRequests) as info:
        passwords.change_password(user, PASSWORD, NEW)  # even the right one waits now
    assert info.value.message.startswith("Too many tries. Please try again in ")


def test_one_time_passwords_must_be_changed(stack):
    admin = account(role="admin")
    created, one_time = users.admin_create_user(admin, f"n-{uuid.uuid4().hex[:6]}@example.com")
    assert stored(created).must_change_password is True
    passwords.change_password(stored(created), one_time, NEW)
    assert stored(created).must_change_password is False
    users.reset_password(admin, created.id)  # the admin's reset: one-time again
    assert stored(created).must_change_password is True
    users.set_password(created.email, "typed-by-the-operator")  # the operator chose it
    assert stored(created).must_change_password is False
    assert account().must_change_password is False  # a password its owner chose


def test_the_first_admin_gets_a_one_time_password(stack):
    with session_scope() as session:
        assert session.exec(select(User)).first() is None
    email, password = users.ensure_first_admin()
    first = users.get_user_by_email(email)
    assert first.role == "admin" and first.must_change_password is True
    assert users.verify_password(first.password_hash, password)


# --- "Forgot password" links -----------------------------------------------------------

@pytest.fixture
def outbox(monkeypatch):
    """Mail the app would send (the real sending is tested in test_mail.py)."""
    sent = []
    monkeypatch.setattr(passwords.mail, "send_soon",
                        lambda msg, **kw: sent.append((msg, kw)))
    return sent


@pytest.fixture
def mail_stack(stack_factory):
    return stack_factory(SMTP_HOST="127.0.0.1", SMTP_FROM="no-reply@example.com",
                         PUBLIC_URL="https://shortlist.example.com/", PASSWORD_RESET_TTL_S=3600)


def token_of(message) -> str:
    body = message.get_content()
    prefix = "https://shortlist.example.com/reset-password?token="
    line = next(x for x in body.splitlines() if x.startswith(prefix))
    return line[len(prefix):]


def test_forgot_password_needs_mail_and_a_public_address(stack):
    assert passwords.reset_links_enabled() is False
    with pytest.raises(InvalidInput, match="not set up here"):
        passwords.request_reset("someone@example.com", "10.0.0.1")


def test_a_link_is_sent_only_to_an_active_account_and_the_answer_is_the_same(mail_stack, outbox):
    user, gone = account(), account()
    with session_scope() as session:
        session.get(User, gone.id).active = False
    ip = f"10.1.{uuid.uuid4().int % 250}.1"
    answers = {passwords.request_reset(email, ip) for email in
               (user.email.upper(), gone.email, "nobody-here@example.com")}
    assert answers == {REQUEST_ANSWER}
    assert len(outbox) == 1
    message, options = outbox[0]
    assert message["To"] == user.email and options["retries"] == 1
    assert message["Subject"] == "Choose a new Shortlist password"
    token = token_of(message)
    with session_scope() as session:
        rows = session.exec(select(PasswordReset)).all()
    assert [(r.user_id, len(r.token_hash), r.used_at) for r in rows] == [(user.id, 64, None)]
    assert token not in rows[0].token_hash  # only its hash is kept
    lifetime = passwords._aware(rows[0].expires_at) - passwords._aware(rows[0].created_at)
    assert lifetime == timedelta(hours=1)
    assert audit("request_password_reset") == [{"by": user.email, "user_id": user.id,
                                                "client": ip, "actor_id": user.id}]


def test_a_link_works_once_and_ends_sessions_tokens_and_other_links(mail_stack, outbox):
    user = account()
    old_stamp = signin.password_stamp(stored(user))
    tokens.issue(user, "ci")
    ip = f"10.2.{uuid.uuid4().int % 250}.1"
    passwords.request_reset(user.email, ip)
    passwords.request_reset(user.email, ip)
    first, second = (token_of(m) for m, _ in outbox)
    assert passwords.check_link(first) == passwords.LinkCheck(LinkState.valid, user.email)

    with pytest.raises(InvalidInput):  # a bad password leaves the link usable
        passwords.reset_with_link(first, "short")
    assert passwords.check_link(first).state is LinkState.valid
    done = passwords.reset_with_link(first, NEW)

    assert done.id == user.id and users.verify_password(stored(user).password_hash, NEW)
    assert signin.session_user(user.id, old_stamp) is None and active_tokens(user) == 0
    for token in (first, second):  # the other link ended with the new password
        assert passwords.check_link(token).state is LinkState.used
        with pytest.raises(LinkNotUsable) as info:
            passwords.reset_with_link(token, "yet-another-password")
        assert info.value.message == LINK_PROBLEMS[LinkState.used]
    assert audit("reset_password_by_link") == [{"by": user.email, "user_id": user.id,
                                                "tokens_revoked": 1, "actor_id": user.id}]


def test_an_expired_or_unknown_link_says_so(mail_stack, outbox):
    user = account()
    passwords.request_reset(user.email, "10.3.0.1")
    token = token_of(outbox[0][0])
    with session_scope() as session:
        row = session.exec(select(PasswordReset)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert passwords.check_link(token).state is LinkState.expired
    with pytest.raises(LinkNotUsable) as info:
        passwords.reset_with_link(token, NEW)
    assert info.value.message == LINK_PROBLEMS[LinkState.expired]
    assert passwords.check_link("not-a-token").state is LinkState.unknown
    assert passwords.check_link("x" * 500).state is LinkState.unknown
    assert users.verify_password(stored(user).password_hash, PASSWORD)


def test_requests_are_limited_per_email_and_per_address(mail_stack, outbox, one_rate_window):
    user = account()
    per_hour = mail_stack.settings.password_reset_max_per_hour
    for n in range(per_hour):
        passwords.request_reset(user.email, f"10.4.0.{n}")
    with pytest.raises(passwords.TooManyRequests):
        passwords.request_reset(user.email, "10.4.1.1")  # another address, same email
    assert len(outbox) == per_hour
    for n in range(per_hour * 4 - 1):  # 10.4.0.0 asked once above; now other emails
        passwords.request_reset(f"x{n}-{uuid.uuid4().hex[:4]}@example.com", "10.4.0.0")
    with pytest.raises(passwords.TooManyRequests):
        passwords.request_reset(f"z-{uuid.uuid4().hex[:4]}@example.com", "10.4.0.0")
