"""Alembic environment for the app database (bot.store).

Run through ``bot.store.init_db()`` / ``python -m bot.store upgrade`` or the
Alembic command line (``alembic -c bot/store/alembic.ini upgrade head``). The
database is ``DATABASE_URL`` (default: SQLite at var/intake.db) unless the caller
passes a connection in ``config.attributes["connection"]`` or sets
``sqlalchemy.url``.
"""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from bot.store.engine import get_engine
from bot.store.models import metadata

config = context.config

# Only the command line configures logging; init_db() inside a running app must
# not reset the app's loggers.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: let later migrations use batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or str(get_engine().url)
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = get_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
