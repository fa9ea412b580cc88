"""dealers keep the public holidays of their state or province besides their country's

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 09:00:00

`subdivision` is the code the `holidays` package takes for the dealer's country ("BY" for
Bavaria, "BE" for Berlin). Existing dealers get none and keep their country's national holidays
only, as before; `forecourt seed` gives the seeded ones theirs. Downgrading drops the column.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dealer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subdivision", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dealer", schema=None) as batch_op:
        batch_op.drop_column("subdivision")
