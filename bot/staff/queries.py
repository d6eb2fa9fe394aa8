"""The console's read queries: the queue, counts and the audit log.

The queue follows ``bot.store.repository.list_handoffs`` (same filters, same
search) with three differences the console needs: the specialist filter applies
to the specialist that holds now (the newest staff override, else the
assistant's suggestion), "open" means every review status but closed, and rows
come urgency tier by tier (911, ED, urgent, routine), newest first within each,
with an offset for paging.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from bot import codes
from bot.store.models import (
    HANDOFF_STATUSES,
    REVIEW_STATUSES,
    AuditEvent,
    Handoff,
    SpecialistOverride,
    StaffUser,
)
from bot.store.types import as_utc

OPEN = "open"
ALL = "all"
STATUS_CHOICES = (OPEN, ALL) + REVIEW_STATUSES + HANDOFF_STATUSES


@dataclass
class QueueFilter:
    status: str = OPEN
    urgency: Optional[str] = None
    specialist: Optional[str] = None
    channel: Optional[str] = None
    since: Optional[datetime] = None  # inclusive
    until: Optional[datetime] = None  # exclusive
    search: Optional[str] = None
    errors: List[str] = field(default_factory=list)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def effective_specialist_column():
    """The specialist that holds now, as a SQL expression over ``handoffs``."""
    newest = (
        sa.select(SpecialistOverride.to_specialist)
        .where(SpecialistOverride.handoff_id == Handoff.handoff_id)
        .order_by(SpecialistOverride.id.desc())
        .limit(1)
        .correlate(Handoff)
        .scalar_subquery()
    )
    return sa.func.coalesce(newest, Handoff.specialist)


def _conditions(f: QueueFilter) -> list:
    where = []
    if f.status == OPEN:
        where.append(Handoff.review_status != "closed")
    elif f.status in REVIEW_STATUSES:
        where.append(Handoff.review_status == f.status)
    elif f.status in HANDOFF_STATUSES:
        where.append(Handoff.status == f.status)
    if f.urgency in codes.URGENCIES:
        where.append(Handoff.urgency == f.urgency)
    elif f.urgency == "emergency":
        where.append(Handoff.urgency.in_(sorted(codes.EMERGENCY_URGENCIES)))
    if f.specialist in codes.SPECIALISTS:
        where.append(effective_specialist_column() == f.specialist)
    if f.channel in codes.CHANNELS:
        where.append(Handoff.channel == f.channel)
    if f.since is not None:
        where.append(Handoff.created_at >= as_utc(f.since))
    if f.until is not None:
        where.append(Handoff.created_at < as_utc(f.until))
    if f.search and f.search.strip():
        needle = f.search.strip()
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
        where.append(sa.or_(*matches))
    return where


def queue(session: Session, f: QueueFilter, *, limit: int = 50,
          offset: int = 0) -> Tuple[List[Handoff], int]:
    """One page of the queue and the number of handoffs matching the filter."""
    where = _conditions(f)
    tier = sa.case(
        *[(Handoff.urgency == code, rank) for rank, code in enumerate(codes.URGENCIES)],
        else_=len(codes.URGENCIES),
    )
    stmt = (
        sa.select(Handoff)
        .where(*where)
        .options(selectinload(Handoff.specialist_overrides))
        .order_by(tier, Handoff.created_at.desc(), Handoff.handoff_id)
        .limit(limit)
        .offset(offset)
    )
    rows = list(session.execute(stmt).scalars())
    total = session.execute(sa.select(sa.func.count()).select_from(Handoff).where(*where)).scalar_one()
    return rows, int(total)


def failed_delivery_count(session: Session) -> int:
    """Handoffs whose delivery to the appointment system is failing."""
    stmt = sa.select(sa.func.count()).select_from(Handoff).where(Handoff.status == "failed")
    return int(session.execute(stmt).scalar_one())


def open_emergency_count(session: Session) -> int:
    stmt = (
        sa.select(sa.func.count()).select_from(Handoff)
        .where(Handoff.urgency.in_(sorted(codes.EMERGENCY_URGENCIES)),
               Handoff.review_status == "new")
    )
    return int(session.execute(stmt).scalar_one())


def audit_events(session: Session, *, actor: Optional[str] = None,
                 action: Optional[str] = None, target_id: Optional[str] = None,
                 since: Optional[datetime] = None, until: Optional[datetime] = None,
                 limit: int = 100, offset: int = 0) -> Tuple[List[AuditEvent], int]:
    """Audit events, newest first, and how many match."""
    where = []
    if actor:
        where.append(AuditEvent.actor == actor)
    if action:
        where.append(AuditEvent.action == action)
    if target_id:
        where.append(AuditEvent.target_id == target_id)
    if since is not None:
        where.append(AuditEvent.at >= as_utc(since))
    if until is not None:
        where.append(AuditEvent.at < as_utc(until))
    stmt = (sa.select(AuditEvent).where(*where)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset))
    rows = list(session.execute(stmt).scalars())
    total = session.execute(
        sa.select(sa.func.count()).select_from(AuditEvent).where(*where)).scalar_one()
    return rows, int(total)


def audit_actors(session: Session) -> List[str]:
    stmt = sa.select(AuditEvent.actor).distinct().order_by(AuditEvent.actor)
    return [row for row in session.execute(stmt).scalars()]


def audit_actions(session: Session) -> List[str]:
    stmt = sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    return [row for row in session.execute(stmt).scalars()]


def handoff_history(session: Session, handoff_id: str,
                    actions: Sequence[str]) -> List[AuditEvent]:
    """The changes made to one handoff (not the views), oldest first."""
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.target_type == "handoff", AuditEvent.target_id == handoff_id,
               AuditEvent.action.in_(list(actions)))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(session.execute(stmt).scalars())


def staff_users(session: Session) -> List[StaffUser]:
    return list(session.execute(sa.select(StaffUser).order_by(StaffUser.username)).scalars())
