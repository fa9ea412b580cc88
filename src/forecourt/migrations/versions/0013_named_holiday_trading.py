"""dealers and markets that trade on some public holidays only, named

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 12:00:00

`open_on_holidays` keeps saying whether a dealer (or a market's dealers) trades on public
holidays; the new `traded_holidays` names the only ones it trades on (null: all of them). Rows
written before keep their meaning. Downgrading drops the names: a dealer that traded on some
holidays then trades on all of them, as it did under 0012.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TABLES = ("dealer", "routing_policy")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("traded_holidays", JSON, nullable=True))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("traded_holidays")
