"""Every custom action, run against the real domain with built trackers."""
from __future__ import annotations

import pytest

from actions.complete_intake import ActionCompleteIntake
from actions.conversation import (ActionAnswerFaq, ActionGreet, ActionOutOfScope,
                                  ActionSessionStart, ActionStopIntake)
from actions.intake_form import ActionAskConfirm, ValidateIntakeForm
from bot.intake.dialogue import DialogueState
from bot.intake.record import IntakeRecord, PainSite, Patient
from tests.actions.conftest import create_tracker, run_action, slot_events


def responses(messages):
    return [m.get("response") for m in messages]


def texts(messages):
    return " ".join(m.get("text") or "" for m in messages)


def test_validate_form_reads_an_opening_with_many_facts(domain):
    tracker = create_tracker(
        domain, intent="describe_symptoms", active_form="intake_form",
        text="lower back's been killing me for 3 wks, shoots down my left leg to the big toe "
             "and my foot keeps catching on the stairs")
    messages, events = run_action(ValidateIntakeForm(), tracker, domain)
    slots = slot_events(events)
    record = IntakeRecord.from_dict(slots["intake_record"])
    assert record.duration_days == 21
    assert record.radiation_present and "big_toe" in record.radiation_to
    assert slots["requested_slot"] == "q_rf_911"
    assert slots["q_complaint"] == "answered" and slots["q_duration"] == "answered"
    assert "utter_noted" in responses(messages)


def test_validate_form_stops_on_an_emergency(domain):
    record = IntakeRecord(patient_words="back pain", pain_sites=[PainSite("lower_back", "midline")])
    tracker = create_tracker(domain, intent="describe_symptoms", active_form="intake_form",
                             text="I suddenly can't control my bladder and I'm numb in the groin",
                             slots={"intake_record": record.to_dict(), "requested_slot": "q_rf_911"})
    _, events = run_action(ValidateIntakeForm(), tracker, domain)
    slots = slot_events(events)
    assert slots["requested_slot"] is None
    assert slots["intake_state"]["status"] == "emergency"


def test_validate_form_gives_a_hint_for_an_unreadable_answer(domain):
    record = IntakeRecord(patient_words="heel pain", pain_sites=[PainSite("heel", "left")])
    tracker = create_tracker(domain, intent="inform", active_form="intake_form", text="banana",
                             slots={"intake_record": record.to_dict(), "requested_slot": "q_severity"})
    messages, events = run_action(ValidateIntakeForm(), tracker, domain)
    assert responses(messages) == ["utter_hint_severity"]
    assert slot_events(events)["requested_slot"] == "q_severity"


def test_ask_confirm_shows_the_summary(domain):
    record = IntakeRecord(patient_words="heel", pain_sites=[PainSite("heel", "left")], severity=6,
                          patient=Patient(name="Maria Lopez"))
    tracker = create_tracker(domain, slots={"intake_record": record.to_dict()})
    messages, _ = run_action(ActionAskConfirm(), tracker, domain)
    assert "left heel" in texts(messages) and "6 out of 10" in texts(messages)
    assert "utter_confirm_prompt" in responses(messages)


def _confirmed_foot_record() -> IntakeRecord:
    record = IntakeRecord(patient_words="my heel hurts first thing in the morning",
                          pain_sites=[PainSite("heel", "left")], severity=5, onset="gradual",
                          duration_days=60, cause="none", prior_care=[], gait_changes=[],
                          numbness_present=False, weakness_present=False,
                          patient=Patient(name="Maria Lopez", date_of_birth="1975-03-14",
                                          phone="+12015550123", preferred_visit="in_person"))
    record.set_finding("heel_pain_first_steps", True, "heel hurts first thing in the morning")
    for name in ("diabetes", "foot_wound", "fever", "fainted", "major_trauma", "minor_fall"):
        record.set_finding(name, False)
    return record


def test_complete_intake_stores_the_handoff_and_names_the_provider(domain):
    from bot.store import list_handoffs, session_scope

    state = DialogueState(status="confirmed", confirmed=True)
    tracker = create_tracker(domain, slots={"intake_record": _confirmed_foot_record().to_dict(),
                                            "intake_state": state.to_dict()}, sender_id="conv-42")
    messages, events = run_action(ActionCompleteIntake(), tracker, domain)
    assert "Anissa Hashemi, DPM" in texts(messages)
    new_state = slot_events(events)["intake_state"]
    assert new_state["handoff_id"] and new_state["status"] == "complete"
    with session_scope() as session:
        stored = list_handoffs(session)
        assert [h.conversation_id for h in stored] == ["conv-42"]
        assert stored[0].specialist == "podiatry" and stored[0].channel == "rest"


def test_complete_intake_runs_once(domain):
    state = DialogueState(status="complete", confirmed=True, handoff_id="already")
    tracker = create_tracker(domain, slots={"intake_record": _confirmed_foot_record().to_dict(),
                                            "intake_state": state.to_dict()})
    messages, events = run_action(ActionCompleteIntake(), tracker, domain)
    assert responses(messages) == ["utter_already_sent"] and events == []


def test_complete_intake_on_emergency_shows_the_fixed_text(domain):
    record = IntakeRecord(patient_words="back", pain_sites=[PainSite("lower_back", "midline")])
    record.set_finding("saddle_numbness", True, "numb between my legs")
    state = DialogueState(status="emergency", emergency="emergency_ed")
    tracker = create_tracker(domain, slots={"intake_record": record.to_dict(),
                                            "intake_state": state.to_dict()}, input_channel="socketio")
    messages, _ = run_action(ActionCompleteIntake(), tracker, domain)
    assert "emergency department" in texts(messages)


def test_complete_intake_does_nothing_when_stopped(domain):
    tracker = create_tracker(domain, slots={"intake_state": DialogueState(status="stopped").to_dict()})
    assert run_action(ActionCompleteIntake(), tracker, domain) == ([], [])


def test_session_start_sets_clinic_slots(domain):
    _, events = run_action(ActionSessionStart(), create_tracker(domain), domain)
    slots = slot_events(events)
    assert slots["clinic_name"] == "Oasis Orthopedic & Spine" and slots["clinic_phone"]
    assert events[0]["event"] == "session_started"


@pytest.mark.parametrize("text,expected", [
    ("hello", ["utter_greet", "utter_ask_q_complaint"]),
    ("hola, buenos días, me duele la espalda", ["utter_input_other_language"]),
    ("👋👋", ["utter_input_no_words"]),
])
def test_greet(domain, text, expected):
    messages, _ = run_action(ActionGreet(), create_tracker(domain, intent="greet", text=text), domain)
    assert responses(messages) == expected


@pytest.mark.parametrize("intent,needle", [
    ("ask_telehealth", "telehealth"), ("ask_insurance", "insurance"),
    ("ask_location", "Hackensack"), ("ask_hours", "Monday to Friday"),
    ("ask_human", "(201) 555-0142"),
])
def test_faq_answers_come_from_the_clinic_file(domain, intent, needle):
    messages, _ = run_action(ActionAnswerFaq(), create_tracker(domain, intent=intent, text="?"), domain)
    assert needle in texts(messages)


def test_a_foreign_message_misread_as_a_question_gets_the_language_answer(domain):
    tracker = create_tracker(domain, intent="ask_human", text="me duele mucho la espalda")
    messages, _ = run_action(ActionAnswerFaq(), tracker, domain)
    assert responses(messages) == ["utter_input_other_language"]


@pytest.mark.parametrize("text, response", [
    ("asdfghjkl qwrtzp", "utter_input_gibberish"), ("me duele mucho la espalda", "utter_input_other_language")])
def test_a_message_misread_as_stop_does_not_stop(domain, text, response):
    tracker = create_tracker(domain, intent="stop_intake", text=text, active_form="intake_form")
    messages, events = run_action(ActionStopIntake(), tracker, domain)
    assert responses(messages) == [response] and events == []


def test_stop_deactivates_the_form(domain):
    tracker = create_tracker(domain, intent="stop_intake", text="stop", active_form="intake_form")
    messages, events = run_action(ActionStopIntake(), tracker, domain)
    assert responses(messages) == ["utter_stopped"]
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in events]
    assert slot_events(events)["intake_state"]["status"] == "stopped"


def test_out_of_scope(domain):
    messages, _ = run_action(ActionOutOfScope(), create_tracker(domain, text="I have a rash"), domain)
    assert responses(messages) == ["utter_out_of_scope"]


def test_form_resuming_after_a_faq_does_not_read_the_question_as_an_answer(domain):
    record = IntakeRecord(patient_words="heel", pain_sites=[PainSite("heel", "left")])
    tracker = create_tracker(domain, intent="ask_hours", text="what are your hours", active_form="intake_form",
                             slots={"intake_record": record.to_dict(), "requested_slot": "q_severity"})
    tracker.events.append({"event": "action", "name": "action_answer_faq"})
    messages, events = run_action(ValidateIntakeForm(), tracker, domain)
    assert messages == [] and slot_events(events)["requested_slot"] == "q_severity"


def test_form_reads_a_misclassified_answer_when_no_rule_answered_it(domain):
    record = IntakeRecord(patient_words="heel", pain_sites=[PainSite("heel", "left")])
    tracker = create_tracker(domain, intent="ask_bot", text="walking is normal", active_form="intake_form",
                             slots={"intake_record": record.to_dict(), "requested_slot": "q_gait"})
    _, events = run_action(ValidateIntakeForm(), tracker, domain)
    assert IntakeRecord.from_dict(slot_events(events)["intake_record"]).gait_changes == []


def test_greeting_after_an_emergency_repeats_the_advice(domain):
    state = DialogueState(status="emergency", emergency="emergency_911", handoff_id="h1")
    tracker = create_tracker(domain, intent="greet", text="hello?", slots={"intake_state": state.to_dict()})
    messages, _ = run_action(ActionGreet(), tracker, domain)
    assert "Call 911" in texts(messages)


def test_greeting_after_a_finished_intake_says_it_was_sent(domain):
    state = DialogueState(status="complete", handoff_id="h1")
    tracker = create_tracker(domain, intent="greet", text="hi", slots={"intake_state": state.to_dict()})
    messages, _ = run_action(ActionGreet(), tracker, domain)
    assert responses(messages) == ["utter_already_sent"]


def test_out_of_scope_in_another_language_gets_the_english_only_answer(domain):
    messages, _ = run_action(ActionOutOfScope(), create_tracker(domain, text="me duele mucho la espalda"), domain)
    assert responses(messages) == ["utter_input_other_language"]


def test_chest_pain_with_breathlessness_outside_the_intake_is_a_911_emergency(domain):
    tracker = create_tracker(domain, intent="out_of_scope", text="I have chest pain and can't breathe")
    messages, _ = run_action(ActionOutOfScope(), tracker, domain)
    assert "Call 911" in texts(messages)


def test_chest_pain_during_the_intake_stops_it(domain):
    record = IntakeRecord(patient_words="back", pain_sites=[PainSite("lower_back", "midline")])
    tracker = create_tracker(domain, intent="out_of_scope", active_form="intake_form",
                             text="now I have chest pain and I'm short of breath",
                             slots={"intake_record": record.to_dict(), "requested_slot": "q_severity"})
    _, events = run_action(ValidateIntakeForm(), tracker, domain)
    slots = slot_events(events)
    assert slots["requested_slot"] is None and slots["intake_state"]["emergency"] == "emergency_911"


def test_restart_needs_explicit_words(domain):
    from actions.conversation import ActionRestartIntake

    misread = create_tracker(domain, intent="restart", text="me duele mucho la espalda", active_form="intake_form")
    messages, events = run_action(ActionRestartIntake(), misread, domain)
    assert responses(messages) == ["utter_input_other_language"] and events == []
    meant = create_tracker(domain, intent="restart", text="can we start over please")
    messages, events = run_action(ActionRestartIntake(), meant, domain)
    assert events[0]["event"] == "restart" and slot_events(events)["clinic_name"]
    assert "utter_ask_q_complaint" in responses(messages)


@pytest.mark.parametrize("text,intent,expected", [
    ("", "thanks", "utter_input_empty"), ("thanks!", "thanks", "utter_you_are_welcome"),
    ("bye", "goodbye", "utter_goodbye"), ("👍", "thanks", "utter_input_no_words"),
])
def test_small_talk_checks_the_message_first(domain, text, intent, expected):
    from actions.conversation import ActionSmallTalk

    messages, _ = run_action(ActionSmallTalk(), create_tracker(domain, intent=intent, text=text), domain)
    assert responses(messages) == [expected]
