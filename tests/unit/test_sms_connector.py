"""The SMS connector's webhook logic with a stand-in for Rasa and a real SQLite app database.

The signed-HTTP path against the real rasa server is in tests/e2e/test_sms.py; here each
rule is checked fast: keywords, consent, first contact, numbered choices, the slow path.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Dict, List, Optional
from xml.etree import ElementTree

import pytest
from twilio.request_validator import RequestValidator

from bot.channels import sms_store
from bot.channels.sms import SmsInput
from bot.channels.sms_text import Choice
from bot.store.migrate import init_db
from bot.store.types import utcnow

TOKEN = "unit-test-token"
PHONE = "+12015550177"
YES_NO = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


class FakeRasa:
    """on_new_message: records what reached the assistant and answers from a script."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.seen: List[tuple] = []
        self.delay = delay
        self.fail = fail

    async def __call__(self, message) -> None:
        self.seen.append((message.sender_id, message.text, message.input_channel))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("action server down")
        out = message.output_channel
        await out.send_response(message.sender_id, {"text": f"You said: {message.text}"})
        await out.send_response(message.sender_id, {"text": "Do you have diabetes?",
                                                    "buttons": YES_NO})

    @property
    def texts(self) -> List[str]:
        return [text for _, text, _ in self.seen]


class FakeSender:
    def __init__(self) -> None:
        self.sent: List[tuple] = []

    async def send(self, to: str, body: str) -> Optional[str]:
        self.sent.append((to, body))
        return "SM1"


@pytest.fixture
def app_db(sqlite_url):
    init_db(sqlite_url)
    return sqlite_url


@pytest.fixture
def channel(app_db):
    return SmsInput(auth_token=TOKEN, reply_timeout=2, database_url=app_db)


def params(body: str, phone: str = PHONE, **extra: str) -> Dict[str, str]:
    return {"From": phone, "To": "+12015550100", "Body": body, "NumMedia": "0",
            "MessageSid": "SM123", **extra}


def texts(response) -> List[str]:
    assert response.status == 200
    root = ElementTree.fromstring(response.body.decode())
    return [m.text or "" for m in root.iter("Message")]


def say(channel: SmsInput, rasa, body: str, phone: str = PHONE, **extra: str) -> List[str]:
    return texts(asyncio.run(channel._receive(params(body, phone, **extra), rasa)))


# -- signature -----------------------------------------------------------------------------
def request(url: str, signature: Optional[str], query: str = "") -> SimpleNamespace:
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    return SimpleNamespace(url=url, headers=headers, query_string=query)


def test_signature_is_checked_on_the_url_twilio_called(channel):
    url = "http://127.0.0.1:5005/webhooks/sms/webhook"
    form = params("hello")
    good = RequestValidator(TOKEN).compute_signature(url, form)
    assert channel.signature_ok(request(url, good), form)
    assert not channel.signature_ok(request(url, None), form)
    assert not channel.signature_ok(request(url, "AAAA"), form)
    assert not channel.signature_ok(request(url, good), {**form, "Body": "changed"})
    assert not channel.signature_ok(
        request(url, RequestValidator("another-token").compute_signature(url, form)), form)


def test_behind_a_proxy_the_public_url_is_what_counts(app_db):
    public = "https://intake.example.org/sms"
    channel = SmsInput(auth_token=TOKEN, public_url=public, database_url=app_db)
    form = params("hello")
    signed_public = RequestValidator(TOKEN).compute_signature(public, form)
    internal = "http://127.0.0.1:5005/webhooks/sms/webhook"
    assert channel.signature_ok(request(internal, signed_public), form)
    signed_internal = RequestValidator(TOKEN).compute_signature(internal, form)
    assert not channel.signature_ok(request(internal, signed_internal), form)


def test_without_an_auth_token_nothing_is_accepted(app_db):
    channel = SmsInput(auth_token=None, database_url=app_db)
    url = "http://127.0.0.1/webhooks/sms/webhook"
    form = params("hi")
    assert not channel.signature_ok(request(url, RequestValidator("").compute_signature(url, form)), form)


def test_settings_come_from_credentials_or_the_environment(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-env")
    monkeypatch.setenv("SMS_PUBLIC_URL", "https://x.example/hook")
    channel = SmsInput.from_credentials({"reply_timeout": 3, "account_sid": "AC1",
                                         "from_number": "+12015550100"})
    assert channel.auth_token == "from-env" and channel.public_url == "https://x.example/hook"
    assert channel.reply_timeout == 3.0 and channel.sender is not None
    assert SmsInput.name() == "sms"


# -- a conversation ------------------------------------------------------------------------
def test_first_message_introduces_the_clinic_and_numbers_the_buttons(channel):
    rasa = FakeRasa()
    first = say(channel, rasa, "hi")
    assert first[0].startswith("Oasis Orthopedic & Spine: replies to this number go to our "
                               "automated intake assistant.")
    assert "rates may apply" in first[0] and "STOP" in first[0]
    assert first[1] == "You said: hi\n\nDo you have diabetes?\nReply 1 for Yes, 2 for No."
    assert rasa.seen == [(PHONE, "hi", "sms")]
    second = say(channel, rasa, "1")
    assert not any("rates may apply" in m for m in second)  # only the first time
    assert rasa.texts[-1] == "/affirm"
    say(channel, rasa, "no")
    assert rasa.texts[-1] == "/deny"
    say(channel, rasa, "2 weeks")
    assert rasa.texts[-1] == "2 weeks"


def test_choices_are_remembered_in_the_database(channel, app_db):
    say(channel, FakeRasa(), "hi")
    last = sms_store.last_choices(PHONE, max_age=timedelta(hours=1), url=app_db)
    assert last.choices == [Choice("Yes", "/affirm"), Choice("No", "/deny")]
    assert last.prompt == "Do you have diabetes?"
    # a new channel object (another server, or after a restart) reads the same
    other = SmsInput(auth_token=TOKEN, database_url=app_db)
    rasa = FakeRasa()
    say(other, rasa, "2")
    assert rasa.texts == ["/deny"]


def test_old_choices_do_not_pick_anything(channel, app_db):
    sms_store.remember_choices(PHONE, [Choice("Yes", "/affirm")], "Q?", url=app_db,
                               now=utcnow() - timedelta(days=2))
    rasa = FakeRasa()
    say(channel, rasa, "1")
    assert rasa.texts == ["1"]


def test_a_typed_payload_is_read_as_words(channel):
    rasa = FakeRasa()
    say(channel, rasa, '/choose{"option":"none"}')
    assert not rasa.texts[0].startswith("/")


# -- keywords and consent -----------------------------------------------------------------
def test_keyword_replies_fit_one_segment():
    from bot.channels.sms import help_text, intro_text, start_text, stop_text
    from bot.channels.sms_text import is_gsm7, segments

    for text in (intro_text(), help_text(), stop_text(), start_text()):
        assert is_gsm7(text) and segments(text) == 1, (len(text), text)



def test_stop_in_the_middle_then_start(channel, app_db):
    rasa = FakeRasa()
    say(channel, rasa, "hi")
    stop = say(channel, rasa, "Stop")
    assert len(stop) == 1 and "unsubscribed" in stop[0] and "START" in stop[0]
    assert sms_store.opted_out(PHONE, url=app_db)
    assert say(channel, rasa, "my back hurts") == []  # nothing back, nothing to the assistant
    assert say(channel, rasa, "1") == []
    assert rasa.texts == ["hi"]
    help_reply = say(channel, rasa, "HELP")  # HELP is still answered
    assert "(201) 555-0142" in help_reply[0] and "STOP" in help_reply[0]
    start = say(channel, rasa, "start")
    assert "subscribed again" in start[0]
    assert "Do you have diabetes?\nReply 1 for Yes, 2 for No." in start[0]  # where we left off
    assert not sms_store.opted_out(PHONE, url=app_db)
    assert rasa.texts == ["hi"]
    say(channel, rasa, "2")
    assert rasa.texts == ["hi", "/deny"]


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "END", "quit", "Cancel", "REVOKE",
                                  "optout"])
def test_every_stop_word_opts_out(channel, app_db, word):
    rasa = FakeRasa()
    say(channel, rasa, word)
    assert sms_store.opted_out(PHONE, url=app_db)
    assert rasa.texts == []


def test_yes_is_an_answer_unless_opted_out(channel, app_db):
    rasa = FakeRasa()
    say(channel, rasa, "hi")
    say(channel, rasa, "YES")
    assert rasa.texts == ["hi", "/affirm"]
    say(channel, rasa, "stop")
    say(channel, rasa, "YES")
    assert not sms_store.opted_out(PHONE, url=app_db)
    assert rasa.texts == ["hi", "/affirm"]


def test_help_and_info_answer_with_the_clinic(channel):
    rasa = FakeRasa()
    for word in ("help", "INFO"):
        reply = say(channel, rasa, word)
        assert len(reply) == 1
        assert "Oasis Orthopedic & Spine" in reply[0] and "(201) 555-0142" in reply[0]
        assert "STOP" in reply[0]
    assert rasa.texts == []


def test_empty_bodies_ask_for_words(channel):
    rasa = FakeRasa()
    photo = say(channel, rasa, "", NumMedia="1")
    assert photo[-1].startswith("I can only read text messages") and "words" in photo[-1]
    blank = say(channel, rasa, "   ")
    assert blank == ["I didn't receive any text. Please describe it in words."]
    assert rasa.texts == []


def test_emoji_only_goes_to_the_assistant_and_replies_stay_gsm7(channel):
    rasa = FakeRasa()
    reply = say(channel, rasa, "\U0001F622\U0001F622")
    assert rasa.texts == ["\U0001F622\U0001F622"]
    assert "\U0001F622" not in "".join(reply)


def test_a_bad_sender_number_is_ignored(channel):
    rasa = FakeRasa()
    assert say(channel, rasa, "hi", phone="not-a-number") == []
    assert rasa.texts == []


def test_a_failing_turn_gets_a_plain_apology(channel):
    reply = say(channel, FakeRasa(fail=True), "hi")
    assert "something went wrong" in reply[-1] and "(201) 555-0142" in reply[-1]


# -- the slow path --------------------------------------------------------------------------
def test_a_slow_turn_answers_at_once_and_sends_later(app_db):
    sender = FakeSender()
    channel = SmsInput(auth_token=TOKEN, reply_timeout=0.05, sender=sender, database_url=app_db)

    async def scenario():
        response = await channel._receive(params("hi"), FakeRasa(delay=0.5))
        immediate = texts(response)
        assert not sender.sent
        await asyncio.gather(*channel._late)
        return immediate

    immediate = asyncio.run(scenario())
    assert len(immediate) == 1 and "rates may apply" in immediate[0]  # the intro only
    assert [to for to, _ in sender.sent] == [PHONE]
    assert sender.sent[0][1].endswith("Reply 1 for Yes, 2 for No.")
    # the choices of a late reply are remembered too
    assert sms_store.last_choices(PHONE, max_age=timedelta(hours=1), url=app_db) is not None


def test_stop_during_a_slow_turn_stops_the_late_replies(app_db):
    sender = FakeSender()
    channel = SmsInput(auth_token=TOKEN, reply_timeout=0.05, sender=sender, database_url=app_db)

    async def scenario():
        await channel._receive(params("hi"), FakeRasa(delay=0.5))
        stop = texts(await channel._receive(params("STOP"), FakeRasa()))
        await asyncio.gather(*channel._late)
        return stop

    assert "unsubscribed" in asyncio.run(scenario())[0]
    assert sender.sent == []


# -- logs ------------------------------------------------------------------------------------
def test_info_logs_hold_no_phone_number_or_message_text(channel, caplog):
    caplog.set_level(logging.INFO)
    say(channel, FakeRasa(), "my secret back pain")
    say(channel, FakeRasa(), "STOP")
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "sms received" in logged
    assert PHONE not in logged and PHONE[1:] not in logged
    assert "secret" not in logged
