"""The broker factory in both modes: embedded (fakeredis) and Redis."""

import time

import dramatiq
import fakeredis
import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import Retries

from app.engine.broker import build_broker
from app.settings import LANES, Settings


def _round_trip(broker: RedisBroker) -> list[int]:
    seen: list[int] = []

    @dramatiq.actor(broker=broker, queue_name="low", actor_name="probe")
    def probe(n: int) -> None:
        seen.append(n)

    for n in range(5):
        probe.send(n)
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        broker.join("low", timeout=10_000)
        worker.join()
    finally:
        worker.stop()
    return sorted(seen)


def test_embedded_broker_needs_no_server(monkeypatch):
    monkeypatch.setattr("app.redis_client._fake_server", fakeredis.FakeServer())
    settings = Settings()
    broker = build_broker(settings)
    assert isinstance(broker, RedisBroker)
    assert isinstance(broker.client, fakeredis.FakeRedis)
    assert set(LANES) <= broker.get_declared_queues()
    assert _round_trip(broker) == [0, 1, 2, 3, 4]


def test_tuned_for_fast_recovery_of_a_killed_workers_messages():
    broker = build_broker(Settings())
    # Dramatiq's defaults (60 s, 1000 per million) left messages stranded for ~18 minutes.
    assert broker.namespace == "shortlist"
    assert broker.heartbeat_timeout == 20_000
    assert broker.maintenance_chance == 50_000
    retries = [m for m in broker.middleware if isinstance(m, Retries)]
    assert len(retries) == 1
    assert (retries[0].min_backoff, retries[0].max_backoff) == (1_000, 300_000)


@pytest.mark.integration
def test_redis_broker_against_the_real_server(monkeypatch, real_redis_url):
    monkeypatch.setenv("REDIS_URL", real_redis_url)
    broker = build_broker(Settings())
    assert not isinstance(broker.client, fakeredis.FakeRedis)
    assert broker.client.ping() is True
    assert set(LANES) <= broker.get_declared_queues()
    assert _round_trip(broker) == [0, 1, 2, 3, 4]


@pytest.mark.integration
@pytest.mark.slow
def test_killed_workers_messages_come_back_within_a_minute(monkeypatch, real_redis_url):
    """A message fetched by a broker that then dies is redelivered after its heartbeat."""
    monkeypatch.setenv("REDIS_URL", real_redis_url)
    monkeypatch.setenv("BROKER_HEARTBEAT_TIMEOUT_MS", "5000")
    monkeypatch.setenv("BROKER_MAINTENANCE_CHANCE", "200000")
    dead = build_broker(Settings())
    dead.enqueue(dramatiq.Message(queue_name="normal", actor_name="x", args=(), kwargs={},
                                  options={}))
    consumer = dead.consume("normal", prefetch=1, timeout=1000)
    assert next(consumer) is not None  # fetched, never acked: its broker "dies" now
    started = time.monotonic()
    alive = build_broker(Settings())
    consumer2 = alive.consume("normal", prefetch=1, timeout=500)
    message = None
    while message is None and time.monotonic() - started < 60:
        message = next(consumer2)
    elapsed = time.monotonic() - started
    assert message is not None, "the message never came back"
    print(f"\nredelivered after {elapsed:.1f}s (heartbeat 5 s)")
    assert elapsed < 60


def test_rediss_with_a_self_signed_certificate_can_skip_verification(monkeypatch):
    import ssl

    from app.redis_client import build_client

    monkeypatch.setenv("REDIS_URL", "rediss://:pw@redis.example.com:6380")
    monkeypatch.setenv("REDIS_TLS_VERIFY", "false")
    kwargs = build_client(Settings()).connection_pool.connection_kwargs
    assert kwargs["ssl_cert_reqs"] == ssl.CERT_NONE
    monkeypatch.setenv("REDIS_TLS_VERIFY", "true")
    kwargs = build_client(Settings()).connection_pool.connection_kwargs
    assert kwargs.get("ssl_cert_reqs", "required") in ("required", ssl.CERT_REQUIRED)


def test_a_full_prefetch_is_looked_at_again_soon_an_empty_queue_backs_off(monkeypatch):
    monkeypatch.setattr("app.redis_client._fake_server", fakeredis.FakeServer())
    broker = build_broker(Settings())
    consumer = broker.consume("critical", prefetch=2, timeout=1000)
    fetches: list[int] = []
    monkeypatch.setattr(broker, "do_fetch", lambda queue, n: fetches.append(n) or [])
    # The worker holds both messages it may prefetch: no fetch, no growing backoff.
    consumer.queued_message_ids.update({"a", "b"})
    for _ in range(4):
        assert next(consumer) is None
        assert consumer.misses == 0  # Dramatiq's own is 4 here: sleeping 40-80 ms
    assert fetches == []
    # Room again and the queue is empty: it fetches, and backs off as Dramatiq does.
    consumer.queued_message_ids.clear()
    assert next(consumer) is None and next(consumer) is None
    assert fetches == [2, 2]
    assert consumer.misses == 2


def test_a_lane_consumer_reports_what_it_fetches_and_what_goes_back_before_it_does(
        monkeypatch):
    monkeypatch.setattr("app.redis_client._fake_server", fakeredis.FakeServer())
    broker = build_broker(Settings())
    fetched, requeued = [], []
    broker.on_fetch = lambda message: fetched.append(message.args)
    broker.on_requeue = lambda messages: requeued.append(
        ([m.args for m in messages], broker.client.llen(f"{broker.namespace}:normal")))
    broker.enqueue(dramatiq.Message(queue_name="normal", actor_name="a", args=(1,),
                                    kwargs={}, options={}))
    consumer = broker.consume("normal", prefetch=2, timeout=100)
    message = next(consumer)
    assert message.args == (1,) and fetched == [(1,)]
    consumer.requeue([message])
    assert requeued == [([(1,)], 0)]  # told while the message was still out of the queue
    assert broker.client.llen(f"{broker.namespace}:normal") == 1


@pytest.fixture(params=["fakeredis", pytest.param("redis", marks=pytest.mark.integration)])
def lane_broker(request, monkeypatch):
    if request.param == "redis":
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("real_redis_url"))
    else:
        monkeypatch.setattr("app.redis_client._fake_server", fakeredis.FakeServer())
    return build_broker(Settings())


def test_acks_go_to_redis_in_bulk_and_take_only_this_workers_messages(lane_broker):
    broker, ns = lane_broker, lane_broker.namespace
    client = broker.client
    for n in range(4):
        broker.enqueue(dramatiq.Message(queue_name="normal", actor_name="a", args=(n,),
                                        kwargs={}, options={}))
    consumer = broker.consume("normal", prefetch=4, timeout=100)
    messages = [next(consumer) for _ in range(4)]
    acks_key = f"{ns}:__acks__.{broker.broker_id}.normal"
    assert client.scard(acks_key) == 4 and client.hlen(f"{ns}:normal.msgs") == 4
    # The last one was found on a dead worker's list meanwhile and handed to another
    # worker (maintenance): this worker's ack must not delete it.
    client.srem(acks_key, messages[3].options["redis_message_id"])
    calls: list[int] = []
    send = broker._ack_many
    broker._ack_many = lambda keys, args: calls.append(len(args) - 2) or send(keys=keys,
                                                                            args=args)
    client.delete(f"{ns}:__heartbeats__")
    for message in messages:
        consumer.ack(message)
    assert consumer.outstanding_message_count == 0  # room to prefetch again at once
    assert broker.flush_acks(10)
    assert sum(calls) == 4 and len(calls) < 4  # in bulk, not one call per message
    assert client.scard(acks_key) == 0
    remaining = client.hkeys(f"{ns}:normal.msgs")
    assert [k.decode() for k in remaining] == [messages[3].options["redis_message_id"]]
    # Like each call of the broker's script, a bulk ack beats this worker's heartbeat.
    assert client.zscore(f"{ns}:__heartbeats__", broker.broker_id) is not None


def test_acks_held_up_by_a_redis_outage_are_sent_when_it_is_back(lane_broker, monkeypatch):
    monkeypatch.setattr("app.engine.writebehind.RETRY_BACKOFF_S", (0.01, 0.01, 0.01))
    broker, ns = lane_broker, lane_broker.namespace
    broker.enqueue(dramatiq.Message(queue_name="normal", actor_name="a", args=(1,),
                                    kwargs={}, options={}))
    consumer = broker.consume("normal", prefetch=1, timeout=100)
    message = next(consumer)
    failures = [2]
    send = broker._ack_many

    def flaky(keys, args):
        if failures[0]:
            failures[0] -= 1
            raise redis.ConnectionError("Redis is restarting")
        return send(keys=keys, args=args)

    broker._ack_many = flaky
    consumer.ack(message)
    assert broker.flush_acks(10)
    assert failures == [0]
    assert broker.client.hlen(f"{ns}:normal.msgs") == 0
    assert broker.client.scard(f"{ns}:__acks__.{broker.broker_id}.normal") == 0
