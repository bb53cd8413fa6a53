"""Who is told what when a batch finishes, and how each delivery went.

`on_finished` runs inside the finalize transaction of a batch: the rows exist as soon as
the batch is finalized, so a lost message is found again (`stale_pending`). An in-app
notification is delivered by being written (state `sent`, then `read`); an e-mail or a
webhook waits `pending` for `deliver`, run by a Dramatiq actor with retries.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from app.accounts.permissions import check_active
from app.db import get_engine
from app.errors import NotFound
from app.models import Batch, Item, ItemStatus, Notification, User, utcnow
from app.notify import email, webhooks
from app.settings import get_settings

log = logging.getLogger("shortlist.notify")
note_t, batch_t, item_t, user_t = (Notification.__table__, Batch.__table__, Item.__table__,
                                   User.__table__)

# A batch's status -> the event its owner is told of; other statuses tell nobody.
EVENTS = {"done": "batch.finished", "failed": "batch.failed", "timed_out": "batch.failed"}
UNTITLED = "Untitled opening"
MENU_SIZE = 8


class RetryDelivery(Exception):
    """This try failed and another is due (the actor's Retries middleware waits first)."""


@dataclass(frozen=True)
class Finished:
    """What finalize does after its commit: messages to send, events to publish."""

    pending_ids: list[int]
    app_events: list[dict]


def sentence(status: str, title: str, counts: dict[str, int]) -> str:
    """What the person reads: "Your screening “Nurses” finished: 48 screened, 2 could
    not be read."."""
    name = f"“{title or UNTITLED}”"
    done, failed, cancelled = (counts.get(k, 0) for k in ("done", "failed", "cancelled"))
    if status == "failed":
        return f"Your screening {name} failed: none of its {failed} files could be read."
    parts = [f"{done} screened"]
    if failed:
        parts.append(f"{failed} could not be read")
    if cancelled:
        parts.append(f"{cancelled} not screened")
    verb = "ran out of time" if status == "timed_out" else "finished"
    return f"Your screening {name} {verb}: {', '.join(parts)}."


def counts_of(batch) -> dict[str, int]:
    return {"total": batch["total"], "done": batch["n_done"], "failed": batch["n_failed"],
            "cancelled": batch["n_cancelled"]}


def on_finished(conn, batch_id: uuid.UUID) -> Finished:
    """Write the owner's notifications of a batch that has just been finalized."""
    batch = conn.execute(select(batch_t).where(batch_t.c.id == batch_id)).mappings().first()
    event = EVENTS.get(batch["status"]) if batch is not None else None
    if event is None:
        return Finished([], [])
    owner = conn.execute(select(user_t).where(user_t.c.id == batch["owner_id"])) \
        .mappings().first()
    if owner is None or not owner["active"]:
        return Finished([], [])
    text = sentence(batch["status"], batch["title"], counts_of(batch))[:300]
    now = utcnow()
    rows: list[dict] = []
    if owner["notify_in_app"]:
        rows.append(dict(channel="app", target=None, state="sent", sent_at=now))
    if owner["notify_email"] and email.configured():
        rows.append(dict(channel="email", target=owner["email"], state="pending"))
    default_url, secret = webhooks.secret_of(conn, owner["id"])
    url = batch["callback_url"] or default_url
    if url and secret:
        rows.append(dict(channel="webhook", target=url, state="pending"))
    pending, app_events = [], []
    for row in rows:
        note_id = conn.execute(insert(note_t).values(
            user_id=owner["id"], batch_id=batch_id, event=event, title=text, attempts=0,
            created_at=now, **{"sent_at": None, **row}).returning(note_t.c.id)).scalar_one()
        if row["channel"] == "app":
            # "batch", not "batch_id": listeners of a batch's progress skip it.
            app_events.append({"type": "notification", "owner_id": owner["id"],
                               "id": note_id, "batch": str(batch_id), "title": text,
                               "event": event})
        else:
            pending.append(note_id)
    return Finished(pending, app_events)


# --- Delivery (the actor) ----------------------------------------------------------------

def _claim(note_id: int, max_attempts: int):
    """One more try of a pending delivery, counted before it is made (a worker killed
    meanwhile still spent it); None when it is sent, failed, or out of tries."""
    with get_engine().begin() as conn:
        return conn.execute(
            update(note_t).where(note_t.c.id == note_id, note_t.c.state == "pending",
                                 note_t.c.attempts < max_attempts)
            .values(attempts=note_t.c.attempts + 1)
            .returning(*note_t.c)).mappings().first()


def _record(note_id: int, **values) -> None:
    with get_engine().begin() as conn:
        conn.execute(update(note_t).where(note_t.c.id == note_id).values(**values))


def deliver(note_id: int) -> str:
    """Try one delivery once: "sent", "failed" (its last try), "skipped" (nothing to do);
    raises RetryDelivery when another try is due."""
    max_attempts = get_settings().notify_max_attempts
    note = _claim(note_id, max_attempts)
    if note is None:
        return "skipped"
    try:
        answer = _send(note)
    except (webhooks.DeliveryFailed, email.MailFailed) as exc:
        answer = str(exc)[:500]
        if note["attempts"] >= max_attempts:
            _record(note_id, state="failed", answer=answer)
            log.warning("notification %s (%s) failed after %d tries: %s", note_id,
                        note["channel"], note["attempts"], answer)
            return "failed"
        _record(note_id, answer=answer)
        raise RetryDelivery(answer) from None
    _record(note_id, state="sent", answer=answer[:500], sent_at=utcnow())
    return "sent"


def _send(note) -> str:
    with get_engine().connect() as conn:
        batch = conn.execute(select(batch_t).where(batch_t.c.id == note["batch_id"])) \
            .mappings().first() if note["batch_id"] else None
        if batch is None:
            raise webhooks.DeliveryFailed("The screening was deleted before this was sent.")
        if note["channel"] == "email":
            return email.send_finished(note["target"], note["title"], dict(batch),
                                       top_candidates(conn, batch["id"]),
                                       screening_url(batch["id"]))
        if note["channel"] == "webhook":
            _, secret = webhooks.secret_of(conn, note["user_id"])
    if not secret:
        raise webhooks.DeliveryFailed("The webhook's secret was removed (DELETE"
                                      " /api/v1/me/webhook): nothing signs this delivery.")
    return webhooks.post(note["target"], webhook_body(note, batch), secret)


def webhook_body(note, batch) -> bytes:
    """The JSON a webhook receives (its bytes are what the signature covers)."""
    return json.dumps({
        "event": note["event"],
        "batch": {"id": str(batch["id"]), "title": batch["title"], "status": batch["status"],
                  "counts": counts_of(batch), "url": screening_url(batch["id"])},
        "sent_at": utcnow().isoformat().replace("+00:00", "Z"),
    }, ensure_ascii=False, separators=(",", ":")).encode()


def screening_url(batch_id) -> str | None:
    """The screening's page at PUBLIC_URL; None when it is not set (no link is ever built
    from a request's Host header)."""
    base = getattr(get_settings(), "public_url", None)  # PUBLIC_URL (helper-d's settings)
    return f"{base.rstrip('/')}/screenings/{batch_id}" if base else None


def top_candidates(conn, batch_id, limit: int = 5) -> list[tuple[str, int, str]]:
    """(name, score, band) of the best people of a batch, one row per person."""
    rows = conn.execute(
        select(item_t.c.name, item_t.c.score, item_t.c.result)
        .where(item_t.c.batch_id == batch_id, item_t.c.status == ItemStatus.done.value,
               item_t.c.duplicate_of.is_(None), item_t.c.score.is_not(None))
        .order_by(item_t.c.score.desc(), item_t.c.seq).limit(limit)).mappings()
    out = []
    for row in rows:
        result = row["result"] or {}
        name = (result.get("profile") or {}).get("name") or row["name"]
        out.append((name, int(round(row["score"])), (result.get("match") or {}).get("band", "")))
    return out


def stale_pending() -> list[int]:
    """Deliveries still pending NOTIFY_RESEND_AFTER_S after they were made, with tries
    left: their message was lost (their retries are over by then)."""
    settings = get_settings()
    cutoff = utcnow() - timedelta(seconds=settings.notify_resend_after_s)
    with get_engine().connect() as conn:
        return list(conn.execute(
            select(note_t.c.id).where(note_t.c.state == "pending",
                                      note_t.c.created_at < cutoff,
                                      note_t.c.attempts < settings.notify_max_attempts)
            .order_by(note_t.c.id).limit(1000)).scalars())


def give_up_exhausted() -> int:
    """Pending rows whose tries are all spent (a worker killed on the last) are failed."""
    max_attempts = get_settings().notify_max_attempts
    with get_engine().begin() as conn:
        return conn.execute(update(note_t).where(
            note_t.c.state == "pending", note_t.c.attempts >= max_attempts,
            note_t.c.created_at < utcnow() - timedelta(
                seconds=get_settings().notify_resend_after_s))
            .values(state="failed", answer=func.coalesce(note_t.c.answer, "No answer."))
        ).rowcount


# --- What a person sees ----------------------------------------------------------------

def unread_count(user: User) -> int:
    with get_engine().connect() as conn:
        return int(conn.execute(select(func.count()).select_from(note_t).where(
            note_t.c.user_id == user.id, note_t.c.channel == "app",
            note_t.c.read_at.is_(None))).scalar_one())


def latest_in_app(user: User, limit: int = MENU_SIZE) -> list[Notification]:
    with Session(get_engine()) as session:
        return list(session.scalars(
            select(Notification).where(Notification.user_id == user.id,
                                       Notification.channel == "app")
            .order_by(Notification.id.desc()).limit(limit)).all())


def deliveries(user: User, limit: int = 50) -> list[Notification]:
    """The last notifications of every channel, newest first (GET /me/notifications)."""
    check_active(user)
    with Session(get_engine()) as session:
        return list(session.scalars(
            select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.id.desc()).limit(limit)).all())


def mark_read(user: User, note_id: int | None = None) -> int:
    """One in-app notification read (None: all of them); another person's is not found."""
    now = utcnow()
    where = [note_t.c.user_id == user.id, note_t.c.channel == "app", note_t.c.read_at.is_(None)]
    if note_id is not None:
        where.append(note_t.c.id == note_id)
    with get_engine().begin() as conn:
        changed = conn.execute(update(note_t).where(*where).values(
            state="read", read_at=now)).rowcount
        if note_id is not None and not changed and conn.execute(select(note_t.c.id).where(
                note_t.c.id == note_id, note_t.c.user_id == user.id)).first() is None:
            raise NotFound("We could not find that notification.")
    return changed


def set_choices(user: User, *, in_app: bool, by_email: bool) -> None:
    check_active(user)
    with get_engine().begin() as conn:
        conn.execute(update(user_t).where(user_t.c.id == user.id).values(
            notify_in_app=in_app, notify_email=by_email))
    user.notify_in_app, user.notify_email = in_app, by_email
