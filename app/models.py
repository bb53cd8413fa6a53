"""The tables: user, api_token, document, batch, item, file_name, audit_event,
daily_stats, lane_state.

States are `StrEnum`s stored as short strings (portable between SQLite and PostgreSQL, no
database enum types to migrate). Every milestone has its own timestamp column, so history
needs no extra table. Indexes follow the queries: the dispatcher's "next pending items of a
batch", the sweeps' "expired leases" and "expired batches", the lists by owner and time.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel

# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY auto-increments.
BigId = BigInteger().with_variant(Integer, "sqlite")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _partial(name: str, columns: tuple[str, ...], where: str) -> Index:
    """An index over the rows meeting `where`, on both databases."""
    return Index(name, *columns, postgresql_where=text(where), sqlite_where=text(where))


class Role(StrEnum):
    recruiter = "recruiter"
    admin = "admin"
    readonly_admin = "readonly_admin"


class Plan(StrEnum):
    free = "free"
    basic = "basic"
    premium = "premium"
    enterprise = "enterprise"


class Lane(StrEnum):
    critical = "critical"
    high = "high"
    normal = "normal"
    low = "low"


class BatchStatus(StrEnum):
    queued = "queued"
    running = "running"
    cancelling = "cancelling"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"
    timed_out = "timed_out"


BATCH_ACTIVE = (BatchStatus.queued, BatchStatus.running, BatchStatus.cancelling)
BATCH_FINISHED = (
    BatchStatus.done, BatchStatus.failed, BatchStatus.cancelled, BatchStatus.timed_out
)


class ItemStatus(StrEnum):
    pending = "pending"
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    cancelled = "cancelled"


ITEM_TERMINAL = (ItemStatus.done, ItemStatus.failed, ItemStatus.cancelled)
# Batch counter column for each item state: counters always equal these counts.
COUNTER = {status: f"n_{status.value}" for status in ItemStatus}


class User(SQLModel, table=True):
    __tablename__ = "user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.recruiter.value, max_length=16)
    plan: str = Field(default=Plan.free.value, max_length=16)
    # None: the plan's quota (a setting) applies.
    max_items_per_batch: int | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    password_changed_at: datetime = Field(default_factory=utcnow)
    # Set when an admin gives a one-time password: the next sign-in must choose a new one.
    must_change_password: bool = Field(default=False,
                                       sa_column_kwargs={"server_default": sa_false()})
    # How they hear that a screening finished or failed (in the app; by e-mail with SMTP).
    notify_in_app: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})
    notify_email: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})


class Team(SQLModel, table=True):
    """People who see and work on each other's screenings and candidates."""

    __tablename__ = "team"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"

    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True,
                         ondelete="CASCADE")
    added_at: datetime = Field(default_factory=utcnow)


class ShareLink(SQLModel, table=True):
    """A read-only link to a screening for someone outside: expiring, revocable, maybe
    blind (no names or contact details). Only the token's hash is stored."""

    __tablename__ = "share_link"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: uuid.UUID = Field(foreign_key="batch.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    blind: bool = False
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    views: int = 0
    last_viewed_at: datetime | None = None


class Webhook(SQLModel, table=True):
    """A user's default webhook: called when their screenings finish or fail."""

    __tablename__ = "webhook"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    url: str = Field(max_length=2000)
    # Signs each delivery (HMAC-SHA256 of the body); shown once when set.
    secret: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    """One message to one person (in the app, by e-mail, to a webhook) about a screening
    that finished or failed, with how its delivery went."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    batch_id: uuid.UUID | None = Field(default=None, foreign_key="batch.id", index=True,
                                       ondelete="SET NULL")
    channel: str = Field(max_length=16)  # app, email, webhook
    event: str = Field(max_length=32)  # batch.finished, batch.failed
    title: str = Field(default="", max_length=300)
    target: str | None = Field(default=None, max_length=2000)  # the address or URL
    state: str = Field(default="pending", max_length=16)  # pending, sent, failed, read
    attempts: int = 0
    answer: str | None = Field(default=None, max_length=500)  # the last status or error
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    read_at: datetime | None = None


class PasswordReset(SQLModel, table=True):
    """A "forgot password" link: single use, expiring; only its hash is stored."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(default="", max_length=100)
    # SHA-256 of the token: tokens are long random strings, so a fast hash is enough and
    # lets a lookup by hash use the unique index.
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class Document(SQLModel, table=True):
    """The bytes of an uploaded file (or a generated report): web and worker share no disk."""

    __tablename__ = "document"

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True,
                                                          autoincrement=True))
    sha256: str = Field(max_length=64, index=True)
    size: int
    content_type: str = Field(default="application/octet-stream", max_length=100)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class SavedOpening(SQLModel, table=True):
    """An opening a recruiter saved to start screenings from (app.recruiting.openings)."""

    __tablename__ = "saved_opening"
    __table_args__ = (Index("ix_saved_opening_owner_title", "owner_id", "title"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    # The opening as the resume kind keeps it: title, description, skills, minimum years.
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Candidate(SQLModel, table=True):
    """A person in a recruiter's pool: every screening's files of them, one entry
    (app.engine.pool links them; app.recruiting.candidates reads them). Deleted when none
    of their files is kept any more."""

    __tablename__ = "candidate"
    __table_args__ = (
        Index("ix_candidate_owner_updated", "owner_id", "updated_at", "id"),
        # The pool's search (ILIKE '%...%' on the name, contacts, skills and the start of
        # the resume): a trigram index on PostgreSQL only, as for the admin's search.
        Index("ix_candidate_search_trgm", "search_doc", postgresql_using="gin",
              postgresql_ops={"search_doc": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True,
                                                          autoincrement=True))
    owner_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    years: float | None = None
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # app.analysis.identity's Fingerprint of the latest file, to recognise the next one.
    fingerprint: dict[str, Any] = Field(default_factory=dict,
                                        sa_column=Column(JSON, nullable=False))
    latest_item_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    # The latest file's name: what a person without a name found in it is shown as.
    latest_file: str = Field(default="", max_length=255)
    # Lower-cased name, contacts, skills, role titles and the start of the resume.
    search_doc: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CandidateKey(SQLModel, table=True):
    """How a candidate is found again: an email, a phone or a band of the text signature
    (app.analysis.identity.lookup_keys), per owner."""

    __tablename__ = "candidate_key"

    owner_id: int = Field(primary_key=True)
    key: str = Field(primary_key=True, max_length=64)
    candidate_id: int = Field(sa_column=Column(
        BigInteger, ForeignKey("candidate.id", ondelete="CASCADE"), primary_key=True))


class CandidateItem(SQLModel, table=True):
    """One of a candidate's files: an item of one of the owner's screenings."""

    __tablename__ = "candidate_item"
    __table_args__ = (Index("ix_candidate_item_candidate", "candidate_id"),)

    item_id: int = Field(sa_column=Column(
        BigInteger, ForeignKey("item.id", ondelete="CASCADE"), primary_key=True))
    candidate_id: int = Field(sa_column=Column(
        BigInteger, ForeignKey("candidate.id", ondelete="CASCADE"), nullable=False))


class DocumentReading(SQLModel, table=True):
    """What a kind read from a document, kept so that screening it again skips the reading.

    For resumes: the extracted text, the profile and the identity (app.engine.kinds.resume).
    `version` names the code that read it; a reading of another version is read again.
    Deleted with its document (ON DELETE CASCADE).
    """

    __tablename__ = "document_reading"

    document_id: int = Field(sa_column=Column(
        BigInteger, ForeignKey("document.id", ondelete="CASCADE"), primary_key=True))
    version: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    read_at: datetime = Field(default_factory=utcnow)


class Batch(SQLModel, table=True):
    __tablename__ = "batch"
    __table_args__ = (
        Index("ix_batch_status_lane", "status", "lane"),
        Index("ix_batch_owner_created", "owner_id", "created_at"),
        Index("ix_batch_expires_at", "expires_at"),
        # The statistics roll-up and the dashboards' "submitted since".
        Index("ix_batch_created_at", "created_at"),
        # The admin's text search (ILIKE '%...%'): trigram indexes exist on PostgreSQL
        # only (pg_trgm, migration 0004); SQLite scans, which is fine at its sizes.
        Index("ix_batch_title_trgm", "title", postgresql_using="gin",
              postgresql_ops={"title": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
        UniqueConstraint("owner_id", "idempotency_key", name="uq_batch_owner_idempotency"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=32)
    lane: str = Field(max_length=16)
    status: str = Field(default=BatchStatus.queued.value, max_length=16)
    title: str = Field(default="", max_length=200)
    # The opening (resume kind) or the parameters (noop kind), as given at submission.
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    total: int = 0
    n_pending: int = 0
    n_queued: int = 0
    n_running: int = 0
    n_done: int = 0
    n_failed: int = 0
    n_cancelled: int = 0
    # Most of its items in the broker at once: its owner's share of the lane's window,
    # kept by app.engine.fairshare (a user's batches in a lane share one window).
    dispatch_window: int = Field(default=100, sa_column_kwargs={"server_default": "100"})
    error: str | None = Field(default=None, max_length=1000)
    summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    report_csv_id: int | None = Field(default=None, sa_column=Column(
        BigInteger, nullable=True))
    report_xlsx_id: int | None = Field(default=None, sa_column=Column(
        BigInteger, nullable=True))
    idempotency_key: str | None = Field(default=None, max_length=200)
    # Called when the batch finishes or fails (instead of its owner's default webhook).
    callback_url: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    cancelled_at: datetime | None = None
    # Set when the batch finishes: when retention cleanup may delete it.
    expires_at: datetime | None = None


class Item(SQLModel, table=True):
    __tablename__ = "item"
    __table_args__ = (
        # Every per-batch listing by state.
        Index("ix_item_batch_status_id", "batch_id", "status", "id"),
        # Workers update each item row three times (claim, end, release of the next), and
        # a row update writes every index whose condition the new row meets: the rest
        # are partial, so each update writes two or three of them, not all.
        # The dispatcher's next pending items of a batch (written at submission only).
        _partial("ix_item_pending", ("batch_id", "id"), "status = 'pending'"),
        # The lease sweep: running items by lease.
        _partial("ix_item_running_lease", ("lease_expires_at",), "status = 'running'"),
        # The lost-message sweep and the oldest waiting item: queued items by id.
        _partial("ix_item_queued", ("id",), "status = 'queued'"),
        # The shortlist: a batch's done items by score.
        _partial("ix_item_done_score", ("batch_id", "score"), "status = 'done'"),
        # The statistics roll-up and the dashboards' "finished in the last hour", read
        # from the index alone.
        _partial("ix_item_finished_at", ("finished_at", "status"), "finished_at IS NOT NULL"),
        # The failures view: recent failed items only, newest first. Partial, so it holds
        # the failures, not every finished item, and costs nothing on the other updates.
        _partial("ix_item_failed_finished", ("finished_at",), "status = 'failed'"),
        # A document can serve several screenings (a re-screen): deleting one batch keeps
        # the documents another batch's items still point to, found by this index.
        _partial("ix_item_document_id", ("document_id",), "document_id IS NOT NULL"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True,
                                                          autoincrement=True))
    batch_id: uuid.UUID = Field(foreign_key="batch.id", ondelete="CASCADE")
    seq: int = 0
    name: str = Field(default="", max_length=255)
    document_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status: str = Field(default=ItemStatus.pending.value, max_length=16)
    attempts: int = 0
    lease_expires_at: datetime | None = None
    worker: str | None = Field(default=None, max_length=100)
    error: str | None = Field(default=None, max_length=2000)
    # False for a failure trying again cannot fix (a damaged, locked or unreadable file):
    # it is not offered for retry.
    retryable: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})
    # A failure someone chose to leave as it is: out of the failures view and of "retry
    # failed files" (it can still be retried on its own).
    dismissed_at: datetime | None = None
    score: float | None = None
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    # Another file of the same person in this batch: the id of the item kept for them.
    # Written when the batch is finalized (app.engine.duplicates); null otherwise.
    duplicate_of: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    queued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


class AttemptOutcome(StrEnum):
    """How one attempt of an item ended (the item's status after it, in history words)."""

    done = "done"
    failed = "failed"
    retrying = "retrying"  # failed; the item was sent again
    cancelled = "cancelled"
    handed_back = "handed_back"  # its worker stopped first; it did not count


class ItemAttempt(SQLModel, table=True):
    """One row per attempt of an item, written when the attempt ends and never changed.

    The item row keeps only its latest state; this is its history (an admin's "what
    happened to this file") and what the charts count: an attempt stays in the minute it
    ended, in the lane it ran in, whatever later retries or moves do to the item.
    `detail` holds an unexpected error's traceback for admins: frames and the error's
    type and message with credentials masked, never the resume's text.
    """

    __tablename__ = "item_attempt"
    __table_args__ = (
        Index("ix_item_attempt_item", "item_id", "id"),
        # The charts and the daily roll-up read ended attempts by time, lane and outcome
        # from the index alone.
        Index("ix_item_attempt_ended", "ended_at", "lane", "outcome"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True,
                                                          autoincrement=True))
    item_id: int = Field(sa_column=Column(BigInteger, ForeignKey("item.id", ondelete="CASCADE"),
                                          nullable=False))
    number: int = 0
    lane: str = Field(max_length=16)
    kind: str = Field(max_length=32)
    worker: str | None = Field(default=None, max_length=100)
    started_at: datetime | None = None
    ended_at: datetime
    outcome: str = Field(max_length=16)
    error: str | None = Field(default=None, max_length=2000)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class CandidateStatus(StrEnum):
    """Where the hiring team is with a candidate of one screening."""

    new = "new"
    shortlisted = "shortlisted"
    interview = "interview"
    on_hold = "on_hold"
    rejected = "rejected"


class Decision(SQLModel, table=True):
    """The hiring team's decision on one item (a candidate's file in one screening): kept
    apart from the item row, which the workers update, so a decision never races them.
    No row: status new, no star, no tags."""

    __tablename__ = "decision"

    item_id: int = Field(sa_column=Column(BigInteger, ForeignKey("item.id", ondelete="CASCADE"),
                                          primary_key=True))
    batch_id: uuid.UUID = Field(foreign_key="batch.id", index=True, ondelete="CASCADE")
    status: str = Field(default=CandidateStatus.new.value, max_length=16)
    starred: bool = False
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class Note(SQLModel, table=True):
    """A note on a candidate of a screening, by one person (who alone may edit it)."""

    __tablename__ = "note"
    __table_args__ = (Index("ix_note_item", "item_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(sa_column=Column(BigInteger, ForeignKey("item.id", ondelete="CASCADE"),
                                          nullable=False))
    batch_id: uuid.UUID = Field(foreign_key="batch.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime | None = None


class FileName(SQLModel, table=True):
    """The file name of each item, written once at submission and never updated.

    The admin's file-name search reads this (a trigram index on PostgreSQL). It repeats
    item.name because workers update every item row three times, and an index on item
    is written by each such update (measured on item.name: the benchmark's throughput
    fell by a fifth). One row per name, not one text per batch: a batch's names joined
    together contain nearly every trigram, so the index could not tell batches apart.
    """

    __tablename__ = "file_name"
    __table_args__ = (
        Index("ix_file_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    batch_id: uuid.UUID = Field(foreign_key="batch.id", primary_key=True, ondelete="CASCADE")
    seq: int = Field(primary_key=True)
    name: str = Field(default="", max_length=255)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_at", "at"),
        # The audit log filtered by action, newest first.
        Index("ix_audit_event_action_at", "action", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True,
                                 ondelete="SET NULL")
    action: str = Field(max_length=64)
    batch_id: uuid.UUID | None = Field(default=None, index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class DailyStats(SQLModel, table=True):
    __tablename__ = "daily_stats"

    day: date = Field(primary_key=True)
    kind: str = Field(primary_key=True, max_length=32)
    lane: str = Field(primary_key=True, max_length=16)
    submitted: int = 0
    done: int = 0
    failed: int = 0
    avg_ms: float | None = None
    p95_ms: float | None = None
    peak_queue_depth: int = 0


class LaneState(SQLModel, table=True):
    """A lane an admin paused: the dispatcher releases nothing to it until it is resumed.

    One row per lane that was ever paused or resumed; a lane without a row runs. Kept in
    the database, so a pause survives restarts of every process.
    """

    __tablename__ = "lane_state"

    lane: str = Field(primary_key=True, max_length=16)
    paused: bool = False
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
