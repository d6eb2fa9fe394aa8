"""Sending texts through the Twilio REST API without blocking Rasa's event loop.

The stock Twilio channel calls the blocking ``twilio`` client inside the event loop;
this sender uses aiohttp (already a Rasa dependency). It is pluggable: the SMS
channel takes any object with ``async send(to, body)``, and ``api_base`` points the
real sender at a local fake in tests (this machine cannot reach Twilio).
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Optional, Protocol

import aiohttp

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.twilio.com"


def ref(value: str) -> str:
    """A short, stable, non-identifying reference for logs (same as actions.common)."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:12]


class SendError(RuntimeError):
    """Twilio refused the message, or kept failing."""


class SmsSender(Protocol):
    async def send(self, to: str, body: str) -> Optional[str]:
        """Send one text; return the provider's message id."""


class TwilioRestSender:
    """POST /2010-04-01/Accounts/{sid}/Messages.json, with retries on 429, 5xx and
    network errors (never on other 4xx: a bad number stays bad)."""

    def __init__(self, account_sid: str, auth_token: str, *, from_number: Optional[str] = None,
                 messaging_service_sid: Optional[str] = None,
                 api_base: str = DEFAULT_API_BASE, timeout: float = 10.0,
                 attempts: int = 3, backoff: float = 0.5) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("a from number or a messaging service sid is needed")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.url = f"{api_base.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.attempts = max(1, attempts)
        self.backoff = backoff

    def _form(self, to: str, body: str) -> dict:
        form = {"To": to, "Body": body}
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        else:
            form["From"] = self.from_number
        return form

    async def send(self, to: str, body: str) -> Optional[str]:
        auth = aiohttp.BasicAuth(self.account_sid, self.auth_token)
        last_error = "not sent"
        for attempt in range(1, self.attempts + 1):
            try:
                async with aiohttp.ClientSession(timeout=self.timeout) as session:
                    async with session.post(self.url, data=self._form(to, body), auth=auth) as resp:
                        text = await resp.text()
                        if resp.status < 300:
                            try:
                                return (await resp.json(content_type=None)).get("sid")
                            except ValueError:
                                return None
                        last_error = f"HTTP {resp.status}"
                        if resp.status != 429 and resp.status < 500:
                            # Twilio's error body names the problem; it holds no message text.
                            raise SendError(f"Twilio refused the message: {last_error} {text[:200]}")
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                last_error = type(exc).__name__
            log.warning("sms send failed, will retry",
                        extra={"to_ref": ref(to), "attempt": attempt, "error": last_error})
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        raise SendError(f"sms not sent after {self.attempts} attempts: {last_error}")
