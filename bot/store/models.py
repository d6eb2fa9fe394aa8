"""The app database: intakes, handoffs, the delivery outbox, staff and the audit log.

Portable types only (String, Text, Integer, Boolean, JSON, UTC timestamps) so the
same models run on SQLite (a developer, a small clinic) and PostgreSQL (scale-out).
The schema is created and changed only by the Alembic migrations beside this
module (``bot/store/migrations``); a test checks that they agree.

Other modules use the functions in ``bot.store.repository``, not these classes'
queries directly.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, declarative_base, relationship

from bot import codes
from bot.store.types import UTCDateTime, utcnow

INTAKE_STATUSES = ("in_progress", "completed", "emergency", "abandoned")
HANDOFF_STATUSES = ("pending", "delivered", "failed")  # delivery to the appointment system
REVIEW_STATUSES = ("new", "reviewed", "scheduled", "closed")  # staff work on the handoff
OUTBOX_STATUSES = ("pending", "in_flight", "delivered", "failed")
STAFF_ROLES = ("front_desk", "clinician", "admin")

# Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
Base = declarative_base(metadata=metadata)


def one_of(column: str, values: Sequence[str], name: str) -> sa.CheckConstraint:
    """A CHECK constraint limiting a text column to a fixed list (NULL allowed)."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name)


class Intake(Base):
    """One intake conversation and the record it produced."""

    __tablename__ = "intakes"
    __table_args__ = (
        one_of("status", INTAKE_STATUSES, "status"),
        one_of("channel", codes.CHANNELS, "channel"),
        one_of("urgency", codes.URGENCIES, "urgency"),
        one_of("specialist", codes.SPECIALISTS, "specialist"),
    )

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    conversation_id: Mapped[str] = sa.Column(sa.String(128), nullable=False, index=True)
    channel: Mapped[str] = sa.Column(sa.String(8), nullable=False)
    status: Mapped[str] = sa.Column(
        sa.String(16), nullable=False, default="in_progress", server_default="in_progress"
    )
    created_at: Mapped[datetime] = sa.Column(UTCDateTime(), nullable=False, default=utcnow)
    completed_at: Mapped[Optional[datetime]] = sa.Column(UTCDateTime(), nullable=True)
    urgency: Mapped[Optional[str]] = sa.Column(sa.String(16), nullable=True)
    specialist: Mapped[Optional[str]] = sa.Column(sa.String(32), nullable=True)
    record: Mapped[Dict[str, Any]] = sa.Column(sa.JSON, nullable=False)

    handoffs: Mapped[List["Handoff"]] = relationship("Handoff", back_populates="intake")

    def __repr__(self) -> str:
        return f"<Intake {self.id} {self.status}>"


class Handoff(Base):
    """One handoff to the appointment system; ``payload`` is the exact body sent."""

    __tablename__ = "handoffs"
    __table_args__ = (
        one_of("status", HANDOFF_STATUSES, "status"),
        one_of("review_status", REVIEW_STATUSES, "review_status"),
        one_of("channel", codes.CHANNELS, "channel"),
        one_of("urgency", codes.URGENCIES, "urgency"),
        one_of("specialist", codes.SPECIALISTS, "specialist"),
    )

    handoff_id: Mapped[str] = sa.Column(sa.String(36), primary_key=True)
    intake_id: Mapped[int] = sa.Column(
        sa.Integer, sa.ForeignKey("intakes.id"), nullable=False, index=True
    )
    conversation_id: Mapped[str] = sa.Column(sa.String(128), nullable=False, index=True)
    channel: Mapped[str] = sa.Column(sa.String(8), nullable=False)
    urgency: Mapped[str] = sa.Column(sa.String(16), nullable=False, index=True)
    specialist: Mapped[Optional[str]] = sa.Column(sa.String(32), nullable=True, index=True)
    created_at: Mapped[datetime] = sa.Column(
        UTCDateTime(), nullable=False, default=utcnow, index=True
    )
    # The JSON text exactly as posted (bot.handoff.schema.canonical_body), so that
    # the signature, the stored copy and every retry use the same bytes.
    payload: Mapped[str] = sa.Column(sa.Text, nullable=False)
    status: Mapped[str] = sa.Column(
        sa.String(16), nullable=False, default="pending", server_default="pending", index=True
    )
    review_status: Mapped[str] = sa.Column(
        sa.String(16), nullable=False, default="new", server_default="new", index=True
    )
    # Copied out of the payload for the staff console's search.
    patient_name: Mapped[Optional[str]] = sa.Column(sa.String(200), nullable=True)
    patient_phone: Mapped[Optional[str]] = sa.Column(sa.String(16), nullable=True, index=True)

    intake: Mapped[Intake] = relationship("Intake", back_populates="handoffs")
    outbox: Mapped[Optional["Outbox"]] = relationship(
        "Outbox", back_populates="handoff", uselist=False
    )
    notes: Mapped[List["StaffNote"]] = relationship(
        "StaffNote", back_populates="handoff", order_by="StaffNote.id"
    )
    # Staff changes of the suggested specialist (migration 0002), oldest first. The
    # payload keeps what the assistant suggested; the newest override is what applies.
    specialist_overrides: Mapped[List["SpecialistOverride"]] = relationship(
        "SpecialistOverride", back_populates="handoff", order_by="SpecialistOverride.id"
    )

    @property
    def body(self) -> bytes:
        """The exact bytes to POST (and to sign)."""
        return self.payload.encode("utf-8")

    @property
    def payload_dict(self) -> Dict[str, Any]:
        return json.loads(self.payload)

    @property
    def is_emergency(self) -> bool:
        return self.urgency in codes.EMERGENCY_URGENCIES

    @property
    def current_override(self) -> Optional["SpecialistOverride"]:
        """The newest staff change of the suggested specialist, if any."""
        return self.specialist_overrides[-1] if self.specialist_overrides else None

    @property
    def effective_specialist(self) -> Optional[str]:
        """The specialist that applies now: the newest override, else the suggestion."""
        override = self.current_override
        return override.to_specialist if override is not None else self.specialist

    def __repr__(self) -> str:
        return f"<Handoff {self.handoff_id} {self.urgency} {self.status}/{self.review_status}>"


class Outbox(Base):
    """Durable delivery queue: one row per handoff, retried until acknowledged."""

    __tablename__ = "outbox"
    __table_args__ = (
        one_of("status", OUTBOX_STATUSES, "status"),
        sa.Index("ix_outbox_due", "status", "priority", "next_attempt_at"),
    )

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    handoff_id: Mapped[str] = sa.Column(
        sa.String(36), sa.ForeignKey("handoffs.handoff_id"), nullable=False, unique=True
    )
    priority: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=10, server_default="10")
    attempts: Mapped[int] = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = sa.Column(UTCDateTime(), nullable=False, default=utcnow)
    last_error: Mapped[Optional[str]] = sa.Column(sa.Text, nullable=True)
    status: Mapped[str] = sa.Column(
        sa.String(16), nullable=False, default="pending", server_default="pending"
    )
    claimed_by: Mapped[Optional[str]] = sa.Column(sa.String(128), nullable=True)
    claimed_at: Mapped[Optional[datetime]] = sa.Column(UTCDateTime(), nullable=True)
    delivered_at: Mapped[Optional[datetime]] = sa.Column(UTCDateTime(), nullable=True)

    handoff: Mapped[Handoff] = relationship("Handoff", back_populates="outbox")

    def __repr__(self) -> str:
        return f"<Outbox {self.id} {self.handoff_id} {self.status} attempts={self.attempts}>"


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (one_of("role", STAFF_ROLES, "role"),)

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    username: Mapped[str] = sa.Column(sa.String(64), nullable=False, unique=True)
    password_hash: Mapped[str] = sa.Column(sa.String(255), nullable=False)
    role: Mapped[str] = sa.Column(sa.String(16), nullable=False)
    failed_logins: Mapped[int] = sa.Column(
        sa.Integer, nullable=False, default=0, server_default="0"
    )
    locked_until: Mapped[Optional[datetime]] = sa.Column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = sa.Column(UTCDateTime(), nullable=False, default=utcnow)
    active: Mapped[bool] = sa.Column(
        sa.Boolean, nullable=False, default=True, server_default=sa.true()
    )

    def __repr__(self) -> str:
        return f"<StaffUser {self.username} {self.role}>"


class AuditEvent(Base):
    """Who did what, when. Append-only: the ORM refuses updates and deletes."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    at: Mapped[datetime] = sa.Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    actor: Mapped[str] = sa.Column(sa.String(128), nullable=False)
    action: Mapped[str] = sa.Column(sa.String(64), nullable=False)
    target_type: Mapped[Optional[str]] = sa.Column(sa.String(32), nullable=True)
    target_id: Mapped[Optional[str]] = sa.Column(sa.String(64), nullable=True)
    detail: Mapped[Optional[Dict[str, Any]]] = sa.Column(sa.JSON, nullable=True)
    remote_addr: Mapped[Optional[str]] = sa.Column(sa.String(64), nullable=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.actor} {self.action} {self.target_type}:{self.target_id}>"


class StaffNote(Base):
    __tablename__ = "staff_notes"

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    handoff_id: Mapped[str] = sa.Column(
        sa.String(36), sa.ForeignKey("handoffs.handoff_id"), nullable=False, index=True
    )
    author: Mapped[str] = sa.Column(sa.String(64), nullable=False)
    at: Mapped[datetime] = sa.Column(UTCDateTime(), nullable=False, default=utcnow)
    text: Mapped[str] = sa.Column(sa.Text, nullable=False)

    handoff: Mapped[Handoff] = relationship("Handoff", back_populates="notes")


class SpecialistOverride(Base):
    """A clinician changed the suggested specialist of a handoff, with a reason (0002).

    One row per change, never edited: the newest row for a handoff is the specialist
    that applies now (``Handoff.effective_specialist``); the handoff's payload and
    ``specialist`` column keep what the assistant suggested.
    """

    __tablename__ = "specialist_overrides"
    __table_args__ = (
        one_of("from_specialist", codes.SPECIALISTS, "from_specialist"),
        one_of("to_specialist", codes.SPECIALISTS, "to_specialist"),
    )

    id: Mapped[int] = sa.Column(sa.Integer, primary_key=True)
    handoff_id: Mapped[str] = sa.Column(
        sa.String(36), sa.ForeignKey("handoffs.handoff_id"), nullable=False, index=True
    )
    from_specialist: Mapped[Optional[str]] = sa.Column(sa.String(32), nullable=True)
    to_specialist: Mapped[str] = sa.Column(sa.String(32), nullable=False)
    reason: Mapped[str] = sa.Column(sa.Text, nullable=False)
    actor: Mapped[str] = sa.Column(sa.String(64), nullable=False)
    at: Mapped[datetime] = sa.Column(UTCDateTime(), nullable=False, default=utcnow)

    handoff: Mapped[Handoff] = relationship("Handoff", back_populates="specialist_overrides")

    def __repr__(self) -> str:
        return f"<SpecialistOverride {self.id} {self.handoff_id} {self.from_specialist}->{self.to_specialist}>"


class SmsConsent(Base):
    """Per phone number: has the patient opted out of text messages (STOP)?"""

    __tablename__ = "sms_consent"

    phone: Mapped[str] = sa.Column(sa.String(16), primary_key=True)  # E.164
    opted_out: Mapped[bool] = sa.Column(
        sa.Boolean, nullable=False, default=False, server_default=sa.false()
    )
    updated_at: Mapped[datetime] = sa.Column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )
    first_contact_at: Mapped[datetime] = sa.Column(UTCDateTime(), nullable=False, default=utcnow)


class SmsChoices(Base):
    """Per phone number: the numbered choices last texted (migration 0003).

    The SMS channel (bot/channels/sms.py) turns buttons into "Reply 1 for Yes, 2 for
    No" and keeps them here, so that a later "1" means what the patient saw, on any
    rasa server and after a restart. ``choices`` is a list of ``{"title", "payload"}``;
    ``prompt`` is the question they belong to (re-sent after START). No patient words.
    """

    __tablename__ = "sms_choices"

    phone: Mapped[str] = sa.Column(sa.String(16), primary_key=True)  # E.164
    choices: Mapped[List[Dict[str, str]]] = sa.Column(sa.JSON, nullable=False)
    prompt: Mapped[Optional[str]] = sa.Column(sa.Text, nullable=True)
    sent_at: Mapped[datetime] = sa.Column(UTCDateTime(), nullable=False, default=utcnow)


# -- append-only audit log --------------------------------------------------------
class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove an audit event through the ORM."""


def _refuse_change(mapper: Any, connection: Any, target: AuditEvent) -> None:
    raise AppendOnlyError("audit events are append-only: they cannot be updated or deleted")


event.listen(AuditEvent, "before_update", _refuse_change)
event.listen(AuditEvent, "before_delete", _refuse_change)


def _refuse_override_change(mapper: Any, connection: Any, target: "SpecialistOverride") -> None:
    raise AppendOnlyError(
        "specialist overrides are append-only: make a new one instead of changing one")


event.listen(SpecialistOverride, "before_update", _refuse_override_change)
event.listen(SpecialistOverride, "before_delete", _refuse_override_change)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: Any) -> None:
    """Also refuse ``session.execute(update(AuditEvent) / delete(AuditEvent))``."""
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None and getattr(table, "name", None) == AuditEvent.__tablename__:
            raise AppendOnlyError(
                "audit events are append-only: they cannot be updated or deleted"
            )
