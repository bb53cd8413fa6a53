"""Request and response bodies of the JSON API (pydantic), and their conversions."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from app.accounts.tokens import TokenInfo
from app.admin.batch_search import BatchRow
from app.admin.metrics import BrokerProcess, LaneStats
from app.admin.workers import WorkerInfo
from app.analysis import Rejected
from app.engine.kinds.noop import MAX_SLEEP_MS
from app.engine.waiting import Waiting
from app.models import BATCH_FINISHED, Batch, BatchStatus, Item, ItemStatus, Lane

API_PREFIX = "/api/v1"
_FINISHED = {s.value for s in BATCH_FINISHED}
_NUMBER = re.compile(r"\s*[-+]?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?\s*")


def _iso_only(value: Any) -> Any:
    """Dates and times as ISO 8601 text only (pydantic would take a number as epoch seconds)."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("use an ISO 8601 date and time, like 2026-01-31T09:00:00Z")
    return value


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only)]


# --- Errors ----------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable error code.",
                      examples=["not_found"])
    message: str = Field(description="What went wrong, for a person to read.")
    details: list[dict[str, Any]] | None = Field(
        None, description="More about the error, e.g. each invalid field or rejected file.")


class ErrorBody(BaseModel):
    error: ErrorDetail


# --- Submitting ------------------------------------------------------------------------


class OpeningIn(BaseModel):
    """The position the resumes are screened against."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, examples=["Registered Nurse"])
    description: str = Field("", max_length=100_000)
    must_have: list[str] = Field(default_factory=list, max_length=60)
    nice_to_have: list[str] = Field(default_factory=list, max_length=60)
    min_years: float | None = Field(None, ge=0, le=50)


class NoopParams(BaseModel):
    """Parameters of the `noop` kind (for operators' tests; admins only): nothing is analysed."""

    model_config = ConfigDict(extra="forbid")

    sleep_ms: int = Field(0, ge=0, le=MAX_SLEEP_MS)
    fail_rate: float = Field(0.0, ge=0, le=1)
    transient_rate: float = Field(0.0, ge=0, le=1)


class TextItemIn(BaseModel):
    """One resume given as text, with a file name (e.g. `jane-doe.txt`)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    text: str = Field("", description="The resume's text (a `noop` item may leave it empty).")


class SubmitJson(BaseModel):
    """A batch whose items are given as text (`application/json`)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["resume", "noop"] = "resume"
    title: str | None = Field(None, max_length=200,
                              description="Defaults to the opening's title.")
    opening: OpeningIn | None = Field(None, description="Required for the `resume` kind.")
    params: NoopParams | None = Field(None, description="Only for the `noop` kind.")
    lane: Lane | None = Field(None, description="Defaults to your plan's lane; you may pick"
                              " a slower one (admins: any).")
    items: list[TextItemIn] | None = Field(
        None, min_length=1, description="The resumes as text. Give one of `items`,"
        " `from_batch` or `candidates`.")
    from_batch: uuid.UUID | None = Field(
        None, description="Screen the resumes of one of your earlier screenings again, for"
        " this opening, without uploading them: what was read from each file is reused, so"
        " only the scoring runs. Give one of `items`, `from_batch` or `candidates`.")
    candidates: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None = Field(
        None, min_length=1, max_length=50_000,
        description="Screen candidates of your pool (`GET /candidates`) for this opening:"
        " the latest resume of each, nothing uploaded. Give one of `items`, `from_batch` or"
        " `candidates`.")
    callback_url: str | None = Field(
        None, max_length=2000, description="Where to POST (JSON, signed with your webhook"
        " secret: `X-Shortlist-Signature`) when this screening finishes or fails, instead of"
        " your default webhook. http(s); private and local addresses are refused. Needs your"
        " webhook secret: `PUT /me/webhook` first.")


class AddItemsJson(BaseModel):
    """Resumes added to a batch, as text (`POST /batches/{id}/items`)."""

    model_config = ConfigDict(extra="forbid")

    items: list[TextItemIn] = Field(min_length=1)


# The multipart form (documented only: it is parsed by hand, files are streamed).
SUBMIT_FORM_SCHEMA: dict[str, Any] = {
    "title": "SubmitForm",
    "description": "A batch of uploaded files (`multipart/form-data`): PDF, DOCX, text, or"
                   " ZIP archives of them. The opening's fields are form fields.",
    "type": "object",
    "required": ["files"],
    "properties": {
        "kind": {"type": "string", "enum": ["resume", "noop"], "default": "resume"},
        "title": {"type": "string", "maxLength": 200,
                  "description": "The opening's title (required for `resume`)."},
        "description": {"type": "string", "description": "The job description."},
        "must_have": {"type": "string", "description": "Comma-separated skills."},
        "nice_to_have": {"type": "string", "description": "Comma-separated skills."},
        "min_years": {"type": "number", "minimum": 0, "maximum": 50},
        "lane": {"type": "string", "enum": [lane.value for lane in Lane]},
        "params": {"type": "string",
                   "description": "For the `noop` kind: its parameters as a JSON object."},
        "callback_url": {"type": "string", "maxLength": 2000,
                         "description": "Where to POST when it finishes or fails, as in the"
                                        " JSON body."},
        "files": {"type": "array", "minItems": 1,
                  "items": {"type": "string", "format": "binary"}},
    },
}


class RejectedFile(BaseModel):
    name: str
    reason: str


# --- Batches ---------------------------------------------------------------------------


class ItemCounts(BaseModel):
    pending: int
    queued: int
    running: int
    done: int
    failed: int
    cancelled: int


class BatchLinks(BaseModel):
    self: str
    items: str
    events: str
    report_csv: str | None = Field(None, description="Present once the CSV report exists.")
    report_xlsx: str | None = Field(None, description="Present once the XLSX report exists.")


class BatchOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: BatchStatus
    lane: Lane
    title: str
    owner_id: int
    total: int
    counts: ItemCounts
    finished: bool = Field(description="True once the batch reached a final status.")
    error: str | None
    params: dict[str, Any] = Field(description="The opening (resume) or the parameters.")
    summary: dict[str, Any] | None = Field(description="Written when the batch finishes.")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    kept_until: datetime | None = Field(
        description="When the finished batch and its resumes are deleted (null while it"
                    " runs). `POST .../keep` keeps it longer, `DELETE` deletes it now.")
    queue_position: int | None = Field(
        None, description="Files that run before this batch's first one (0 once it started);"
        " null when finished or unknown. Filled in by GET /batches/{id}, null in lists.")
    waiting_reason: str | None = Field(
        None, description="Why a batch that has not started waits, in words for the"
        " recruiter (lane busy, lane paused).")
    estimated_start: datetime | None = Field(
        None, description="When its first file should start, from the lane's recent"
                          " throughput; null when unknown.")
    estimated_finish: datetime | None = Field(
        None, description="When it should finish, from the lane's recent throughput shared"
                          " with the other users in the lane; null when unknown.")
    links: BatchLinks

    @classmethod
    def of(cls, batch: Batch, waiting: Waiting | None = None) -> BatchOut:
        base = f"{API_PREFIX}/batches/{batch.id}"
        return cls(
            **(asdict(waiting) if waiting is not None else {}),
            id=batch.id, kind=batch.kind, status=batch.status, lane=batch.lane,
            title=batch.title, owner_id=batch.owner_id, total=batch.total,
            counts=ItemCounts(**{s.value: getattr(batch, f"n_{s.value}") for s in ItemStatus}),
            finished=batch.status in _FINISHED,
            error=batch.error, params=batch.params or {}, summary=batch.summary,
            created_at=batch.created_at, started_at=batch.started_at,
            finished_at=batch.finished_at, cancelled_at=batch.cancelled_at,
            kept_until=batch.expires_at,
            links=BatchLinks(
                self=base, items=f"{base}/items", events=f"{base}/events",
                report_csv=f"{base}/report.csv" if batch.report_csv_id else None,
                report_xlsx=f"{base}/report.xlsx" if batch.report_xlsx_id else None,
            ),
        )


class SubmittedBatch(BatchOut):
    rejected: list[RejectedFile] = Field(
        description="Files that were left out, with the reason (the rest were submitted)."
                    " Empty on an idempotent replay.")
    replayed: bool = Field(description="True when the Idempotency-Key was used before and"
                                       " this is the batch it created then.")

    @classmethod
    def submitted(cls, batch: Batch, rejected: list[Rejected], replayed: bool) -> SubmittedBatch:
        return cls(**BatchOut.of(batch).model_dump(),
                   rejected=[RejectedFile(name=r.name, reason=r.reason) for r in rejected],
                   replayed=replayed)


class BatchListItem(BatchOut):
    owner_email: str

    @classmethod
    def of_row(cls, row: BatchRow) -> BatchListItem:
        return cls(**BatchOut.of(row.batch).model_dump(), owner_email=row.owner_email)


class BatchPageOut(BaseModel):
    data: list[BatchListItem]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null"
                                                " on the last page.")


class ItemOut(BaseModel):
    id: int
    seq: int
    name: str
    status: ItemStatus
    attempts: int
    error: str | None
    score: float | None
    result: dict[str, Any] | None = Field(description="The analysis of a done item.")
    duplicate_of: int | None = Field(
        default=None, description="Another file of a person already listed: the id of the"
        " item kept for them (their best-scored file; on equal scores the earliest"
        " uploaded). Null otherwise. Files of one person have nearly the same text, or the"
        " same email and phone number with a compatible name.")
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, item: Item, duplicate_of: int | None = None) -> ItemOut:
        return cls(id=item.id, seq=item.seq, name=item.name, status=item.status,
                   attempts=item.attempts, error=item.error, score=item.score,
                   result=item.result, duplicate_of=duplicate_of, queued_at=item.queued_at,
                   started_at=item.started_at, finished_at=item.finished_at)


class ItemPageOut(BaseModel):
    data: list[ItemOut]
    next_cursor: str | None


class RetryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_cancelled: bool = Field(False, description="Also try cancelled items again.")


class RetryOut(BaseModel):
    retried: int = Field(description="How many items will be tried again.")
    batch: BatchOut


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lane: Lane


class ProgressEvent(BaseModel):
    """The `data` of each server-sent event (`event: progress`, then one `event: end`)."""

    batch_id: uuid.UUID
    status: BatchStatus
    lane: Lane
    total: int
    counts: ItemCounts
    finished: bool
    finalized: bool = Field(description="The summary and reports are written.")


# --- Tokens ----------------------------------------------------------------------------


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field("", max_length=100, description="A label to recognise the token by.")


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    active: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: TokenInfo) -> TokenOut:
        return cls(id=token.id, name=token.name, prefix=token.prefix, active=token.active,
                   created_at=token.created_at, last_used_at=token.last_used_at,
                   revoked_at=token.revoked_at)


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself. Shown only now: store it safely.")


class TokenListOut(BaseModel):
    data: list[TokenOut]


# --- Operations ------------------------------------------------------------------------


class LaneOut(BaseModel):
    lane: Lane
    queue_depth: int | None = Field(description="Messages waiting in the broker (null: the"
                                                " broker did not answer).")
    active_batches: int
    pending: int = Field(description="Items waiting in the database (not yet in the broker).")
    queued: int
    running: int
    done_last_hour: int
    failed_last_hour: int

    @classmethod
    def of(cls, stats: LaneStats) -> LaneOut:
        return cls(**asdict(stats))


class LaneListOut(BaseModel):
    data: list[LaneOut]


class CurrentItemOut(BaseModel):
    item_id: int
    since: datetime = Field(description="When the worker started on it.")
    name: str | None = Field(description="The item's file name (null: not found).")
    batch_id: uuid.UUID | None


class WorkerOut(BaseModel):
    id: str = Field(description="`host:pid` of a worker process (source `worker_heartbeat`),"
                                " or a broker id (source `broker_heartbeat`).")
    source: Literal["worker_heartbeat", "broker_heartbeat"] = Field(
        "broker_heartbeat", description="`worker_heartbeat`: a worker process's own report;"
        " `broker_heartbeat`: only Dramatiq's heartbeat is known (web and scheduler"
        " processes, which talk to the broker too).")
    alive: bool
    last_seen_at: datetime
    seen_s_ago: float
    state: Literal["running", "lost", "stopped"] = Field(
        description="lost: not heard from within its WORKER_LOST_AFTER_S; stopped: shut down"
                    " cleanly.")
    host: str | None = None
    pid: int | None = None
    lanes: list[Lane] | None = Field(None, description="The lanes it takes items from.")
    threads: int | None = None
    started_at: datetime | None = None
    current_items: list[CurrentItemOut] | None = Field(
        None, description="The items it is processing now.")

    @classmethod
    def of(cls, process: BrokerProcess) -> WorkerOut:
        return cls(id=process.broker_id, alive=process.alive,
                   last_seen_at=process.last_seen_at, seen_s_ago=process.seen_s_ago,
                   state="running" if process.alive else "lost")

    @classmethod
    def of_worker(cls, worker: WorkerInfo) -> WorkerOut:
        return cls(
            id=worker.id, source="worker_heartbeat", alive=worker.alive,
            last_seen_at=worker.last_seen_at, seen_s_ago=worker.seen_s_ago,
            state=worker.state, host=worker.host, pid=worker.pid, lanes=list(worker.lanes),
            threads=worker.threads, started_at=worker.started_at,
            current_items=[CurrentItemOut(item_id=c.item_id, since=c.since, name=c.name,
                                          batch_id=c.batch_id) for c in worker.current])


class WorkerListOut(BaseModel):
    data: list[WorkerOut]
    alive: int
    note: str = ("Worker processes from their own heartbeats (host, pid, lanes, threads,"
                 " current items), then every other process that talks to the broker (web"
                 " and scheduler processes) from the broker's heartbeats.")
