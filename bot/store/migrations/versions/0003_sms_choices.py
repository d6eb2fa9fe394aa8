"""SMS choices: the numbered choices last texted to each phone number.

Revision ID: 0003
Revises: 0002
Create Date: SMS channel (bot/channels/sms.py)

A new table only; nothing in 0001 or 0002 changes. The SMS connector writes one row
per number after each reply that offered choices ("Reply 1 for Yes, 2 for No") and
reads it when the next message arrives, so "1" maps back to the first choice's
payload on any rasa server, after a restart, and when the reply went out later
through the Twilio REST API.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_choices",
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_sms_choices")),
    )


def downgrade() -> None:
    op.drop_table("sms_choices")
