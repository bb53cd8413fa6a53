"""Apply Alembic migrations (`python -m app migrate`) to the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from app.db import get_engine

_INI = Path(__file__).parent / "migrations" / "alembic.ini"


def _config(connection) -> Config:
    config = Config(str(_INI))
    config.attributes["connection"] = connection
    return config


def declared_for(dialect: str):
    """An alembic `include_object` that leaves out what the models declare for another
    database only (Index.ddl_if, which alembic ignores: the trigram indexes are
    PostgreSQL's)."""

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        ddl_if = getattr(obj, "_ddl_if", None)
        return not (type_ == "index" and ddl_if is not None and ddl_if.dialect
                    and ddl_if.dialect != dialect)

    return include_object


def upgrade(engine: Engine | None = None, revision: str = "head") -> None:
    with (engine or get_engine()).begin() as connection:
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine | None = None, revision: str = "base") -> None:
    with (engine or get_engine()).begin() as connection:
        command.downgrade(_config(connection), revision)


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new revision against a database at head (developers only)."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)


def current(engine: Engine | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with (engine or get_engine()).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
