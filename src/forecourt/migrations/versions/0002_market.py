"""market: tables of the market feature.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "market",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("drive_side", sa.String(length=3), nullable=False),
        sa.Column("rollout_phase", sa.Integer(), nullable=False),
        sa.Column("launch_date", sa.Date(), nullable=False),
        sa.Column("data_region", sa.String(length=3), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "consent_rules",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("drive_side IN ('lhd', 'rhd')", name=op.f("ck_market_drive_side")),
        sa.CheckConstraint(
            "data_region IN ('cn', 'eu', 'row')", name=op.f("ck_market_data_region")
        ),
        sa.CheckConstraint("rollout_phase >= 1", name=op.f("ck_market_rollout_phase")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_market")),
    )


def downgrade() -> None:
    op.drop_table("market")
