"""Migrating an empty database up to head and back down to base, on SQLite and PostgreSQL,
and the migrated schema matches the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from app import migrate

TABLES = {"user", "api_token", "document", "batch", "item", "audit_event", "daily_stats",
          "lane_state"}


def _round_trip(url: str) -> None:
    engine = create_engine(url)
    try:
        assert migrate.current(engine) is None
        migrate.upgrade(engine)
        assert migrate.current(engine) == "0003"
        names = set(inspect(engine).get_table_names())
        assert TABLES <= names
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("item")}
        assert {"ix_item_batch_status_id", "ix_item_status_lease"} <= indexes
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
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
