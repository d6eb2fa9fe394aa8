"""SMS end to end: signed Twilio webhooks to the real rasa server with our connector.

Every request is form-encoded like Twilio's and signed with twilio's own
RequestValidator.compute_signature and a test auth token. Replies are read from the
TwiML answer, or from the fake Twilio REST API for the slow path.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from bot.channels.sms_text import is_gsm7, segments, sms_wording, to_gsm7
from tests.conversations.conftest import CONFIRM_PROMPT, DEFAULT_ANSWERS, QUESTION_TEXTS
from tests.e2e.channel_fixtures import (AUTH_TOKEN, Phone, app_session, channel_stack,  # noqa: F401
                                        handoffs_for, sign)

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# The question texts as a phone shows them.
SMS_QUESTIONS = {to_gsm7(sms_wording(text)): qid for text, qid in QUESTION_TEXTS.items()}
SMS_QUESTIONS[CONFIRM_PROMPT] = "q_confirm"


def sms_question(messages: List[str]) -> Optional[str]:
    """The question the last reply asks (the one standing last in it)."""
    joined = "\n\n".join(messages)
    found, where = None, -1
    for text, qid in SMS_QUESTIONS.items():
        position = joined.rfind(text)
        if position > where:
            found, where = qid, position
    return found


def numbered_choices(messages: List[str]) -> Dict[str, int]:
    """{title (lower case): number} of the choices in the last message that has some."""
    for message in reversed(messages):
        lines = dict((t.lower(), int(n)) for n, t in re.findall(r"^(\d+)\) (.+)$", message, re.M))
        if lines:
            return lines
        inline = re.search(r"Reply (1 for .+)\.$", message, re.M)
        if inline:
            return {t.lower(): int(n) for n, t in re.findall(r"(\d+) for ([^,]+(?:, [^0-9,][^,]*)?)",
                                                             inline.group(1))}
    return {}


def assert_phone_friendly(messages: List[str]) -> None:
    for message in messages:
        assert message.strip(), "an empty text was sent"
        assert is_gsm7(message), f"not GSM-7: {message!r}"
        assert segments(message) <= 2, f"too long: {message!r}"
        assert not re.search(r"/(affirm|deny|choose|skip)\b|\{\"option\"|\*\*|__", message), message


def answer_all(phone: Phone, first: List[str], answers: Optional[Dict[str, str]] = None,
               by_number: bool = True, max_turns: int = 60) -> List[str]:
    """Answer each question as it comes: by number when the answer is one of the choices."""
    answers = {**DEFAULT_ANSWERS, **(answers or {})}
    asked: List[str] = []
    last = first
    for _ in range(max_turns):
        qid = sms_question(last)
        if qid is None:
            return asked
        asked.append(qid)
        answer = answers[qid]
        choices = numbered_choices(last) if by_number else {}
        number = choices.get(answer.lower())
        if number is None and answer.lower() in ("yes", "no"):
            number = next((n for t, n in choices.items() if t.split(",")[0] == answer.lower()), None)
        last = phone.text(str(number) if number else answer)
    raise AssertionError(f"intake did not finish: {phone.transcript[-4:]}")


def test_whole_intake_by_sms_ends_in_a_handoff(channel_stack):
    phone = Phone(channel_stack)
    first = phone.text("hi")
    assert "automated intake assistant" in first[0] and "STOP" in first[0]
    assert "rates may apply" in first[0]
    asked = answer_all(phone, phone.text("my lower back hurts and it goes down my left leg"),
                       answers={"q_radiation": "yes"})
    assert "q_phone" not in asked  # the number the patient texts from is the phone number
    assert "q_confirm" in asked
    numbered = [body for body, _ in phone.transcript if re.fullmatch(r"\d", body)]
    assert len(numbered) >= 5, phone.transcript  # choices answered by number
    assert_phone_friendly(phone.received)
    [payload] = handoffs_for(channel_stack.database_url, phone.number)
    assert payload["channel"] == "sms"
    assert payload["conversation_id"] == phone.number
    assert payload["patient"]["phone"] == phone.number
    assert payload["patient"]["name"] == "Maria Lopez"
    assert payload["triage"]["urgency"] in ("routine", "urgent_24h")
    assert any("Thank you" in m for m in phone.received[-3:])
    save_transcript(phone, "sms-intake-transcript.txt")


def save_transcript(phone: Phone, name: str) -> None:
    """What the phone showed, for people to read (test-artifacts/)."""
    ARTIFACTS.mkdir(exist_ok=True)
    lines = []
    for body, replies in phone.transcript:
        lines.append(f"PATIENT: {body!r}")
        lines.extend(f"  CLINIC [{len(r)} chars, {segments(r)} segment(s)]:\n    "
                     + r.replace("\n", "\n    ") for r in replies)
    (ARTIFACTS / name).write_text("\n".join(lines) + "\n")


def test_forged_or_unsigned_webhooks_get_403_and_change_nothing(channel_stack):
    from bot.store import get_sms_consent

    phone = Phone(channel_stack)
    params = phone.params("STOP")
    assert phone.post(params, signature=None).status_code == 403
    assert phone.post(params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    wrong_key = sign(phone.url, params, token="not-" + AUTH_TOKEN)
    assert phone.post(params, signature=wrong_key).status_code == 403
    tampered = dict(params, Body="START")  # signed for "STOP", sent with another body
    assert phone.post(tampered, signature=sign(phone.url, params)).status_code == 403
    with app_session(channel_stack.database_url) as session:
        assert get_sms_consent(session, phone.number) is None  # never seen, never opted out
    first = phone.text("hello")  # the real first message still gets the introduction
    assert "automated intake assistant" in first[0]


def test_stop_in_the_middle_then_start_carries_on(channel_stack):
    from bot.store import is_opted_out

    phone = Phone(channel_stack)
    phone.text("hi")
    reply = phone.text("my heel hurts when I walk")
    question = sms_question(reply)
    assert question is not None
    stop = phone.text("STOP")
    assert len(stop) == 1 and "unsubscribed" in stop[0] and "START" in stop[0]
    with app_session(channel_stack.database_url) as session:
        assert is_opted_out(session, phone.number)
    assert phone.text("none of these") == []  # silence while opted out
    assert phone.text("hello?") == []
    start = phone.text("START")
    assert "subscribed again" in start[0]
    assert sms_question(start) == question  # the same question again, with its choices
    assert numbered_choices(start)
    with app_session(channel_stack.database_url) as session:
        assert not is_opted_out(session, phone.number)
    after = phone.text(DEFAULT_ANSWERS[question])
    assert sms_question(after) not in (None, question)  # the intake moved on
    assert_phone_friendly(phone.received)


def test_help_answers_with_the_clinic(channel_stack):
    phone = Phone(channel_stack)
    for word in ("HELP", "info"):
        [reply] = phone.text(word)
        assert "Oasis Orthopedic & Spine" in reply and "(201) 555-0142" in reply
        assert "STOP" in reply


def test_numbered_answers_and_yes_no(channel_stack):
    phone = Phone(channel_stack)
    phone.text("hi")
    reply = phone.text("my lower back hurts")
    assert sms_question(reply) == "q_rf_911"
    choices = numbered_choices(reply)
    reply = phone.text(str(choices["none of these"]))
    assert sms_question(reply) == "q_rf_cauda"
    reply = phone.text(str(numbered_choices(reply)["none of these"]))
    assert sms_question(reply) == "q_rf_neuro"
    reply = phone.text(str(numbered_choices(reply)["none of these"]))
    assert sms_question(reply) == "q_rf_fever"
    assert "Reply 1 for Yes, 2 for No." in reply[-1]
    reply = phone.text("NO")  # the Yes/No choice's own word, any case
    assert sms_question(reply) not in (None, "q_rf_fever")
    assert_phone_friendly(phone.received)


def test_emoji_only_and_empty_bodies(channel_stack):
    phone = Phone(channel_stack)
    phone.text("hi")
    reply = phone.text("\U0001F622\U0001F44D")
    assert reply and "words" in " ".join(reply)
    assert sms_question(reply) in (None, "q_complaint")
    photo = phone.text("", NumMedia="1", MediaUrl0="https://api.twilio.com/x.jpg",
                       MediaContentType0="image/jpeg")
    assert photo == ["I can only read text messages, not pictures or files. "
                     "Please describe it in words."]
    assert phone.text("  ") == ["I didn't receive any text. Please describe it in words."]
    assert_phone_friendly(phone.received)


def test_slow_turns_are_sent_through_the_rest_api(channel_stack):
    """The sms_async connector waits 0 s: every reply takes the REST path to the fake."""
    phone = Phone(channel_stack, channel="sms_async")
    first = phone.text("hi")
    assert len(first) == 1 and "automated intake assistant" in first[0]  # only the intro at once
    sent = channel_stack.twilio.wait_for(phone.number, 1)
    assert any("What brings you in today?" in m for m in sent)
    assert_phone_friendly(sent)
    assert all(m["From"] == "+12015550100" for m in channel_stack.twilio.sent if m["To"] == phone.number)
    count = len(sent)
    assert phone.text("my lower back hurts") == []
    sent = channel_stack.twilio.wait_for(phone.number, count + 1)
    assert sms_question(sent[count:]) == "q_rf_911"
