"""Settings parsing: every URL form hosts hand out, defaults, and clear refusals."""

import pytest
from pydantic import ValidationError

from app.settings import Settings, normalize_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example.com:5432/app", "postgresql+psycopg://u:p@db.example.com:5432/app"),
        ("postgresql://u@localhost/app", "postgresql+psycopg://u@localhost/app"),
        ("postgresql+psycopg://u@localhost/app", "postgresql+psycopg://u@localhost/app"),
        ("sqlite:///data/x.db", "sqlite:///data/x.db"),
        ("sqlite:////abs/path/x.db", "sqlite:////abs/path/x.db"),
    ],
)
def test_database_url_forms(monkeypatch, given, expected):
    assert normalize_database_url(given) == expected
    monkeypatch.setenv("DATABASE_URL", given)
    settings = Settings()
    assert settings.database_url == expected
    assert settings.sqlalchemy_url == expected
    assert settings.embedded_database is False


def test_unknown_database_scheme_is_refused_with_the_accepted_forms(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://u@h/db")
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "postgres://, postgresql:// or sqlite:///" in str(info.value)
    assert "'mysql'" in str(info.value)


@pytest.mark.parametrize("url", ["redis://localhost:6379/0", "rediss://:secret@host:6380"])
def test_redis_url_forms(monkeypatch, url):
    monkeypatch.setenv("REDIS_URL", url)
    settings = Settings()
    assert settings.redis_url == url
    assert settings.embedded_broker is False


def test_redis_url_other_scheme_is_refused(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://localhost:6379")
    with pytest.raises(ValidationError, match="redis:// or rediss://"):
        Settings()


def test_defaults_are_embedded_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.embedded_database and settings.embedded_broker
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve()}/shortlist.db"
    assert settings.dialect == "sqlite"
    assert settings.port == 8080
    assert settings.dispatch_window == 100
    assert settings.lease_s == settings.item_time_limit_s + settings.lease_margin_s
    assert settings.quota_for("free") == 50


def test_empty_values_mean_unset(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "")
    monkeypatch.setenv("REDIS_URL", "  ")
    settings = Settings()
    assert settings.database_url is None and settings.redis_url is None


def test_numbers_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DISPATCH_WINDOW", "7")
    monkeypatch.setenv("PORT", "5001")
    monkeypatch.setenv("REDIS_TLS_VERIFY", "false")
    settings = Settings()
    assert (settings.dispatch_window, settings.port, settings.redis_tls_verify) == (7, 5001, False)


def test_backoff_bounds_must_be_ordered(monkeypatch):
    monkeypatch.setenv("RETRY_MIN_BACKOFF_MS", "5000")
    monkeypatch.setenv("RETRY_MAX_BACKOFF_MS", "1000")
    with pytest.raises(ValidationError, match="RETRY_MAX_BACKOFF_MS"):
        Settings()


def test_web_sessions_go_to_redis_when_it_is_set_and_to_data_dir_otherwise(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    assert Settings().web_storage_environment() == {
        "NICEGUI_STORAGE_PATH": str(tmp_path.resolve() / "web-sessions")}
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    monkeypatch.setenv("REDIS_NAMESPACE", "acme")
    assert Settings().web_storage_environment() == {
        "NICEGUI_STORAGE_PATH": str(tmp_path.resolve() / "web-sessions"),
        "NICEGUI_REDIS_URL": "redis://cache:6379/2", "NICEGUI_REDIS_KEY_PREFIX": "acme:web:"}
    # A self-signed rediss:// server: NiceGUI's own client must not verify it either
    monkeypatch.setenv("REDIS_URL", "rediss://:pw@cache:6380/0?health_check_interval=5")
    monkeypatch.setenv("REDIS_TLS_VERIFY", "false")
    assert Settings().web_storage_environment()["NICEGUI_REDIS_URL"] == (
        "rediss://:pw@cache:6380/0?health_check_interval=5&ssl_cert_reqs=none")
    monkeypatch.setenv("REDIS_URL", "rediss://:pw@cache:6380")
    assert Settings().web_storage_environment()["NICEGUI_REDIS_URL"] == (
        "rediss://:pw@cache:6380?ssl_cert_reqs=none")
    monkeypatch.setenv("REDIS_TLS_VERIFY", "true")
    assert Settings().web_storage_environment()["NICEGUI_REDIS_URL"] == "rediss://:pw@cache:6380"
