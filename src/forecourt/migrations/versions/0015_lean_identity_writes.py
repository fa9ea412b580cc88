"""customers lose four indexes nothing reads; on SQLite blocking keys are one B-tree

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 09:00:00

Customers were indexed by phone, e-mail, name and market, but every lookup goes through the
source identities' blocking keys (candidates and search alike), so the four indexes only cost
each capture a page write apiece. On SQLite, `blocking_key` becomes a WITHOUT ROWID table: its
primary key (key, identity) is then the table itself instead of an index beside a rowid table
holding the same two columns, so each key is stored once and written once. PostgreSQL keeps the
table as it is. Downgrading restores both.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CUSTOMER_INDEXES = {
    "ix_customer_email": "email",
    "ix_customer_market_code": "market_code",
    "ix_customer_name_key": "name_key",
    "ix_customer_phone": "phone",
}


def upgrade() -> None:
    for name in CUSTOMER_INDEXES:
        op.drop_index(name, table_name="customer")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_blocking_key(with_rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_blocking_key(with_rowid=True)
    for name, column in CUSTOMER_INDEXES.items():
        op.create_index(name, "customer", [column], unique=False)


def _rebuild_blocking_key(*, with_rowid: bool) -> None:
    """Copy the keys into a table of the wanted kind, in key order, and put it in place."""
    op.create_table(
        "blocking_key_rebuilt",
        sa.Column("key", sa.String(length=240), nullable=False),
        sa.Column("identity_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["source_identity.id"],
            name="fk_blocking_key_identity_id_source_identity",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "identity_id", name="pk_blocking_key"),
        sqlite_with_rowid=with_rowid,
    )
    op.execute(
        'INSERT INTO blocking_key_rebuilt ("key", identity_id)'
        ' SELECT "key", identity_id FROM blocking_key ORDER BY "key", identity_id'
    )
    op.drop_table("blocking_key")
    op.rename_table("blocking_key_rebuilt", "blocking_key")
