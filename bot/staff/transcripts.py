"""Reading a conversation's transcript from Rasa's SQL tracker store.

Rasa's ``SQLTrackerStore`` keeps one row per event in the ``events`` table
(``sender_id``, ``type_name``, ``timestamp`` as epoch seconds, ``data`` as JSON
text). Patient messages are ``user`` events and the assistant's are ``bot``
events, each with ``data.text``; ``session_started`` marks a new session of the
same sender (an SMS number can come back weeks later).

The database is ``TRACKER_STORE_URL`` (a SQLAlchemy URL). Without it the URL is
built the way endpoints.yml configures Rasa (``TRACKER_DIALECT``, ``TRACKER_DB``,
``TRACKER_DB_HOST``, ``TRACKER_DB_USER``, ``TRACKER_DB_PASSWORD``), else it is
SQLite at ``<project>/var/tracker.db``. SQLite files are opened read-only: the
console never writes to, or creates, the tracker store.
"""
from __future__ import annotations

import json
import os
import threading
from urllib.parse import quote
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from bot.store.engine import PROJECT_ROOT

DEFAULT_TRACKER_DB = PROJECT_ROOT / "var" / "tracker.db"
MAX_EVENTS = 5000

_events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("data", sa.Text),
)

_engines: Dict[str, Engine] = {}
_lock = threading.Lock()


class TranscriptUnavailable(RuntimeError):
    """The tracker store cannot be read (missing file, server down, no events table)."""


def tracker_store_url(url: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> str:
    env = os.environ if environ is None else environ
    if url:
        return url
    if env.get("TRACKER_STORE_URL"):
        return env["TRACKER_STORE_URL"]
    host = env.get("TRACKER_DB_HOST") or None
    if host and "://" in host:
        return host  # Rasa takes a whole URL in the host too
    db = env.get("TRACKER_DB")
    if db:
        dialect = env.get("TRACKER_DIALECT") or "sqlite"
        if dialect == "sqlite":
            return f"sqlite:///{db}"
        return sa.engine.URL.create(
            dialect, username=env.get("TRACKER_DB_USER") or None,
            password=env.get("TRACKER_DB_PASSWORD") or None, host=host, database=db,
        ).render_as_string(hide_password=False)
    return f"sqlite:///{DEFAULT_TRACKER_DB}"


def _engine(url: str) -> Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is not None:
            return engine
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                # Read-only, and never create an empty file where the store should be.
                parsed = parsed.set(database=f"file:{quote(database)}",
                                    query={**parsed.query, "mode": "ro", "uri": "true"})
            engine = sa.create_engine(parsed, future=True,
                                      connect_args={"check_same_thread": False})
        else:
            engine = sa.create_engine(parsed, future=True, pool_pre_ping=True,
                                      connect_args={"connect_timeout": 5}
                                      if parsed.get_backend_name() == "postgresql" else {})
        _engines[url] = engine
        return engine


def dispose(url: Optional[str] = None) -> None:
    """Close pooled connections (tests and shutdown)."""
    with _lock:
        keys = [url] if url else list(_engines)
        engines = [_engines.pop(key) for key in keys if key in _engines]
    for engine in engines:
        engine.dispose()


def _button_text(data: Mapping[str, Any]) -> Optional[str]:
    extra = data.get("data") or {}
    buttons = extra.get("buttons") or data.get("buttons") or []
    titles = [str(b.get("title")) for b in buttons if isinstance(b, Mapping) and b.get("title")]
    return " | ".join(titles) if titles else None


def read_transcript(conversation_id: str, url: Optional[str] = None, *,
                    session_at: Optional[datetime] = None) -> List[Dict[str, Any]]:
    """The patient's and the assistant's messages, oldest first.

    Each item is ``{"who": "patient" | "assistant", "text": str, "at": datetime (UTC)}``.
    A patient's button press shows the button's title rather than its payload.
    With ``session_at``, only the session that was running at that moment (from
    the last ``session_started`` before it to the next one) is returned.
    Raises ``TranscriptUnavailable`` when the tracker store cannot be read.
    """
    engine = _engine(tracker_store_url(url))
    stmt = (
        sa.select(_events.c.type_name, _events.c.timestamp, _events.c.data)
        .where(_events.c.sender_id == conversation_id,
               _events.c.type_name.in_(("user", "bot", "session_started")))
        .order_by(_events.c.timestamp, _events.c.id)
        .limit(MAX_EVENTS)
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(stmt).all()
    except sa.exc.SQLAlchemyError as exc:
        raise TranscriptUnavailable(type(exc).__name__) from None

    sessions: List[List[Dict[str, Any]]] = [[]]
    starts: List[Optional[float]] = [None]
    last_buttons: Dict[str, str] = {}
    for type_name, timestamp, raw in rows:
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        if type_name == "session_started":
            if sessions[-1] or starts[-1] is not None:
                sessions.append([])
                starts.append(timestamp)
            else:
                starts[-1] = timestamp
            continue
        text = data.get("text")
        at = datetime.fromtimestamp(float(timestamp or data.get("timestamp") or 0), timezone.utc)
        if type_name == "bot":
            extra = data.get("data") or {}
            last_buttons = {
                str(b.get("payload")): str(b.get("title"))
                for b in (extra.get("buttons") or []) if isinstance(b, Mapping)
            }
            if not text:
                text = _button_text(data)
                text = f"[buttons: {text}]" if text else None
            who = "assistant"
        else:
            if text in last_buttons:
                text = last_buttons[text]
            who = "patient"
        if not text:
            continue
        sessions[-1].append({"who": who, "text": str(text), "at": at})

    if session_at is None or len(sessions) == 1:
        return [message for session in sessions for message in session]
    moment = session_at.timestamp()
    chosen = 0
    for index, start in enumerate(starts):
        if start is None or start <= moment:
            chosen = index
    return sessions[chosen]
