"""`GET /api/v1/me`: the caller's account; a pending one-time password does not hold the
API back (the web asks for the change)."""

from __future__ import annotations

from app.accounts import users
from app.db import session_scope
from app.models import User
from tests.api.conftest import error_of


def test_me_is_the_caller(api):
    alice = api.user(plan="basic")
    viewer = api.user(role="readonly_admin", plan="free")
    assert api.get("/me", alice).json() == {"id": alice.id, "email": alice.email,
                                            "role": "recruiter", "plan": "basic"}
    assert api.get("/me", viewer).json()["role"] == "readonly_admin"
    assert error_of(api.get("/me")) == (401, "unauthorized")


def test_a_pending_one_time_password_does_not_stop_the_token(api):
    alice = api.user()
    with session_scope() as session:
        session.get(User, alice.id).must_change_password = True
    assert api.get("/me", alice).status_code == 200
    assert api.get("/tokens", alice).status_code == 200
    # Changing the password on the web revokes it (app.accounts.passwords)
    users.set_password(alice.email, "another-good-password")
    assert error_of(api.get("/me", alice)) == (401, "unauthorized")
