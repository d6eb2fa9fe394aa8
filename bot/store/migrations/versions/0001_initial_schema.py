"""Initial schema: intakes, handoffs, outbox, staff users, audit events, staff notes, SMS consent.

Revision ID: 0001
Revises:
Create Date: first release

Written by hand from an autogenerate draft, with portable types only (the same
file runs on SQLite and PostgreSQL) and the code lists written out, so that the
migration stays a snapshot even when bot.codes changes later.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CHANNELS = "'web', 'sms', 'rest'"
URGENCIES = "'emergency_911', 'emergency_ed', 'urgent_24h', 'routine'"
SPECIALISTS = "'spine_surgery', 'pain_management', 'podiatry', 'sports_medicine', 'staff_review'"


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "intakes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="in_progress", nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("completed_at", _utc(), nullable=True),
        sa.Column("urgency", sa.String(length=16), nullable=True),
        sa.Column("specialist", sa.String(length=32), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.CheckConstraint(f"channel IN ({CHANNELS})", name=op.f("ck_intakes_channel")),
        sa.CheckConstraint(f"specialist IN ({SPECIALISTS})", name=op.f("ck_intakes_specialist")),
        sa.CheckConstraint(
            "status IN ('in_progress', 'completed', 'emergency', 'abandoned')",
            name=op.f("ck_intakes_status"),
        ),
        sa.CheckConstraint(f"urgency IN ({URGENCIES})", name=op.f("ck_intakes_urgency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intakes")),
    )
    op.create_index(op.f("ix_intakes_conversation_id"), "intakes", ["conversation_id"])

    op.create_table(
        "handoffs",
        sa.Column("handoff_id", sa.String(length=36), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("specialist", sa.String(length=32), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("review_status", sa.String(length=16), server_default="new", nullable=False),
        sa.Column("patient_name", sa.String(length=200), nullable=True),
        sa.Column("patient_phone", sa.String(length=16), nullable=True),
        sa.CheckConstraint(f"channel IN ({CHANNELS})", name=op.f("ck_handoffs_channel")),
        sa.CheckConstraint(
            "review_status IN ('new', 'reviewed', 'scheduled', 'closed')",
            name=op.f("ck_handoffs_review_status"),
        ),
        sa.CheckConstraint(f"specialist IN ({SPECIALISTS})", name=op.f("ck_handoffs_specialist")),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name=op.f("ck_handoffs_status")
        ),
        sa.CheckConstraint(f"urgency IN ({URGENCIES})", name=op.f("ck_handoffs_urgency")),
        sa.ForeignKeyConstraint(
            ["intake_id"], ["intakes.id"], name=op.f("fk_handoffs_intake_id_intakes")
        ),
        sa.PrimaryKeyConstraint("handoff_id", name=op.f("pk_handoffs")),
    )
    for column in (
        "conversation_id", "created_at", "intake_id", "patient_phone",
        "review_status", "specialist", "status", "urgency",
    ):
        op.create_index(op.f(f"ix_handoffs_{column}"), "handoffs", [column])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.String(length=36), nullable=False),
        sa.Column("priority", sa.Integer(), server_default="10", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claimed_at", _utc(), nullable=True),
        sa.Column("delivered_at", _utc(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'in_flight', 'delivered', 'failed')",
            name=op.f("ck_outbox_status"),
        ),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.handoff_id"], name=op.f("fk_outbox_handoff_id_handoffs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("handoff_id", name=op.f("uq_outbox_handoff_id")),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "priority", "next_attempt_at"])

    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint(
            "role IN ('front_desk', 'clinician', 'admin')", name=op.f("ck_staff_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_users_username")),
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])
    op.create_index("ix_audit_events_target", "audit_events", ["target_type", "target_id"])

    op.create_table(
        "staff_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.String(length=36), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.handoff_id"],
            name=op.f("fk_staff_notes_handoff_id_handoffs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_notes")),
    )
    op.create_index(op.f("ix_staff_notes_handoff_id"), "staff_notes", ["handoff_id"])

    op.create_table(
        "sms_consent",
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("opted_out", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("first_contact_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_sms_consent")),
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; children before parents.
    for table in (
        "sms_consent", "staff_notes", "audit_events", "staff_users", "outbox", "handoffs", "intakes",
    ):
        op.drop_table(table)
