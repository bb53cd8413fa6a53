"""Reading a submission: JSON (items as text) or multipart (files, ZIPs allowed).

Both become the same call of the batch service (app.engine.batches.submit); uploaded files go
through app.recruiting.uploads.prepare first, which unpacks ZIPs safely and enforces the upload
limits on the server. JSON is parsed here rather than by FastAPI so that NaN, deep
nesting and bad encodings are refused with a clear 400 instead of surprising anyone later.
Parsing and validating run in a worker thread, never on the event loop: a 10 MB body takes
seconds, and every other request of the process would wait for them.
"""

from __future__ import annotations

import contextlib
import gc
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from app.analysis import Rejected
from app.engine.batches import NewItem
from app.errors import InvalidInput, TooLarge
from app.recruiting import uploads
from app.settings import get_settings
from ui.api.errors import BodyTooLarge, MalformedRequest, UnsupportedMediaType, pydantic_error
from ui.api.models import AddItemsJson, NoopParams, SubmitJson, TextItemIn

MAX_DEPTH = 32
BAD_TEXT = "The request contains a NUL character or an unpaired surrogate; send plain UTF-8 text."
MAX_FORM_FIELDS = 50
# Items validated per pydantic call. One call holds the GIL throughout (0.8 s for 300,000
# items), so the event loop, although the call runs in a thread, would wait for it whole.
ITEMS_PER_CALL = 1_000
_ITEMS = TypeAdapter(list[TextItemIn])
# Bodies from this size are parsed one at a time, with the cycle collector paused.
BIG_BODY_BYTES = 1024 * 1024
MAX_CALLBACK = 2000


@dataclass
class Submission:
    """What app.engine.batches.submit needs, plus the files left out."""

    kind: str
    items: list[NewItem]
    title: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    lane: str | None = None
    rejected: list[Rejected] = field(default_factory=list)
    # A re-screen: the earlier batch whose files are screened again, or candidates of the
    # pool (then `items` is empty).
    from_batch: uuid.UUID | None = None
    candidates: list[int] | None = None
    # Where to POST when it finishes or fails (app.notify.webhooks), instead of the default.
    callback_url: str | None = None


def _has_bad_text(text: str) -> bool:
    """NUL (PostgreSQL refuses it) or an unpaired surrogate (not encodable as UTF-8)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest (iteratively: no recursion to exhaust).

    Also refuses text no database could store (see _has_bad_text).
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
            if any(_has_bad_text(k) for k in node):
                raise MalformedRequest(BAD_TEXT)
        elif isinstance(node, list):
            children = node
        else:
            if isinstance(node, str) and _has_bad_text(node):
                raise MalformedRequest(BAD_TEXT)
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def parse_json(body: bytes) -> Any:
    if not body:
        raise MalformedRequest("The request body is empty: send the batch as JSON.")
    try:
        data = json.loads(body, parse_constant=_no_constants)
    except RecursionError:
        raise MalformedRequest(f"The JSON nests deeper than {MAX_DEPTH} levels.") from None
    except (ValueError, UnicodeDecodeError):
        raise MalformedRequest("The request body is not valid JSON (UTF-8).") from None
    if _depth(data) > MAX_DEPTH:
        raise MalformedRequest(f"The JSON nests deeper than {MAX_DEPTH} levels.")
    return data


class _ItemErrors:
    """A slice's validation errors, located in the whole body (for pydantic_error)."""

    def __init__(self, exc: ValidationError, offset: int) -> None:
        self.exc, self.offset = exc, offset

    def errors(self) -> list[Any]:
        return [{**e, "loc": ("items", e["loc"][0] + self.offset, *e["loc"][1:])}
                for e in self.exc.errors()]


def _validate(data: Any) -> SubmitJson:
    """SubmitJson.model_validate, the items a slice at a time (see ITEMS_PER_CALL)."""
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) <= ITEMS_PER_CALL:
        return SubmitJson.model_validate(data)
    spec = SubmitJson.model_validate({**data, "items": items[:1]})
    return spec.model_copy(update={"items": _validated_items(items)})


def _validated_items(items: list[Any]) -> list[TextItemIn]:
    valid: list[TextItemIn] = []
    for start in range(0, len(items), ITEMS_PER_CALL):
        try:
            valid.extend(_ITEMS.validate_python(items[start : start + ITEMS_PER_CALL]))
        except ValidationError as exc:
            raise pydantic_error(_ItemErrors(exc, start)) from None  # type: ignore[arg-type]
    return valid


# One big body at a time per process: parsing holds the GIL, so two at once are no faster,
# and each would take turns with the event loop (4 at once: /healthz waited 0.47 s).
_big_body = threading.Lock()


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector off while a big body is parsed (under _big_body).

    Parsing makes hundreds of thousands of objects and no cycles, yet the collector scans
    the whole heap again and again: 80% of the time of a 10 MB body, in pauses of 0.3 s
    that stop every thread, the event loop's too.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def from_json(body: bytes) -> Submission:
    """Blocks for as long as the body is big: call it in a thread (read_submission does)."""
    if len(body) < BIG_BODY_BYTES:
        return _from_json(body)
    with _big_body, _collector_paused():
        return _from_json(body)


def _from_json(body: bytes) -> Submission:
    try:
        spec = _validate(parse_json(body))
    except ValidationError as exc:
        raise pydantic_error(exc) from None
    sources = [spec.items, spec.from_batch, spec.candidates]
    if sum(source is not None for source in sources) != 1:
        raise InvalidInput("Give one of items (the resumes as text), from_batch (the id of"
                           " an earlier screening to screen again) or candidates (ids from"
                           " your pool).")
    if spec.kind == "resume":
        if spec.opening is None:
            raise InvalidInput("A resume batch needs an opening: at least its title.")
        if spec.params is not None:
            raise InvalidInput("params is only for the noop kind; a resume batch has an opening.")
        params = spec.opening.model_dump()
        items = [NewItem(i.name, i.text.encode()) for i in spec.items or ()]
    else:
        if spec.from_batch is not None or spec.candidates is not None:
            raise InvalidInput("from_batch and candidates are for resume screenings only.")
        if spec.opening is not None:
            raise InvalidInput("A noop batch has params, not an opening.")
        params = (spec.params.model_dump() if spec.params else {})
        items = [NewItem(i.name, i.text.encode() or None) for i in spec.items]
    return Submission(kind=spec.kind, items=items, title=spec.title or "", params=params,
                      lane=spec.lane.value if spec.lane else None, from_batch=spec.from_batch,
                      candidates=spec.candidates, callback_url=spec.callback_url)


def _noop_params(raw: Any) -> dict[str, Any]:
    """The multipart `params` field, read with the JSON body's schema (one schema)."""
    if not isinstance(raw, dict):
        raise InvalidInput("params must be a JSON object.")
    try:
        return NoopParams.model_validate(raw).model_dump()
    except ValidationError as exc:
        raise pydantic_error(exc) from None


def _text(form, name: str, limit: int = 100_000) -> str | None:
    values = form.getlist(name)
    if any(not isinstance(v, str) for v in values):
        raise InvalidInput(f"{name} must be a text field, not a file.")
    if len(values) > 1:
        raise InvalidInput(f"Send {name} once.")
    if values and len(values[0]) > limit:
        raise InvalidInput(f"{name} is too long.")
    if values and _has_bad_text(values[0]):
        raise MalformedRequest(BAD_TEXT)
    return values[0] if values else None


async def _read_form(request: Request):
    settings = get_settings()
    try:
        return await request.form(max_files=settings.max_files_per_upload,
                                  max_fields=MAX_FORM_FIELDS, max_part_size=1024 * 1024)
    except BodyTooLarge:
        raise
    except StarletteHTTPException as exc:
        detail = str(exc.detail)
        if "Too many files" in detail:
            raise TooLarge(f"This upload has more than {settings.max_files_per_upload} files."
                           " Please split it into several batches.") from None
        raise MalformedRequest(f"The form could not be read: {detail}") from None


async def from_form(request: Request) -> Submission:
    form = await _read_form(request)
    try:
        unknown = sorted(set(form.keys()) - {"kind", "title", "description", "must_have",
                                             "nice_to_have", "min_years", "lane", "params",
                                             "files", "file", "callback_url"})
        if unknown:
            raise InvalidInput(f"Unknown form field {unknown[0]!r}.")
        uploads_ = [*form.getlist("files"), *form.getlist("file")]
        if any(not isinstance(f, UploadFile) for f in uploads_):
            raise InvalidInput("files must be uploaded files, not text fields.")
        if not uploads_:
            raise InvalidInput("No files were uploaded: send them as the `files` field.")
        kind = _text(form, "kind") or "resume"
        if kind not in ("resume", "noop"):
            raise InvalidInput(f"Unknown kind {kind!r}: use resume or noop.")
        lane = _text(form, "lane") or None
        callback_url = _text(form, "callback_url", MAX_CALLBACK) or None
        files = [(f.filename or f"file {i + 1}", await f.read()) for i, f in enumerate(uploads_)]
        title = _text(form, "title", 200) or ""
        if kind == "resume":
            must = [v for v in form.getlist("must_have") if isinstance(v, str)]
            nice = [v for v in form.getlist("nice_to_have") if isinstance(v, str)]
            if any(not isinstance(v, str) for v in form.getlist("must_have")
                   + form.getlist("nice_to_have")):
                raise InvalidInput("Skills must be text fields.")
            if any(_has_bad_text(v) for v in must + nice):
                raise MalformedRequest(BAD_TEXT)
            params: dict[str, Any] = {
                "title": title, "description": _text(form, "description") or "",
                "must_have": must[0] if len(must) == 1 else must,
                "nice_to_have": nice[0] if len(nice) == 1 else nice,
                "min_years": _text(form, "min_years", 20),
            }
            if _text(form, "params") is not None:
                raise InvalidInput("params is only for the noop kind.")
        else:
            raw = _text(form, "params", 10_000)
            params = _noop_params(parse_json(raw.encode()) if raw else {})
    finally:
        await form.close()
    prepared = await _prepare(files)
    return Submission(kind=kind, items=prepared.items, title=title, params=params, lane=lane,
                      rejected=prepared.rejected, callback_url=callback_url)


async def _prepare(files: list[tuple[str, bytes]]) -> uploads.Prepared:
    prepared = await run_in_threadpool(uploads.prepare, files)
    if not prepared.items:
        raise InvalidInput(
            "None of the files could be used." if prepared.rejected else "No files were uploaded.",
            items=[{"name": r.name, "reason": r.reason} for r in prepared.rejected[:100]])
    return prepared


async def read_submission(request: Request) -> Submission:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return await run_in_threadpool(from_json, await request.body())
    if content_type == "multipart/form-data":
        return await from_form(request)
    raise UnsupportedMediaType()



async def read_added_items(request: Request) -> tuple[list[NewItem], list[Rejected]]:
    """The resumes of `POST /batches/{id}/items`: JSON `items` or multipart `files`, read
    and limited as a submission's."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return await run_in_threadpool(_added_from_json, await request.body()), []
    if content_type != "multipart/form-data":
        raise UnsupportedMediaType()
    form = await _read_form(request)
    try:
        unknown = sorted(set(form.keys()) - {"files", "file"})
        if unknown:
            raise InvalidInput(f"Unknown form field {unknown[0]!r}: send only files.")
        uploaded = [*form.getlist("files"), *form.getlist("file")]
        if not uploaded or any(not isinstance(f, UploadFile) for f in uploaded):
            raise InvalidInput("No files were uploaded: send them as the `files` field.")
        files = [(f.filename or f"file {i + 1}", await f.read()) for i, f in enumerate(uploaded)]
    finally:
        await form.close()
    prepared = await _prepare(files)
    return prepared.items, prepared.rejected


def _added_from_json(body: bytes) -> list[NewItem]:
    data = parse_json(body)
    try:
        if isinstance(data, dict) and isinstance(data.get("items"), list) and data["items"]:
            AddItemsJson.model_validate({**data, "items": data["items"][:1]})  # the shape
            items = _validated_items(data["items"])
        else:
            items = AddItemsJson.model_validate(data).items
    except ValidationError as exc:
        raise pydantic_error(exc) from None
    return [NewItem(i.name, i.text.encode()) for i in items]
