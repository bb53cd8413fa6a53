"""Share links: one screening shown read-only to someone outside. The one home of their
rules: who creates, lists and withdraws them, what a token opens, and what its viewer sees.

A link is a random token (shown once; only its SHA-256 is stored) that opens one screening's
ranked list, the candidates' explanations and, unless the link is blind, their original
files, until it expires or is withdrawn. A blind link hides names, contact details and file
names: its candidates are "Candidate 1", "Candidate 2", ... by rank. The screening's owner
and admins create and withdraw links (read-only admins only see them). Every creation,
withdrawal and view is in the audit log; a view has no account, so its row names the link.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlmodel import Session

from app.accounts import ratelimit
from app.accounts.audit import record_action, record_anonymous
from app.accounts.permissions import check_act, check_read
from app.db import session_scope
from app.engine.batches import parse_batch_id
from app.errors import InvalidInput, NotFound, ShortlistError
from app.models import Batch, Item, ItemStatus, ShareLink, User, utcnow
from app.recruiting import originals, queries

MIN_DAYS, MAX_DAYS, DEFAULT_DAYS = 1, 90, 14
PER_PAGE = 50
# Opening a link (its pages and files) is limited per link: enough for a hiring manager
# clicking through, not for a script copying a screening out.
VIEWS_PER_MINUTE = 60
GONE = "This link has expired or was withdrawn."
LINK_NOT_FOUND = "We could not find that share link."
VIEWER = "share link"  # who a view's audit row says it was (no account)
# Where the web process serves a link (ui/views/shared.py); the API answers the full URL.
PATH_PREFIX = "/shared/"

link_t, item_t, user_t = ShareLink.__table__, Item.__table__, User.__table__


class LinkGone(NotFound):
    """This link has expired or was withdrawn."""

    code = "link_gone"


class TooManyViews(ShortlistError):
    """This link was opened too often in the last minute; try again in a minute."""

    code = "rate_limited"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__()
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class ShareView:
    """A link as its screening's owner sees it (never its token)."""

    id: int
    batch_id: uuid.UUID
    blind: bool
    created_by: str | None  # the creator's email (None once the account is gone)
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    views: int
    last_viewed_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()


@dataclass(frozen=True)
class NewShare:
    link: ShareView
    token: str  # shown once, never stored


@dataclass(frozen=True)
class Shared:
    """What a valid token opens: one screening, read-only."""

    link_id: int
    batch_id: uuid.UUID
    title: str
    blind: bool
    expires_at: datetime


@dataclass(frozen=True)
class SharedRow:
    item_id: int
    rank: int
    shown_as: str  # the name (else the file's name), or "Candidate N" when blind
    score: int
    band: str
    must_have_matched: list[str]
    must_have_missing: list[str]
    years: float | None


def shared_path(token: str) -> str:
    return PATH_PREFIX + token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite gives back naive datetimes; they were written in UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def _days(days: object) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidInput(f"A link lasts {MIN_DAYS} to {MAX_DAYS} days.")
    return days


def _view(row, email: str | None) -> ShareView:
    return ShareView(row["id"], row["batch_id"], bool(row["blind"]), email,
                     _utc(row["created_at"]), _utc(row["expires_at"]), _utc(row["revoked_at"]),
                     int(row["views"]), _utc(row["last_viewed_at"]))


# --- The owner's side ------------------------------------------------------------------


def create_share(user: User, batch_id: uuid.UUID | str, *, days: int = DEFAULT_DAYS,
                 blind: bool = False) -> NewShare:
    """A new link to the screening, for its owner or an admin; the token is returned once."""
    days = _days(days)
    if not isinstance(blind, bool):
        raise InvalidInput("Blind is yes or no.")
    batch_id = parse_batch_id(batch_id)
    token = secrets.token_urlsafe(32)
    with session_scope() as session:
        batch = check_act(user, session.get(Batch, batch_id))
        now = utcnow()
        link = ShareLink(batch_id=batch.id, token_hash=token_hash(token), blind=blind,
                         created_by=user.id, created_at=now,
                         expires_at=now + timedelta(days=days))
        session.add(link)
        session.flush()
        record_action(session, user, "share", batch.id, link_id=link.id, days=days,
                      blind=blind)
        row = {c.name: getattr(link, c.name) for c in link_t.columns}
    return NewShare(_view(row, user.email), token)


def list_shares(user: User, batch_id: uuid.UUID | str) -> list[ShareView]:
    """The screening's links, newest first (whoever may read the screening)."""
    batch_id = parse_batch_id(batch_id)
    with session_scope() as session:
        check_read(user, session.get(Batch, batch_id))
        rows = session.execute(
            select(link_t, user_t.c.email.label("email"))
            .select_from(link_t.outerjoin(user_t, user_t.c.id == link_t.c.created_by))
            .where(link_t.c.batch_id == batch_id)
            .order_by(link_t.c.created_at.desc(), link_t.c.id.desc())).mappings().all()
    return [_view(r, r["email"]) for r in rows]


def revoke_share(user: User, share_id: int) -> ShareView:
    """Withdraw a link at once (its next view shows the "expired or withdrawn" page).
    Withdrawing a withdrawn link changes nothing."""
    if isinstance(share_id, bool) or not isinstance(share_id, int) or not 1 <= share_id < 2**31:
        raise NotFound(LINK_NOT_FOUND)
    with session_scope() as session:
        link = session.get(ShareLink, share_id)
        try:
            check_act(user, session.get(Batch, link.batch_id) if link else None)
        except NotFound:
            raise NotFound(LINK_NOT_FOUND) from None
        if link.revoked_at is None:
            link.revoked_at = utcnow()
            record_action(session, user, "revoke_share", link.batch_id, link_id=link.id)
        row = {c.name: getattr(link, c.name) for c in link_t.columns}
        email = session.get(User, link.created_by).email if link.created_by else None
    return _view(row, email)


# --- The viewer's side (no account: the token is the only key) --------------------------


def _resolve(session: Session, token: str) -> tuple[ShareLink, Batch]:
    if not isinstance(token, str) or not 1 <= len(token) <= 200:
        raise LinkGone()
    digest = token_hash(token)
    link = session.execute(select(ShareLink).where(link_t.c.token_hash == digest)
                           ).scalars().first()
    if link is None or link.revoked_at is not None or _utc(link.expires_at) <= utcnow():
        raise LinkGone()
    batch = session.get(Batch, link.batch_id)
    if batch is None:
        raise LinkGone()
    decision = ratelimit.hit("share_view", digest, VIEWS_PER_MINUTE, 60)
    if not decision.allowed:
        raise TooManyViews(decision.retry_after_s)
    return link, batch


def _shared(link: ShareLink, batch: Batch) -> Shared:
    return Shared(link.id, batch.id, batch.title or "", link.blind, _utc(link.expires_at))


def open_link(token: str) -> Shared:
    """A viewer opened the link's page: counted on the link and in the audit log."""
    with session_scope() as session:
        link, batch = _resolve(session, token)
        now = utcnow()
        session.execute(update(link_t).where(link_t.c.id == link.id).values(
            views=link_t.c.views + 1, last_viewed_at=now))
        record_anonymous(session, "view_share", batch.id, by=VIEWER, link_id=link.id)
        return _shared(link, batch)


def check_link(token: str) -> Shared:
    """The link is still valid (for an open page's next action: a withdrawal counts at
    once); not a view."""
    with session_scope() as session:
        return _shared(*_resolve(session, token))


def shared_rows(shared: Shared, page: int = 1) -> queries.Page[SharedRow]:
    """The ranked list a link shows, one page at a time (`shared` from `open_link`)."""
    found = queries.shared_shortlist(shared.batch_id, page=page, per_page=PER_PAGE)
    rows = [SharedRow(r.item_id, r.rank, f"Candidate {r.rank}" if shared.blind
                      else (r.name or r.file), r.score, r.band, r.must_have_matched,
                      r.must_have_missing, r.years) for r in found.rows]
    return queries.Page(rows, found.total, found.page, found.per_page)


def _shared_item(session: Session, batch: Batch, item_id: object):
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        raise NotFound(queries.RESUME_NOT_FOUND) from None
    if not 1 <= item_id < 2**63:
        raise NotFound(queries.RESUME_NOT_FOUND)
    row = session.execute(select(item_t).where(
        item_t.c.id == item_id, item_t.c.batch_id == batch.id,
        item_t.c.status == ItemStatus.done.value)).mappings().first()
    if row is None:  # another screening's, or not screened: the link does not show it
        raise NotFound(queries.RESUME_NOT_FOUND)
    return row


def blind_analysis(analysis: dict | None) -> dict | None:
    """An analysis with nothing that names or reaches the person: kept by name, so a
    field added later stays hidden until someone decides it may be shown. Of the profile,
    the skills, years and education (no name, emails, phones, links, roles); no file name."""
    if not analysis:
        return analysis
    profile = analysis.get("profile") or {}
    kept = {k: analysis[k] for k in ("version", "type", "match") if k in analysis}
    return {**kept, "profile": {k: profile[k] for k in ("skills", "years", "education")
                                if k in profile}}


def shared_detail(token: str, item_id: object, rank: int | None = None) -> queries.ItemDetail:
    """One candidate's explanation through a link; blind: no name, contacts or file name
    (`file` is then "Candidate N" with the rank the page showed)."""
    with session_scope() as session:
        link, batch = _resolve(session, token)
        row = _shared_item(session, batch, item_id)
    detail = queries.ItemDetail(item_id=row["id"], batch_id=row["batch_id"], file=row["name"],
                                status=row["status"], score=row["score"], error=row["error"],
                                analysis=row["result"])
    if link.blind:
        shown = f"Candidate {int(rank)}" if isinstance(rank, int) and rank > 0 else "Candidate"
        detail = replace(detail, file=shown, analysis=blind_analysis(detail.analysis))
    return detail


def shared_original(token: str, item_id: object) -> originals.Original:
    """A candidate's original file through a link that is not blind (a blind link shows
    none: its file name and contents name the person); the opening is audited."""
    with session_scope() as session:
        link, batch = _resolve(session, token)
        if link.blind:
            raise NotFound(queries.RESUME_NOT_FOUND)
        row = _shared_item(session, batch, item_id)
        original = originals.read_original(session.connection(), row)
        record_anonymous(session, "view_share", batch.id, by=VIEWER, link_id=link.id,
                         item_id=row["id"])
    return original
