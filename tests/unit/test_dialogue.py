"""One turn at a time through bot.intake.dialogue, with the real language layer and triage."""
from __future__ import annotations

from datetime import date

import pytest

from bot.intake.dialogue import DialogueState, Message, handle_turn
from bot.intake.questions import pending
from bot.intake.record import IntakeRecord, PainSite

TODAY = date(2026, 11, 23)


class Chat:
    """Drives handle_turn like the form does: the asked question is the last next_question."""

    def __init__(self) -> None:
        self.record, self.state = IntakeRecord(), DialogueState()
        self.asked = None
        self.count = 0
        self.replies = []

    def say(self, text: str, intent: str = "inform", entities=None):
        self.count += 1
        result = handle_turn(self.record, self.state,
                             Message(text, intent, entities or [], f"m{self.count}"),
                             self.asked, today=TODAY)
        self.record, self.state, self.asked = result.record, result.state, result.next_question
        self.replies = [r.response for r in result.replies]
        return result


def sites(record):
    return {(s.region, s.side) for s in record.pain_sites}


def test_one_message_fills_several_answers():
    chat = Chat()
    chat.say("my lower back hurts and it shoots down my left leg to the big toe, I keep tripping",
             "describe_symptoms")
    record = chat.record
    assert ("lower_back", "midline") in sites(record)
    assert record.radiation_present is True
    assert "big_toe" in record.radiation_to and record.radiation_below_knee is True
    assert "tripping" in record.gait_changes
    assert record.patient_words.startswith("my lower back hurts")
    assert chat.asked == "q_rf_911"  # the safety screen comes first
    assert "q_radiation" not in pending(record) and "q_location" not in pending(record)


def test_no_numbness_is_a_no():
    chat = Chat()
    chat.say("lower back pain", "describe_symptoms")
    chat.asked = "q_numbness"
    chat.say("no numbness", "deny")
    assert chat.record.numbness_present is False


def test_emergency_stops_the_intake():
    chat = Chat()
    chat.say("my back hurts", "describe_symptoms")
    result = chat.say("I'm numb between my legs and I can't pee", "describe_symptoms")
    assert result.next_question is None
    assert chat.state.status == "emergency" and chat.state.emergency == "emergency_ed"


def test_checklist_none_records_no_not_unknown():
    chat = Chat()
    chat.say("my back hurts", "describe_symptoms")
    assert chat.asked == "q_rf_911"
    chat.say("none of these", "deny")
    assert chat.record.denied("fainted") and chat.record.denied("stroke_signs")
    assert chat.asked != "q_rf_911"


def test_numbered_choices_pick_options():
    chat = Chat()
    chat.say("my foot hurts", "describe_symptoms")
    chat.asked = "q_gait"
    chat.say("1 and 3")
    assert chat.record.gait_changes == ["limping", "dragging_foot"]


def test_button_payload_picks_option():
    chat = Chat()
    chat.say("my back hurts", "describe_symptoms")
    chat.say("/choose", "choose", [{"entity": "option", "value": "none"}])
    assert chat.record.denied("fainted")


def test_two_failed_answers_offer_a_way_out():
    chat = Chat()
    chat.say("my back hurts", "describe_symptoms")
    chat.asked = "q_severity"
    chat.say("pretty bad honestly")
    assert chat.replies[-1] == "utter_hint_severity"
    chat.say("really quite bad")
    assert chat.replies[-1] == "utter_offer_skip"
    chat.say("skip", "skip")
    assert "q_severity" in chat.record.unknown and chat.asked != "q_severity"


def test_future_birth_date_gets_its_own_hint():
    chat = Chat()
    chat.say("my back hurts", "describe_symptoms")
    chat.asked = "q_dob"
    chat.say("03/14/2031")
    assert chat.replies == ["utter_hint_dob_in_future"]
    chat.say("03/14/1975")
    assert chat.record.patient.date_of_birth == "1975-03-14"


def test_phone_and_email_are_normalised():
    chat = Chat()
    chat.say("my heel hurts", "describe_symptoms")
    chat.asked = "q_phone"
    chat.say("(201) 555-0123")
    assert chat.record.patient.phone == "+12015550123"
    chat.asked = "q_email"
    chat.say("not an email")
    assert chat.replies == ["utter_hint_email"]
    chat.say("skip", "skip")
    assert "q_email" in chat.record.unknown


def _all_answered_but_confirm(chat):
    chat.record.unknown = [q for q in pending(chat.record) if q != "q_confirm"]
    chat.asked = "q_confirm"


def test_correction_at_the_summary_changes_the_answer():
    chat = Chat()
    chat.say("my right foot hurts", "describe_symptoms")
    assert ("foot", "right") in sites(chat.record)
    _all_answered_but_confirm(chat)
    chat.say("no, it's my left foot", "deny")
    assert ("foot", "left") in sites(chat.record)
    assert chat.replies == ["utter_corrected"] and chat.asked == "q_confirm"
    chat.say("yes", "affirm")
    assert chat.state.confirmed and chat.asked is None


def test_no_heel_walk_question_for_neck_pain_only():
    record = IntakeRecord(patient_words="neck", pain_sites=[PainSite("neck", "midline")])
    todo = pending(record)
    assert "q_heel_walk" not in todo and "q_gait" not in todo and "q_diabetes" not in todo
    foot = IntakeRecord(patient_words="foot", pain_sites=[PainSite("heel", "left")])
    assert "q_diabetes" in pending(foot)


def test_resuming_after_a_side_question_does_not_reread_the_message():
    chat = Chat()
    chat.say("my back hurts", "describe_symptoms")
    asked = chat.asked
    again = handle_turn(chat.record, chat.state, Message("my back hurts", "describe_symptoms", [], "m1"),
                        asked, today=TODAY)
    assert again.replies == [] and again.next_question == asked


@pytest.mark.parametrize("text,reply", [
    ("", "utter_input_empty"),
    ("😀😀👍", "utter_input_no_words"),
    ("me duele mucho la espalda y el pie", "utter_input_other_language"),
    ("asdfghjkl qwrtzp", "utter_input_gibberish"),
])
def test_bad_input_gets_a_clear_answer(text, reply):
    chat = Chat()
    chat.say(text)
    assert reply in chat.replies
    assert chat.record.patient_words == ""


def test_very_long_message_is_trimmed_not_lost():
    chat = Chat()
    chat.say("my lower back hurts. " + "it is bad. " * 600, "describe_symptoms")
    assert ("lower_back", "midline") in sites(chat.record)
    assert len(chat.record.patient_words) <= 2000


def test_correction_that_opens_new_questions_asks_them_before_confirming():
    chat = Chat()
    chat.say("my right foot hurts", "describe_symptoms")
    _all_answered_but_confirm(chat)
    chat.say("actually my lower back hurts too and it goes down my leg", "describe_symptoms")
    chat.say("yes", "affirm")
    assert not chat.state.confirmed and chat.asked not in (None, "q_confirm")


@pytest.mark.parametrize("answer,worsening", [
    ("new but not getting worse", False), ("it's not getting worse", False),
    ("getting worse every day", True), ("stable", False), ("I've had it for years", False),
])
def test_weakness_course_reads_not_worse_as_not_worse(answer, worsening):
    chat = Chat()
    chat.say("my lower back hurts and my left leg feels weak", "describe_symptoms")
    chat.asked = "q_weakness_course"
    chat.say(answer)
    assert chat.record.has("weakness_worsening") is worsening


def test_regions_in_a_numbness_answer_are_numbness_sites():
    chat = Chat()
    chat.say("my lower back hurts", "describe_symptoms")
    chat.asked = "q_numbness"
    chat.say("yes, top of my foot and big toe", "affirm")
    assert chat.record.numbness_present is True
    assert {"top_of_foot", "big_toe"} <= set(chat.record.numbness_sites)
    assert {s.region for s in chat.record.pain_sites} == {"lower_back"}


@pytest.mark.parametrize("text,intent", [("what are your hours?", "ask_hours"), ("stop", "stop_intake"),
                                         ("hello", "greet")])
def test_side_requests_are_declined_for_the_rules(text, intent):
    chat = Chat()
    chat.say("my back hurts", "describe_symptoms")
    result = chat.say(text, intent)
    assert result.reject and result.replies == []


@pytest.mark.parametrize("text,intent", [("asdfghjkl qwrtzp", "stop_intake"), ("me duele mucho la espalda", "ask_human")])
def test_nonsense_or_another_language_taken_for_a_side_request_stays_with_the_form(text, intent):
    chat = Chat()
    chat.say("my back hurts", "describe_symptoms")
    result = chat.say(text, intent)
    assert not result.reject and result.replies and result.next_question


def test_an_answer_taken_for_a_side_request_is_still_an_answer():
    chat = Chat()
    chat.say("my heel hurts", "describe_symptoms")
    chat.asked = "q_gait"
    result = chat.say("walking is normal", "ask_bot")
    assert not result.reject and chat.record.gait_changes == []


def test_patient_facing_wording_uses_words_not_codes():
    from bot.intake.service import patient_reasons
    from bot.intake.summary import summary_text

    chat = Chat()
    chat.say("my lower back hurts and it shoots down my left leg to the big toe, tried ibuprofen",
             "describe_symptoms")
    text = summary_text(chat.record)
    assert "to the big toe" in text and "to the leg" not in text
    assert "nsaids" not in text and "ibuprofen" in text
    assert patient_reasons(["Radiating pain with L5 root-pattern numbness",
                            "In person - weakness or change in walking",
                            "Back pain for more than 12 weeks"]) == ["Back pain for more than 12 weeks"]


def test_start_again_clears_the_intake_but_only_when_said():
    chat = Chat()
    chat.say("my right heel hurts", "describe_symptoms")
    chat.say("me duele la espalda", "start_over")
    assert chat.record.pain_sites  # a misread message keeps the answers
    result = chat.say("can we start over", "start_over")
    assert result.record.pain_sites == [] and chat.asked == "q_complaint"
    assert [r.response for r in result.replies] == ["utter_starting_over"]


def test_a_conversation_written_for_someone_keeps_their_he_and_she_the_patient():
    # "he" after a message written for dad is dad, the patient: his red flag is the patient's
    chat = Chat()
    chat.say("writing for my dad, 78, his lower back has been bad for a week", "describe_symptoms")
    assert chat.state.written_for == ["dad"]
    result = chat.say("he hasnt been able to pee since yesterday", "inform")
    assert chat.record.has("urinary_retention")
    assert result.next_question is None and chat.state.status == "emergency"


def test_a_message_written_for_someone_without_saying_so_starts_it_too():
    chat = Chat()
    chat.say("my husband is 62, sore back 3 weeks and his right foot keeps catching", "describe_symptoms")
    assert chat.state.written_for == ["husband"]
    chat.say("yes and he's lost a stone without trying", "inform")
    assert chat.record.has("weight_loss")


def test_the_patients_own_conversation_keeps_he_and_she_someone_else():
    chat = Chat()
    chat.say("my lower back has hurt for a week", "describe_symptoms")
    assert chat.state.written_for is None
    chat.say("my dad had cancer, he died of it", "inform")
    assert not chat.record.has("cancer_history")
    chat.say("she has osteoporosis, my mum", "inform")
    assert not chat.record.has("osteoporosis")
