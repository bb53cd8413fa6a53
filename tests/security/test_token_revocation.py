"""Audit finding 10: a password reset or a deactivation revokes the user's API tokens,
and a reactivation does not bring them back."""

from __future__ import annotations

from app.accounts import tokens, users
from tests.engine.helpers import make_user


def test_a_password_reset_revokes_the_users_api_tokens(stack):
    admin, alice = make_user(role="admin"), make_user()
    token = users.create_token(alice.email, "laptop")
    _, second = tokens.issue(alice, "script")
    other = users.create_token(admin.email, "admin's own")
    assert users.user_for_token(token).id == alice.id
    users.reset_password(admin, alice.id)
    assert users.user_for_token(token) is None
    assert users.user_for_token(second) is None
    assert users.user_for_token(other).id == admin.id  # nobody else's tokens
    assert [t.active for t in tokens.list_tokens(alice)] == [False, False]


def test_a_deactivation_revokes_tokens_for_good(stack):
    admin, alice = make_user(role="admin"), make_user()
    token = users.create_token(alice.email, "laptop")
    users.set_active(admin, alice.id, False)
    assert users.user_for_token(token) is None
    users.set_active(admin, alice.id, True)
    assert users.user_for_token(token) is None  # reactivated, the old token stays dead
    fresh = users.create_token(alice.email, "new laptop")
    assert users.user_for_token(fresh).id == alice.id
