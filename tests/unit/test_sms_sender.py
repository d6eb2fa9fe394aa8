"""The Twilio REST sender against a local fake of the Twilio API (no network here)."""
from __future__ import annotations

import asyncio
import base64

import pytest

from bot.channels.twilio_rest import SendError, TwilioRestSender, ref
from tests.e2e.channel_fixtures import FakeTwilio

SID = "AC" + "1" * 32


@pytest.fixture
def twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


def sender(twilio, **kwargs) -> TwilioRestSender:
    return TwilioRestSender(SID, "secret", from_number="+12015550100", api_base=twilio.url,
                            backoff=0.01, **kwargs)


def test_posts_the_message_form_with_basic_auth(twilio):
    sid = asyncio.run(sender(twilio).send("+12015550123", "Hello there"))
    assert sid.startswith("SM")
    assert twilio.sent == [{"path": f"/2010-04-01/Accounts/{SID}/Messages.json",
                            "To": "+12015550123", "From": "+12015550100", "Body": "Hello there"}]
    assert twilio.auth == ["Basic " + base64.b64encode(f"{SID}:secret".encode()).decode()]


def test_a_messaging_service_replaces_the_from_number(twilio):
    s = TwilioRestSender(SID, "secret", messaging_service_sid="MG1", api_base=twilio.url)
    asyncio.run(s.send("+12015550123", "Hi"))
    assert twilio.sent[0]["MessagingServiceSid"] == "MG1" and "From" not in twilio.sent[0]


def test_server_errors_are_retried(twilio):
    twilio.fail_next = 2
    asyncio.run(sender(twilio).send("+12015550123", "Hi"))
    assert len(twilio.sent) == 1


def test_gives_up_after_the_last_attempt(twilio):
    twilio.fail_next = 5
    with pytest.raises(SendError):
        asyncio.run(sender(twilio, attempts=2).send("+12015550123", "Hi"))
    assert twilio.sent == []


def test_an_unreachable_api_is_an_error_not_a_hang():
    s = TwilioRestSender(SID, "secret", from_number="+1", api_base="http://127.0.0.1:9",
                         attempts=2, backoff=0.01, timeout=2)
    with pytest.raises(SendError):
        asyncio.run(s.send("+12015550123", "Hi"))


def test_refs_hide_the_number():
    assert ref("+12015550123") != ref("+12015550124")
    assert "555" not in ref("+12015550123") and len(ref("+12015550123")) == 12
