"""After the form: triage, store the handoff, tell the patient what happens next."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import STATE_SLOT, get_logger, load_record, load_state, send_texts
from bot.clinic import load_clinic
from bot.intake.service import channel_from_input, complete_intake, result_messages


class ActionCompleteIntake(Action):
    def name(self) -> Text:
        return "action_complete_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        log = get_logger(__name__, tracker)
        state = load_state(tracker)
        if state.handoff_id:
            if state.emergency:
                send_texts(dispatcher, result_messages({"urgency": state.emergency}, load_clinic()))
            else:
                dispatcher.utter_message(response="utter_already_sent")
            return []
        if state.status not in ("confirmed", "emergency"):
            return []  # stopped, or the form ended without a confirmed summary
        outcome = complete_intake(
            load_record(tracker), conversation_id=tracker.sender_id,
            channel=channel_from_input(tracker.get_latest_input_channel()),
            emergency=state.emergency)
        send_texts(dispatcher, outcome.messages)
        state.handoff_id = outcome.handoff_id
        if state.status == "confirmed":
            state.status = "complete"
        log.info("intake completed", extra={"urgency": outcome.urgency})
        return [SlotSet(STATE_SLOT, state.to_dict())]
