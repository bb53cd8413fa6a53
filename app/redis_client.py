"""The Redis client: the real server when REDIS_URL is set, an in-process fakeredis otherwise.

Embedded mode shares one fakeredis server per process, so the broker, the event publisher
and the listener all see the same data, and Dramatiq's Lua scripts run unchanged.
"""

from __future__ import annotations

import ssl
import threading

import redis

from app.settings import Settings

_fake_server = None
_lock = threading.Lock()


def embedded_server():
    global _fake_server
    with _lock:
        if _fake_server is None:
            import fakeredis

            _fake_server = fakeredis.FakeServer()
        return _fake_server


_shared = None
_shared_settings: Settings | None = None
_shared_lock = threading.Lock()


def shared_client() -> redis.Redis:
    """The process's client for events, rate limits and sign-in counters (thread-safe;
    rebuilt when the settings change, as tests switch servers)."""
    global _shared, _shared_settings
    from app.settings import get_settings

    settings = get_settings()
    with _shared_lock:
        if _shared is None or _shared_settings is not settings:
            _shared = build_client(settings)
            _shared_settings = settings
        return _shared


def reset_shared_client() -> None:
    global _shared, _shared_settings
    with _shared_lock:
        _shared, _shared_settings = None, None


def key(*parts: str) -> str:
    """A Redis key or channel name under this deployment's namespace."""
    from app.settings import get_settings

    return ":".join((get_settings().redis_namespace, *parts))


def build_client(settings: Settings) -> redis.Redis:
    """A binary-safe client (Dramatiq's scripts break with decode_responses=True)."""
    if settings.redis_url is None:
        import fakeredis

        return fakeredis.FakeRedis(server=embedded_server())
    kwargs: dict = {"socket_keepalive": True, "health_check_interval": 30}
    if settings.redis_url.startswith("rediss://") and not settings.redis_tls_verify:
        kwargs["ssl_cert_reqs"] = ssl.CERT_NONE
    return redis.Redis.from_url(settings.redis_url, **kwargs)
