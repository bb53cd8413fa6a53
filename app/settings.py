"""Every setting, read once from the environment by pydantic-settings.

Each field is an environment variable of the same name in upper case (`DATABASE_URL`,
`DISPATCH_WINDOW`, ...). The README's table lists them all; keep the two in step.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LANES: tuple[str, ...] = ("critical", "high", "normal", "low")
# The queue of notification deliveries (e-mail, webhooks): not a lane, so a delivery never
# waits behind a lane's backlog and a slow webhook holds no lane's share.
NOTIFY_QUEUE = "notify"
PLANS: tuple[str, ...] = ("free", "basic", "premium", "enterprise")
# A user's plan picks the lane their batches go to by default (DESIGN: "Lane").
# Each lane's share of a worker's threads while several lanes have work (LANE_WEIGHTS).
LANE_WEIGHTS: dict[str, int] = {"critical": 8, "high": 4, "normal": 2, "low": 1}
PLAN_LANE: dict[str, str] = {
    "enterprise": "critical",
    "premium": "high",
    "basic": "normal",
    "free": "low",
}


def normalize_database_url(url: str) -> str:
    """Accept the URL forms hosts hand out and pick the psycopg 3 driver for PostgreSQL."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        return url
    raise ValueError(
        "DATABASE_URL must start with postgres://, postgresql:// or sqlite:///"
        f" (got {url.split(':', 1)[0]!r})"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # --- Where things live -------------------------------------------------------------
    database_url: str | None = Field(
        None, description="PostgreSQL or SQLite URL; unset: SQLite in DATA_DIR (embedded mode)."
    )
    redis_url: str | None = Field(
        None, description="redis:// or rediss:// URL; unset: an in-process broker (embedded)."
    )
    redis_namespace: str = Field(
        "shortlist", pattern=r"^[A-Za-z0-9_.-]+$",
        description="Prefix of every Redis key and channel (several deployments can share"
        " one Redis)."
    )
    redis_tls_verify: bool = Field(
        True, description="Verify the certificate of a rediss:// server (hosts with a"
        " self-signed certificate need false)."
    )
    data_dir: Path = Field(Path("data"), description="Folder for the SQLite file and the"
                           " generated secret in embedded mode, and, without REDIS_URL, the"
                           " web process's session files (`web-sessions/`; keep it on a"
                           " volume so a restart keeps people signed in).")
    health_dir: Path | None = Field(
        None, description="Where each process writes that it is alive, for the Docker"
        " image's health check (`python -m app.engine.liveness`; the image sets"
        " `/tmp/shortlist-health`). Unset: nothing is written."
    )
    host: str = Field("0.0.0.0", description="Address the web process listens on.")
    port: int = Field(8080, description="Port the web process listens on.")
    storage_secret: str | None = Field(
        None, description="Signs session cookies. Required outside embedded mode."
    )
    log_level: str = Field("INFO", description="Python logging level.")

    # --- Database pool -----------------------------------------------------------------
    db_pool_size: int = Field(5, ge=1, description="Connections kept per process.")
    db_max_overflow: int = Field(10, ge=0, description="Extra connections under load.")

    # --- Broker ------------------------------------------------------------------------
    # Dramatiq's defaults (60 s heartbeat, maintenance 1 in 1000 calls) left a killed
    # worker's messages stranded for ~18 minutes; these bring them back in seconds.
    broker_heartbeat_timeout_ms: int = Field(
        20_000, ge=5_000, description="A worker silent this long is dead; its messages return."
    )
    broker_maintenance_chance: int = Field(
        50_000, ge=1, le=1_000_000,
        description="Per million broker calls, how many also run queue maintenance.",
    )

    # --- Dispatch and processing -------------------------------------------------------
    dispatch_window: int = Field(
        100, ge=1, description="Most items of one user's batches in one lane in the broker at"
        " once: their active batches share it, at least 1 each (fairness between users)."
    )
    lane_weights: dict[str, int] = Field(
        dict(LANE_WEIGHTS),
        description="Each lane's share of every worker process's threads while several lanes"
        " have work (JSON); a lane with nothing waiting lends its share to the others.",
    )
    lane_max_threads: dict[str, int] = Field(
        {}, description="Hard pools (JSON, e.g. {\"low\": 2}): most messages of a lane one"
        " worker process holds at once, running or waiting; unset lanes are limited only by"
        " the threads.",
    )
    max_attempts: int = Field(3, ge=1, description="Tries per item before it fails.")
    retry_min_backoff_ms: int = Field(1_000, ge=0, description="First retry delay.")
    retry_max_backoff_ms: int = Field(300_000, ge=0, description="Longest retry delay.")
    item_time_limit_s: int = Field(120, ge=1, description="Longest one item may run.")
    lease_margin_s: int = Field(
        30, ge=1, description="A running item's lease is the time limit plus this margin."
    )
    batch_timeout_s: int = Field(
        6 * 3600, ge=60, description="Longest a batch may run, counted from its first start"
        " (waiting behind others does not count).")
    batch_wait_timeout_s: int = Field(
        3 * 24 * 3600, ge=60, description="Longest a batch may wait to start before it is"
        " cancelled (a paused lane or no workers).")

    # --- Limits and quotas -------------------------------------------------------------
    max_file_bytes: int = Field(10 * 1024 * 1024, ge=1, description="Largest single file.")
    max_files_per_upload: int = Field(1_000, ge=1, description="Most files in one submission.")
    max_upload_bytes: int = Field(
        200 * 1024 * 1024, ge=1, description="Largest total size of one submission."
    )
    parked_upload_max_bytes: int = Field(
        4 * 1024**3, ge=1, description="Most bytes one web process keeps on disk for files"
        " added to New screening pages and not yet submitted (all pages together)."
    )
    parked_upload_max_bytes_per_user: int = Field(
        400 * 1024 * 1024, ge=1, description="... for one user's open pages together."
    )
    zip_max_entries: int = Field(1_000, ge=1, description="Most files inside one ZIP.")
    zip_max_entry_bytes: int = Field(
        5 * 1024 * 1024, ge=1, description="Largest file inside a ZIP (a resume is small)."
    )
    zip_max_ratio: float = Field(100.0, gt=1, description="Largest compression ratio in a ZIP.")
    extract_time_limit_s: float = Field(20.0, gt=0, description="Longest text extraction.")
    reader_processes: int = Field(
        0, ge=0, description="Child processes that read documents, per worker process (PDFium"
        " is not thread-safe and cannot be stopped from Python); 0: the CPUs divided by"
        " WORKER_PROCESSES, at least 1."
    )
    worker_processes: int = Field(
        2, ge=1, description="Worker processes per machine (the Procfile's `--processes`):"
        " what the CPUs are divided by for the reader processes."
    )
    worker_threads: int = Field(
        8, ge=1, description="Threads per worker process (`python -m actors` passes it as"
        " dramatiq's `--threads`)."
    )
    reader_memory_mb: int = Field(
        512, ge=64, description="Most memory (address space) one reader process may use;"
        " a document that needs more fails, and the reader is replaced (readers peaked at"
        " 216 MB over 712 real resumes, OCR included)."
    )
    reader_max_documents: int = Field(
        200, ge=1, description="Documents one reader process reads before a fresh one takes"
        " its place."
    )
    ocr_enabled: bool = Field(
        True, description="Read scanned PDFs by OCR when Tesseract (`tesseract-ocr`) is"
        " installed."
    )
    ocr_languages: str = Field("eng", description="Tesseract's languages, e.g. `eng+deu`.")
    ocr_max_pages: int = Field(5, ge=1, description="Most pages of a scanned PDF read by OCR.")
    quota_free: int = Field(50, ge=1, description="Most items per batch on the free plan.")
    quota_basic: int = Field(500, ge=1, description="... on the basic plan.")
    quota_premium: int = Field(2_000, ge=1, description="... on the premium plan.")
    quota_enterprise: int = Field(50_000, ge=1, description="... on the enterprise plan.")

    # --- Web and API -------------------------------------------------------------------
    session_https_only: bool = Field(
        False, description="Send the session cookie over HTTPS only (set behind HTTPS)."
    )
    session_max_age_s: int = Field(14 * 24 * 3600, ge=60, description="Session lifetime.")
    allowed_origins: str | None = Field(
        None, description="Other origins (`https://host[:port]`, comma-separated) whose"
        " pages may use the web app's socket and upload routes; unset: only its own."
    )
    forwarded_allow_ips: str | None = Field(
        None, description="Proxy addresses whose X-Forwarded-For/-Proto headers are trusted"
        " (e.g. `*` behind a Procfile host's router); unset: none."
    )
    signin_max_failures_per_account_and_client: int = Field(
        5, ge=1, description="Failed sign-ins per account from one client address before"
        " that address pauses for this account (others still sign in)."
    )
    signin_max_failures_per_account: int = Field(
        50, ge=1, description="Failed sign-ins per account from all addresses together"
        " before a pause (a ceiling against guessing from many addresses)."
    )
    signin_max_failures_per_client: int = Field(
        20, ge=1, description="Failed sign-ins per client address before a pause."
    )
    signin_window_s: int = Field(900, ge=1, description="How long failed sign-ins count.")
    api_submit_rate_per_minute: int = Field(
        30, ge=0, description="Batch submissions per minute per API token (0: no limit)."
    )
    api_max_json_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, description="Largest JSON body of a submission."
    )
    api_sse_keepalive_s: float = Field(
        15.0, gt=0, description="Seconds between keep-alive comments on an event stream."
    )
    api_sse_max_streams: int = Field(
        1000, ge=1, description="Most event streams open at once in one web process."
    )
    api_sse_max_streams_per_user: int = Field(
        4, ge=1, description="Most event streams one user may have open at once in one web"
        " process; more are refused (429)."
    )
    metrics_token: str | None = Field(
        None, description="A bearer token Prometheus may scrape /metrics with (admins' API"
        " tokens work too)."
    )
    worker_metrics_port: int | None = Field(
        None, description="Workers export Dramatiq's Prometheus metrics on this port;"
        " unset: off (Procfile hosts cannot scrape worker ports)."
    )
    metrics_window_s: int = Field(
        900, ge=60, description="Window of the processing-time histogram in /metrics."
    )

    # --- Accounts ----------------------------------------------------------------------
    public_url: str | None = Field(
        None, description="The address people open Shortlist at (`https://shortlist.example.com`),"
        " for links in e-mails; \"Forgot password?\" needs it (a link is never built from a"
        " request's own Host header, which the requester controls)."
    )
    password_reset_ttl_s: int = Field(
        3600, ge=60, description="How long a \"forgot password\" link works (it works once)."
    )
    password_reset_max_per_hour: int = Field(
        5, ge=1, description="\"Forgot password\" requests per hour for one email, and four"
        " times as many from one client address."
    )

    # --- E-mail (SMTP) -----------------------------------------------------------------
    smtp_host: str | None = Field(
        None, description="The mail server that sends Shortlist's e-mail; unset: no e-mail"
        " (and no \"Forgot password?\")."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="The mail server's port.")
    smtp_user: str | None = Field(None, description="User name on the mail server; unset: no"
                                  " login.")
    smtp_password: SecretStr | None = Field(
        None, description="Password on the mail server (never logged)."
    )
    smtp_from: str | None = Field(
        None, description="The sender of Shortlist's e-mail (`Shortlist <no-reply@example.com>`);"
        " unset: `SMTP_USER`."
    )
    smtp_tls: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="`starttls` (port 587), `ssl` (port 465) or `none` (a relay on"
        " the same machine or network)."
    )

    # --- Admin dashboard ---------------------------------------------------------------
    admin_bulk_max_batches: int = Field(
        1_000, ge=1, description="Most batches one admin action may change: \"apply to all"
        " matching\" (cancel, retry), a selection, or a retry of one failure reason; more"
        " are refused with their count."
    )
    dashboard_refresh_s: float = Field(
        5.0, gt=0, description="How often each web process recomputes the dashboard's"
        " numbers (shared by every open dashboard)."
    )
    worker_heartbeat_s: float = Field(
        5.0, gt=0, description="How often each worker process reports itself (host, pid,"
        " lanes, threads, current items)."
    )
    worker_lost_after_s: float = Field(
        30.0, gt=0, description="A worker not heard from for this long shows as lost."
    )

    # --- Housekeeping ------------------------------------------------------------------
    retention_done_days: int = Field(7, ge=1, description="Keep done and cancelled batches.")
    retention_failed_days: int = Field(
        30, ge=1, description="Keep failed and timed-out batches."
    )
    retention_max_days: int = Field(
        90, ge=1, description="The longest a recruiter may keep a finished screening, from"
        " the day they ask (app.recruiting.retention)."
    )
    sweep_interval_s: int = Field(15, ge=1, description="Lease sweep interval.")
    top_up_interval_s: int = Field(10, ge=1, description="Dispatch top-up interval.")
    timeout_interval_s: int = Field(60, ge=1, description="Batch timeout check interval.")
    cleanup_interval_s: int = Field(3600, ge=1, description="Retention cleanup interval.")
    stats_interval_s: int = Field(300, ge=1, description="Statistics roll-up interval.")
    resend_queued_after_s: int = Field(
        10, ge=1, description="A queued item whose message is missing from the broker is"
        " sent again once it has been queued this long."
    )

    # --- Notifications (app.notify) -----------------------------------------------------
    notify_max_attempts: int = Field(
        5, ge=1, le=20, description="Tries of one e-mail or webhook delivery before it is"
        " marked failed with its last answer."
    )
    notify_min_backoff_ms: int = Field(
        30_000, ge=0, description="Sets the wait between a delivery's tries: up to twice"
        " this before the second, doubling at each try (Dramatiq's backoff, with jitter; 5"
        " tries: 7 to 15 minutes in all)."
    )
    notify_max_backoff_ms: int = Field(
        600_000, ge=0, description="Longest wait between two tries of a delivery."
    )
    notify_resend_after_s: int = Field(
        3600, ge=60, description="A delivery still waiting this long after it was created"
        " (its message lost, say in a Redis restart) is sent again by the scheduler."
    )
    webhook_timeout_s: float = Field(
        10.0, gt=0, le=60, description="How long a webhook call may take; longer is a failed"
        " try."
    )
    webhook_allow_private: bool = Field(
        False, description="Webhooks may call loopback, private and link-local addresses"
        " (an internal service, a test receiver). Off, such addresses are refused: anyone"
        " who may submit could otherwise make the server call into its own network."
    )

    count_db_round_trips: bool = Field(
        False, description="Diagnostics for `python -m app bench`: count database round trips"
        " in Redis."
    )

    # --- Embedded mode -----------------------------------------------------------------
    embedded_worker_threads: int = Field(
        4, ge=1, description="Worker threads inside `python -m app serve`."
    )

    @field_validator("database_url", "redis_url", "storage_secret", "metrics_token",
                     "forwarded_allow_ips", "allowed_origins", "public_url", "smtp_host",
                     "smtp_user", "smtp_password", "smtp_from", "health_dir", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
            raise ValueError("PUBLIC_URL must be an address like https://shortlist.example.com")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        return None if value is None else normalize_database_url(value)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip().startswith(("redis://", "rediss://")):
            raise ValueError("REDIS_URL must start with redis:// or rediss://")
        return value.strip() if value else value

    @field_validator("lane_weights", "lane_max_threads")
    @classmethod
    def _per_lane(cls, value: dict[str, int], info) -> dict[str, int]:
        unknown = sorted(set(value) - set(LANES))
        if unknown:
            raise ValueError(f"unknown lane {unknown[0]!r}: use {', '.join(LANES)}")
        if any(n < 1 for n in value.values()):
            raise ValueError("each lane's number must be at least 1")
        if info.field_name == "lane_weights":
            return {**LANE_WEIGHTS, **value}
        return value

    @model_validator(mode="after")
    def _backoff_order(self) -> Settings:
        if self.retry_max_backoff_ms < self.retry_min_backoff_ms:
            raise ValueError("RETRY_MAX_BACKOFF_MS must be at least RETRY_MIN_BACKOFF_MS")
        if self.notify_max_backoff_ms < self.notify_min_backoff_ms:
            raise ValueError("NOTIFY_MAX_BACKOFF_MS must be at least NOTIFY_MIN_BACKOFF_MS")
        return self

    # --- Derived -----------------------------------------------------------------------
    @property
    def embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def embedded_broker(self) -> bool:
        return self.redis_url is None

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'shortlist.db').resolve()}"

    @property
    def web_storage_path(self) -> Path:
        """Where the web process keeps its per-visitor session files without Redis: in
        DATA_DIR (a volume in a container), not NiceGUI's `.nicegui/` in the working
        directory, so a restart keeps people signed in."""
        return (self.data_dir / "web-sessions").resolve()

    def web_storage_environment(self) -> dict[str, str]:
        """NiceGUI's storage settings, which it reads from the environment once, on import:
        set them (ui/__main__.py, app/serve.py) before NiceGUI is imported; a variable the
        environment already has wins. With REDIS_URL, sessions live in Redis under
        `<REDIS_NAMESPACE>:web:`, so a restarted or second web process still knows
        everyone signed in; in embedded mode, in DATA_DIR/web-sessions."""
        environment = {"NICEGUI_STORAGE_PATH": str(self.web_storage_path)}
        if self.redis_url is not None:
            url = self.redis_url
            if url.startswith("rediss://") and not self.redis_tls_verify:
                url += ("&" if "?" in url else "?") + "ssl_cert_reqs=none"
            environment["NICEGUI_REDIS_URL"] = url
            environment["NICEGUI_REDIS_KEY_PREFIX"] = f"{self.redis_namespace}:web:"
        return environment

    @property
    def lease_s(self) -> int:
        return self.item_time_limit_s + self.lease_margin_s

    def quota_for(self, plan: str) -> int:
        return int(getattr(self, f"quota_{plan}"))

    @property
    def dialect(self) -> Literal["postgresql", "sqlite"]:
        return "sqlite" if self.sqlalchemy_url.startswith("sqlite") else "postgresql"


def describe_settings_error(exc: ValidationError) -> str:
    """Which settings are wrong and why, without echoing their values (URLs hold passwords)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']).upper() or 'settings'}:"
        f" {error['msg'].removeprefix('Value error, ')}"
        for error in exc.errors()
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()


def settings_table() -> str:
    """The README's table of settings (`python -m app.settings` prints it)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = "unset" if field.default is None else field.default
        if isinstance(default, dict):
            default = json.dumps(default)
        rows.append(f"| `{name.upper()}` | `{default}` | {field.description} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
