"""Helpers to run the custom actions against the real domain, without a rasa server."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return Domain.load(str(ROOT / "domain")).as_dict()


@pytest.fixture(autouse=True)
def app_database(tmp_path, monkeypatch):
    """Every action test gets its own migrated SQLite app database."""
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    from bot.store import engine as store_engine
    from bot.store.migrate import init_db

    store_engine.reset_engine() if hasattr(store_engine, "reset_engine") else None
    init_db(url)
    yield url
    store_engine.reset_engine() if hasattr(store_engine, "reset_engine") else None


def create_tracker(domain: Dict[str, Any], *, slots: Optional[Dict[str, Any]] = None,
                   intent: Optional[str] = None, entities: Optional[List[dict]] = None,
                   text: str = "", active_form: Optional[str] = None,
                   message_id: str = "msg-1", input_channel: str = "rest",
                   sender_id: str = "test-patient") -> Tracker:
    all_slots = {name: None for name in domain["slots"]}
    all_slots.update(slots or {})
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
              "entities": entities or [], "message_id": message_id}
    events = [{"event": "user", "text": text, "parse_data": latest,
               "input_channel": input_channel, "message_id": message_id}]
    return Tracker(sender_id, all_slots, latest, events, False, None,
                   {"name": active_form} if active_form else {}, "action_listen")


def run_action(action, tracker: Tracker, domain: Dict[str, Any]):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher.messages, events


def slot_events(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
