"""Migrating an empty database up to head and back down to base, on SQLite and PostgreSQL,
and the migrated schema matches the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from app import migrate

TABLES = {"user", "api_token", "document", "batch", "item", "audit_event", "daily_stats",
          "lane_state", "file_name"}
# Declared with .ddl_if(dialect="postgresql") in app/models.py (trigram indexes).
POSTGRESQL_ONLY = {"ix_batch_title_trgm", "ix_file_name_trgm"}


def _round_trip(url: str) -> None:
    engine = create_engine(url)
    try:
        assert migrate.current(engine) is None
        migrate.upgrade(engine)
        assert migrate.current(engine) == "0014"
        names = set(inspect(engine).get_table_names())
        assert TABLES <= names
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("item")}
        assert {"ix_item_batch_status_id", "ix_item_running_lease", "ix_item_pending",
                "ix_item_failed_finished"} <= indexes
        trigram = POSTGRESQL_ONLY & (indexes | {ix["name"] for table in ("batch", "file_name")
                                                for ix in inspect(engine).get_indexes(table)})
        assert trigram == (POSTGRESQL_ONLY if engine.dialect.name == "postgresql" else set())
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": migrate.declared_for(engine.dialect.name)})
            diff = compare_metadata(context, SQLModel.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        migrate.downgrade(engine)
        assert migrate.current(engine) is None
        assert set(inspect(engine).get_table_names()) - {"alembic_version"} == set()
        migrate.upgrade(engine)  # and up again: downgrade left nothing behind
        assert TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_sqlite_up_and_down(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.integration
def test_postgresql_up_and_down(pg_empty_url):
    _round_trip(pg_empty_url)


def _file_names_backfilled(url: str) -> None:
    """0004 copies the file names of batches submitted before it into file_name."""
    engine = create_engine(url)
    try:
        migrate.upgrade(engine, "0003")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO \"user\" (id, email, password_hash, role, plan, active, created_at,"
                " password_changed_at) VALUES (1, 'a@example.com', 'x', 'admin', 'free', true,"
                " '2026-01-01', '2026-01-01')"))
            for batch_id, names in (("00000000-0000-0000-0000-00000000000a", ["b.pdf", "a.txt"]),
                                    ("00000000-0000-0000-0000-00000000000b", [])):
                conn.execute(text(
                    "INSERT INTO batch (id, owner_id, kind, lane, status, title, params, total,"
                    " n_pending, n_queued, n_running, n_done, n_failed, n_cancelled, created_at)"
                    " VALUES (:id, 1, 'noop', 'low', 'queued', '', '{}', 0, 0, 0, 0, 0, 0, 0,"
                    " '2026-01-01')"), {"id": batch_id.replace("-", "") if
                                        engine.dialect.name == "sqlite" else batch_id})
                for seq, name in enumerate(names):
                    conn.execute(text(
                        "INSERT INTO item (batch_id, seq, name, status, attempts) VALUES"
                        " (:b, :seq, :name, 'pending', 0)"),
                        {"b": batch_id.replace("-", "") if engine.dialect.name == "sqlite"
                         else batch_id, "seq": seq, "name": name})
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT seq, name FROM file_name ORDER BY seq")).all()
        assert [tuple(r) for r in rows] == [(0, "b.pdf"), (1, "a.txt")]
    finally:
        engine.dispose()


def test_sqlite_backfills_file_names(tmp_path):
    _file_names_backfilled(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.integration
def test_postgresql_backfills_file_names(pg_empty_url):
    _file_names_backfilled(pg_empty_url)


def test_sqlite_with_rows_upgrades_with_foreign_keys_enforced(tmp_path):
    """A laptop's database (foreign keys on, as app.db sets them) with users, screenings
    and files upgrades from 0011 to head: no table its rows refer to is copied and dropped
    (SQLite refuses that; it broke 0014's first version)."""
    from sqlalchemy import event

    from app.db import _sqlite_pragmas

    engine = create_engine(f"sqlite:///{tmp_path / 'laptop.db'}")
    event.listen(engine, "connect", _sqlite_pragmas)  # foreign keys on, as the app has it
    try:
        migrate.upgrade(engine, "0011")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO \"user\" (id, email, password_hash, role, plan, active, created_at,"
                " password_changed_at) VALUES (1, 'a@example.com', 'x', 'admin', 'free', 1,"
                " '2026-01-01', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO batch (id, owner_id, kind, lane, status, title, params, total,"
                " n_pending, n_queued, n_running, n_done, n_failed, n_cancelled, created_at,"
                " dispatch_window) VALUES ('0000000000000000000000000000000a', 1, 'noop', 'low',"
                " 'queued', 'T', '{}', 1, 1, 0, 0, 0, 0, 0, '2026-01-01', 100)"))
            conn.execute(text(
                "INSERT INTO item (batch_id, seq, name, status, attempts, retryable) VALUES"
                " ('0000000000000000000000000000000a', 0, 'a.txt', 'pending', 0, 1)"))
        migrate.upgrade(engine)
        assert migrate.current(engine) == "0014"
        with engine.connect() as conn:
            assert conn.execute(text(
                "SELECT email, must_change_password, notify_in_app, notify_email FROM \"user\""
            )).one() == ("a@example.com", 0, 1, 0)
            assert conn.execute(text("SELECT name, dismissed_at FROM item")).one() == (
                "a.txt", None)
    finally:
        engine.dispose()
