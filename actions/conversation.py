"""Session start, greeting, stopping, and the questions patients ask along the way."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, Restarted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import STATE_SLOT, latest_message, load_state, send_texts
from bot.clinic import load_clinic
from bot.intake import input_checks
from bot.intake.service import free_text_emergency, result_messages


class ActionSessionStart(Action):
    """Starts each session clean and puts the clinic's name and phone into slots
    so that domain responses can use them (another clinic edits data/clinic.yml only)."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        clinic = load_clinic()
        return [SessionStarted(), SlotSet("clinic_name", clinic.name),
                SlotSet("clinic_phone", clinic.phone), ActionExecuted("action_listen")]


class ActionGreet(Action):
    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        problem = input_checks.classify(latest_message(tracker).text)
        if problem in ("other_language", "no_words"):
            dispatcher.utter_message(response=f"utter_input_{problem}")
            return []
        state = load_state(tracker)
        if state.emergency:
            # The emergency advice stays in front of the patient, whatever they write next.
            send_texts(dispatcher, result_messages({"urgency": state.emergency}, load_clinic()))
            return []
        if state.status == "complete":
            dispatcher.utter_message(response="utter_already_sent")
            return []
        dispatcher.utter_message(response="utter_greet")
        dispatcher.utter_message(response="utter_ask_q_complaint")
        return []


_FAQ = {
    "ask_telehealth": lambda c: c.telehealth,
    "ask_insurance": lambda c: c.insurance,
    "ask_location": lambda c: f"We have offices in {' and '.join(c.states)}: {c.locations_text()}. "
                              "We also offer telehealth visits.",
    "ask_hours": lambda c: f"Our hours are {c.hours}. You can write to me any time.",
    "ask_human": lambda c: f"You can talk to our front desk at {c.phone}, {c.hours}. "
                           "I can also keep going with your intake here.",
}


class ActionAnswerFaq(Action):
    """Answers common questions from data/clinic.yml; the form resumes afterwards."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        message = latest_message(tracker)
        intent = message.intent
        answer = _FAQ.get(intent)
        if input_checks.classify(message.text) == "other_language":
            # "me duele mucho la espalda" misread as a question: say what we can do, with the phone
            dispatcher.utter_message(response="utter_input_other_language")
        elif answer is None:
            dispatcher.utter_message(response="utter_ask_bot")
        else:
            dispatcher.utter_message(text=answer(load_clinic()))
        return []


class ActionStopIntake(Action):
    def name(self) -> Text:
        return "action_stop_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        # Keyboard mashing or another language misread as "stop" must never end the
        # intake: answer the message and let the form ask its question again.
        problem = input_checks.classify(latest_message(tracker).text)
        if problem:
            dispatcher.utter_message(response=f"utter_input_{problem}")
            return []
        state = load_state(tracker)
        state.status = "stopped"
        dispatcher.utter_message(response="utter_stopped")
        return [SlotSet(STATE_SLOT, state.to_dict()), ActiveLoop(None),
                SlotSet("requested_slot", None)]


class ActionRestartIntake(Action):
    """Starts over only when the patient says so in so many words: a message misread as
    "restart" must never wipe their answers."""

    def name(self) -> Text:
        return "action_restart_intake"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        text = latest_message(tracker).text
        if not input_checks.asks_to_start_over(text):
            problem = input_checks.classify(text)
            dispatcher.utter_message(response="utter_input_other_language" if problem == "other_language"
                                     else "utter_default")
            return []
        dispatcher.utter_message(response="utter_starting_over")
        session = await ActionSessionStart().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_ask_q_complaint")
        return [Restarted()] + session


class ActionSmallTalk(Action):
    """Thanks and goodbye, after checking that the message really says something: an
    empty or foreign-language message misread as "thanks" gets a real answer."""

    def name(self) -> Text:
        return "action_small_talk"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        message = latest_message(tracker)
        problem = input_checks.classify(message.text)
        if problem:
            dispatcher.utter_message(response=f"utter_input_{problem}")
        else:
            dispatcher.utter_message(response="utter_goodbye" if message.intent == "goodbye"
                                     else "utter_you_are_welcome")
        return []


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        text = latest_message(tracker).text
        urgency = free_text_emergency(text)
        if urgency:  # chest pain with breathlessness: not ours, but never "see your doctor"
            send_texts(dispatcher, result_messages({"urgency": urgency}, load_clinic()))
        elif input_checks.classify(text) == "other_language":
            dispatcher.utter_message(response="utter_input_other_language")
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
