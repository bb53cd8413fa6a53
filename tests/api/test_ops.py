"""Lanes, workers, /readyz and /metrics: exact numbers from a known state."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

from sqlalchemy import create_engine, select, update

from app.db import get_engine
from app.engine import attempts, health
from app.models import Item, utcnow
from tests.api.conftest import error_of, set_setting

item_t = Item.__table__


def _finish(batch_id: str, n: int, *, status: str = "done", seconds: float = 1.0,
            ago: timedelta = timedelta(minutes=5)) -> None:
    """Mark n queued items of a batch as finished (as a worker would, minus the counters)."""
    now = utcnow() - ago
    with get_engine().begin() as conn:
        ids = conn.execute(select(item_t.c.id).where(
            item_t.c.batch_id == uuid.UUID(batch_id), item_t.c.status == "queued")
            .order_by(item_t.c.id).limit(n)).scalars().all()
        conn.execute(update(item_t).where(item_t.c.id.in_(ids)).values(
            status=status, started_at=now - timedelta(seconds=seconds), finished_at=now))
        for item_id in ids:  # the item history the lane counts read, as a worker writes it
            attempts.record(conn, item_id, 1, status, now)


def test_lanes_for_admins(api):
    alice, bob = api.user(plan="enterprise"), api.user(plan="free")
    admin, viewer = api.user(role="admin"), api.user(role="readonly_admin")
    big = api.submit_noop(alice, 120)  # critical lane; the dispatch window is 100
    small = api.submit_noop(bob, 5)  # low lane
    _finish(small["id"], 2)
    _finish(small["id"], 1, status="failed")
    _finish(small["id"], 1, ago=timedelta(hours=2))  # not in the last hour
    response = api.get("/lanes", admin)
    assert response.status_code == 200
    lanes = {lane["lane"]: lane for lane in response.json()["data"]}
    assert list(lanes) == ["critical", "high", "normal", "low"]
    assert lanes["critical"] == {"lane": "critical", "queue_depth": 100, "active_batches": 1,
                                 "pending": 20, "queued": 100, "running": 0,
                                 "done_last_hour": 0, "failed_last_hour": 0}
    # Counters come from the batches (the direct updates above did not move them)
    assert lanes["low"] == {"lane": "low", "queue_depth": 5, "active_batches": 1, "pending": 0,
                            "queued": 5, "running": 0, "done_last_hour": 2,
                            "failed_last_hour": 1}
    assert lanes["high"]["queue_depth"] == 0 and lanes["high"]["active_batches"] == 0
    assert api.get("/lanes", viewer).status_code == 200
    assert error_of(api.get("/lanes", alice)) == (403, "permission_denied")
    assert big["total"] == 120


def test_workers_from_broker_heartbeats(api):
    alice, admin = api.user(), api.user(role="admin")
    api.submit_noop(alice, 1)  # this process's broker sends, which beats its heart
    broker = api.stack.broker
    broker.client.zadd(f"{broker.namespace}:__heartbeats__",
                       {"dead-worker": int((time.time() - 3600) * 1000)})
    response = api.get("/workers", admin)
    assert response.status_code == 200
    body = response.json()
    by_id = {w["id"]: w for w in body["data"]}
    assert set(by_id) == {broker.broker_id, "dead-worker"} and body["alive"] == 1
    assert by_id[broker.broker_id]["alive"] is True and by_id[broker.broker_id]["seen_s_ago"] < 30
    assert by_id["dead-worker"]["alive"] is False and by_id["dead-worker"]["seen_s_ago"] >= 3600
    assert by_id["dead-worker"]["source"] == "broker_heartbeat"
    assert body["data"][0]["id"] == broker.broker_id  # most recently seen first
    assert error_of(api.get("/workers", alice)) == (403, "permission_denied")
    with api.stack.worker(threads=1):
        assert api.get("/workers", admin).json()["alive"] == 1  # the same broker object


def test_readyz_names_what_failed(api, monkeypatch):
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready" and ready.json()["failed"] == []
    assert set(ready.json()["checks"]) == {"database", "broker"}
    assert all(c["ok"] and c["error"] is None for c in ready.json()["checks"].values())

    def no_broker():
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setitem(health.CHECKS, "broker", no_broker)
    response = api.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert response.json()["checks"]["broker"] == {"ok": False, "latency_ms": None,
                                                   "error": "ConnectionError"}
    assert "6379" not in response.text  # details go to the log only

    broken = create_engine("sqlite:////nonexistent-folder/nothing.db")
    monkeypatch.setattr(health, "get_engine", lambda: broken)
    assert api.client.get("/readyz").json()["failed"] == ["database", "broker"]

    monkeypatch.setitem(health.CHECKS, "database", lambda: time.sleep(2))
    result = health.readiness(timeout_s=0.2)
    assert result.failed == ["database", "broker"]
    assert result.checks[0].error == "no answer within 0.2 s"


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|\+Inf|NaN)$')


def parse_metrics(text: str) -> dict[str, float]:
    """Check the exposition format and return {'name{labels}': value}."""
    assert text.endswith("\n")
    helped, typed, values = set(), set(), {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            helped.add(line.split()[2])
        elif line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            assert kind in {"gauge", "counter", "histogram"} and name in helped
            typed.add(name)
        else:
            match = SAMPLE.match(line)
            assert match, line
            assert match.group(1) in typed, line
            values[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return values


def test_metrics_in_prometheus_text_format(api, monkeypatch):
    alice, bob, admin = api.user(plan="enterprise"), api.user(plan="free"), api.user(role="admin")
    big = api.submit_noop(alice, 120)
    small = api.submit_noop(bob, 5)
    api.post(f"/batches/{small['id']}/cancel", bob)
    other = api.submit_noop(bob, 4)
    _finish(other["id"], 1, seconds=0.3)
    _finish(other["id"], 1, seconds=2.0)
    _finish(other["id"], 1, seconds=3.0, ago=timedelta(hours=2))  # outside the window
    response = api.client.get("/metrics", headers=api.auth(admin))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    m = parse_metrics(response.text)
    assert m['shortlist_batches{lane="critical",status="queued"}'] == 1
    assert m['shortlist_batches{lane="low",status="cancelled"}'] == 1
    assert m['shortlist_batches{lane="low",status="queued"}'] == 1
    assert m['shortlist_batches{lane="high",status="done"}'] == 0
    assert m['shortlist_items{lane="critical",status="pending"}'] == 20
    assert m['shortlist_items{lane="critical",status="queued"}'] == 100
    assert m['shortlist_items{lane="low",status="cancelled"}'] == 5
    assert m['shortlist_queue_depth{lane="critical"}'] == 100
    # Cancelled items' messages stay in the broker until a worker skips them: 5 + 4 items,
    # plus the cancelled batch's finalize message (sent to its lane)
    assert m['shortlist_queue_depth{lane="low"}'] == 10
    hist = "shortlist_recent_item_processing_seconds"
    assert m[f'{hist}_bucket{{lane="low",le="0.25"}}'] == 0
    assert m[f'{hist}_bucket{{lane="low",le="0.5"}}'] == 1
    assert m[f'{hist}_bucket{{lane="low",le="2.5"}}'] == 2
    assert m[f'{hist}_bucket{{lane="low",le="+Inf"}}'] == 2
    assert m[f'{hist}_count{{lane="low"}}'] == 2
    assert abs(m[f'{hist}_sum{{lane="low"}}'] - 2.3) < 1e-6
    assert m[f'{hist}_count{{lane="critical"}}'] == 0
    assert m["shortlist_broker_processes"] == 1
    assert m["shortlist_database_up"] == 1 and m["shortlist_broker_up"] == 1
    assert big["total"] == 120
    # Who may scrape
    assert error_of(api.client.get("/metrics")) == (401, "unauthorized")
    assert error_of(api.client.get("/metrics", headers=api.auth(alice))) == (
        403, "permission_denied")
    set_setting(monkeypatch, "metrics_token", "prometheus-secret")
    assert api.client.get("/metrics", headers={
        "Authorization": "Bearer prometheus-secret"}).status_code == 200
    assert error_of(api.client.get("/metrics", headers={
        "Authorization": "Bearer prometheus-wrong"})) == (401, "unauthorized")


def test_metrics_say_when_the_broker_is_down(api, monkeypatch):
    admin = api.user(role="admin")

    def down(*args, **kwargs):
        raise ConnectionError("down")

    monkeypatch.setattr("app.admin.metrics.queue_depths", down)
    m = parse_metrics(api.client.get("/metrics", headers=api.auth(admin)).text)
    assert m["shortlist_broker_up"] == 0 and m["shortlist_database_up"] == 1
    assert not any(k.startswith("shortlist_queue_depth") for k in m)


def test_daily_statistics_for_admins(api):
    from datetime import timedelta as days_

    from sqlalchemy import insert

    from app.models import DailyStats

    today = utcnow().date()
    rows = [
        {"day": today, "kind": "resume", "lane": "normal", "submitted": 12, "done": 9,
         "failed": 2, "avg_ms": 1500.0, "p95_ms": 4000.0, "peak_queue_depth": 7},
        {"day": today - days_(days=1), "kind": "resume", "lane": "low", "submitted": 3,
         "done": 0, "failed": 3, "avg_ms": None, "p95_ms": None, "peak_queue_depth": 0},
        {"day": today - days_(days=30), "kind": "noop", "lane": "high", "submitted": 1,
         "done": 1, "failed": 0, "avg_ms": 5.0, "p95_ms": 5.0, "peak_queue_depth": 1},
    ]
    with get_engine().begin() as conn:
        conn.execute(insert(DailyStats.__table__), rows)
    alice, admin, viewer = api.user(), api.user(role="admin"), api.user(role="readonly_admin")
    response = api.get("/stats/daily", admin)
    assert response.status_code == 200
    body = response.json()
    assert (body["since"], body["until"]) == (str(today - days_(days=29)), str(today))
    assert body["data"] == [
        {"day": str(today), "lane": "normal", "submitted": 12, "done": 9, "failed": 2,
         "avg_ms": 1500.0, "p95_ms": 4000.0, "peak_queue_depth": 7},
        {"day": str(today - days_(days=1)), "lane": "low", "submitted": 3, "done": 0,
         "failed": 3, "avg_ms": None, "p95_ms": None, "peak_queue_depth": 0}]
    # 31 days reach the oldest row; a lane filter keeps its lane only
    longer = api.get("/stats/daily", viewer, params={"days": 31, "lane": "high"}).json()
    assert [(r["lane"], r["done"]) for r in longer["data"]] == [("high", 1)]
    for days in (0, 91, "x"):
        assert error_of(api.get("/stats/daily", admin, params={"days": days}))[0] == 422
    assert error_of(api.get("/stats/daily", admin, params={"lane": "urgent"}))[0] == 422
    assert error_of(api.get("/stats/daily", alice)) == (403, "permission_denied")
