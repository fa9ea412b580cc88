"""indexes of the live activity view: leads by arrival, clocks by warning and breach

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index("ix_lead_received_at", ["received_at"])
    with op.batch_alter_table("lead_response_clock", schema=None) as batch_op:
        batch_op.create_index("ix_lead_response_clock_warned_at", ["warned_at"])
        batch_op.create_index("ix_lead_response_clock_breached_at", ["breached_at"])


def downgrade() -> None:
    with op.batch_alter_table("lead_response_clock", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_response_clock_breached_at")
        batch_op.drop_index("ix_lead_response_clock_warned_at")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_received_at")
