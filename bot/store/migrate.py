"""Schema migrations, run programmatically (Alembic ``upgrade head``).

The same migrations run on SQLite and PostgreSQL. Several processes may start at
once (rasa, action servers, outbox workers, staff console): on PostgreSQL the
upgrade holds an advisory lock so only one of them migrates; SQLite serialises
writers on its own.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from bot.store.engine import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"
# Any constant works; it only has to be the same in every process of the app.
_PG_MIGRATION_LOCK = 7_245_001


def alembic_config() -> Config:
    """An Alembic Config pointing at bot/store/migrations (no ini file, no logging set-up)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def init_db(url: Optional[str] = None, revision: str = "head") -> Engine:
    """Create or upgrade the app database to ``revision`` (default: the newest).

    ``url`` defaults to ``DATABASE_URL`` or the SQLite file under var/. Safe to
    call at every start; returns the engine.
    """
    engine = get_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return engine


def downgrade_db(url: Optional[str] = None, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (``base`` drops every table). For tests and rollbacks."""
    engine = get_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def head_revision() -> Optional[str]:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(url: Optional[str] = None) -> Optional[str]:
    """The revision the database is at (None: never migrated)."""
    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(url: Optional[str] = None) -> bool:
    return current_revision(url) == head_revision()
