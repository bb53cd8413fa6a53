"""Notifications of a finished screening (issue 24, part 5), end to end with real worker
threads: rows written by finalize, deliveries on the notify queue with retries and backoff,
a webhook against a local receiver (exact body, signature), e-mail through app.accounts.mail."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import types
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.db import get_engine
from app.engine import dispatch, finalize
from app.models import Batch, Item, Notification, utcnow
from app.notify import email as notify_email
from app.notify import notifications, webhooks
from tests.conftest import wait_until
from tests.engine.helpers import make_user, submit_noop, wait_finalized
from tests.notify.receiver import Receiver

note_t = Notification.__table__
# Small backoff and timeout: three tries in well under a second.
QUICK = dict(WEBHOOK_ALLOW_PRIVATE="true", NOTIFY_MAX_ATTEMPTS=3, NOTIFY_MIN_BACKOFF_MS=50,
             NOTIFY_MAX_BACKOFF_MS=200, WEBHOOK_TIMEOUT_S=0.5)


def rows(batch_id) -> list[dict]:
    with get_engine().connect() as conn:
        return [dict(r) for r in conn.execute(
            select(note_t).where(note_t.c.batch_id == batch_id).order_by(note_t.c.id))
            .mappings()]


def by_channel(batch_id) -> dict[str, dict]:
    return {r["channel"]: r for r in rows(batch_id)}


def settled(batch_id, channel: str):
    def check():
        row = by_channel(batch_id).get(channel)
        return row if row and row["state"] in ("sent", "failed") else None
    return wait_until(check, timeout=20, message=f"the {channel} delivery to settle")


def test_a_finished_batch_tells_its_owner_in_the_app_and_signs_its_webhook(stack_factory):
    stack = stack_factory(**QUICK)
    owner = make_user()
    with Receiver([200]) as receiver:
        secret = webhooks.set_webhook(owner, receiver.url).secret
        batch = submit_noop(owner, 3)
        with stack.worker(threads=2):
            wait_finalized(batch.id)
            webhook = settled(batch.id, "webhook")
    app_row = by_channel(batch.id)["app"]
    assert (app_row["state"], app_row["event"], app_row["title"]) == (
        "sent", "batch.finished", "Your screening “Untitled opening” finished: 3 screened.")
    assert (webhook["state"], webhook["attempts"], webhook["answer"], webhook["target"]) == (
        "sent", 1, "HTTP 200: ok", receiver.url)
    assert set(by_channel(batch.id)) == {"app", "webhook"}  # no e-mail: not chosen

    assert len(receiver.requests) == 1
    headers, raw = receiver.requests[0]
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    assert headers["X-Shortlist-Signature"] == f"sha256={expected}"
    assert headers["Content-Type"] == "application/json"
    body = json.loads(raw)
    sent_at = body.pop("sent_at")
    assert sent_at.endswith("Z") and abs(
        (utcnow() - _parse(sent_at)).total_seconds()) < 60
    assert body == {"event": "batch.finished", "batch": {
        "id": str(batch.id), "title": "", "status": "done",
        "counts": {"total": 3, "done": 3, "failed": 0, "cancelled": 0}, "url": None}}

    # The bell: one unread, read once opened; another person's is not theirs to read
    assert notifications.unread_count(owner) == 1
    with pytest.raises(Exception) as other:
        notifications.mark_read(make_user(), app_row["id"])
    assert type(other.value).__name__ == "NotFound"
    assert notifications.mark_read(owner, app_row["id"]) == 1
    assert notifications.unread_count(owner) == 0
    assert by_channel(batch.id)["app"]["state"] == "read"


def _parse(text: str):
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_webhook_answering_500_twice_is_retried_and_sent_on_the_third_try(stack_factory):
    stack = stack_factory(**QUICK)
    owner = make_user()
    with Receiver([500, 500, 200]) as receiver:
        secret = webhooks.set_webhook(owner, receiver.url).secret
        batch = submit_noop(owner, 2)
        with stack.worker(threads=2):
            wait_finalized(batch.id)
            webhook = settled(batch.id, "webhook")
    assert (webhook["state"], webhook["attempts"], webhook["answer"]) == ("sent", 3, "HTTP 200: ok")
    assert len(receiver.requests) == 3
    for headers, raw in receiver.requests:  # each try signed
        assert headers["X-Shortlist-Signature"] == webhooks.sign(raw, secret)


def test_a_webhook_that_never_answers_fails_with_its_answer_and_the_batch_is_not_held(
        stack_factory):
    stack = stack_factory(**QUICK)
    owner = make_user()
    with Receiver([200], hang_s=3) as receiver:
        webhooks.set_webhook(owner, receiver.url)
        batch = submit_noop(owner, 2)
        started = time.monotonic()
        with stack.worker(threads=2):
            done = wait_finalized(batch.id)
            finalized_after = time.monotonic() - started
            still = by_channel(batch.id)["webhook"]
            webhook = settled(batch.id, "webhook")
    # The batch finished and was finalized before the webhook's first try had ended
    assert done.status == "done" and done.summary["counts"] == {"done": 2}
    assert finalized_after < 3 and still["state"] == "pending"
    assert (webhook["state"], webhook["attempts"], webhook["answer"]) == (
        "failed", 3, "No answer within 0.5 s.")
    assert len(receiver.requests) == 3


def test_a_lost_message_is_found_by_the_sweep_and_delivered(stack_factory, monkeypatch):
    stack = stack_factory(**QUICK)
    owner = make_user()
    with Receiver([200]) as receiver:
        webhooks.set_webhook(owner, receiver.url)
        batch = submit_noop(owner, 1, dispatch=False)
        with get_engine().begin() as conn:  # the item done, as a worker would leave it
            conn.execute(update(Item.__table__).where(Item.__table__.c.batch_id == batch.id)
                         .values(status="done"))
            conn.execute(update(Batch.__table__).where(Batch.__table__.c.id == batch.id)
                         .values(status="done", n_pending=0, n_done=1, started_at=utcnow(),
                                 finished_at=utcnow()))

        def broker_down(ids):
            raise ConnectionError("Redis is down")

        with monkeypatch.context() as patched:
            patched.setattr(dispatch, "send_notifications", broker_down)
            assert finalize.finalize_batch(batch.id) is True  # finalized regardless
        assert by_channel(batch.id)["webhook"]["state"] == "pending"
        assert dispatch.resend_lost_notifications() == 0  # too young to be lost
        with get_engine().begin() as conn:
            conn.execute(update(note_t).values(created_at=utcnow() - timedelta(hours=2)))
        assert dispatch.resend_lost_notifications() == 1
        with stack.worker(threads=2):
            webhook = settled(batch.id, "webhook")
    assert (webhook["state"], webhook["attempts"]) == ("sent", 1)
    assert len(receiver.requests) == 1


def test_a_submissions_callback_url_is_called_instead_of_the_default(stack_factory):
    stack = stack_factory(**QUICK)
    owner = make_user()
    with Receiver([200]) as default, Receiver([204]) as callback:
        webhooks.set_webhook(owner, default.url)
        from app.engine import batches
        batch = batches.submit(owner, kind="noop", items=[batches.NewItem("a")],
                               operator=True, callback_url=callback.url)
        with stack.worker(threads=2):
            wait_finalized(batch.id)
            webhook = settled(batch.id, "webhook")
    assert (webhook["target"], webhook["answer"]) == (callback.url, "HTTP 204")
    assert (len(default.requests), len(callback.requests)) == (0, 1)


def test_callback_urls_must_be_callable_public_and_signed(stack_factory):
    stack_factory()  # private addresses refused (the default)
    from app.engine import batches
    from app.errors import InvalidInput
    owner = make_user()

    def submit(url):
        return batches.submit(owner, kind="noop", items=[batches.NewItem("a")],
                              operator=True, callback_url=url, dispatch=False)

    with pytest.raises(InvalidInput, match="create it first"):
        submit("https://93.184.215.14/hook")  # no secret yet
    webhooks.set_webhook(owner, None)
    for url, words in [("ftp://example.com/x", "starts with https"),
                       ("https://" + "a" * 2000 + ".com", "at most 2000"),
                       ("http://127.0.0.1:8080/x", "private or local"),
                       ("http://10.1.2.3/x", "private or local"),
                       ("http://[::1]/x", "private or local"),
                       ("http://169.254.169.254/latest", "private or local"),
                       ("https://user:pw@example.com/x", "user name or password")]:
        with pytest.raises(InvalidInput, match=words):
            submit(url)
    assert submit("https://93.184.215.14/hook").callback_url == "https://93.184.215.14/hook"


class FakeMail(types.ModuleType):
    """Stands in for app.accounts.mail (SMTP_*): its configured / message / send."""

    def __init__(self, fail_times: int = 0) -> None:
        super().__init__("app.accounts.mail")
        self.sent: list[tuple[str, str, str]] = []
        self.fail_times = fail_times

    def configured(self, settings=None) -> bool:
        return True

    def message(self, to, subject, body, settings=None):
        return (to, subject, body)

    def send(self, msg, settings=None) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionRefusedError("mail server down")
        self.sent.append(msg)


@pytest.fixture
def fake_mail(monkeypatch) -> FakeMail:
    mail = FakeMail(fail_times=1)
    monkeypatch.setattr(notify_email, "mail", mail)  # what app.notify.email sends through
    return mail


def test_the_email_names_the_counts_the_top_five_and_a_link(stack_factory, fake_mail,
                                                            monkeypatch):
    stack = stack_factory(**QUICK)
    monkeypatch.setattr(notifications, "screening_url",
                        lambda batch_id: f"https://shortlist.example.com/screenings/{batch_id}")
    owner = make_user()
    notifications.set_choices(owner, in_app=False, by_email=True)
    batch = submit_noop(owner, 7, dispatch=False)
    people = [("Ada Lovelace", 91, "strong"), ("Grace Hopper", 88, "strong"),
              (None, 75, "good"), ("Alan Turing", 75, "good"), ("Edsger Dijkstra", 60, "partial"),
              ("Barbara Liskov", 42, "weak"), ("Failed One", None, "")]
    item_t = Item.__table__
    with get_engine().begin() as conn:
        for seq, (name, score, band) in enumerate(people):
            conn.execute(update(item_t).where(item_t.c.batch_id == batch.id, item_t.c.seq == seq)
                         .values(status="done" if score is not None else "failed",
                                 score=score, result={"profile": {"name": name},
                                                      "match": {"band": band}}))
        conn.execute(update(Batch.__table__).where(Batch.__table__.c.id == batch.id).values(
            status="done", n_pending=0, n_done=6, n_failed=1, title="Nurses",
            started_at=utcnow(), finished_at=utcnow()))
    assert finalize.finalize_batch(batch.id) is True
    with stack.worker(threads=2):
        mail_row = settled(batch.id, "email")
    assert set(by_channel(batch.id)) == {"email"}  # in-app turned off
    assert (mail_row["state"], mail_row["attempts"], mail_row["target"]) == (
        "sent", 2, owner.email)  # the mail server was down for the first try
    assert len(fake_mail.sent) == 1
    to, subject, text = fake_mail.sent[0]
    assert (to, subject) == (owner.email, "Screening “Nurses” finished")
    assert text == (
        "Your screening “Nurses” finished: 6 screened, 1 could not be read.\n\n"
        "Top candidates:\n"
        "1. Ada Lovelace: 91 (Strong fit)\n"
        "2. Grace Hopper: 88 (Strong fit)\n"
        "3. item 2: 75 (Good fit)\n"
        "4. Alan Turing: 75 (Good fit)\n"
        "5. Edsger Dijkstra: 60 (Partial fit)\n\n"
        f"Open the shortlist: https://shortlist.example.com/screenings/{batch.id}\n\n"
        "You receive this because you chose e-mail notifications in Shortlist.\n")


def test_cancelled_batches_and_inactive_owners_tell_nobody_and_failed_ones_say_so(stack):
    owner = make_user()
    sentences = {
        "failed": notifications.sentence("failed", "Nurses", {"failed": 4}),
        "timed_out": notifications.sentence("timed_out", "", {"done": 3, "cancelled": 5}),
    }
    assert sentences == {
        "failed": "Your screening “Nurses” failed: none of its 4 files could be read.",
        "timed_out": "Your screening “Untitled opening” ran out of time: 3 screened,"
                     " 5 not screened."}
    batch = submit_noop(owner, 1, dispatch=False)
    with get_engine().begin() as conn:
        conn.execute(update(Batch.__table__).where(Batch.__table__.c.id == batch.id)
                     .values(status="cancelled", n_pending=0, n_cancelled=1))
        assert notifications.on_finished(conn, batch.id) == notifications.Finished([], [])
        conn.execute(update(Batch.__table__).where(Batch.__table__.c.id == batch.id)
                     .values(status="failed"))
        told = notifications.on_finished(conn, batch.id)
    assert told.pending_ids == [] and [e["event"] for e in told.app_events] == ["batch.failed"]


def test_the_email_reaches_a_local_smtp_server(stack_factory):
    """Through the real app.accounts.mail and an aiosmtpd server started here (both come
    with the account self-service branch: skipped until it is merged)."""
    pytest.importorskip("app.accounts.mail")
    smtp = pytest.importorskip("tests.smtp_server")
    with smtp.smtp_server() as inbox:
        stack = stack_factory(**QUICK, **{k.upper(): v for k, v in
                                          smtp.smtp_settings(inbox).items()})
        owner = make_user()
        notifications.set_choices(owner, in_app=True, by_email=True)
        batch = submit_noop(owner, 2)
        with stack.worker(threads=2):
            wait_finalized(batch.id)
            mail_row = settled(batch.id, "email")
        [received] = inbox.wait_for(1)
    assert (mail_row["state"], mail_row["attempts"]) == ("sent", 1)
    assert (received["To"], received["Subject"]) == (owner.email,
                                                     "Screening “Untitled opening” finished")
    assert received.get_content() == (
        "Your screening “Untitled opening” finished: 2 screened.\n\n"
        f"Open the shortlist: https://shortlist.example.com/screenings/{batch.id}\n\n"
        "You receive this because you chose e-mail notifications in Shortlist.\n")


def test_a_fault_in_telling_never_stops_the_finalize(stack, monkeypatch, caplog):
    owner = make_user()
    batch = submit_noop(owner, 1, dispatch=False)
    with get_engine().begin() as conn:
        conn.execute(update(Item.__table__).where(Item.__table__.c.batch_id == batch.id)
                     .values(status="done"))
        conn.execute(update(Batch.__table__).where(Batch.__table__.c.id == batch.id)
                     .values(status="done", n_pending=0, n_done=1))

    def broken(conn, batch_id):
        raise KeyError("a bug")

    monkeypatch.setattr(notifications, "on_finished", broken)
    assert finalize.finalize_batch(batch.id) is True
    with get_engine().connect() as conn:
        summary = conn.execute(select(Batch.__table__.c.summary).where(
            Batch.__table__.c.id == batch.id)).scalar_one()
    assert summary["counts"] == {"done": 1} and rows(batch.id) == []
    assert "could not write the notifications" in caplog.text
    caplog.clear()  # the logged error is this test's point


def test_a_delivery_calls_the_address_it_checked_not_the_name_resolved_again(monkeypatch):
    """DNS rebinding: a name that answers a public address to the check and a loopback one
    to the connection would reach the internal network."""
    import socket

    answers = iter(["93.184.215.14", "127.0.0.1", "127.0.0.1"])
    called: list[tuple] = []

    def connect(address, *args):
        called.append(address)
        raise ConnectionRefusedError("refused")

    with monkeypatch.context() as patch:  # undone before any fixture's teardown
        patch.setattr(webhooks.socket, "getaddrinfo", lambda host, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), 0))])
        patch.setattr(socket, "create_connection", connect)
        with pytest.raises(webhooks.DeliveryFailed, match="Could not reach the webhook"):
            webhooks.post("http://hooks.example.com:8080/x", b"{}", "secret")
    assert called == [("93.184.215.14", 8080)]
