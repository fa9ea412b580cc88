"""lead scoring, routing decisions and assignments

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    _dealer_tables()
    _lead_tables()
    with op.batch_alter_table("dealer_staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shifts", JSON, nullable=True))
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("score", sa.Double(), nullable=True))
        batch_op.add_column(
            sa.Column("score_reasons", JSON, nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("priority", sa.String(length=6), nullable=False, server_default="normal")
        )
        batch_op.add_column(sa.Column("assigned_staff_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("routing_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_lead_assigned_staff_id", ["assigned_staff_id"], unique=False)
        batch_op.create_index("ix_lead_dealer_status", ["dealer_id", "status"], unique=False)
        batch_op.create_foreign_key(
            "fk_lead_assigned_staff_id_dealer_staff", "dealer_staff", ["assigned_staff_id"], ["id"]
        )


def _dealer_tables() -> None:
    op.create_table(
        "routing_policy",
        sa.Column("market_code", sa.String(length=2), nullable=False),
        sa.Column("brand_dealers_first", sa.Boolean(), nullable=False),
        sa.Column("staff_assignment", sa.String(length=12), nullable=False),
        sa.Column("radii_km", JSON, nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "staff_assignment IN ('round_robin', 'least_busy')",
            name=op.f("ck_routing_policy_staff_assignment"),
        ),
        sa.CheckConstraint("max_attempts >= 1", name=op.f("ck_routing_policy_max_attempts")),
        sa.ForeignKeyConstraint(
            ["market_code"], ["market.code"], name=op.f("fk_routing_policy_market_code_market")
        ),
        sa.PrimaryKeyConstraint("market_code", name=op.f("pk_routing_policy")),
    )
    op.create_table(
        "dealer_daily_load",
        sa.Column("dealer_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"],
            ["dealer.id"],
            name=op.f("fk_dealer_daily_load_dealer_id_dealer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dealer_id", "day", name=op.f("pk_dealer_daily_load")),
    )
    op.create_table(
        "dealer_network_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dealer_network_version")),
    )


def _lead_tables() -> None:
    op.create_table(
        "routing_decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("trigger_reason", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=True),
        sa.Column("dealer_id", sa.Uuid(), nullable=True),
        sa.Column("dealer_code", sa.String(length=16), nullable=True),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("distance_km", sa.Double(), nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("candidates", JSON, nullable=False),
        sa.Column("network_stamp", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealer.id"], name=op.f("fk_routing_decision_dealer_id_dealer")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["lead.id"],
            name=op.f("fk_routing_decision_lead_id_lead"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["dealer_staff.id"],
            name=op.f("fk_routing_decision_staff_id_dealer_staff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_decision")),
    )
    op.create_index(
        "ix_routing_decision_lead", "routing_decision", ["lead_id", "attempt"], unique=False
    )
    op.create_table(
        "lead_score_model",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcomes", sa.Integer(), nullable=False),
        sa.Column("rates", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_score_model")),
    )
    op.create_index(
        "ix_lead_score_model_trained_at", "lead_score_model", ["trained_at"], unique=False
    )


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_constraint("fk_lead_assigned_staff_id_dealer_staff", type_="foreignkey")
        batch_op.drop_index("ix_lead_dealer_status")
        batch_op.drop_index("ix_lead_assigned_staff_id")
        for column in (
            "routing_attempts",
            "assigned_at",
            "assigned_staff_id",
            "priority",
            "score_reasons",
            "score",
            "longitude",
            "latitude",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("dealer_staff", schema=None) as batch_op:
        batch_op.drop_column("shifts")
    op.drop_index("ix_lead_score_model_trained_at", table_name="lead_score_model")
    op.drop_table("lead_score_model")
    op.drop_index("ix_routing_decision_lead", table_name="routing_decision")
    op.drop_table("routing_decision")
    op.drop_table("dealer_network_version")
    op.drop_table("dealer_daily_load")
    op.drop_table("routing_policy")
