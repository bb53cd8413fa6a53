"""Share links (issue 24, part 4): created by the owner and admins, expiring, withdrawn,
optionally blind; what a token opens and nothing else; every share, withdrawal and view
audited. On both databases."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import get_engine, session_scope
from app.engine import batches
from app.engine.batches import NewItem
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.models import AuditEvent, ShareLink, utcnow
from app.recruiting import sharing
from tests.analysis import factories
from tests.engine.helpers import make_user, submit_noop, wait_finished

OPENING = {"title": "Backend Engineer", "description": "Python, Go, PostgreSQL, Docker.",
           "must_have": ["Python"], "nice_to_have": ["Docker"]}
FILES = {"jane-doe-cv.txt": factories.SOFTWARE_SENIOR, "sam-lee.txt": factories.SOFTWARE_JUNIOR}


def _screened(stack, owner):
    batch = batches.submit(owner, kind="resume", title="Backend", params=OPENING,
                           items=[NewItem(n, t.encode()) for n, t in FILES.items()])
    with stack.worker(threads=2):
        wait_finished(batch.id, timeout=120)
    return batch


def _audit(action: str) -> list[tuple[int | None, dict]]:
    with get_engine().connect() as conn:
        t = AuditEvent.__table__
        return [(r.actor_id, r.details) for r in conn.execute(
            select(t.c.actor_id, t.c.details).where(t.c.action == action).order_by(t.c.id))]


def test_a_link_opens_the_ranked_list_explanations_and_files_until_withdrawn(stack):
    owner = make_user()
    batch = _screened(stack, owner)
    new = sharing.create_share(owner, batch.id, days=7)
    assert len(new.token) == 43
    with session_scope() as session:
        stored = session.get(ShareLink, new.link.id)
        # Only the token's hash is kept
        assert stored.token_hash == hashlib.sha256(new.token.encode()).hexdigest()
        assert (stored.created_by, stored.blind, stored.views) == (owner.id, False, 0)
    assert new.link.expires_at - new.link.created_at == timedelta(days=7)

    shared = sharing.open_link(new.token)
    assert (shared.batch_id, shared.title, shared.blind) == (batch.id, "Backend", False)
    rows = sharing.shared_rows(shared).rows
    assert [(r.rank, r.shown_as) for r in rows] == [(1, "Jane Doe"), (2, "Sam Lee")]
    assert rows[0].must_have_matched == ["Python"] and rows[0].must_have_missing == []
    detail = sharing.shared_detail(new.token, rows[0].item_id)
    assert detail.file == "jane-doe-cv.txt"
    assert detail.analysis["profile"]["emails"] == ["jane.doe@example.com"]
    original = sharing.shared_original(new.token, rows[1].item_id)
    assert (original.filename, original.content) == ("sam-lee.txt",
                                                     factories.SOFTWARE_JUNIOR.encode())

    # Another screening's file is not reachable through the link
    other = submit_noop(owner, 1, dispatch=False)
    from tests.engine.helpers import items
    with pytest.raises(NotFound, match="We could not find that resume."):
        sharing.shared_original(new.token, items(other.id)[0].id)

    [listed] = sharing.list_shares(owner, batch.id)
    assert (listed.id, listed.views, listed.created_by, listed.active) == (
        new.link.id, 1, owner.email, True)
    assert listed.last_viewed_at is not None

    revoked = sharing.revoke_share(owner, new.link.id)
    assert revoked.revoked_at is not None and not revoked.active
    for call in (lambda: sharing.open_link(new.token), lambda: sharing.check_link(new.token),
                 lambda: sharing.shared_original(new.token, rows[0].item_id)):
        with pytest.raises(sharing.LinkGone, match="This link has expired or was withdrawn."):
            call()
    assert sharing.revoke_share(owner, new.link.id).revoked_at == revoked.revoked_at

    # Audited: the share and withdrawal by the owner, each view by the link (no account)
    assert _audit("share") == [(owner.id, {"by": owner.email, "link_id": new.link.id,
                                           "days": 7, "blind": False})]
    assert _audit("revoke_share") == [(owner.id, {"by": owner.email, "link_id": new.link.id})]
    assert _audit("view_share") == [
        (None, {"by": "share link", "link_id": new.link.id}),
        (None, {"by": "share link", "link_id": new.link.id, "item_id": rows[1].item_id})]


def test_an_expired_or_unknown_token_is_gone(stack):
    owner = make_user()
    batch = submit_noop(owner, 1, dispatch=False)
    new = sharing.create_share(owner, batch.id)
    assert new.link.expires_at - new.link.created_at == timedelta(days=14)
    with session_scope() as session:
        session.get(ShareLink, new.link.id).expires_at = utcnow() - timedelta(seconds=1)
    for token in (new.token, "not-a-token", "", "x" * 500):
        with pytest.raises(sharing.LinkGone):
            sharing.open_link(token)
    assert sharing.list_shares(owner, batch.id)[0].views == 0
    assert _audit("view_share") == []


def test_a_blind_link_hides_names_contacts_and_files(stack):
    owner = make_user()
    batch = _screened(stack, owner)
    token = sharing.create_share(owner, batch.id, blind=True, days=1).token
    shared = sharing.open_link(token)
    rows = sharing.shared_rows(shared).rows
    assert [(r.rank, r.shown_as) for r in rows] == [(1, "Candidate 1"), (2, "Candidate 2")]
    detail = sharing.shared_detail(token, rows[0].item_id, rows[0].rank)
    assert detail.file == "Candidate 1"
    assert set(detail.analysis["profile"]) == {"skills", "years", "education"}
    text = repr(detail)
    for secret in ("Jane", "Doe", "jane.doe@example.com", "555", "linkedin", "github",
                   "jane-doe-cv"):
        assert secret not in text
    with pytest.raises(NotFound):
        sharing.shared_original(token, rows[0].item_id)


def test_who_may_share_list_and_withdraw(stack):
    owner, other = make_user(), make_user()
    admin, readonly = make_user(role="admin"), make_user(role="readonly_admin")
    batch = submit_noop(owner, 1, dispatch=False)
    with pytest.raises(NotFound, match="We could not find that screening."):
        sharing.create_share(other, batch.id)
    with pytest.raises(NotFound):
        sharing.list_shares(other, batch.id)
    with pytest.raises(PermissionDenied, match="change nothing"):
        sharing.create_share(readonly, batch.id)
    link = sharing.create_share(admin, batch.id, days=90).link
    assert [s.created_by for s in sharing.list_shares(readonly, batch.id)] == [admin.email]
    with pytest.raises(NotFound, match="We could not find that share link."):
        sharing.revoke_share(other, link.id)
    with pytest.raises(PermissionDenied):
        sharing.revoke_share(readonly, link.id)
    with pytest.raises(NotFound):
        sharing.revoke_share(owner, 2**40)
    for days in (0, 91, True, "7", 1.5):
        with pytest.raises(InvalidInput, match="A link lasts 1 to 90 days."):
            sharing.create_share(owner, batch.id, days=days)
    assert sharing.revoke_share(owner, link.id).revoked_at is not None
    assert [r[0] for r in _audit("share")] == [admin.id]
    assert [r[0] for r in _audit("revoke_share")] == [owner.id]


def test_views_are_limited_per_link(stack, monkeypatch):
    monkeypatch.setattr(sharing, "VIEWS_PER_MINUTE", 2)
    owner = make_user()
    batch = submit_noop(owner, 1, dispatch=False)
    first = sharing.create_share(owner, batch.id).token
    second = sharing.create_share(owner, batch.id).token
    sharing.open_link(first)
    sharing.check_link(first)
    with pytest.raises(sharing.TooManyViews) as refused:
        sharing.open_link(first)
    assert 1 <= refused.value.retry_after_s <= 60
    assert sharing.open_link(second).batch_id == batch.id  # another link is not limited
