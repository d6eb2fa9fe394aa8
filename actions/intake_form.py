"""The intake form: every patient message goes to bot.intake.dialogue.handle_turn."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.common import (RECORD_SLOT, STATE_SLOT, get_logger, latest_message, load_record,
                            load_state, send_replies)
from bot.intake.dialogue import handle_turn
from bot.intake.parse import parse_phone
from bot.intake.service import channel_from_input
from bot.intake.questions import SLOT_NAMES
from bot.intake.summary import summary_text


class ValidateIntakeForm(FormValidationAction):
    """Reads each message with the project's own parser instead of per-slot mappings:
    one message may answer several questions, and only what is still unknown and
    relevant gets asked next."""

    def name(self) -> Text:
        return "validate_intake_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        log = get_logger(__name__, tracker)
        record, state = load_record(tracker), load_state(tracker)
        if not record.patient.phone and channel_from_input(tracker.get_latest_input_channel()) == "sms":
            # An SMS conversation is keyed by the patient's number: no need to ask for it.
            record.patient.phone = parse_phone(tracker.sender_id)
        requested = tracker.get_slot("requested_slot")
        result = handle_turn(record, state, latest_message(tracker), requested)
        if result.reject:
            # No slot events: rasa rejects the form for this message and the rule for the
            # side request (hours, stop, hello...) answers; the form then asks again.
            return []
        send_replies(dispatcher, result.replies)
        events: List[EventType] = [SlotSet(RECORD_SLOT, result.record.to_dict()),
                                   SlotSet(STATE_SLOT, result.state.to_dict())]
        for qid in SLOT_NAMES:
            value = result.answered.get(qid)
            if tracker.get_slot(qid) != value:
                events.append(SlotSet(qid, value))
        events.append(SlotSet("requested_slot", result.next_question))
        log.info("intake turn", extra={"asked": requested, "next": result.next_question,
                                       "status": result.state.status})
        return events


class ActionAskConfirm(Action):
    """Shows the summary and asks the patient to confirm or correct it."""

    def name(self) -> Text:
        return "action_ask_q_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        state = load_state(tracker)
        if state.correcting:
            return []  # we just asked what to change; wait for the answer
        text = "Here is what I have:\n" + summary_text(load_record(tracker))
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(response="utter_confirm_prompt")
        return []
