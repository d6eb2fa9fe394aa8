"""What the SMS channel remembers per phone number, in the app database.

Consent (STOP / START, first contact) uses the repository functions of bot.store;
the numbered choices last texted live in ``sms_choices`` (migration 0003). These are
blocking SQLAlchemy calls: the channel runs them in a worker thread
(``asyncio.to_thread``), never on Rasa's event loop.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional, Sequence

from sqlalchemy.exc import IntegrityError

from bot.channels.sms_text import Choice
from bot.store import get_sms_consent, is_opted_out, note_sms_contact, session_scope, set_sms_opt_out
from bot.store.models import SmsChoices
from bot.store.types import as_utc, utcnow


@dataclass
class Contact:
    new: bool  # first message ever from this number
    opted_out: bool


def contact(phone: str, *, url: Optional[str] = None) -> Contact:
    """Note an incoming message: is the number new, has it opted out?"""
    with session_scope(url) as session:
        known = get_sms_consent(session, phone)
        if known is None:
            note_sms_contact(session, phone)
            return Contact(new=True, opted_out=False)
        return Contact(new=False, opted_out=bool(known.opted_out))


def opted_out(phone: str, *, url: Optional[str] = None) -> bool:
    with session_scope(url) as session:
        return is_opted_out(session, phone)


def set_opt_out(phone: str, value: bool, *, url: Optional[str] = None) -> None:
    with session_scope(url) as session:
        set_sms_opt_out(session, phone, value)


@dataclass
class LastChoices:
    choices: List[Choice]
    prompt: Optional[str]
    sent_at: datetime


def last_choices(phone: str, *, max_age: timedelta, url: Optional[str] = None,
                 now: Optional[datetime] = None) -> Optional[LastChoices]:
    """The choices last texted to the number, unless older than ``max_age`` (a new
    Rasa session has started by then, and an old "1" must not pick anything)."""
    now = as_utc(now) or utcnow()
    with session_scope(url) as session:
        row = session.get(SmsChoices, phone)
        if row is None or not row.choices:
            return None
        sent_at = as_utc(row.sent_at)
        if now - sent_at > max_age:
            return None
        return LastChoices([Choice.from_dict(c) for c in row.choices], row.prompt, sent_at)


def remember_choices(phone: str, choices: Sequence[Choice], prompt: Optional[str], *,
                     url: Optional[str] = None, now: Optional[datetime] = None) -> None:
    """Keep the choices just texted; no choices clears them (the next "1" is plain text)."""
    now = as_utc(now) or utcnow()
    data = [c.to_dict() for c in choices]
    for attempt in range(2):
        try:
            with session_scope(url) as session:
                row = session.get(SmsChoices, phone)
                if not data:
                    if row is not None:
                        session.delete(row)
                elif row is None:
                    session.add(SmsChoices(phone=phone, choices=data, prompt=prompt, sent_at=now))
                else:
                    row.choices, row.prompt, row.sent_at = data, prompt, now
            return
        except IntegrityError:  # another server inserted the row first: update it
            if attempt:
                raise
