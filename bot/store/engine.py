"""Engines and sessions. Nothing here connects to a database at import time.

``DATABASE_URL`` picks the database (any SQLAlchemy URL, e.g.
``postgresql+psycopg2://user@host/db``); without it the app uses SQLite at
``<project root>/var/intake.db``. SQLite connections run in WAL mode (readers do
not block the writer: action server, outbox worker and staff console share the
file) with foreign keys enforced.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "intake.db"
SQLITE_BUSY_TIMEOUT_MS = 5000

_engines: Dict[str, Engine] = {}
_sessionmakers: Dict[str, sessionmaker] = {}
_lock = threading.Lock()


def database_url(url: Optional[str] = None) -> str:
    """The URL to use: the argument, else ``DATABASE_URL``, else the default SQLite file."""
    url = url or os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _on_sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")  # stays "memory" for :memory: databases
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL
    finally:
        cursor.close()


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    kwargs: Dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = sa.create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def get_engine(url: Optional[str] = None) -> Engine:
    """The engine for ``url`` (default: ``DATABASE_URL`` or ``var/intake.db``).

    One engine (one connection pool) per URL per process; creating it does not
    connect. For SQLite the parent directory of the file is created.
    """
    key = database_url(url)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _create_engine(key)
        return engine


def get_sessionmaker(url: Optional[str] = None) -> sessionmaker:
    key = database_url(url)
    with _lock:
        factory = _sessionmakers.get(key)
    if factory is None:
        engine = get_engine(key)
        with _lock:
            factory = _sessionmakers.setdefault(
                key, sessionmaker(bind=engine, future=True, expire_on_commit=False)
            )
    return factory


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """A session in one transaction: commit on success, roll back on any error.

    Objects stay readable after the block (``expire_on_commit=False``).
    """
    session = get_sessionmaker(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_engines(url: Optional[str] = None) -> None:
    """Close pooled connections and forget the engine(s): the one for ``url``, or all.

    For tests, forked workers and shutdown.
    """
    with _lock:
        if url is None:
            engines = list(_engines.values())
            _engines.clear()
            _sessionmakers.clear()
        else:
            key = database_url(url)
            engine = _engines.pop(key, None)
            _sessionmakers.pop(key, None)
            engines = [engine] if engine is not None else []
    for engine in engines:
        engine.dispose()
