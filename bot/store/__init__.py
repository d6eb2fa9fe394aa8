"""The app database: models, engine and sessions, migrations and the repository API.

Importing this package does not connect to anything. Typical use::

    from bot.store import init_db, session_scope, save_handoff

    init_db()                      # alembic upgrade head (DATABASE_URL or var/intake.db)
    with session_scope() as session:
        save_handoff(session, record_dict=..., payload=..., ...)
"""
from bot.store.engine import database_url, dispose_engines, get_engine, get_sessionmaker, session_scope
from bot.store.migrate import current_revision, downgrade_db, head_revision, init_db, is_up_to_date
from bot.store.models import (
    HANDOFF_STATUSES,
    INTAKE_STATUSES,
    OUTBOX_STATUSES,
    REVIEW_STATUSES,
    STAFF_ROLES,
    AppendOnlyError,
    AuditEvent,
    Handoff,
    Intake,
    Outbox,
    SmsConsent,
    StaffNote,
    StaffUser,
)
from bot.store.repository import (
    DEFAULT_PRIORITY,
    EMERGENCY_PRIORITY,
    add_staff_note,
    audit,
    claim_outbox,
    create_staff_user,
    get_handoff,
    get_outbox,
    get_sms_consent,
    get_staff_user,
    is_locked,
    is_opted_out,
    list_audit,
    list_handoffs,
    list_staff_notes,
    note_sms_contact,
    outbox_counts,
    priority_for,
    record_delivery,
    record_failure,
    record_login,
    requeue_outbox,
    save_handoff,
    set_review_status,
    set_sms_opt_out,
)

__all__ = [name for name in dir() if not name.startswith("_")]
