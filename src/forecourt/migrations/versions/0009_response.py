"""response SLAs, contact attempts and speed-to-lead

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_due_at", _AT, nullable=True))
        batch_op.add_column(sa.Column("first_response_at", _AT, nullable=True))
        batch_op.add_column(
            sa.Column("sla_breaches", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("accepted_at", _AT, nullable=True))
        batch_op.add_column(sa.Column("escalated_at", _AT, nullable=True))
        batch_op.add_column(sa.Column("status_reason", sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f("ix_lead_response_due_at"), ["response_due_at"])
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.alter_column("sla_breaches", server_default=None)
    _create_response_clock()
    _create_contact_attempt()
    _create_decline()


def _create_response_clock() -> None:
    op.create_table(
        "lead_response_clock",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("dealer_id", sa.Uuid(), nullable=False),
        sa.Column("market_code", sa.String(length=2), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("target_minutes", sa.Integer(), nullable=False),
        sa.Column("started_at", _AT, nullable=False),
        sa.Column("warn_at", _AT, nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("warned_at", _AT, nullable=True),
        sa.Column("breached_at", _AT, nullable=True),
        sa.Column("stopped_at", _AT, nullable=True),
        sa.Column("responded_at", _AT, nullable=True),
        sa.Column("response_seconds", sa.Integer(), nullable=True),
        sa.Column("business_seconds", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'responded', 'breached', 'superseded')",
            name=op.f("ck_lead_response_clock_state"),
        ),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealer.id"], name=op.f("fk_lead_response_clock_dealer_id_dealer")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_lead_response_clock_lead_id_lead")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_response_clock")),
    )
    with op.batch_alter_table("lead_response_clock", schema=None) as batch_op:
        batch_op.create_index("ix_lead_response_clock_dealer", ["dealer_id", "started_at"])
        batch_op.create_index("ix_lead_response_clock_lead", ["lead_id", "started_at"])
        batch_op.create_index("ix_lead_response_clock_market", ["market_code", "started_at"])


def _create_contact_attempt() -> None:
    op.create_table(
        "lead_contact_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("dealer_id", sa.Uuid(), nullable=False),
        sa.Column("staff_user_id", sa.Uuid(), nullable=False),
        sa.Column("staff_email", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("occurred_at", _AT, nullable=False),
        sa.Column("recorded_at", _AT, nullable=False),
        sa.Column("client_key", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "channel IN ('call', 'email', 'sms', 'wechat', 'visit')",
            name=op.f("ck_lead_contact_attempt_channel"),
        ),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealer.id"], name=op.f("fk_lead_contact_attempt_dealer_id_dealer")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_lead_contact_attempt_lead_id_lead")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_contact_attempt")),
        sa.UniqueConstraint(
            "lead_id", "client_key", name=op.f("uq_lead_contact_attempt_lead_id_client_key")
        ),
    )
    with op.batch_alter_table("lead_contact_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_lead_contact_attempt_lead", ["lead_id", "occurred_at"])


def _create_decline() -> None:
    op.create_table(
        "lead_decline",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("dealer_id", sa.Uuid(), nullable=False),
        sa.Column("staff_user_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealer.id"], name=op.f("fk_lead_decline_dealer_id_dealer")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_lead_decline_lead_id_lead")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_decline")),
        sa.UniqueConstraint("lead_id", "dealer_id", name=op.f("uq_lead_decline_lead_id_dealer_id")),
    )


def downgrade() -> None:
    op.drop_table("lead_decline")
    with op.batch_alter_table("lead_contact_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_contact_attempt_lead")
    op.drop_table("lead_contact_attempt")
    with op.batch_alter_table("lead_response_clock", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_response_clock_market")
        batch_op.drop_index("ix_lead_response_clock_lead")
        batch_op.drop_index("ix_lead_response_clock_dealer")
    op.drop_table("lead_response_clock")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_response_due_at"))
        for column in (
            "status_reason",
            "escalated_at",
            "accepted_at",
            "sla_breaches",
            "first_response_at",
            "response_due_at",
        ):
            batch_op.drop_column(column)
