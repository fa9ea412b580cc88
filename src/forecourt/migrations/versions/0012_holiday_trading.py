"""dealers that trade on public holidays: per dealer, and as a market's routing default

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dealer", schema=None) as batch_op:
        # Null: the dealer follows its market's routing policy.
        batch_op.add_column(sa.Column("open_on_holidays", sa.Boolean(), nullable=True))
    with op.batch_alter_table("routing_policy", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("open_on_holidays", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("routing_policy", schema=None) as batch_op:
        batch_op.drop_column("open_on_holidays")
    with op.batch_alter_table("dealer", schema=None) as batch_op:
        batch_op.drop_column("open_on_holidays")
