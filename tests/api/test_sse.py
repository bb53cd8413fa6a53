"""Server-sent events: the current state first, then progress from real workers, then the end."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid

import pytest

from app.accounts import tokens, users
from app.engine import finalize
from app.settings import get_settings
from tests.api.conftest import error_of, set_setting
from tests.conftest import wait_until
from tests.engine.helpers import submit_noop
from ui.api import sse
from ui.api.sse import State, merge


def read_events(response, limit_s: float = 60.0, lines=None) -> list[tuple[str, dict]]:
    """Every `event`/`data` pair and comment until the server closes the stream (the rest
    of `lines`, an iterator over the stream's lines already begun, if given)."""
    found: list[tuple[str, dict]] = []

    def read():
        event = None
        for line in lines if lines is not None else response.iter_lines():
            if line.startswith(":"):
                found.append(("comment", {"text": line}))
            elif line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: "):
                found.append((event, json.loads(line[len("data: "):])))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(limit_s)
    assert not reader.is_alive(), f"the stream did not end within {limit_s}s: {found[-3:]}"
    return found


def test_the_stream_follows_a_running_batch_and_closes_at_its_end(api):
    alice = api.user()
    batch = api.submit_noop(alice, 20, params={"sleep_ms": 60})
    url = f"/api/v1/batches/{batch['id']}/events"
    with api.stack.worker(threads=2):
        with api.client.stream("GET", url, headers=api.auth(alice)) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache"
            events = read_events(response)
    kinds = [kind for kind, _ in events if kind != "comment"]
    data = [d for kind, d in events if kind != "comment"]
    # First the state read from the database, then progress, then exactly one end
    assert kinds[0] == "progress" and kinds[-1] == "end" and kinds.count("end") == 1
    assert data[0]["batch_id"] == batch["id"] and data[0]["total"] == 20
    assert data[0]["counts"]["done"] < 20 and not data[0]["finished"]
    done = [d["counts"]["done"] for d in data]
    assert done == sorted(done), "progress never goes backwards"
    assert any(0 < n < 20 for n in done), "intermediate progress was streamed"
    assert all(d["batch_id"] == batch["id"] for d in data)
    assert data[-1]["status"] == "done" and data[-1]["finished"] and data[-1]["finalized"]
    assert data[-1]["counts"] == {"pending": 0, "queued": 0, "running": 0, "done": 20,
                                  "failed": 0, "cancelled": 0}
    assert sse.hub.subscribers(batch["id"]) == 0


def test_a_finished_batch_streams_its_state_and_ends_at_once(api):
    alice = api.user()
    batch = api.submit_noop(alice, 3)
    api.post(f"/batches/{batch['id']}/cancel", alice)
    finalize.finalize_batch(uuid.UUID(batch["id"]))
    with api.client.stream("GET", f"/api/v1/batches/{batch['id']}/events",
                           headers=api.auth(alice)) as response:
        events = [e for e in read_events(response, 10) if e[0] != "comment"]
    assert [kind for kind, _ in events] == ["progress", "end"]
    assert events[0][1]["status"] == "cancelled" and events[0][1]["finalized"] is True


def test_keep_alive_comments_and_disconnect_unsubscribes(api, monkeypatch):
    set_setting(monkeypatch, "api_sse_keepalive_s", 0.05)
    alice = api.user()
    batch = api.submit_noop(alice, 2)  # no worker: it stays queued
    with api.client.stream("GET", f"/api/v1/batches/{batch['id']}/events",
                           headers=api.auth(alice)) as response:
        lines = response.iter_lines()
        seen = []
        for line in lines:
            seen.append(line)
            if line == ": keep-alive" and seen.count(": keep-alive") == 2:
                break
        assert sse.hub.subscribers(batch["id"]) == 1
        assert "event: progress" in seen and "event: end" not in seen
    wait_until(lambda: sse.hub.subscribers(batch["id"]) == 0, timeout=5,
               message="the stream to unsubscribe")


def test_the_stream_checks_permission_first(api):
    alice, bob = api.user(), api.user()
    batch = api.submit_noop(alice, 1)
    assert error_of(api.get(f"/batches/{batch['id']}/events", bob)) == (404, "not_found")
    assert error_of(api.get("/batches/00000000-0000-0000-0000-000000000000/events", alice)) == (
        404, "not_found")


def test_too_many_streams_is_503(api, monkeypatch):
    set_setting(monkeypatch, "api_sse_max_streams", 0)
    alice = api.user()
    batch = api.submit_noop(alice, 1)
    response = api.get(f"/batches/{batch['id']}/events", alice)
    assert error_of(response) == (503, "unavailable") and response.headers["retry-after"] == "5"


def _state(done: int, status: str = "running", finalized: bool = False, queued: int = 0) -> State:
    counts = {"pending": 0, "queued": queued, "running": 10 - done - queued, "done": done,
              "failed": 0, "cancelled": 0}
    return State("b", status, "low", 10, counts, finalized)


def test_merge_keeps_the_most_advanced_state():
    current = _state(5)
    assert merge(current, _state(4)) is None  # a late event
    assert merge(current, _state(5)) is None  # no news
    assert merge(current, _state(6)) == _state(6)
    assert merge(current, _state(5, queued=2)) == _state(5, queued=2)  # same progress, news
    finished = _state(10, "done")
    assert merge(finished, _state(10, "running")) is None  # a late "running"
    assert merge(finished, _state(10, "done", finalized=True)).finalized
    assert merge(_state(10, "done", finalized=True), finished) is None


def test_late_events_are_dropped_and_a_regression_is_checked_in_the_database(api, monkeypatch):
    set_setting(monkeypatch, "api_sse_keepalive_s", 0.05)
    alice = api.user()
    batch = api.submit_noop(alice, 10)  # no worker: the database says 0 done

    def event(done: int, batch_id: str = batch["id"]) -> dict:
        return {"batch_id": batch_id, "owner_id": alice.id, "status": "running", "lane": "critical",
                "total": 10, "counts": {"pending": 0, "queued": 0, "running": 10 - done,
                                        "done": done, "failed": 0, "cancelled": 0}}

    with api.client.stream("GET", f"/api/v1/batches/{batch['id']}/events",
                           headers=api.auth(alice)) as response:
        received: list[dict] = []
        lines = response.iter_lines()

        def next_progress() -> dict:
            for line in lines:
                if line.startswith("data: "):
                    return json.loads(line[len("data: "):])
            raise AssertionError("the stream ended")

        received.append(next_progress())
        assert received[0]["counts"]["done"] == 0
        sse.hub._receive(event(5, batch_id=str(uuid.uuid4())))  # another batch: not ours
        sse.hub._receive(event(5))
        assert next_progress()["counts"]["done"] == 5
        sse.hub._receive(event(4))  # late or a retry: the stream asks the database
        authoritative = next_progress()
        assert authoritative["counts"]["done"] == 0 and authoritative["status"] == "queued"


# --- Audit findings: a per-user cap, and streams that end when their token does ----------


def _queued_batch(user) -> str:
    """A batch that stays queued (nothing dispatched): its stream stays open."""
    return str(submit_noop(user, 2, dispatch=False).id)


PER_USER_REFUSAL = ("You already have 4 event streams open, the most one account may have"
                    " at once. Close one and try again.")


def test_one_user_cannot_take_every_stream(api):
    assert get_settings().api_sse_max_streams_per_user == 4
    alice, bob = api.user(), api.user()
    mine, theirs = _queued_batch(alice), _queued_batch(bob)
    url = f"/api/v1/batches/{mine}/events"
    with contextlib.ExitStack() as streams:
        for _ in range(4):
            response = streams.enter_context(
                api.client.stream("GET", url, headers=api.auth(alice)))
            assert response.status_code == 200
        assert sse.hub.streams_of(alice.id) == 4
        fifth = api.get(f"/batches/{mine}/events", alice)
        assert error_of(fifth) == (429, "rate_limited")
        assert fifth.json()["error"]["message"] == PER_USER_REFUSAL
        assert fifth.headers["retry-after"] == "5"
        assert sse.hub.streams_of(alice.id) == 4  # the refusal took no slot
        # Another user still gets a stream
        with api.client.stream("GET", f"/api/v1/batches/{theirs}/events",
                               headers=api.auth(bob)) as response:
            assert response.status_code == 200
            assert next(line for line in response.iter_lines()
                        if line.startswith("event: ")) == "event: progress"
    # Closed streams give their slots back
    wait_until(lambda: sse.hub.streams_of(alice.id) == 0 and sse.hub.open_streams == 0,
               timeout=5, message="the slots to be released")
    with api.client.stream("GET", url, headers=api.auth(alice)) as response:
        assert response.status_code == 200


@pytest.mark.parametrize("how", ["revoke", "deactivate"])
def test_a_revoked_token_ends_its_open_stream_within_one_keep_alive(api, monkeypatch, how):
    keepalive_s = 0.5
    set_setting(monkeypatch, "api_sse_keepalive_s", keepalive_s)
    alice, admin = api.user(), api.user(role="admin")
    batch_id = _queued_batch(alice)
    with api.client.stream("GET", f"/api/v1/batches/{batch_id}/events",
                           headers=api.auth(alice)) as response:
        lines = response.iter_lines()
        seen = []
        for line in lines:
            seen.append(line)
            if line == ": keep-alive":
                break  # the stream is in its loop, its token checked once already
        if how == "revoke":
            tokens.revoke(alice, tokens.list_tokens(alice)[0].id)
        else:
            users.set_active(admin, alice.id, False)
        revoked_at = time.monotonic()
        rest = read_events(response, limit_s=10, lines=lines)
        ended_after = time.monotonic() - revoked_at
    print(f"\nstream ended {ended_after:.2f}s after the {how} (keep-alive {keepalive_s}s)")
    assert rest[-1] == ("error", {"error": {"code": "unauthorized", "message": (
        "This API token is no longer valid: it was revoked, or its account was"
        " deactivated. The stream is closed.")}})
    assert all(kind == "comment" for kind, _ in rest[:-1]), "no progress after the revocation"
    # Within a keep-alive or two (the check may just have run); before the fix the
    # stream lived on until the 10 s read limit. Generous for a loaded machine.
    assert ended_after < 4 * keepalive_s + 1
    assert sse.hub.subscribers(batch_id) == 0 and sse.hub.streams_of(alice.id) == 0


def test_an_admin_demoted_meanwhile_loses_another_users_stream(api, monkeypatch):
    set_setting(monkeypatch, "api_sse_keepalive_s", 0.2)
    alice, boss, other_admin = api.user(), api.user(role="admin"), api.user(role="admin")
    batch_id = _queued_batch(alice)
    with api.client.stream("GET", f"/api/v1/batches/{batch_id}/events",
                           headers=api.auth(boss)) as response:
        assert response.status_code == 200
        users.change_role(other_admin, boss.id, "recruiter")
        rest = read_events(response, limit_s=10)
    assert rest[-1] == ("error", {"error": {"code": "not_found",
                                            "message": "We could not find that screening."}})
