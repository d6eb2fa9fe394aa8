"""Specialist overrides: staff change the suggested specialist of a handoff, with a reason.

Revision ID: 0002
Revises: 0001
Create Date: staff console (issue 6)

A new table only; nothing in 0001 changes. The handoff's payload and its
``specialist`` column keep what the assistant suggested; the newest row here for a
handoff is the specialist that applies now. The code list is written out, as in
0001, so that this migration stays a snapshot.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SPECIALISTS = "'spine_surgery', 'pain_management', 'podiatry', 'sports_medicine', 'staff_review'"


def upgrade() -> None:
    op.create_table(
        "specialist_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.String(length=36), nullable=False),
        sa.Column("from_specialist", sa.String(length=32), nullable=True),
        sa.Column("to_specialist", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"from_specialist IN ({SPECIALISTS})",
            name=op.f("ck_specialist_overrides_from_specialist"),
        ),
        sa.CheckConstraint(
            f"to_specialist IN ({SPECIALISTS})",
            name=op.f("ck_specialist_overrides_to_specialist"),
        ),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.handoff_id"],
            name=op.f("fk_specialist_overrides_handoff_id_handoffs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specialist_overrides")),
    )
    op.create_index(
        op.f("ix_specialist_overrides_handoff_id"), "specialist_overrides", ["handoff_id"]
    )


def downgrade() -> None:
    op.drop_table("specialist_overrides")
