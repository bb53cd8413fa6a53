"""Admin user management (app.accounts.users) and the users view: list, create with a one-time
password, deactivate, role, plan and quota, password reset; lock-out guards; refusals."""

from __future__ import annotations

import pytest
from nicegui import ui

from app.accounts import signin, users
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.admin_views.conftest import ACT, audit_rows, submit
from tests.engine.helpers import make_user
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in


def _get(user_id: int):
    return signin.session_user(user_id)


def test_list_create_change_and_reset(stack):
    admin = make_user(role="admin")
    alice = make_user(plan="basic")
    submit(alice, "A", 1)
    submit(alice, "B", 1)
    page = users.list_users(admin, text=alice.email.upper())
    assert [(r.email, r.role, r.plan, r.max_items_per_batch, r.active, r.batches)
            for r in page.rows] == [(alice.email, "recruiter", "basic", None, True, 2)]
    assert [r.email for r in users.list_users(admin, roles=("admin",)).rows] == [admin.email]
    new, password = users.admin_create_user(admin, " Carol@Example.com ", role="readonly_admin",
                                            plan="premium", max_items_per_batch=250)
    assert (new.email, new.role, new.plan, new.max_items_per_batch) == (
        "carol@example.com", "readonly_admin", "premium", 250)
    assert len(password) >= users.MIN_PASSWORD_LENGTH
    assert signin.authenticate("carol@example.com", password, "127.0.0.1").id == new.id
    with pytest.raises(Conflict, match="already exists"):
        users.admin_create_user(admin, "carol@example.com")
    changed = users.change_plan(admin, alice.id, "enterprise", 1234)
    assert (changed.plan, changed.max_items_per_batch) == ("enterprise", 1234)
    assert users.change_plan(admin, alice.id, "enterprise", None).max_items_per_batch is None
    with pytest.raises(InvalidInput, match="whole number from 1 to 1,000,000"):
        users.change_plan(admin, alice.id, "free", 0)
    with pytest.raises(InvalidInput, match="Unknown plan"):
        users.change_plan(admin, alice.id, "gold")
    assert users.change_role(admin, alice.id, "admin").role == "admin"
    with pytest.raises(InvalidInput, match="Unknown role"):
        users.change_role(admin, alice.id, "boss")
    fresh = users.reset_password(admin, alice.id)
    assert signin.authenticate(alice.email, fresh, "127.0.0.1").id == alice.id
    with pytest.raises(signin.SignInFailed):
        signin.authenticate(alice.email, "a-good-password", "127.0.0.1")
    assert users.set_active(admin, alice.id, False).active is False
    assert _get(alice.id) is None  # signed out at the next click
    assert users.set_active(admin, alice.id, True).active is True
    with pytest.raises(NotFound, match="We could not find that user."):
        users.change_role(admin, 999_999, "admin")
    actions = [(r["action"], r["details"].get("email")) for r in audit_rows()
               if r["action"] != "submit"]
    assert actions == [
        ("create_user", "carol@example.com"), ("change_plan", alice.email),
        ("change_plan", alice.email), ("change_role", alice.email),
        ("reset_password", alice.email), ("deactivate_user", alice.email),
        ("activate_user", alice.email)]
    reset_row = audit_rows("reset_password")[0]
    assert fresh not in str(reset_row["details"])  # the password is never recorded
    assert audit_rows("change_role")[0]["details"]["role_from"] == "recruiter"
    assert audit_rows("change_plan")[0]["details"]["before"] == {
        "plan": "basic", "max_items_per_batch": None}


def test_nobody_locks_themselves_or_everyone_out(stack):
    admin, other = make_user(role="admin"), make_user(role="admin")
    with pytest.raises(Conflict) as refused:
        users.set_active(admin, admin.id, False)
    assert refused.value.message == ("You cannot deactivate your own account: you would lock"
                                     " yourself out. Ask another admin to do it.")
    with pytest.raises(Conflict, match="You cannot change the role of your own account"):
        users.change_role(admin, admin.id, "recruiter")
    # Another admin may be demoted while one remains...
    assert users.change_role(other, admin.id, "readonly_admin").role == "readonly_admin"
    # ...but not the last one: here by a request that loaded `admin` before the demotion
    # (two admins demoting each other at the same moment)
    for attempt in (lambda: users.change_role(admin, other.id, "recruiter"),
                    lambda: users.set_active(admin, other.id, False)):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.message == (
            f"{other.email} is the last active admin. Make another account an admin first,"
            " so that someone can still manage Shortlist.")
    assert _get(other.id).role == "admin" and _get(other.id).active


@pytest.mark.parametrize("role", ["recruiter", "readonly_admin"])
def test_recruiters_and_read_only_admins_change_no_user(stack, role):
    someone, alice = make_user(role=role), make_user()
    calls = {
        "create users": lambda: users.admin_create_user(someone, "x@example.com"),
        "deactivate users": lambda: users.set_active(someone, alice.id, False),
        "change roles": lambda: users.change_role(someone, alice.id, "admin"),
        "change plans and quotas": lambda: users.change_plan(someone, alice.id, "free", 5),
        "reset passwords": lambda: users.reset_password(someone, alice.id),
    }
    for what, call in calls.items():
        with pytest.raises(PermissionDenied, match=f"Only an admin can {what}."):
            call()
    if role == "recruiter":
        with pytest.raises(PermissionDenied, match="Only an admin can see the users."):
            users.list_users(someone)
    else:
        assert alice.email in [r.email for r in users.list_users(someone).rows]
    assert (_get(alice.id).role, _get(alice.id).plan) == ("recruiter", "enterprise")
    assert audit_rows() == []


def test_users_page_in_keyset_pages(stack):
    admin = make_user(role="admin")
    for _ in range(4):
        make_user()
    first = users.list_users(admin, limit=3)
    second = users.list_users(admin, limit=3, cursor=first.next_cursor)
    emails = [r.email for r in first.rows + second.rows]
    assert len(emails) == 5 and emails == sorted(emails) and second.next_cursor is None


# --- The view ----------------------------------------------------------------------------


def _rows(user) -> list[dict]:
    return next(iter(user.find(marker="users").elements)).rows


@pytest.mark.anyio
async def test_an_admin_creates_a_user_and_sees_the_password_once(user, web):
    admin = make_account(role="admin")
    await sign_in(user, admin.email, PASSWORD)
    await user.open("/admin/users")
    await user.should_see(marker="users")
    user.find(marker="new-user").click()
    user.find(marker="new-email").type("dana@example.com")
    user.find(marker="new-plan").elements.pop().value = "basic"
    user.find(marker="create-user").click()
    await user.should_see("Password for dana@example.com", retries=ACT)
    password = user.find(marker="one-time-password").elements.pop().text
    assert len(password) >= 10
    row = next(r for r in _rows(user) if r["email"] == "dana@example.com")
    assert (row["role_text"], row["plan_text"], row["quota"], row["state"]) == (
        "Recruiter", "Basic (normal lane)", "500 (plan)", "Active")
    user.find("Done").click()
    assert user.find(marker="one-time-password").elements.pop().text == ""
    assert signin.authenticate("dana@example.com", password, "127.0.0.1").email == \
        "dana@example.com"


@pytest.mark.anyio
async def test_an_admin_changes_role_plan_quota_state_and_password(user, web):
    admin = make_account(role="admin")
    alice = make_account(plan="free")
    await sign_in(user, admin.email, PASSWORD)
    await user.open("/admin/users")
    await user.should_see(marker="users")
    assert alice.email in [r["email"] for r in _rows(user)]
    table = user.find(marker="users")
    table.trigger("rowClick", [alice.id])
    await user.should_see("Change role", retries=ACT)
    user.find(marker="user-role").elements.pop().value = "readonly_admin"
    user.find(marker="change-role").click()
    await user.should_see(f"{alice.email} is now: Read-only admin.", retries=ACT)
    table.trigger("rowClick", [alice.id])
    user.find(marker="user-plan").elements.pop().value = "premium"
    user.find(marker="user-quota").elements.pop().value = 300
    user.find(marker="change-plan").click()
    await user.should_see(f"{alice.email}: Premium plan, at most 300 files per screening.", retries=ACT)
    row = next(r for r in _rows(user) if r["email"] == alice.email)
    assert (row["role_text"], row["plan_text"], row["quota"]) == (
        "Read-only admin", "Premium (high lane)", "300")
    table.trigger("rowClick", [alice.id])
    user.find(marker="toggle-active").click()
    await user.should_see(f"Deactivate {alice.email}?", retries=ACT)
    user.find(marker="confirm-yes").click()
    await user.should_see(f"{alice.email} is deactivated: signed out, and their API tokens"
                          " are revoked.", retries=ACT)
    assert next(r for r in _rows(user) if r["email"] == alice.email)["state"] == "Deactivated"
    table.trigger("rowClick", [alice.id])
    user.find(marker="reset-password").click()
    await user.should_see(f"Reset the password of {alice.email}?", retries=ACT)
    user.find(marker="confirm-yes").click()
    await user.should_see(f"New password for {alice.email}", retries=ACT)
    assert [r["action"] for r in audit_rows()] == [
        "change_role", "change_plan", "deactivate_user", "reset_password"]


@pytest.mark.anyio
async def test_the_page_refuses_an_admin_locking_themselves_out(user, web):
    admin = make_account(role="admin")
    await sign_in(user, admin.email, PASSWORD)
    await user.open("/admin/users")
    await user.should_see(marker="users")
    user.find(marker="users").trigger("rowClick", [admin.id])
    user.find(marker="toggle-active").click()
    user.find(marker="confirm-yes").click()
    await user.should_see("You cannot deactivate your own account: you would lock yourself"
                          " out. Ask another admin to do it.", retries=ACT)
    assert _get(admin.id).active and audit_rows() == []


@pytest.mark.anyio
async def test_a_read_only_admin_sees_users_with_every_change_disabled(user, web):
    viewer = make_account(role="readonly_admin")
    alice = make_account()
    await sign_in(user, viewer.email, PASSWORD)
    await user.open("/admin/users")
    await user.should_see(marker="users")
    assert alice.email in [r["email"] for r in _rows(user)]
    await user.should_see("Your account can view everything but change nothing.")
    for marker in ("new-user", "change-role", "change-plan", "toggle-active", "reset-password",
                   "user-role", "user-plan", "user-quota"):
        assert not user.find(marker=marker).elements.pop().enabled, marker
    assert isinstance(user.find(marker="users").elements.pop(), ui.table)


@pytest.mark.anyio
async def test_a_recruiter_never_sees_the_users(user, web):
    recruiter = make_account()
    await sign_in(user, recruiter.email, PASSWORD)
    await user.open("/admin/users")
    await user.should_see("This page is for admins.")
    await user.should_not_see(marker="users")
