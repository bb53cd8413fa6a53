"""Idempotent submission (201 then 200 with the same batch) and the per-token rate limit."""

from __future__ import annotations

import threading

from app.accounts import ratelimit
from app.models import Batch
from app.settings import get_settings
from tests.api.conftest import OPENING, RESUME, error_of, set_setting
from tests.engine.helpers import count_rows

BODY = {"opening": OPENING, "items": [{"name": "a.txt", "text": RESUME},
                                      {"name": "b.txt", "text": RESUME + "\nNurse"}]}


def test_a_retry_with_the_same_key_returns_the_same_batch(api):
    alice, bob = api.user(), api.user()
    first = api.post("/batches", alice, json=BODY, headers={"Idempotency-Key": "order-42"})
    assert first.status_code == 201 and first.json()["replayed"] is False
    assert "idempotent-replayed" not in first.headers
    again = api.post("/batches", alice, json=BODY, headers={"Idempotency-Key": "order-42"})
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True
    assert again.headers["idempotent-replayed"] == "true"
    # Even a different body: the key identifies the submission
    other_body = api.post("/batches", alice, json={**BODY, "items": [{"name": "z", "text": "z"}]},
                          headers={"Idempotency-Key": "order-42"})
    assert other_body.status_code == 200 and other_body.json()["id"] == first.json()["id"]
    # Another key, no key, or another user's same key: new batches
    assert api.post("/batches", alice, json=BODY, headers={"Idempotency-Key": "order-43"}
                    ).status_code == 201
    assert api.post("/batches", alice, json=BODY).status_code == 201
    theirs = api.post("/batches", bob, json=BODY, headers={"Idempotency-Key": "order-42"})
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    assert count_rows(Batch) == 4


def test_a_multipart_replay_needs_no_upload(api):
    alice = api.user()
    files = [("files", ("a.txt", b"hello")), ("files", ("b.txt", b"world"))]
    first = api.post("/batches", alice, data={"title": "Nurse"}, files=files,
                     headers={"Idempotency-Key": "upload-1"})
    assert first.status_code == 201
    again = api.post("/batches", alice, data={"title": "Nurse"}, files=files[:1],
                     headers={"Idempotency-Key": "upload-1"})
    assert (again.status_code, again.json()["id"], again.json()["total"]) == (
        200, first.json()["id"], 2)


def test_concurrent_requests_with_one_key_create_one_batch(api):
    alice = api.user()
    results: list[tuple[int, str]] = []

    def submit():
        response = api.post("/batches", alice, json=BODY, headers={"Idempotency-Key": "race"})
        results.append((response.status_code, response.json().get("id")))

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(s for s, _ in results).count(201) == 1, results
    assert {s for s, _ in results} == {200, 201} and len({i for _, i in results}) == 1
    assert count_rows(Batch) == 1


def test_an_invalid_key_is_refused(api):
    alice = api.user()
    response = api.post("/batches", alice, json=BODY, headers={"Idempotency-Key": "x" * 201})
    assert error_of(response) == (422, "validation_error")
    response = api.post("/batches", alice, json=BODY, headers={"Idempotency-Key": "tab\there"})
    assert error_of(response) == (400, "malformed_request")


def test_submissions_are_rate_limited_per_token(api, monkeypatch, one_rate_window):
    set_setting(monkeypatch, "api_submit_rate_per_minute", 3)
    alice, bob = api.user(), api.user()
    for i in range(3):
        response = api.post("/batches", alice, json=BODY)
        assert response.status_code == 201
        assert response.headers["ratelimit-remaining"] == str(2 - i)
    refused = api.post("/batches", alice, json=BODY)
    assert error_of(refused) == (429, "rate_limited")
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert "at most 3 a minute" in refused.json()["error"]["message"]
    # Refused before the body is read or anything is created
    assert api.get("/batches", alice).json()["data"].__len__() == 3
    # Another token (another user) has its own budget; reads are not limited
    assert api.post("/batches", bob, json=BODY).status_code == 201
    assert api.get("/batches", alice).status_code == 200


def test_replays_count_against_the_rate_limit(api, monkeypatch, one_rate_window):
    # Audit finding 6: a replay is read and validated like a submission, so it costs as
    # much; before, replays of one key were never limited.
    set_setting(monkeypatch, "api_submit_rate_per_minute", 3)
    alice = api.user()
    first = api.post("/batches", alice, json=BODY, headers={"Idempotency-Key": "k"})
    assert first.status_code == 201 and first.headers["ratelimit-remaining"] == "2"
    for remaining in ("1", "0"):
        replay = api.post("/batches", alice, json=BODY, headers={"Idempotency-Key": "k"})
        assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
        assert replay.headers["ratelimit-remaining"] == remaining
    refused = api.post("/batches", alice, json=BODY, headers={"Idempotency-Key": "k"})
    assert error_of(refused) == (429, "rate_limited")
    retry_after = int(refused.headers["retry-after"])
    assert refused.json()["error"]["message"] == (
        f"Too many submissions: at most 3 a minute per token. Try again in {retry_after} s.")
    assert count_rows(Batch) == 1


def test_the_limiter_counts_fixed_windows(stack):
    t = 60 * 16_667 + 20.0  # 20 s into a minute window
    decisions = [ratelimit.hit("test", "subject", 2, 60, now=t + i) for i in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]
    assert [d.remaining for d in decisions] == [1, 0, 0]
    assert decisions[2].retry_after_s == 38 and decisions[0].retry_after_s == 0
    assert ratelimit.hit("test", "other", 2, 60, now=t).allowed
    assert ratelimit.hit("test", "subject", 2, 60, now=t + 40).allowed  # the next window
    assert ratelimit.hit("test", "subject", 0, 60, now=t).allowed  # 0: no limit
    namespace = get_settings().redis_namespace
    assert sorted(ratelimit._redis().keys(f"{namespace}:ratelimit:*")) == [
        f"{namespace}:ratelimit:test:other:16667".encode(),
        f"{namespace}:ratelimit:test:subject:16667".encode(),
        f"{namespace}:ratelimit:test:subject:16668".encode()]


def test_the_limiter_lets_requests_through_when_redis_is_down(stack, monkeypatch):
    class Down:
        def pipeline(self, **kwargs):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit, "_redis", lambda: Down())
    decision = ratelimit.hit("test", "s", 1, 60)
    assert decision.allowed and decision.remaining == 1
