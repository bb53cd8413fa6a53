"""The audit log: every admin action recorded with who, what, which batches and when;
filtered and paged in the service and the view; readable by admins only, never editable."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from nicegui import ui

from app.accounts import audit, users
from app.admin import bulk
from app.engine import batches
from app.errors import InvalidInput, PermissionDenied
from tests.admin_views.conftest import ACT, settle, submit
from tests.engine.helpers import make_user
from tests.ui.conftest import PASSWORD, make_account
from tests.ui.helpers import sign_in
from ui.views.admin import VIEWS


def actions(page) -> list[str]:
    return [r.action for r in page.rows]


def history(admin, other):
    """Two admins act: a cancel, a bulk retry of two batches, a role change."""
    alice = make_user()
    a, b, c = submit(alice, "A", 2), submit(alice, "B", 2), submit(alice, "C", 2)
    batches.cancel(admin, a)
    settle(b, failed={0: "Bad."})
    settle(c, failed={1: "Bad."})
    bulk.apply_to_selection(other, "retry", [b, c])
    users.change_role(admin, alice.id, "readonly_admin")
    return alice, a, b, c


def test_the_log_filters_by_who_what_which_and_when(stack):
    admin, other = make_user(role="admin"), make_user(role="admin")
    alice, a, b, c = history(admin, other)
    everything = audit.search(admin)
    assert actions(everything) == ["change_role", "bulk_retry", "retry", "retry", "cancel"]
    newest = everything.rows[0]
    assert (newest.actor_email, newest.batch_id, newest.details["email"]) == (
        admin.email, None, alice.email)
    summary = everything.rows[1]
    assert summary.actor_email == other.email
    assert sorted(summary.details["changed_ids"]) == sorted([b, c])
    assert summary.details["items"] == 2 and summary.details["changed"] == 2
    assert {r.details["bulk"] for r in everything.rows[2:4]} == {summary.details["bulk"]}
    assert actions(audit.search(admin, audit.AuditFilter(actor=other.email.upper()))) == [
        "bulk_retry", "retry", "retry"]
    assert actions(audit.search(admin, audit.AuditFilter(actions=("cancel", "change_role")))) \
        == ["change_role", "cancel"]
    assert [str(r.batch_id) for r in audit.search(admin, audit.AuditFilter(batch_id=a)).rows] \
        == [a]
    future = datetime.now(timezone.utc) + timedelta(days=1)
    assert audit.search(admin, audit.AuditFilter(since=future)).rows == []
    assert len(audit.search(admin, audit.AuditFilter(until=future)).rows) == 5
    with pytest.raises(InvalidInput, match="That is not a screening id"):
        audit.search(admin, audit.AuditFilter(batch_id="nope"))
    # Pages: newest first, no duplicates or gaps
    first = audit.search(admin, limit=2)
    second = audit.search(admin, limit=2, cursor=first.next_cursor)
    third = audit.search(admin, limit=2, cursor=second.next_cursor)
    assert [r.id for r in first.rows + second.rows + third.rows] == [r.id for r in
                                                                       everything.rows]
    assert third.next_cursor is None
    with pytest.raises(InvalidInput, match="no longer valid"):
        audit.search(admin, cursor="garbage")


def test_only_admins_read_the_log_and_recruiters_actions_are_not_admin_actions(stack):
    admin, viewer, alice = make_user(role="admin"), make_user(role="readonly_admin"), make_user()
    batches.cancel(alice, submit(alice, "Mine", 1))  # a recruiter's own action: not audited
    assert audit.search(admin).rows == []
    assert audit.search(viewer).rows == []  # read-only admins read it
    with pytest.raises(PermissionDenied, match="Only an admin can read the audit log."):
        audit.search(alice)
    # There is no function that edits or deletes a row: the module writes and reads only
    assert not [name for name in dir(audit) if name.startswith(("update", "delete", "edit"))]


# --- The view ----------------------------------------------------------------------------


def rows(user) -> list[dict]:
    return next(iter(user.find(marker="audit").elements)).rows


@pytest.mark.anyio
async def test_the_audit_view_lists_and_filters_and_offers_no_edit(user, web):
    admin = make_account(role="admin")
    other = make_account(role="admin")
    alice, a, b, c = history(admin, other)
    await sign_in(user, admin.email, PASSWORD)
    await user.open("/admin/audit")
    await user.should_see("Every admin action, newest first. The log cannot be changed.")
    assert [r["what"] for r in rows(user)] == [
        "Changed a role", "Retried screenings (bulk)", "Retried failed files",
        "Retried failed files", "Cancelled a screening"]
    bulk_row = rows(user)[1]
    assert bulk_row["who"] == other.email
    assert sorted(ref["link"] for ref in bulk_row["refs"]) == sorted(
        f"/screenings/{i}" for i in (b, c))
    assert bulk_row["details"].startswith("scope: selection; changed: 2; skipped: 0")
    assert "part of a bulk action" in rows(user)[2]["details"]
    assert rows(user)[4]["batch"] == a
    assert rows(user)[4]["refs"] == [{"text": "A", "link": f"/screenings/{a}"}]
    user.find(marker="filter-action").elements.pop().value = ["cancel"]
    user.find(marker="apply-filters").click()
    assert [r["what"] for r in rows(user)] == ["Cancelled a screening"]
    user.find(marker="filter-action").elements.pop().value = []
    user.find(marker="filter-actor").type(other.email)
    user.find(marker="apply-filters").click()
    assert [r["who"] for r in rows(user)] == [other.email] * 3
    user.find(marker="filter-actor").elements.pop().value = ""
    user.find(marker="filter-batch").type("not-an-id")
    user.find(marker="apply-filters").click()
    await user.should_see("That is not a screening id", retries=ACT)
    # Nothing on the page changes the log: its only buttons search and page
    navigation = {label for _, label, _ in VIEWS} | {"My screenings", "New screening",
                                                     "Candidates", "Admin", ""}
    labels = {b.text for b in user.find(kind=ui.button).elements} - navigation
    assert labels == {"Search", "Previous", "Next"}


@pytest.mark.anyio
async def test_a_recruiter_never_sees_the_audit_log(user, web):
    recruiter = make_account()
    await sign_in(user, recruiter.email, PASSWORD)
    await user.open("/admin/audit")
    await user.should_see("This page is for admins.")
    await user.should_not_see(marker="audit")


@pytest.mark.anyio
async def test_a_read_only_admin_reads_the_log(user, web):
    admin, viewer = make_account(role="admin"), make_account(role="readonly_admin")
    history(admin, admin)
    await sign_in(user, viewer.email, PASSWORD)
    await user.open("/admin/audit")
    await user.should_see(marker="audit")
    assert len(rows(user)) == 5


# --- Titles and accounts, named ----------------------------------------------------------


def count_statements():
    """Counts the SQL statements run while the block runs (all connections)."""
    from contextlib import contextmanager

    from sqlalchemy import event

    from app.db import get_engine

    @contextmanager
    def counting():
        seen: list[str] = []

        def before(conn, cursor, statement, *args):
            seen.append(statement)

        engine = get_engine()
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", before)
    return counting()


def test_entries_name_screenings_by_title_and_accounts_in_one_query_each(stack):
    from app.engine import batches as batch_service

    admin = make_user(role="admin")
    alice = make_user()
    named, untitled, gone = submit(alice, "Night nurse", 1), submit(alice, "", 1), \
        submit(alice, "Welder", 1)
    settle(gone)
    batch_service.cancel(admin, named)
    batch_service.cancel(admin, untitled)
    batch_service.delete(admin, gone)
    many = [submit(alice, f"Bulk {i}", 1) for i in range(7)]
    bulk.apply_to_selection(admin, "cancel", many)
    users.change_role(admin, alice.id, "readonly_admin")

    page = audit.search(admin, audit.AuditFilter(actions=(
        "change_role", "bulk_cancel", "delete", "cancel")))
    by_action = {}
    for row in page.rows:
        by_action.setdefault(row.action, []).append(row)
    role = by_action["change_role"][0]
    assert role.subject == audit.UserRef(alice.id, alice.email, True)
    assert role.actor == audit.UserRef(admin.id, admin.email, True)
    [summary] = by_action["bulk_cancel"]
    assert [ref.title for ref in summary.batches] == [f"Bulk {i}" for i in range(5)]
    assert all(ref.exists for ref in summary.batches) and summary.more_batches == 2
    [deleted] = by_action["delete"]
    assert deleted.batch == audit.BatchRef(deleted.batch_id, "Welder", False)
    # Cancel rows: the two singles, plus the bulk's seven parts
    singles = {str(r.batch_id): r.batch for r in by_action["cancel"]
               if str(r.batch_id) in (named, untitled)}
    assert singles[named].title == "Night nurse" and singles[named].exists
    assert singles[untitled].title == "" and singles[untitled].exists
    # A deleted screening whose deletion is not on the page: named as deleted, no title
    only_cancels = audit.search(admin, audit.AuditFilter(batch_id=gone))
    assert [r.action for r in only_cancels.rows] == ["delete"]

    # However many entries, the titles and the accounts are one query each
    with count_statements() as seen:
        assert len(audit.search(admin).rows) == 12
    assert len(seen) == 3, seen
    with count_statements() as seen:  # the newest entry names an account, no screening
        audit.search(admin, limit=1)
    assert len(seen) == 2, seen


def test_a_deleted_screening_without_its_deletion_on_the_page_reads_deleted(stack):
    from app.engine import batches as batch_service

    admin, alice = make_user(role="admin"), make_user()
    gone = submit(alice, "Welder", 1)
    batch_service.move(admin, gone, "high")
    settle(gone)
    batch_service.delete(admin, gone)
    moved = audit.search(admin, audit.AuditFilter(actions=("move",))).rows[0]
    assert moved.batch == audit.BatchRef(moved.batch_id, None, False)
    from ui.views.admin.audit import batch_ref, row_of

    assert batch_ref(moved.batch) == {"text": "deleted screening", "link": ""}
    deleted = audit.search(admin, audit.AuditFilter(actions=("delete",))).rows[0]
    row = row_of(deleted)
    assert row["refs"] == [{"text": "deleted screening “Welder”", "link": ""}]
    assert "title" not in row["details"]


@pytest.mark.anyio
async def test_the_view_links_titles_and_accounts(user, web):
    admin = make_account(role="admin")
    alice = make_account()
    nurse, untitled = submit(alice, "Night nurse", 1), submit(alice, "", 1)
    batches.cancel(admin, nurse)
    batches.cancel(admin, untitled)
    users.change_role(admin, alice.id, "readonly_admin")
    await sign_in(user, admin.email, PASSWORD)
    await user.open("/admin/audit")
    await user.should_see(marker="audit")
    listed = rows(user)
    who = f"/admin/users?email={admin.email.replace('@', '%40')}"
    assert [(r["what"], r["subject"], r["subject_link"], r["refs"], r["who_link"])
            for r in listed] == [
        ("Changed a role", alice.email, f"/admin/users?email={alice.email.replace('@', '%40')}",
         [], who),
        ("Cancelled a screening", "", "", [{"text": "Untitled opening",
                                            "link": f"/screenings/{untitled}"}], who),
        ("Cancelled a screening", "", "", [{"text": "Night nurse",
                                            "link": f"/screenings/{nurse}"}], who)]
    assert "email" not in listed[0]["details"] and "user id" not in listed[0]["details"]
    # The account's link opens the Users page showing that account
    await user.open(listed[0]["subject_link"])
    await user.should_see(alice.email)
    assert user.find(marker="filter-email").elements.pop().value == alice.email
    assert [r["email"] for r in next(iter(user.find(marker="users").elements)).rows] == [
        alice.email]
