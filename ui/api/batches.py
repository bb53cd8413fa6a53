"""Batch routes: submit, list, read, items (and their original files), reports, cancel, retry,
move. Thin: they call `app`.

Permissions come from the services (app.engine.batches via app.accounts.permissions), exactly as in the
UI: another user's batch is a 404, a read-only admin's change a 403.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from app.accounts import ratelimit
from app.admin import batch_search
from app.engine import additions, batches
from app.engine.kinds import get_kind
from app.errors import NotFound
from app.models import BATCH_FINISHED, Batch, BatchStatus, ItemStatus, Lane, User, utcnow
from app.recruiting import originals, queries, reports, rescreen, retention
from ui.api.auth import Caller, CallerDep, UserDep
from ui.api.config import setting
from ui.api.errors import MalformedRequest, RateLimited, ReportNotReady
from ui.api.models import (
    BatchListItem,
    BatchOut,
    BatchPageOut,
    IsoDatetime,
    ItemOut,
    ItemPageOut,
    MoveIn,
    RetryIn,
    RetryOut,
    SubmittedBatch,
)
from ui.api.openapi import errors_doc
from ui.api.submit import Submission, read_added_items, read_submission
from ui.downloads import file_response, original_response

router = APIRouter(tags=["batches"])
_KEY = re.compile(r"[\x20-\x7e]{1,200}")
_FINISHED = {s.value for s in BATCH_FINISHED}
REPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.post(
    "/batches", status_code=201, response_model=SubmittedBatch,
    summary="Submit a batch",
    description=(
        "Send the opening and the resumes either as JSON (`items` given as text, each with"
        " a file name) or as `multipart/form-data` (the opening's fields plus `files`: PDF,"
        " DOCX, text, or ZIP archives of them). Files that cannot be used are listed in"
        " `rejected`; the rest are submitted.\n\n"
        "**Idempotency**: send an `Idempotency-Key` header (any unique string up to 200"
        " characters) and retry with the same key after a network error: the first"
        " request answers 201 with the new batch, every later one 200 with that same batch"
        " (`replayed: true`, header `Idempotent-Replayed: true`) and creates nothing."
        " A replay is validated like any request, but the key identifies the submission:"
        " its contents are not compared with the first one's.\n\n"
        "**Rate limit**: submissions per minute per token (429 with `Retry-After`);"
        " idempotent replays count too."
    ),
    responses={200: {"model": SubmittedBatch, "description": "An idempotent replay."},
               **errors_doc(400, 401, 403, 404, 413, 415, 422, 429)},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/SubmitJson"}},
        "multipart/form-data": {"schema": {"$ref": "#/components/schemas/SubmitForm"}},
    }}},
)
async def submit_batch(
    request: Request,
    response: Response,
    caller: CallerDep,
    idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key", max_length=200,
        description="Makes retries safe: the same key never creates a second batch.")] = None,
) -> SubmittedBatch:
    user = caller.user
    key = (idempotency_key or "").strip() or None
    if key and not _KEY.fullmatch(key):
        raise MalformedRequest("The Idempotency-Key must be printable ASCII, at most 200"
                               " characters (a UUID is a good choice).")
    # Every request counts, replays too: a replay is read and validated like any
    # submission, so it costs as much, and must not be a way around the limit.
    await _count_submission(caller, response)
    # Read before taking the key: requests with one key then wait only for each other's
    # lookup and insert, not for each other's parsing (a malformed replay is refused too).
    submission = await read_submission(request)
    if key is None:
        return await _submit(request, response, caller, submission, None)
    # Requests with one key wait for each other in this process; across processes the
    # database's unique (owner, key) constraint decides.
    async with _key_lock(user.id, key):
        earlier = await run_in_threadpool(batch_search.by_idempotency_key, user, key)
        if earlier is not None:
            return _replay(response, earlier)
        return await _submit(request, response, caller, submission, key)


async def _count_submission(caller: Caller, response: Response) -> None:
    """One more submission (or resumes added) of the token this minute; 429 past the
    limit, before the body is read."""
    limit = int(setting("api_submit_rate_per_minute"))
    decision = await run_in_threadpool(ratelimit.hit, "submit", caller.token_hash, limit, 60)
    if not decision.allowed:
        raise RateLimited(
            f"Too many submissions: at most {limit} a minute per token. Try again in"
            f" {decision.retry_after_s} s.", retry_after_s=decision.retry_after_s)
    if limit > 0:
        response.headers["RateLimit-Limit"] = str(limit)
        response.headers["RateLimit-Remaining"] = str(decision.remaining)


_keys_in_progress: set[tuple[int, str]] = set()
_keys_guard = threading.Lock()


@contextlib.asynccontextmanager
async def _key_lock(user_id: int, key: str):
    """One request per (user, key) at a time in this process (any event loop or thread)."""
    while True:
        with _keys_guard:
            if (user_id, key) not in _keys_in_progress:
                _keys_in_progress.add((user_id, key))
                break
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        with _keys_guard:
            _keys_in_progress.discard((user_id, key))


async def _submit(request: Request, response: Response, caller: Caller,
                  submission: Submission, key: str | None) -> SubmittedBatch:
    user = caller.user
    started = utcnow()
    try:
        if submission.candidates is not None:
            batch = await run_in_threadpool(
                rescreen.screen_candidates, user, submission.candidates,
                params=submission.params, title=submission.title, lane=submission.lane,
                idempotency_key=key, callback_url=submission.callback_url)
        elif submission.from_batch is not None:
            batch = await run_in_threadpool(
                rescreen.rescreen, user, submission.from_batch, params=submission.params,
                title=submission.title, lane=submission.lane, idempotency_key=key,
                callback_url=submission.callback_url)
        else:
            batch = await run_in_threadpool(
                batches.submit, user, kind=submission.kind, items=submission.items,
                title=submission.title, params=submission.params, lane=submission.lane,
                idempotency_key=key, callback_url=submission.callback_url)
    except IntegrityError:
        # The same key raced in from another process: that request created the batch.
        earlier = key and await run_in_threadpool(batch_search.by_idempotency_key, user, key)
        if not earlier:
            raise
        return _replay(response, earlier)
    if key and batch.created_at < started:
        return _replay(response, batch)
    response.headers["Location"] = f"{request.scope.get('root_path', '')}/batches/{batch.id}"
    return SubmittedBatch.submitted(batch, submission.rejected, replayed=False)


def _replay(response: Response, batch: Batch) -> SubmittedBatch:
    response.status_code = 200
    response.headers["Idempotent-Replayed"] = "true"
    return SubmittedBatch.submitted(batch, [], replayed=True)


@router.get("/batches", response_model=BatchPageOut, summary="List batches",
            description="Your own batches (admins: everyone's), newest first by default,"
                        " a page at a time: pass `next_cursor` back as `cursor`. Batches"
                        " submitted meanwhile never shift later pages.",
            responses=errors_doc(400, 401, 403, 422))
def list_batches(
    user: UserDep,
    status: Annotated[list[BatchStatus] | None, Query(description="Any of these.")] = None,
    lane: Annotated[list[Lane] | None, Query()] = None,
    kind: Annotated[list[Literal["resume", "noop"]] | None, Query()] = None,
    owner: Annotated[str | None, Query(max_length=254, description="An owner's id, or part"
                                       " of their email (admins).")] = None,
    created_from: Annotated[IsoDatetime | None, Query(description="Inclusive; UTC if no zone.")] = None,
    created_to: Annotated[IsoDatetime | None, Query(description="Exclusive; UTC if no zone.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title or in an"
                                   " item's file name.")] = None,
    sort: Literal["newest", "oldest"] = "newest",
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=batch_search.MAX_LIMIT)] = batch_search.DEFAULT_LIMIT,
) -> BatchPageOut:
    filters = batch_search.BatchFilter(
        statuses=[s.value for s in status or ()], lanes=[v.value for v in lane or ()],
        kinds=list(kind or ()), owner=owner, created_from=created_from,
        created_to=created_to, text=q)
    page = batch_search.search(user, filters, cursor=cursor, limit=limit, sort=sort)
    return BatchPageOut(data=[BatchListItem.of_row(r) for r in page.rows],
                        next_cursor=page.next_cursor)


@router.get("/batches/{batch_id}", response_model=BatchOut, summary="Read a batch",
            responses=errors_doc(401, 403, 404, 422))
def get_batch(batch_id: uuid.UUID, user: UserDep) -> BatchOut:
    batch, waiting = batches.get_batch_waiting(user, batch_id)
    return BatchOut.of(batch, waiting)


@router.get("/batches/{batch_id}/items", response_model=ItemPageOut,
            summary="List a batch's items",
            description="In upload order, a page at a time. A person's other files in the"
                        " batch carry `duplicate_of`: the id of the item kept for them.",
            responses=errors_doc(400, 401, 403, 404, 422))
def list_items(
    batch_id: uuid.UUID,
    user: UserDep,
    status: Annotated[list[ItemStatus] | None, Query(description="Any of these.")] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=batch_search.MAX_LIMIT)] = batch_search.DEFAULT_LIMIT,
) -> ItemPageOut:
    page = batch_search.batch_items(user, batch_id, statuses=[s.value for s in status or ()],
                                    cursor=cursor, limit=limit)
    duplicate_of = queries.duplicate_map(user, batch_id) if page.rows else {}
    return ItemPageOut(data=[ItemOut.of(i, duplicate_of.get(i.id)) for i in page.rows],
                       next_cursor=page.next_cursor)


@router.get("/items/{item_id}/document", summary="Download an item's original file",
            response_class=Response,
            description="The exact bytes uploaded, under the original name: a PDF inline"
                        " (`Content-Disposition: inline`), anything else as an attachment."
                        " The batch's owner and admins only; to anyone else a 404.",
            responses={200: {"content": {"application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}}},
                "description": "The original file."},
                **errors_doc(401, 403, 404, 422)})
def item_document(item_id: int, user: UserDep) -> Response:
    return original_response(originals.original_file(user, item_id))


def _report(user: User, batch_id: uuid.UUID, fmt: str) -> Response:
    batch = batches.get_batch(user, batch_id)
    if get_kind(batch.kind).build_reports is None:
        raise NotFound(f"A {batch.kind} batch has no report.")
    if batch.status not in _FINISHED:  # (a retried batch's old report is out of date)
        done = batch.n_done + batch.n_failed + batch.n_cancelled
        raise ReportNotReady(f"The report is not ready yet: it is made when the batch ends"
                             f" ({batch.status}, {done} of {batch.total} items finished).")
    if getattr(batch, f"report_{fmt}_id") is None:
        raise ReportNotReady("The report is being written; try again in a few seconds.")
    report = reports.report_document(user, batch_id, fmt)
    return file_response(report.content, REPORT_TYPES[fmt], report.filename)


@router.get("/batches/{batch_id}/report.csv", summary="Download the ranked report (CSV)",
            response_class=Response,
            responses={200: {"content": {REPORT_TYPES["csv"]: {"schema": {"type": "string"}}},
                             "description": "The ranked shortlist."},
                       **errors_doc(401, 403, 404, 409, 422)})
def report_csv(batch_id: uuid.UUID, user: UserDep) -> Response:
    return _report(user, batch_id, "csv")


@router.get("/batches/{batch_id}/report.xlsx", summary="Download the ranked report (XLSX)",
            response_class=Response,
            responses={200: {"content": {REPORT_TYPES["xlsx"]: {
                "schema": {"type": "string", "format": "binary"}}},
                "description": "The ranked shortlist."},
                **errors_doc(401, 403, 404, 409, 422)})
def report_xlsx(batch_id: uuid.UUID, user: UserDep) -> Response:
    return _report(user, batch_id, "xlsx")


@router.post("/batches/{batch_id}/cancel", response_model=BatchOut, summary="Cancel a batch",
             description="Waiting items are cancelled at once; running ones finish or stop"
                         " at their next checkpoint (status `cancelling`, then `cancelled`).",
             responses=errors_doc(401, 403, 404, 409, 422))
def cancel_batch(batch_id: uuid.UUID, user: UserDep) -> BatchOut:
    return BatchOut.of(batches.cancel(user, batch_id))


@router.post("/batches/{batch_id}/retry", response_model=RetryOut,
             summary="Retry a batch's failed items",
             responses=errors_doc(400, 401, 403, 404, 409, 422))
def retry_batch(batch_id: uuid.UUID, user: UserDep, body: RetryIn | None = None) -> RetryOut:
    count = batches.retry(user, batch_id,
                          include_cancelled=bool(body and body.include_cancelled))
    return RetryOut(retried=count, batch=BatchOut.of(batches.get_batch(user, batch_id)))


class KeepIn(BaseModel):
    days: int = Field(ge=1, le=3650, description="From today; at most RETENTION_MAX_DAYS.")


@router.post(
    "/batches/{batch_id}/items", status_code=201, response_model=SubmittedBatch,
    summary="Add resumes to a batch",
    description="Running or finished: the new resumes are screened against the batch's"
                " opening and ranked with the rest (a finished batch runs again, and its"
                " reports are rebuilt when it ends). As JSON (`items`, as in a submission)"
                " or multipart (`files`: PDF, DOCX, text or ZIP), with a submission's"
                " limits; the plan's quota counts the batch's resumes, old and new. A"
                " cancelled batch is refused (409). The owner or an admin. Counted against"
                " the submissions' rate limit.",
    responses=errors_doc(400, 401, 403, 404, 409, 413, 415, 422, 429),
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/AddItemsJson"}},
        "multipart/form-data": {"schema": {"type": "object", "required": ["files"],
                                           "properties": {"files": {
                                               "type": "array", "minItems": 1, "items": {
                                                   "type": "string", "format": "binary"}}}}},
    }}},
)
async def add_items(batch_id: uuid.UUID, request: Request, response: Response,
                    caller: CallerDep) -> SubmittedBatch:
    await _count_submission(caller, response)  # as a submission: the same reading costs
    new_items, rejected = await read_added_items(request)
    batch = await run_in_threadpool(additions.add_items, caller.user, batch_id, new_items)
    return SubmittedBatch.submitted(batch, rejected, replayed=False)


@router.post("/batches/{batch_id}/keep", response_model=BatchOut,
             summary="Keep a finished batch longer",
             description="Its resumes and results are deleted at `kept_until`: this sets it"
                         " to `days` days from now (at most the deployment's"
                         " RETENTION_MAX_DAYS). The owner or an admin.",
             responses=errors_doc(400, 401, 403, 404, 409, 422))
def keep_batch(batch_id: uuid.UUID, body: KeepIn, user: UserDep) -> BatchOut:
    return BatchOut.of(retention.keep(user, batch_id, body.days))


@router.delete("/batches/{batch_id}", status_code=204, summary="Delete a finished batch now",
               description="With its items, results, reports and the files no other batch"
                           " uses (resumes are personal data). The owner or an admin; a"
                           " running batch must be cancelled first (409).",
               responses=errors_doc(401, 403, 404, 409, 422))
def delete_batch(batch_id: uuid.UUID, user: UserDep) -> Response:
    batches.delete(user, batch_id)
    return Response(status_code=204)


@router.post("/batches/{batch_id}/move", response_model=BatchOut,
             summary="Move a batch to another lane (admin)",
             description="Items sent from now on go to the new lane; messages already in"
                         " the broker stay where they are.",
             responses=errors_doc(400, 401, 403, 404, 422))
def move_batch(batch_id: uuid.UUID, body: MoveIn, user: UserDep) -> BatchOut:
    return BatchOut.of(batches.move(user, batch_id, body.lane.value))

