"""The hiring team's decisions and notes on a screening's candidates (issue 24, part 1)."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput, NotFound, PermissionDenied
from app.recruiting import decisions
from tests.engine.helpers import items, make_user, submit_noop


def _two_items(owner):
    batch = submit_noop(owner, 2, dispatch=False)
    return batch, [i.id for i in items(batch.id)]


def test_a_decision_changes_only_what_is_given_and_tags_are_tidied(stack):
    owner = make_user()
    batch, (first, second) = _two_items(owner)
    assert decisions.decision_of(owner, first) == decisions.DecisionView(first)
    view = decisions.decide(owner, first, status="shortlisted",
                            tags=["  night   shift ", "ICU", "icu", ""])
    assert (view.status, view.starred, view.tags) == ("shortlisted", False, ("night shift", "ICU"))
    view = decisions.decide(owner, first, starred=True)
    assert (view.status, view.starred, view.tags) == ("shortlisted", True, ("night shift", "ICU"))
    decisions.add_note(owner, second, "Call back on Monday.")
    assert decisions.batch_decisions(owner, batch.id) == {
        first: decisions.DecisionView(first, "shortlisted", True, ("night shift", "ICU"), 0,
                                      view.updated_at),
        second: decisions.DecisionView(second, notes=1),
    }
    with pytest.raises(InvalidInput, match="The status is one of: new, shortlisted,"):
        decisions.decide(owner, first, status="hired")
    with pytest.raises(InvalidInput, match="at most 20 tags"):
        decisions.decide(owner, first, tags=[f"t{i}" for i in range(21)])
    with pytest.raises(InvalidInput, match="at most 40 characters"):
        decisions.decide(owner, first, tags=["x" * 41])


def test_who_may_see_and_change_decisions_and_notes(stack):
    owner, other = make_user(), make_user()
    admin, readonly = make_user(role="admin"), make_user(role="readonly_admin")
    _, (first, _) = _two_items(owner)
    with pytest.raises(NotFound, match="We could not find that candidate."):
        decisions.decide(other, first, status="rejected")
    with pytest.raises(NotFound):
        decisions.notes_of(other, first)
    with pytest.raises(PermissionDenied):
        decisions.decide(readonly, first, status="rejected")
    assert decisions.decision_of(readonly, first).status == "new"
    assert decisions.decide(admin, first, status="interview").status == "interview"
    with pytest.raises(NotFound):
        decisions.decide(owner, 2**63, status="new")


def test_notes_are_edited_and_deleted_by_their_author_only(stack):
    owner, admin, other = make_user(), make_user(role="admin"), make_user()
    _, (first, _) = _two_items(owner)
    mine = decisions.add_note(owner, first, "  Strong ICU background. ")
    theirs = decisions.add_note(admin, first, "Check the licence.")
    assert [(n.author, n.text) for n in decisions.notes_of(owner, first)] == [
        (owner.email, "Strong ICU background."), (admin.email, "Check the licence.")]
    with pytest.raises(PermissionDenied, match="Only its author can change a note."):
        decisions.edit_note(owner, theirs.id, "Changed.")
    with pytest.raises(NotFound, match="We could not find that note."):
        decisions.delete_note(other, mine.id)
    with pytest.raises(InvalidInput, match="Write something in the note first."):
        decisions.edit_note(owner, mine.id, "   ")
    edited = decisions.edit_note(owner, mine.id, "Very strong ICU background.")
    assert edited.updated_at is not None and edited.text == "Very strong ICU background."
    decisions.delete_note(admin, theirs.id)
    assert [n.id for n in decisions.notes_of(admin, first)] == [mine.id]


def test_every_change_is_published_for_open_pages(stack, monkeypatch):
    sent = []
    monkeypatch.setattr(decisions.events, "publish_now", sent.append)
    owner = make_user()
    batch, (first, _) = _two_items(owner)
    decisions.decide(owner, first, starred=True)
    note = decisions.add_note(owner, first, "Hi")
    decisions.edit_note(owner, note.id, "Hello")
    decisions.delete_note(owner, note.id)
    assert sent == [{"type": "decision", "batch_id": str(batch.id), "item_id": first}] * 4
