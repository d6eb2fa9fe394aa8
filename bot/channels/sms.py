"""Our SMS connector for Twilio (credentials.yml: ``bot.channels.sms.SmsInput``).

Rasa's stock Twilio channel does not check ``X-Twilio-Signature``, blocks the event
loop while sending, sends one text per button with raw payloads, and answers an empty
body with a 500 (ARCHITECTURE.md, "Known traps"). This one:

* rejects unsigned or wrongly signed webhooks with 403 before anything else happens
  (twilio's ``RequestValidator``, on the public URL Twilio called, configurable for
  proxies);
* handles STOP / START / HELP words itself and remembers opt-outs in the app database
  (``sms_consent``): nothing is texted to an opted-out number, and its messages do not
  reach the assistant until START;
* introduces the clinic on the first message from a new number;
* turns buttons into numbered choices and maps "1", "yes", "no" or a choice's title
  back to its payload (``sms_choices``, migration 0003);
* sends plain GSM-7 text, joined and split into messages of at most two segments;
* answers within ``reply_timeout`` seconds (4 by default) with TwiML; a slower turn
  gets an empty TwiML answer and its replies go out later through the Twilio REST
  API, without blocking the server;
* never logs a message body or a phone number (``*_ref`` fields are hashes).

Settings (each from credentials.yml, else the environment; secrets belong in the
environment): ``auth_token`` / TWILIO_AUTH_TOKEN, ``account_sid`` / TWILIO_ACCOUNT_SID,
``from_number`` / TWILIO_FROM_NUMBER, ``messaging_service_sid`` /
TWILIO_MESSAGING_SERVICE_SID, ``public_url`` / SMS_PUBLIC_URL, ``api_base`` /
TWILIO_API_BASE, ``reply_timeout``, ``choices_ttl_minutes``. See docs/channels.md.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
from datetime import timedelta
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text
from urllib.parse import parse_qsl

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels import sms_store
from bot.channels.sms_text import (Turn, format_with_choices, has_words, keyword, match_choice,
                                   pack_messages, render_turn, to_gsm7)
from bot.channels.twilio_rest import DEFAULT_API_BASE, SmsSender, TwilioRestSender, ref

log = logging.getLogger(__name__)

DEFAULT_REPLY_TIMEOUT = 4.0  # Twilio gives up on a webhook after 15 s
NO_SENDER_TIMEOUT = 12.0  # without a REST sender, the webhook answer is the only way back
DEFAULT_CHOICES_TTL_MINUTES = 1440  # = session_expiration_time in domain/core.yml
_PHONE = re.compile(r"^\+?[1-9]\d{2,14}$")  # E.164, or a short code


# -- what the connector itself says (from data/clinic.yml: another clinic edits only that)
def _clinic():
    from bot.clinic import load_clinic

    return load_clinic()


def intro_text() -> str:
    """Who is writing, where replies go, rates, how to stop: one segment for most names."""
    return (f"{_clinic().name}: replies to this number go to our automated intake assistant. "
            f"Msg&data rates may apply. Reply HELP for help, STOP to opt out.")


def help_text() -> str:
    c = _clinic()
    return (f"{c.name} intake assistant. To talk to a person call {c.phone}. "
            f"Emergency: call 911. Msg&data rates may apply. Reply STOP to opt out.")


def stop_text() -> str:
    c = _clinic()
    return (f"You are unsubscribed from {c.name} texts and will get no more messages. "
            f"Reply START to subscribe again.")


def start_text() -> str:
    return (f"You are subscribed again to {_clinic().name} texts. Msg&data rates may apply. "
            f"Reply STOP to opt out.")


def no_words_text(num_media: int) -> str:
    if num_media:
        return "I can only read text messages, not pictures or files. Please describe it in words."
    return "I didn't receive any text. Please describe it in words."


def error_text() -> str:
    return (f"Sorry, something went wrong on our side. Please try again in a few minutes, "
            f"or call us at {_clinic().phone}.")


def twiml(messages: List[str]) -> HTTPResponse:
    reply = MessagingResponse()
    for text in messages:
        reply.message(text)
    return response.text(str(reply), content_type="text/xml; charset=utf-8")


class SmsOutput(CollectingOutputChannel):
    """Collects one turn's bot messages; the connector turns them into texts."""

    @classmethod
    def name(cls) -> Text:
        return "sms"


def _setting(credentials: Dict[str, Any], key: str, env: Optional[str] = None,
             default: Any = None) -> Any:
    value = credentials.get(key)
    if value in (None, "") and env:
        value = os.environ.get(env)
    return default if value in (None, "") else value


class SmsInput(InputChannel):
    """Twilio Programmable Messaging webhook at ``/webhooks/sms/webhook``."""

    @classmethod
    def name(cls) -> Text:
        return "sms"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            auth_token=_setting(credentials, "auth_token", "TWILIO_AUTH_TOKEN"),
            account_sid=_setting(credentials, "account_sid", "TWILIO_ACCOUNT_SID"),
            from_number=_setting(credentials, "from_number", "TWILIO_FROM_NUMBER"),
            messaging_service_sid=_setting(credentials, "messaging_service_sid",
                                           "TWILIO_MESSAGING_SERVICE_SID"),
            public_url=_setting(credentials, "public_url", "SMS_PUBLIC_URL"),
            api_base=_setting(credentials, "api_base", "TWILIO_API_BASE", DEFAULT_API_BASE),
            reply_timeout=float(_setting(credentials, "reply_timeout", None,
                                         DEFAULT_REPLY_TIMEOUT)),
            choices_ttl_minutes=float(_setting(credentials, "choices_ttl_minutes", None,
                                               DEFAULT_CHOICES_TTL_MINUTES)),
        )

    def __init__(self, auth_token: Optional[str] = None, account_sid: Optional[str] = None,
                 from_number: Optional[str] = None, messaging_service_sid: Optional[str] = None,
                 public_url: Optional[str] = None, api_base: str = DEFAULT_API_BASE,
                 reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
                 choices_ttl_minutes: float = DEFAULT_CHOICES_TTL_MINUTES,
                 sender: Optional[SmsSender] = None, database_url: Optional[str] = None) -> None:
        self.auth_token = auth_token
        self.validator = RequestValidator(auth_token) if auth_token else None
        self.public_url = public_url
        self.reply_timeout = reply_timeout
        self.choices_ttl = timedelta(minutes=choices_ttl_minutes)
        self.database_url = database_url
        if sender is None and account_sid and auth_token and (from_number or messaging_service_sid):
            sender = TwilioRestSender(account_sid, auth_token, from_number=from_number,
                                      messaging_service_sid=messaging_service_sid,
                                      api_base=api_base)
        self.sender = sender
        self._late: Set[asyncio.Task] = set()
        if not auth_token:
            log.warning("sms channel: TWILIO_AUTH_TOKEN is not set; every webhook gets 403")
        if sender is None:
            log.warning("sms channel: no REST sender (TWILIO_ACCOUNT_SID, TWILIO_FROM_NUMBER); "
                        "replies slower than %.0f s are lost", NO_SENDER_TIMEOUT)

    # -- signature ------------------------------------------------------------------
    def webhook_url(self, request: Request) -> str:
        """The URL Twilio signed: the configured public URL (behind a proxy), else the
        URL this server was called on."""
        if not self.public_url:
            return request.url
        url = self.public_url
        if request.query_string and "?" not in url:
            url += "?" + request.query_string
        return url

    def signature_ok(self, request: Request, params: Dict[str, str]) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if self.validator is None or not signature:
            return False
        return bool(self.validator.validate(self.webhook_url(request), params, signature))

    # -- database, off the event loop -------------------------------------------------
    async def _db(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, url=self.database_url, **kwargs)

    # -- the webhook ----------------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint(f"{self.name()}_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            params = dict(parse_qsl((request.body or b"").decode("utf-8", "replace"),
                                    keep_blank_values=True))
            if not self.signature_ok(request, params):
                log.warning("sms webhook refused: missing or wrong signature")
                return response.text("forbidden", status=403)
            try:
                return await self._receive(params, on_new_message)
            except Exception:  # never a 500 to Twilio; the patient gets a plain apology
                log.exception("sms webhook failed")
                return twiml([to_gsm7(error_text())])

        return hook

    async def _receive(self, params: Dict[str, str],
                       on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        phone = (params.get("From") or "").strip()
        if not _PHONE.match(phone):
            log.warning("sms webhook without a usable sender number")
            return twiml([])
        body = params.get("Body") or ""
        try:
            num_media = int(params.get("NumMedia") or 0)
        except ValueError:
            num_media = 0
        word = keyword(body)
        log.info("sms received", extra={"from_ref": ref(phone), "keyword": word,
                                        "chars": len(body), "media": num_media})
        contact = await self._db(sms_store.contact, phone)

        if word == "stop":
            await self._db(sms_store.set_opt_out, phone, True)
            log.info("sms opt-out", extra={"from_ref": ref(phone)})
            return twiml([to_gsm7(stop_text())])
        if contact.opted_out:
            if word == "start":
                await self._db(sms_store.set_opt_out, phone, False)
                log.info("sms opt-in", extra={"from_ref": ref(phone)})
                return twiml(pack_messages([to_gsm7(start_text())] + await self._resume(phone)))
            if word == "help":
                return twiml([to_gsm7(help_text())])
            return twiml([])  # opted out: nothing to the assistant, nothing back
        if word == "help":
            return twiml([to_gsm7(help_text())])

        intro = [to_gsm7(intro_text())] if contact.new else []
        if not body.strip():
            return twiml(intro + [no_words_text(num_media)])
        text = body.strip()
        last = await self._db(sms_store.last_choices, phone, max_age=self.choices_ttl)
        payload = match_choice(text, last.choices) if last else None
        if payload:
            text = payload
        elif text.startswith("/"):
            text = text.lstrip("/ ") or text  # patients type words, not intent payloads
        if not has_words(text):
            log.info("sms without words", extra={"from_ref": ref(phone)})
        return await self._converse(phone, text, intro, on_new_message)

    async def _resume(self, phone: str) -> List[str]:
        """After START: the question the patient was answering, with its choices."""
        last = await self._db(sms_store.last_choices, phone, max_age=self.choices_ttl)
        if not last or not last.prompt:
            return ["Reply with your answer to carry on where you left off."]
        return [to_gsm7(format_with_choices(last.prompt, last.choices))]

    async def _converse(self, phone: str, text: str, intro: List[str],
                        on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        collector = SmsOutput()
        message = UserMessage(text, collector, phone, input_channel=self.name())
        turn = asyncio.ensure_future(on_new_message(message))
        timeout = self.reply_timeout if self.sender else max(self.reply_timeout, NO_SENDER_TIMEOUT)
        done, _ = await asyncio.wait({turn}, timeout=timeout)
        if turn not in done:
            log.info("sms turn slow: replying later through the REST API",
                     extra={"from_ref": ref(phone)})
            late = asyncio.ensure_future(self._send_late(phone, turn, collector))
            self._late.add(late)
            late.add_done_callback(self._late.discard)
            return twiml(intro)
        if turn.exception() is not None:
            log.error("sms turn failed", exc_info=turn.exception())
            return twiml(intro + [to_gsm7(error_text())])
        rendered = await self._finish(phone, collector)
        return twiml(intro + rendered.messages)

    async def _finish(self, phone: str, collector: SmsOutput) -> Turn:
        rendered = render_turn(collector.messages)
        await self._db(sms_store.remember_choices, phone, rendered.choices, rendered.prompt)
        log.info("sms replied", extra={"from_ref": ref(phone), "messages": len(rendered.messages),
                                       "choices": len(rendered.choices)})
        return rendered

    async def _send_late(self, phone: str, turn: "asyncio.Future[Any]",
                         collector: SmsOutput) -> None:
        try:
            await turn
            messages = (await self._finish(phone, collector)).messages
        except Exception:
            log.exception("sms turn failed", extra={"from_ref": ref(phone)})
            messages = [to_gsm7(error_text())]
        if self.sender is None:
            log.error("sms replies dropped: no REST sender configured",
                      extra={"from_ref": ref(phone), "messages": len(messages)})
            return
        for text in messages:
            if await self._db(sms_store.opted_out, phone):
                log.info("sms late replies stopped: opted out", extra={"from_ref": ref(phone)})
                return
            try:
                await self.sender.send(phone, text)
            except Exception:
                log.exception("sms late reply not sent", extra={"from_ref": ref(phone)})
                return
