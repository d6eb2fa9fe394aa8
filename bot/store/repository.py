"""The app database's API: plain functions over a Session.

Other modules call these, never query the models themselves. The functions do
not commit: the caller owns the transaction (``with session_scope() as s: ...``
commits once at the end, or rolls everything back on an error).

Functions that change staff-visible state (review status, notes, requeue) also
write an audit event in the same transaction. Audit ``detail`` must never hold
patient words, names, birth dates or phone numbers.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot import codes
from bot.handoff.payload import trim_strings, trim_words
from bot.handoff.schema import canonical_body, parse_created_at
from bot.store.models import (
    HANDOFF_STATUSES,
    REVIEW_STATUSES,
    STAFF_ROLES,
    AuditEvent,
    Handoff,
    Intake,
    Outbox,
    SmsConsent,
    StaffNote,
    StaffUser,
)
from bot.store.types import as_utc, utcnow

EMERGENCY_PRIORITY = 0
DEFAULT_PRIORITY = 10
ERROR_TEXT_LIMIT = 2000

Filter = Union[None, str, Sequence[str]]


def priority_for(urgency: str) -> int:
    """Outbox priority: emergencies go first (0), everything else after (10)."""
    return EMERGENCY_PRIORITY if urgency in codes.EMERGENCY_URGENCIES else DEFAULT_PRIORITY


# -- handoffs ----------------------------------------------------------------------
def save_handoff(
    session: Session,
    *,
    record_dict: Mapping[str, Any],
    payload: Union[Mapping[str, Any], bytes, str],
    conversation_id: str,
    channel: str,
    urgency: str,
    specialist: Optional[str],
) -> Handoff:
    """Store a finished intake, its handoff and its outbox row, all or nothing.

    ``payload`` is the contract body (a dict, or its canonical bytes / text); it
    is stored exactly as ``canonical_body`` renders it, which is what the outbox
    worker posts and signs. The three rows are written in a single flush: if any
    insert fails, none is written and the session's transaction is rolled back.
    """
    if isinstance(payload, Mapping):
        text = canonical_body(payload).decode("utf-8")
        body: Mapping[str, Any] = payload
    else:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        body = json.loads(text)

    mismatched = [
        name
        for name, given, in_body in (
            ("conversation_id", conversation_id, body.get("conversation_id")),
            ("channel", channel, body.get("channel")),
            ("urgency", urgency, (body.get("triage") or {}).get("urgency")),
            ("specialist", specialist, (body.get("triage") or {}).get("specialist")),
        )
        if given != in_body
    ]
    if mismatched:
        raise ValueError(f"save_handoff: arguments disagree with the payload on {mismatched}")

    now = utcnow()
    created_at = parse_created_at(body["created_at"]) if body.get("created_at") else now
    patient = body.get("patient") or {}
    phone = patient.get("phone")

    intake = Intake(
        conversation_id=conversation_id,
        channel=channel,
        status="emergency" if urgency in codes.EMERGENCY_URGENCIES else "completed",
        created_at=now,
        completed_at=now,
        urgency=urgency,
        specialist=specialist,
        record=trim_strings(dict(record_dict)),
    )
    handoff = Handoff(
        handoff_id=body["handoff_id"],
        intake=intake,
        conversation_id=conversation_id,
        channel=channel,
        urgency=urgency,
        specialist=specialist,
        created_at=created_at,
        payload=text,
        status="pending",
        review_status="new",
        patient_name=trim_words(patient.get("name"), 200),
        patient_phone=phone if isinstance(phone, str) and len(phone) <= 16 else None,
    )
    Outbox(
        handoff=handoff,
        priority=priority_for(urgency),
        attempts=0,
        next_attempt_at=now,
        status="pending",
    )
    session.add(intake)  # the handoff and the outbox row follow by cascade
    session.flush()
    return handoff


def get_handoff(session: Session, handoff_id: str) -> Optional[Handoff]:
    return session.get(Handoff, handoff_id)


def _values(name: str, value: Filter, allowed: Optional[Iterable[str]] = None) -> Optional[List[str]]:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    if allowed is not None:
        allowed = set(allowed)
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise ValueError(f"unknown {name} {unknown}; expected some of {sorted(allowed)}")
    return values


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_handoffs(
    session: Session,
    *,
    status: Filter = None,
    urgency: Filter = None,
    specialist: Filter = None,
    channel: Filter = None,
    since: Optional[datetime] = None,
    until: Optional[datetime] = None,
    search: Optional[str] = None,
    limit: Optional[int] = 200,
) -> List[Handoff]:
    """Handoffs for the staff console: emergencies first, then newest first.

    Each filter takes one value or a list. ``status`` takes delivery statuses
    (pending, delivered, failed) and review statuses (new, reviewed, scheduled,
    closed) alike, since the two lists do not overlap; given both kinds, a
    handoff must match one of each. ``since`` is inclusive, ``until`` exclusive
    (both on ``created_at``). ``search`` matches part of the patient's name (any
    case), phone (digits alone also match), the conversation id or the handoff
    id. ``limit=None`` returns everything.
    """
    stmt = sa.select(Handoff)
    statuses = _values("status", status, HANDOFF_STATUSES + REVIEW_STATUSES)
    if statuses is not None:
        delivery = [s for s in statuses if s in HANDOFF_STATUSES]
        review = [s for s in statuses if s in REVIEW_STATUSES]
        if delivery:
            stmt = stmt.where(Handoff.status.in_(delivery))
        if review:
            stmt = stmt.where(Handoff.review_status.in_(review))
    for column, name, value, allowed in (
        (Handoff.urgency, "urgency", urgency, codes.URGENCIES),
        (Handoff.specialist, "specialist", specialist, codes.SPECIALISTS),
        (Handoff.channel, "channel", channel, codes.CHANNELS),
    ):
        values = _values(name, value, allowed)
        if values is not None:
            stmt = stmt.where(column.in_(values))
    if since is not None:
        stmt = stmt.where(Handoff.created_at >= as_utc(since))
    if until is not None:
        stmt = stmt.where(Handoff.created_at < as_utc(until))
    if search and search.strip():
        needle = search.strip()
        pattern = f"%{_like_escape(needle.lower())}%"
        matches = [
            sa.func.lower(Handoff.patient_name).like(pattern, escape="\\"),
            sa.func.lower(Handoff.conversation_id).like(pattern, escape="\\"),
            sa.func.lower(Handoff.handoff_id).like(pattern, escape="\\"),
            Handoff.patient_phone.like(f"%{_like_escape(needle)}%", escape="\\"),
        ]
        digits = re.sub(r"\D", "", needle)
        if len(digits) >= 3:
            matches.append(Handoff.patient_phone.like(f"%{digits}%"))
        stmt = stmt.where(sa.or_(*matches))
    emergency_first = sa.case(
        (Handoff.urgency.in_(sorted(codes.EMERGENCY_URGENCIES)), 0), else_=1
    )
    stmt = stmt.order_by(emergency_first, Handoff.created_at.desc(), Handoff.handoff_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


def set_review_status(
    session: Session,
    handoff_id: str,
    review_status: str,
    *,
    actor: str,
    remote_addr: Optional[str] = None,
) -> Handoff:
    """Staff move a handoff along new → reviewed → scheduled → closed (any order); audited."""
    if review_status not in REVIEW_STATUSES:
        raise ValueError(f"unknown review status {review_status!r}")
    handoff = _require_handoff(session, handoff_id)
    previous = handoff.review_status
    handoff.review_status = review_status
    audit(
        session, actor, "handoff.review_status", "handoff", handoff_id,
        {"from": previous, "to": review_status}, remote_addr,
    )
    return handoff


def add_staff_note(
    session: Session,
    handoff_id: str,
    author: str,
    text: str,
    *,
    remote_addr: Optional[str] = None,
) -> StaffNote:
    """Attach a staff note to a handoff; audited (without the note's text)."""
    handoff = _require_handoff(session, handoff_id)
    note = StaffNote(handoff=handoff, author=author, at=utcnow(), text=text)
    session.add(note)
    session.flush()
    audit(session, author, "handoff.note_added", "handoff", handoff_id, {"note_id": note.id}, remote_addr)
    return note


def list_staff_notes(session: Session, handoff_id: str) -> List[StaffNote]:
    stmt = sa.select(StaffNote).where(StaffNote.handoff_id == handoff_id).order_by(StaffNote.id)
    return list(session.execute(stmt).scalars())


def _require_handoff(session: Session, handoff_id: str) -> Handoff:
    handoff = get_handoff(session, handoff_id)
    if handoff is None:
        raise LookupError(f"no handoff {handoff_id}")
    return handoff


# -- outbox ------------------------------------------------------------------------
def claim_outbox(
    session: Session,
    worker_id: str,
    *,
    limit: int = 10,
    now: Optional[datetime] = None,
    stale_after: timedelta = timedelta(minutes=5),
) -> List[Outbox]:
    """Claim up to ``limit`` due rows for ``worker_id``, emergencies first.

    Due: pending with ``next_attempt_at`` reached, or in flight for longer than
    ``stale_after`` (a worker died mid-delivery). Claimed rows turn ``in_flight``
    and count one more attempt. On PostgreSQL rows are locked with
    ``FOR UPDATE SKIP LOCKED``, so concurrent workers never claim the same row;
    every claim is also a conditional update (compare-and-set), which keeps
    SQLite safe too. Commit the claim before posting, then report the outcome
    with ``record_delivery`` / ``record_failure`` in a new transaction.
    """
    now = as_utc(now) or utcnow()
    due = sa.or_(
        sa.and_(Outbox.status == "pending", Outbox.next_attempt_at <= now),
        sa.and_(Outbox.status == "in_flight", Outbox.claimed_at < now - stale_after),
    )
    stmt = (
        sa.select(Outbox.id, Outbox.status, Outbox.attempts)
        .where(due)
        .order_by(Outbox.priority, Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed: List[int] = []
    for row_id, status, attempts in session.execute(stmt).all():
        result = session.execute(
            sa.update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == status, Outbox.attempts == attempts)
            .values(
                status="in_flight", claimed_by=worker_id, claimed_at=now, attempts=attempts + 1
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(row_id)
    if not claimed:
        return []
    rows = session.execute(
        sa.select(Outbox)
        .where(Outbox.id.in_(claimed))
        .order_by(Outbox.priority, Outbox.next_attempt_at, Outbox.id)
        .execution_options(populate_existing=True)
    ).scalars()
    return list(rows)


def record_delivery(session: Session, outbox_id: int, *, now: Optional[datetime] = None) -> Outbox:
    """The appointment system acknowledged (2xx): the row and its handoff are delivered."""
    row = _require_outbox(session, outbox_id)
    row.status = "delivered"
    row.delivered_at = as_utc(now) or utcnow()
    row.claimed_by = None
    row.claimed_at = None
    row.handoff.status = "delivered"
    return row


def record_failure(
    session: Session,
    outbox_id: int,
    *,
    error: str,
    retry_at: Optional[datetime],
    failing_after: int = 3,
) -> Outbox:
    """A delivery attempt failed. With ``retry_at`` the row waits until then and is
    tried again; the handoff shows ``failed`` to staff once ``failing_after``
    attempts have failed (it still keeps being retried, and turns ``delivered``
    when one succeeds). Without ``retry_at`` the row stops (status ``failed``)
    until staff requeue it. A row already delivered (by a worker that took it over
    after this one stalled) stays delivered."""
    row = _require_outbox(session, outbox_id)
    if row.status == "delivered":
        return row
    row.last_error = trim_words(error, ERROR_TEXT_LIMIT)
    row.claimed_by = None
    row.claimed_at = None
    if retry_at is None:
        row.status = "failed"
        row.handoff.status = "failed"
    else:
        row.status = "pending"
        row.next_attempt_at = as_utc(retry_at)
        if row.attempts >= failing_after:
            row.handoff.status = "failed"
    return row


def requeue_outbox(
    session: Session,
    outbox_id: int,
    *,
    actor: str,
    remote_addr: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Outbox:
    """Staff ask for a new attempt now (for a failed or waiting row); audited."""
    row = _require_outbox(session, outbox_id)
    if row.status == "delivered":
        raise ValueError("this handoff was already delivered")
    previous = row.status
    row.status = "pending"
    row.next_attempt_at = as_utc(now) or utcnow()
    row.claimed_by = None
    row.claimed_at = None
    audit(
        session, actor, "outbox.requeue", "handoff", row.handoff_id,
        {"outbox_id": row.id, "from": previous}, remote_addr,
    )
    return row


def get_outbox(session: Session, handoff_id: str) -> Optional[Outbox]:
    return session.execute(sa.select(Outbox).where(Outbox.handoff_id == handoff_id)).scalar_one_or_none()


def outbox_counts(session: Session) -> Dict[str, int]:
    """Rows per outbox status (for health checks and the console's header)."""
    rows = session.execute(sa.select(Outbox.status, sa.func.count()).group_by(Outbox.status)).all()
    return {status: count for status, count in rows}


def _require_outbox(session: Session, outbox_id: int) -> Outbox:
    row = session.get(Outbox, outbox_id)
    if row is None:
        raise LookupError(f"no outbox row {outbox_id}")
    return row


# -- audit log ---------------------------------------------------------------------
def audit(
    session: Session,
    actor: str,
    action: str,
    target_type: Optional[str],
    target_id: Optional[Any],
    detail: Optional[Mapping[str, Any]] = None,
    remote_addr: Optional[str] = None,
) -> AuditEvent:
    """Append one event to the audit log (never updated, never deleted)."""
    event = AuditEvent(
        at=utcnow(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=None if detail is None else dict(detail),
        remote_addr=remote_addr,
    )
    session.add(event)
    session.flush()
    return event


def list_audit(
    session: Session,
    *,
    actor: Optional[str] = None,
    action: Optional[str] = None,
    target_type: Optional[str] = None,
    target_id: Optional[Any] = None,
    since: Optional[datetime] = None,
    limit: Optional[int] = 200,
) -> List[AuditEvent]:
    """Audit events, newest first."""
    stmt = sa.select(AuditEvent)
    if actor is not None:
        stmt = stmt.where(AuditEvent.actor == actor)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    if target_type is not None:
        stmt = stmt.where(AuditEvent.target_type == target_type)
    if target_id is not None:
        stmt = stmt.where(AuditEvent.target_id == str(target_id))
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= as_utc(since))
    stmt = stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


# -- staff users -------------------------------------------------------------------
def create_staff_user(
    session: Session, *, username: str, password_hash: str, role: str, active: bool = True
) -> StaffUser:
    """Add a staff account. ``password_hash`` is already hashed (argon2) by the caller."""
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {STAFF_ROLES}")
    user = StaffUser(
        username=username, password_hash=password_hash, role=role, active=active,
        failed_logins=0, created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def get_staff_user(session: Session, username: str) -> Optional[StaffUser]:
    stmt = sa.select(StaffUser).where(StaffUser.username == username)
    return session.execute(stmt).scalar_one_or_none()


def is_locked(user: StaffUser, now: Optional[datetime] = None) -> bool:
    return user.locked_until is not None and user.locked_until > (as_utc(now) or utcnow())


def record_login(
    session: Session,
    user: StaffUser,
    *,
    success: bool,
    now: Optional[datetime] = None,
    max_failures: int = 5,
    lock_for: timedelta = timedelta(minutes=15),
) -> StaffUser:
    """Count a login attempt: success resets the counter; ``max_failures`` failures in
    a row lock the account for ``lock_for``. The caller checks ``is_locked`` before
    checking the password, and audits the attempt."""
    now = as_utc(now) or utcnow()
    if success:
        user.failed_logins = 0
        user.locked_until = None
    else:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            # The count is kept: after the lock ends, the next failure locks again.
            user.locked_until = now + lock_for
    session.flush()
    return user


# -- SMS consent -------------------------------------------------------------------
def _insert_for(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"no upsert for {name}")
    return insert


def note_sms_contact(session: Session, phone: str, *, now: Optional[datetime] = None) -> SmsConsent:
    """Remember the first time a number texted us (no change if already known)."""
    now = as_utc(now) or utcnow()
    insert = _insert_for(session)
    session.execute(
        insert(SmsConsent)
        .values(phone=phone, opted_out=False, updated_at=now, first_contact_at=now)
        .on_conflict_do_nothing(index_elements=["phone"])
    )
    return _consent(session, phone)


def set_sms_opt_out(
    session: Session, phone: str, opted_out: bool, *, now: Optional[datetime] = None
) -> SmsConsent:
    """STOP (``opted_out=True``) or START (``False``) for a number."""
    now = as_utc(now) or utcnow()
    insert = _insert_for(session)
    stmt = insert(SmsConsent).values(
        phone=phone, opted_out=opted_out, updated_at=now, first_contact_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["phone"], set_={"opted_out": opted_out, "updated_at": now}
    )
    session.execute(stmt)
    return _consent(session, phone)


def get_sms_consent(session: Session, phone: str) -> Optional[SmsConsent]:
    return session.get(SmsConsent, phone)


def is_opted_out(session: Session, phone: str) -> bool:
    consent = get_sms_consent(session, phone)
    return bool(consent and consent.opted_out)


def _consent(session: Session, phone: str) -> SmsConsent:
    stmt = sa.select(SmsConsent).where(SmsConsent.phone == phone)
    return session.execute(stmt.execution_options(populate_existing=True)).scalar_one()
