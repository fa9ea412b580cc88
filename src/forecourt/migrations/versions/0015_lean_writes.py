"""indexes nothing reads go; on SQLite blocking keys are one B-tree

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 09:00:00

Customers were indexed by phone, e-mail, name and market, but every lookup goes through the
source identities' blocking keys (candidates and search alike), so the four indexes only cost
each capture a page write apiece. Leads lose two such indexes too: the dealer's alone (every
query by dealer also reads the status, and ix_lead_dealer_status starts with the dealer) and
the assigned staff member's (counted per dealer only).

On SQLite, `blocking_key` becomes a WITHOUT ROWID table: its primary key (key, identity) is
then the table itself instead of an index beside a rowid table holding the same two columns,
so each key is stored once and written once. PostgreSQL keeps the table as it is.
Downgrading restores both.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, index) → column
UNREAD_INDEXES = {
    ("customer", "ix_customer_email"): "email",
    ("customer", "ix_customer_market_code"): "market_code",
    ("customer", "ix_customer_name_key"): "name_key",
    ("customer", "ix_customer_phone"): "phone",
    ("lead", "ix_lead_dealer_id"): "dealer_id",
    ("lead", "ix_lead_assigned_staff_id"): "assigned_staff_id",
}


def upgrade() -> None:
    for table, name in UNREAD_INDEXES:
        op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_blocking_key(with_rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_blocking_key(with_rowid=True)
    for (table, name), column in UNREAD_INDEXES.items():
        op.create_index(name, table, [column], unique=False)


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
