"""Shared helpers for the actions: reading our slots and sending replies."""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.intake.dialogue import DialogueState, Message, Reply
from bot.intake.record import IntakeRecord

RECORD_SLOT = "intake_record"
STATE_SLOT = "intake_state"


def conversation_ref(tracker: Tracker) -> str:
    """A short, stable, non-identifying reference for logs (SMS sender ids are phone numbers)."""
    return hashlib.sha256(tracker.sender_id.encode()).hexdigest()[:12]


def get_logger(name: str, tracker: Tracker) -> logging.LoggerAdapter:
    return logging.LoggerAdapter(logging.getLogger(name), {"conversation": conversation_ref(tracker)})


def load_record(tracker: Tracker) -> IntakeRecord:
    return IntakeRecord.from_dict(tracker.get_slot(RECORD_SLOT))


def load_state(tracker: Tracker) -> DialogueState:
    return DialogueState.from_dict(tracker.get_slot(STATE_SLOT))


# Actions that run as part of the form itself (and the short intro before a first
# description); any other action after the patient's message means a rule already
# answered it (FAQ, greeting, out of scope) and the form only resumes.
_FORM_ACTIONS = {"intake_form", "validate_intake_form", "action_listen", "utter_intro_brief", None}


def handled_elsewhere(tracker: Tracker) -> bool:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") not in _FORM_ACTIONS:
            return True
    return False


def latest_message(tracker: Tracker) -> Message:
    latest = tracker.latest_message or {}
    intent = (latest.get("intent") or {}).get("name")
    return Message(text=latest.get("text") or "", intent=intent,
                   entities=list(latest.get("entities") or []),
                   message_id=latest.get("message_id"),
                   handled_elsewhere=handled_elsewhere(tracker))


def send_replies(dispatcher: CollectingDispatcher, replies: List[Reply],
                 slots: Optional[Dict[str, Any]] = None) -> None:
    for reply in replies:
        dispatcher.utter_message(response=reply.response, **reply.kwargs)


def send_texts(dispatcher: CollectingDispatcher, messages: List[Dict[str, Any]]) -> None:
    for message in messages:
        if message.get("emergency"):
            # The plain text for every channel, plus a small custom payload that the web
            # page turns into a banner that stays (bot/web/static/chat.js). Rasa's socket.io
            # channel emits a custom payload as emit(event, **payload): the body goes under
            # "data". The SMS connector ignores custom payloads; REST shows it as "custom".
            dispatcher.utter_message(text=message["text"], json_message={
                "data": {"emergency": True, "text": message["text"]}})
        else:
            dispatcher.utter_message(text=message["text"])
